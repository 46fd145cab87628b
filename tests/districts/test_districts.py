"""Many districts in one deployment (issue 19): versions, publication, lookup, intake and import
per district."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from app.errors import ValidationError
from app.grids.queries import city_outline
from app.grids.service import import_grids
from app.models import BoundaryVersion, Grid, Report
from app.models.boundary import published_version
from tests.districts.helpers import (IN_FIRST, IN_SECOND, OUTSIDE, SECOND, SECOND_EAST, SECOND_WEST,
                                     second_collection)
from tests.plan.conftest import box, post

FIRST = "410102"
FIRST_WEST = "410102001001001"


def _current(db, district):
    return {r.code: r.id for r in db.session.execute(text(
        "SELECT code, id FROM grid_current WHERE district_code = :d"), {"d": district})}


def test_each_district_has_its_own_published_version_and_generations(db, two_districts):
    first, second = published_version(FIRST), published_version(SECOND)
    assert first.id != second.id and first.district_code == FIRST and second.district_code == SECOND
    # Generations are numbered per district: both start at 1.
    assert first.generation == 1 and second.generation == 1
    assert published_version().id == first.id  # the default: GRIDMAP_DISTRICT_CODE
    rows = db.session.execute(select(Grid.district_code, Grid.code).where(Grid.draft_id.is_(None))).all()
    assert all(code.startswith(district) for district, code in rows)
    assert {d for d, _ in rows} == {FIRST, SECOND}


def test_publishing_in_one_district_leaves_the_other_untouched(client, db, two_districts):
    first_before, second_before = _current(db, FIRST), _current(db, SECOND)
    first_version = published_version(FIRST).id
    res = client.post("/api/v1/drafts", json={"note": "二七区调整", "effective_date": "2026-07-01",
                                              "district_code": SECOND})
    assert res.status_code == 201, res.get_json()
    draft = res.get_json()
    assert draft["district_code"] == SECOND and draft["base_generation"] == 1
    # The draft sees only its district's grids.
    codes = {f["properties"]["code"]
             for f in client.get(f"/api/v1/grids?version={draft['id']}").get_json()["features"]}
    assert codes and all(c.startswith(SECOND) for c in codes)
    d = post(client, draft, "reshape", {"code": SECOND_WEST, "geometry": box(113.60, 34.72, 113.625, 34.74)})["draft"]
    d = post(client, d, "reshape", {"code": SECOND_EAST, "geometry": box(113.625, 34.72, 113.64, 34.74)})["draft"]
    res = client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"], "when": "now"})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["generation"] == 2 and body["version"]["district_code"] == SECOND
    db.session.expire_all()
    # District 410102: the same current rows (same ids), the same published version at generation 1.
    assert _current(db, FIRST) == first_before
    assert published_version(FIRST).id == first_version and published_version(FIRST).generation == 1
    # District 410103: its reshaped grids are new rows of its generation 2.
    after = _current(db, SECOND)
    assert after.keys() == second_before.keys() and after[SECOND_WEST] != second_before[SECOND_WEST]
    assert published_version(SECOND).generation == 2
    assert db.session.scalar(select(Grid.generation_low).where(Grid.id == after[SECOND_WEST])) == 2
    statuses = db.session.execute(select(BoundaryVersion.district_code, BoundaryVersion.status)).all()
    assert sorted(statuses) == [(FIRST, "published"), (SECOND, "published"), (SECOND, "retired")]


def test_lookup_finds_each_districts_chain(client, two_districts):
    for (lon, lat), district, leaf in ((IN_FIRST, FIRST, "41010200100100101"), (IN_SECOND, SECOND, SECOND_WEST)):
        body = client.get(f"/api/v1/lookup?lon={lon}&lat={lat}").get_json()
        chain = [g["code"] for g in body["chain"]]
        assert chain[0] == district and chain[-1] == leaf and all(c.startswith(district) for c in chain)
    assert client.get(f"/api/v1/lookup?lon={OUTSIDE[0]}&lat={OUTSIDE[1]}").status_code == 404


def test_intake_files_a_report_under_its_grids_district(client, db, two_districts):
    tickets = {}
    for name, (lon, lat) in (("first", IN_FIRST), ("second", IN_SECOND), ("outside", OUTSIDE)):
        res = client.post("/api/v1/reports", json={"category": "0402", "description": "违停", "lon": lon, "lat": lat})
        assert res.status_code == 201, res.get_json()
        tickets[name] = res.get_json()["ticket"]
    rows = {r.ticket: r for r in db.session.scalars(select(Report))}
    first, second, outside = (rows[tickets[k]] for k in ("first", "second", "outside"))
    assert first.district_code == FIRST and not first.out_of_coverage
    assert second.district_code == SECOND and not second.out_of_coverage
    assert db.session.get(Grid, second.grid_id).code == SECOND_WEST and second.generation == 1
    # Outside every district: the default district, no grid, flagged.
    assert outside.district_code == FIRST and outside.grid_id is None and outside.out_of_coverage
    # The first row of each history carries its report's district.
    history = dict(db.session.execute(text("SELECT r.ticket, t.district_code FROM report_transition t "
                                           "JOIN report r ON r.district_code = t.district_code AND r.id = t.report_id")).all())
    assert history == {tickets["first"]: FIRST, tickets["second"]: SECOND, tickets["outside"]: FIRST}


def test_bulk_import_of_reports_splits_by_district(db, two_districts):
    from app.reports.service import import_reports

    rows = [{"category": "0102", "channel": "worker_app", "description": f"点{i}", "lon": x, "lat": y}
            for i, (x, y) in enumerate((IN_FIRST, IN_SECOND, OUTSIDE, IN_SECOND))]
    result = import_reports(rows, commit=False)
    assert not result.errors and result.stored == 4
    got = db.session.execute(text("SELECT description, district_code, grid_id IS NOT NULL FROM report "
                                  "ORDER BY id")).all()
    assert got == [("点0", FIRST, True), ("点1", SECOND, True), ("点2", FIRST, False), ("点3", SECOND, True)]


def test_import_refuses_codes_of_another_district(db, two_districts):
    # Codes of 410105 into the default district 410102: refused, naming the field.
    with pytest.raises(ValidationError) as caught:
        import_grids(second_collection("410105"), district_code=FIRST)
    assert caught.value.details["field"] == "district_code"
    assert {e["reason"] for e in caught.value.details["errors"]} == {"other_district"}
    # An unknown district.
    with pytest.raises(ValidationError) as caught:
        import_grids(second_collection("410108"), district_code="410108")
    assert caught.value.details["field"] == "district_code"


def test_import_api_names_the_district_and_answers_in_chinese(client, db, two_districts):
    res = client.post("/api/v1/grids/import?district_code=410102", json=second_collection("410105"),
                      headers={"Accept-Language": "zh"})
    assert res.status_code == 422
    body = res.get_json()
    text_ = json.dumps(body, ensure_ascii=False)
    assert "district_code" in text_ and "410105001" in text_
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text_)  # the message is in Chinese


def test_city_outline_is_the_union_of_the_district_roots(db, two_districts):
    outline = city_outline()
    assert outline["districts"] == [FIRST, SECOND]
    import shapely.geometry

    shape = shapely.geometry.shape(outline["geometry"])
    # Two boxes sharing an edge: one box 113.60-113.64 x 34.72-34.76.
    assert shape.area == pytest.approx(0.04 * 0.04, rel=1e-6)


def test_impact_preview_compares_one_districts_grids(client, db, two_districts):
    def draft_in(district):
        res = client.post("/api/v1/drafts", json={"note": "调整", "effective_date": "2026-07-01",
                                                  "district_code": district})
        assert res.status_code == 201, res.get_json()
        return res.get_json()

    d = draft_in(SECOND)
    d = post(client, d, "reshape", {"code": SECOND_WEST, "geometry": box(113.60, 34.72, 113.625, 34.74)})["draft"]
    d = post(client, d, "reshape", {"code": SECOND_EAST, "geometry": box(113.625, 34.72, 113.64, 34.74)})["draft"]
    changed = {g["code"] for g in client.get(f"/api/v1/versions/{d['id']}/impact").get_json()["grids"]}
    assert changed == {SECOND_WEST, SECOND_EAST}
    res = client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"], "when": "now"})
    assert res.status_code == 200, res.get_json()
    # District 410102 (still at generation 1) next to 410103's generation 2: its impact lists only its grids.
    d = draft_in(FIRST)
    d = post(client, d, "reshape", {"code": FIRST_WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]
    body = client.get(f"/api/v1/versions/{d['id']}/impact").get_json()
    assert body["grids"] and all(g["code"].startswith(FIRST) for g in body["grids"])


def test_cli_import_names_its_district(cli, db, sample, tmp_path):
    from tests.districts.helpers import add_district

    path = tmp_path / "erqi.geojson"
    path.write_text(json.dumps(second_collection(), ensure_ascii=False), encoding="utf-8")
    refused = cli.invoke(args=["grids", "import", str(path)])  # default district 410102
    assert refused.exit_code == 1 and "other_district" not in refused.output
    assert "not in district 410102" in refused.output and "district_code" in refused.output
    add_district(db, SECOND)
    done = cli.invoke(args=["grids", "import", str(path), "--district", SECOND])
    assert done.exit_code == 0, done.output
    assert published_version(SECOND).generation == 1


def test_a_level_import_into_a_draft_refuses_another_districts_codes(client, db, two_districts):
    from tests.plan.helpers import import_file

    res = client.post("/api/v1/drafts", json={"note": "导入", "effective_date": "2026-07-01"})
    draft = res.get_json()
    assert draft["district_code"] == FIRST
    grids_of_second = {"type": "FeatureCollection",
                       "features": [f for f in second_collection()["features"] if f["properties"]["level"] == "grid"]}
    status, body = import_file(client, draft["id"], json.dumps(grids_of_second).encode(), "grids.geojson",
                               row_version=draft["row_version"], level="grid")
    assert status == 422, body
    errors = body["error"]["details"]["errors"]
    assert {e["reason"] for e in errors} == {"other_district"} and {e["code"] for e in errors} == {
        SECOND_WEST, SECOND_EAST}


def test_a_level_import_cannot_aim_at_another_districts_grid(client, db, two_districts):
    """Issue 19 gap: parent= naming another district's grid (its generation numbers match this draft's
    base) is no grid of this draft; the level import's SQL reads this district's rows only."""
    from tests.plan.helpers import import_file

    draft = client.post("/api/v1/drafts", json={"note": "导入", "effective_date": "2026-07-01"}).get_json()
    assert draft["district_code"] == FIRST
    ours = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "410102009", "name": "新街道", "level": "subdistrict"},
         "geometry": box(113.60, 34.72, 113.64, 34.74)}]}
    status, body = import_file(client, draft["id"], json.dumps(ours).encode(), "sub.geojson",
                               row_version=draft["row_version"], level="subdistrict", parent=SECOND)
    assert status == 422, body
    assert body["error"]["details"]["field"] == "parent"
    codes = db.session.execute(text("SELECT code FROM grid WHERE draft_id = :d"), {"d": draft["id"]}).scalars().all()
    assert not [c for c in codes if c.startswith(SECOND)]


def test_a_draft_edit_never_writes_another_districts_code(client, db, two_districts):
    """Every edit of a draft (the editor's, an import, a rebase's replay) is checked where it is written:
    a grid whose code is not the draft's district's is refused with the import's message."""
    from app.plan import edits
    from app.plan.drafts import lock
    from geo.planning import Edit, Node
    from tests.samples import box as shape_box
    import shapely.geometry

    draft = client.post("/api/v1/drafts", json={"note": "x", "effective_date": "2026-07-01"}).get_json()

    def compute(d):
        family = edits.fam.load(d, codes=[FIRST])
        node = Node(SECOND, "二七区", "district", "regular", None,
                    shapely.geometry.shape(shape_box(113.60, 34.72, 113.64, 34.74)), None, None, in_base=False)
        return family, Edit(upsert={SECOND: node}, created=[SECOND])

    with pytest.raises(ValidationError) as caught:
        edits.perform(lock(draft["id"], draft["row_version"]), "import", compute, {})
    assert caught.value.details["field"] == "district_code"
    assert {e["reason"] for e in caught.value.details["errors"]} == {"other_district"}


