"""Impact preview, publish (atomic, re-assignment of open reports), and lookups by version= and at=."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from app.models import BoundaryVersion, Grid, Report
from tests.plan.conftest import COMMUNITY, EAST, WEST, box, post
from tests.plan.helpers import import_file

# A point in the east grid's north micro-grid that a reshape of the west grid to 113.614 takes over.
MOVING = (113.612, 34.757)
STAYING = (113.618, 34.757)


def _report(client, lon, lat):
    res = client.post("/api/v1/reports", json={"category": "0402", "description": "违停", "lon": lon, "lat": lat})
    assert res.status_code == 201, res.get_json()
    return res.get_json()["ticket"]


def _close(db, ticket):
    db.session.execute(text("UPDATE report SET status = 'closed', closed_at = now() WHERE ticket = :t"), {"t": ticket})
    db.session.commit()


def _reshaped(client, draft):
    return post(client, draft, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})["draft"]


def test_impact_preview(client, sample, draft, db):
    open_ticket = _report(client, *MOVING)
    _close(db, _report(client, *MOVING))
    _report(client, *STAYING)
    d = _reshaped(client, draft)
    body = client.get(f"/api/v1/versions/{d['id']}/impact").get_json()
    assert body["from"]["id"] == sample["result"].version_id and body["to"]["id"] == d["id"]
    changes = {g["code"]: g for g in body["grids"]}
    assert set(changes) == {WEST, EAST, WEST + "01", WEST + "02", EAST + "01", EAST + "02"}
    assert {g["change"] for g in changes.values()} == {"reshaped"}
    west, east = changes[WEST], changes[EAST]
    assert west["area_gained_m2"] == pytest.approx(east["area_lost_m2"], rel=1e-6)
    assert west["area_lost_m2"] == 0 and east["households_after"] == 120
    s = body["summary"]
    assert s["grids_changed"] == 6 and s["reshaped"] == 6
    # Two reports in the strip change grid, one of them open; the households of 40 % of the east grid move.
    assert s["reports_moved"] == 2 and s["open_reports_moved"] == 1 and s["households_moved"] == 80
    (move,) = body["reports"]
    assert (move["from_code"], move["to_code"]) == (EAST + "01", WEST + "01") and open_ticket in move["sample_tickets"]
    # The east grid's worker sees the grid shrink; the west grid's worker sees it grow.
    changed_for = {c["code"]: w["name"] for w in body["workers"] for c in w["changes"]}
    assert EAST in changed_for and WEST in changed_for

    assert s["addresses_moved"] == 0 and body["addresses"] == []

    diff = client.get(f"/api/v1/versions/{d['id']}/impact?format=geojson").get_json()
    sides = {(f["properties"]["code"], f["properties"]["side"]) for f in diff["features"]}
    assert (EAST, "old") in sides and (EAST, "new") in sides
    # Any two versions: the draft against itself changes nothing.
    same = client.get(f"/api/v1/versions/{d['id']}/impact?against={d['id']}").get_json()
    assert same["summary"]["grids_changed"] == 0


def test_impact_counts_standard_addresses_and_buildings_that_change_grid(client, sample, draft, db):
    from app.addresses import service as addresses

    lon, lat = MOVING
    addresses.import_addresses([
        {"道路": "建设路", "门牌号": "32", "小区": "绿城百合", "楼栋": "3", "单元": "1", "经度": lon, "纬度": lat},
        {"道路": "建设路", "门牌号": "32", "小区": "绿城百合", "楼栋": "3", "单元": "2", "经度": lon, "纬度": lat},
        {"道路": "建设路", "门牌号": "34", "经度": STAYING[0], "纬度": STAYING[1]},
    ])
    d = _reshaped(client, draft)
    body = client.get(f"/api/v1/versions/{d['id']}/impact").get_json()
    # Two units of one building move from the east grid's micro-grid to the west's; the third door stays.
    assert body["summary"]["addresses_moved"] == 2 and body["summary"]["buildings_moved"] == 1
    (move,) = body["addresses"]
    assert (move["from_code"], move["to_code"]) == (EAST + "01", WEST + "01")
    assert move["addresses"] == 2 and move["buildings"] == 1 and len(move["sample_addresses"]) == 2
    assert body["summary"]["reports_moved"] == 0


def test_publish_reassigns_open_reports_only(client, anon, sample, draft, db):
    open_ticket = _report(client, *MOVING)
    closed_ticket = _report(client, *MOVING)
    _close(db, closed_ticket)
    old_version = sample["result"].version_id
    d = _reshaped(client, draft)
    res = client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"]})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["generation"] == 2 and body["version"]["status"] == "published"
    assert body["retired"]["id"] == old_version and body["open_reports_reassigned"] == 1
    statuses = dict(db.session.execute(select(BoundaryVersion.id, BoundaryVersion.status)).all())
    assert statuses[old_version] == "retired" and statuses[d["id"]] == "published"

    opened = db.session.scalars(select(Report).where(Report.ticket == open_ticket)).one()
    closed = db.session.scalars(select(Report).where(Report.ticket == closed_ticket)).one()
    code_of = dict(db.session.execute(select(Grid.id, Grid.code)).all())
    # Both keep their grid on arrival; only the open one has a new current grid.
    assert code_of[opened.grid_id] == EAST + "01" and code_of[closed.grid_id] == EAST + "01"
    assert code_of[opened.current_grid_id] == WEST + "01" and opened.current_generation == 2
    assert closed.current_grid_id is None and closed.current_generation is None
    assert code_of[opened.current_lineage[-1]] == WEST + "01" and len(opened.current_lineage) == 5

    # Lookups: the new boundaries by default, the old ones by version.
    assert anon.get("/api/v1/lookup?lon=%s&lat=%s" % MOVING).get_json()["grid"]["code"] == WEST + "01"
    old = anon.get(f"/api/v1/lookup?lon={MOVING[0]}&lat={MOVING[1]}&version={old_version}").get_json()
    assert old["grid"]["code"] == EAST + "01" and old["version"]["status"] == "retired"
    # History stays whole: the old generation still has all its rows.
    feats = client.get(f"/api/v1/grids?version={old_version}&level=grid&kind=regular").get_json()["features"]
    assert len(feats) == 8
    # New reports go to the new grids.
    new = client.post("/api/v1/reports", json={"category": "0402", "description": "x", "lon": MOVING[0],
                                               "lat": MOVING[1]}).get_json()
    assert new["grid"]["code"] == WEST + "01"


def test_lookup_at_a_date(client, anon, sample, db):
    old_version = sample["result"].version_id
    db.session.execute(text("UPDATE boundary_version SET effective_date = '2026-01-01' WHERE id = :id"),
                       {"id": old_version})
    db.session.commit()
    d = client.post("/api/v1/drafts", json={"note": "n", "effective_date": "2026-08-01"}).get_json()
    d = _reshaped(client, d)
    assert client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"]}).status_code == 200
    url = f"/api/v1/lookup?lon={MOVING[0]}&lat={MOVING[1]}"
    assert anon.get(url + "&at=2026-07-31").get_json()["grid"]["code"] == EAST + "01"
    assert anon.get(url + "&at=2026-08-01").get_json()["grid"]["code"] == WEST + "01"
    res = anon.get(url + "&at=2025-12-31")
    assert res.status_code == 404 and res.get_json()["error"]["details"]["field"] == "at"
    assert anon.get(url + "&at=yesterday").status_code == 422
    assert anon.get(url + f"&at=2026-07-31&version={old_version}").status_code == 422
    feats = client.get("/api/v1/grids?level=grid&kind=regular&at=2026-07-31").get_json()["features"]
    west = next(f for f in feats if f["id"] == WEST)
    assert max(x for ring in west["geometry"]["coordinates"][0] for x, _ in ring) == pytest.approx(113.61)
    one = client.get(f"/api/v1/grids/{WEST}?at=2026-08-02").get_json()
    assert max(x for ring in one["geometry"]["coordinates"][0] for x, _ in ring) == pytest.approx(113.614)


def test_publish_refused_with_errors_and_nothing_changes(client, sample, draft, db):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": WEST, "name": "西", "level": "grid", "parent_code": COMMUNITY},
         "geometry": box(113.60, 34.75, 113.605, 34.76)},
        {"type": "Feature", "properties": {"code": EAST, "name": "东", "level": "grid", "parent_code": COMMUNITY},
         "geometry": box(113.61, 34.75, 113.62, 34.76)}]}
    status, _body = import_file(client, draft["id"], json.dumps(fc).encode(), "gappy.geojson", row_version=1,
                                level="grid", parent=COMMUNITY)
    assert status == 200
    res = client.post(f"/api/v1/drafts/{draft['id']}/publish", json={"row_version": 2})
    assert res.status_code == 422
    err = res.get_json()["error"]
    assert err["code"] == "draft_invalid" and err["details"]["issues"][0]["rule"] == "gap"
    assert err["details"]["summary"]["errors"] >= 1
    assert db.session.get(BoundaryVersion, draft["id"]).status == "draft"
    assert db.session.get(BoundaryVersion, sample["result"].version_id).status == "published"


def test_stale_and_concurrent_publish(client, sample):
    a = client.post("/api/v1/drafts", json={"note": "A", "effective_date": "2026-07-01"}).get_json()
    b = client.post("/api/v1/drafts", json={"note": "B", "effective_date": "2026-07-01"}).get_json()
    assert client.post(f"/api/v1/drafts/{a['id']}/publish", json={"row_version": 0}).status_code == 422
    assert client.post(f"/api/v1/drafts/{a['id']}/publish", json={"row_version": 9}).status_code == 409
    a = _reshaped(client, a)
    assert client.post(f"/api/v1/drafts/{a['id']}/publish", json={"row_version": a["row_version"]}).status_code == 200
    listed = client.get(f"/api/v1/drafts/{b['id']}").get_json()
    assert listed["stale"]
    res = client.post(f"/api/v1/drafts/{b['id']}/publish", json={"row_version": b["row_version"]})
    assert res.status_code == 409 and res.get_json()["error"]["details"]["reason"] == "stale"
    # A published draft is not a draft any more.
    res = client.post(f"/api/v1/drafts/{a['id']}/publish", json={"row_version": a["row_version"] + 1})
    assert res.status_code == 409


def test_split_publish_gives_new_codes_and_keeps_history(client, sample, draft, db):
    out = post(client, draft, "split", {"code": WEST, "line": {
        "type": "LineString", "coordinates": [[113.599, 34.7565], [113.611, 34.7565]]}})
    d = out["draft"]
    res = client.post(f"/api/v1/drafts/{d['id']}/publish", json={"row_version": d["row_version"]})
    assert res.status_code == 200
    current = dict(db.session.execute(select(Grid.code, Grid.predecessors).where(
        Grid.generation_high.is_(None), Grid.draft_id.is_(None), Grid.parent_code == COMMUNITY)).all())
    assert WEST not in current and current["410102001001003"] == [WEST]
    old = db.session.scalars(select(Grid).where(Grid.code == WEST)).one()
    assert (old.generation_low, old.generation_high) == (1, 1)
    # Every current grid points at a current parent, and its lineage is current ids.
    bad = db.session.execute(text(
        "SELECT g.code FROM grid g LEFT JOIN grid p ON p.id = g.parent_id WHERE g.generation_high IS NULL "
        "AND g.draft_id IS NULL AND g.parent_code IS NOT NULL AND (p.generation_high IS NOT NULL OR p.code <> "
        "g.parent_code)")).all()
    assert bad == []