def test_publish_flags_an_event_left_outside_its_district(app, client, db, two_districts):
    """Issue 19 gap: an open event of 410103 whose point lies in 410102's grids (filed before the city
    knew its districts) keeps its district on 410103's publication (Citus cannot UPDATE district_code,
    and moving it unasked is the desk's call), but it is flagged for the desks with the district to hand
    it to, and counted in the answer; handing it over clears the flag."""
    from app.auth import users
    from tests.city.helpers import settle_district

    city_user = users.create("city-desk", "correct-horse-battery", "dispatcher", district=None)
    _, token = users.issue_token(city_user, "tests")
    db.session.commit()
    desk = app.test_client()
    desk.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    filed = desk.post("/api/v1/reports", json={"category": "0402", "description": "井盖缺失", "lon": IN_FIRST[0],
                                               "lat": IN_FIRST[1], "channel": "hotline_12345"}).get_json()
    settle_district(db.session, filed["ticket"], SECOND)   # misfiled under 410103
    assert desk.get(f"/api/v1/reports/{filed['ticket']}").get_json()["outside_district"] is False

    d = client.post("/api/v1/drafts", json={"note": "二七区调整", "effective_date": "2026-07-01",
                                            "district_code": SECOND}).get_json()
    d = post(client, d, "reshape", {"code": SECOND_WEST, "geometry": box(113.60, 34.72, 113.625, 34.74)})["draft"]
    d = post(client, d, "reshape", {"code": SECOND_EAST, "geometry": box(113.625, 34.72, 113.64, 34.74)})["draft"]
    res = client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"], "when": "now"})
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["open_reports_outside_district"] == 1

    got = desk.get(f"/api/v1/reports/{filed['ticket']}").get_json()
    assert got["district_code"] == SECOND and got["outside_district"] is True and got["point_district"] == FIRST
    listed = {r["ticket"]: r for r in desk.get("/api/v1/reports").get_json()["reports"]}
    assert listed[filed["ticket"]]["point_district"] == FIRST
    # The city desk's filter: the events to hand over.
    flagged = desk.get("/api/v1/reports", query_string={"outside_district": "true"}).get_json()["reports"]
    assert [r["ticket"] for r in flagged] == [filed["ticket"]]
    current = db.session.execute(text("SELECT current_grid_id FROM report WHERE ticket = :t"),
                                 {"t": filed["ticket"]}).scalar()
    assert current is None

    # 交办 to the district whose grids cover it: the flag goes, the grids are 410102's.
    res = desk.post(f"/api/v1/reports/{filed['ticket']}/district", json={"district_code": FIRST})
    assert res.status_code == 200, res.get_json()
    moved = res.get_json()["report"]
    assert moved["outside_district"] is False and moved["point_district"] is None
    assert moved["grid"]["code"].startswith(FIRST)
    assert desk.get("/api/v1/reports", query_string={"outside_district": "true"}).get_json()["reports"] == []


def test_an_address_left_in_another_districts_grids_is_flagged_not_moved(client, db, sample):
    """Issue 19 gap: an address stored under 410102 (outside every grid when it was imported) whose point
    410103's new grids cover keeps its district and is not given 410103's grid: it is listed as outside
    coverage (outside=true) for the address keepers, as reports and visits refer to it by its district."""
    from tests.districts.helpers import add_district

    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(IN_SECOND)},
               "properties": {"road": "大学路", "number": "9"}}
    res = client.post("/api/v1/addresses/import", json={"type": "FeatureCollection", "features": [feature]})
    assert res.status_code == 201 and res.get_json()["import"]["out_of_coverage"] == 1, res.get_json()
    add_district(db, SECOND)
    db.session.commit()
    res = client.post(f"/api/v1/grids/import?district_code={SECOND}", json=second_collection())
    assert res.status_code in (200, 201), res.get_json()

    row = db.session.execute(text("SELECT district_code, grid_id, out_of_coverage FROM standard_address "
                                  "WHERE road = '大学路'")).one()
    assert row == (FIRST, None, True)
    listed = client.get("/api/v1/addresses", query_string={"outside": "true"}).get_json()
    assert "大学路" in json.dumps(listed, ensure_ascii=False)


def test_a_level_import_job_is_its_drafts_districts(client, db, two_districts):
    """Issue 19 gap: the job row (job.district_code, its distribution column) is the draft's district's,
    not the default district's."""
    from tests.plan.helpers import import_file

    d = client.post("/api/v1/drafts", json={"note": "导入", "effective_date": "2026-07-01",
                                            "district_code": SECOND}).get_json()
    grids = {"type": "FeatureCollection",
             "features": [f for f in second_collection()["features"] if f["properties"]["level"] == "grid"]}
    for f in grids["features"]:
        f["properties"]["name"] += "（新）"
    status, body = import_file(client, d["id"], json.dumps(grids).encode(), "grids.geojson",
                               row_version=d["row_version"], level="grid")
    assert status == 200, body
    jobs = db.session.execute(text("SELECT district_code, params ->> 'district_code' FROM job "
                                   "WHERE kind = 'level_import'")).all()
    assert jobs == [(SECOND, SECOND)]
