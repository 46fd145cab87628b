"""Whole-level import into a draft: parents by containment, features that fit no parent, the set-based
replacement of a level with nothing below it (held to geo.planning's answer), and the parent= bug."""
from __future__ import annotations

import copy
import json

from sqlalchemy import text

from app.plan import level_import
from tests.plan.conftest import COMMUNITY, WEST
from tests.plan.helpers import import_file
from tests.samples import SCHOOL, box, sample_collection

MICRO = "micro"


def micro_collection(parents: bool = True) -> dict:
    """The sample district's micro-grids as a file (with or without their parent codes)."""
    feats = [copy.deepcopy(f) for f in sample_collection()["features"] if f["properties"]["level"] == MICRO]
    for f in feats:
        if not parents:
            f["properties"].pop("parent_code")
    return {"type": "FeatureCollection", "features": feats}


def by_code(fc: dict) -> dict:
    return {f["properties"]["code"]: f for f in fc["features"]}


def draft_rows(db, draft_id: int) -> dict:
    rows = db.session.execute(text(
        "SELECT g.code, g.name, g.level, g.kind, g.parent_code, g.households, g.population, g.predecessors, "
        "round(g.area_m2::numeric, 3) AS area, encode(ST_AsBinary(g.geom), 'hex') AS wkb "
        "FROM grid g JOIN boundary_version v ON v.id = :id WHERE grid_in_version(g.draft_id, g.generation_low, "
        "g.generation_high, g.ended_in_drafts, v.base_generation, v.id) ORDER BY g.code"), {"id": draft_id}).all()
    return {r.code: tuple(r) for r in rows}


def new_draft(client, note="导入"):
    res = client.post("/api/v1/drafts", json={"note": note, "effective_date": "2026-07-01"})
    assert res.status_code == 201
    return res.get_json()


def _import(client, draft, fc, status=200, **form):
    got, body = import_file(client, draft["id"], json.dumps(fc).encode(), "micro.geojson",
                            row_version=draft["row_version"], level=MICRO, **form)
    assert got == status, body
    return body


def test_a_file_without_parent_codes_gets_its_parents_by_containment(client, sample, db):
    with_parents, without = new_draft(client, "有上级"), new_draft(client, "无上级")
    changed = micro_collection(parents=True)
    by_code(changed)[f"{WEST}01"]["properties"]["households"] = 130
    out_a = _import(client, with_parents, changed)
    plain = micro_collection(parents=False)
    by_code(plain)[f"{WEST}01"]["properties"]["households"] = 130
    out_b = _import(client, without, plain)
    assert out_a["operation"]["summary"] == out_b["operation"]["summary"]
    # The micro-grid, and its grid's sum; the community above has no figure of its own to update.
    assert out_b["operation"]["summary"]["changed"] == [WEST, f"{WEST}01"]
    a, b = draft_rows(db, with_parents["id"]), draft_rows(db, without["id"])
    assert a == b
    assert a[f"{WEST}01"][5] == 130 and a[WEST][5] == 230 and a[COMMUNITY][5] is None


def test_features_that_fit_no_parent_are_listed_by_index_with_the_reason(client, sample, db):
    d = new_draft(client)
    fc = micro_collection(parents=False)
    feats = fc["features"]
    feats[1]["properties"]["code"] = "4101020010010010"                     # a fault of its own (checked first)
    feats[3]["geometry"] = box(113.70, 34.74, 113.71, 34.75)                 # far outside the district
    feats[5]["properties"]["code"] = "41010200100200299"                    # lies in 410102001002001
    feats[7]["properties"].update(code="41010200900900901", parent_code="410102009009009")   # no such grid
    feats[8]["properties"].update(code=f"{SCHOOL}01", parent_code=SCHOOL)   # regular, under the school
    feats[9]["geometry"]["coordinates"][0][1][0] += 0.004                   # pokes 0.004° into the neighbour
    before = draft_rows(db, d["id"])
    body = _import(client, d, fc, status=422)
    errors = body["error"]["details"]["errors"]
    got = {e["index"]: e["reason"] for e in errors}
    assert got == {1: "bad_code", 3: "no_parent", 5: "code_parent_mismatch", 7: "unknown_parent",
                   8: "parent_kind", 9: "outside_parent"}
    assert [e["index"] for e in errors] == sorted(got)
    assert all(e["message"] for e in errors)
    mismatch = next(e for e in errors if e["index"] == 5)
    assert mismatch["params"]["parent_code"] == "410102001002001"
    assert next(e for e in errors if e["index"] == 9)["params"]["outside_m2"] > 1000
    assert draft_rows(db, d["id"]) == before
    assert client.get(f"/api/v1/drafts/{d['id']}").get_json()["row_version"] == 1


def test_an_overhang_within_the_tolerance_is_clipped(client, sample, db):
    d = new_draft(client)
    before = draft_rows(db, d["id"])
    fc = micro_collection(parents=False)
    # Its south-east corner ~2 cm into the neighbouring grid: digitising noise (a few m², the tolerance is
    # 0.1 % of ~0.5 km²), clipped off at the grid's border instead of refused -- which gives back exactly
    # the shape the draft has, so the file changes nothing ...
    by_code(fc)[f"{WEST}01"]["geometry"]["coordinates"][0][1][0] += 2e-7
    assert _import(client, d, fc, status=422)["error"]["details"]["reason"] == "no_change"
    # ... but its new name.
    by_code(fc)[f"{WEST}01"]["properties"]["name"] = "一号"
    out = _import(client, d, fc)
    assert out["operation"]["summary"]["changed"] == [f"{WEST}01"]
    after = draft_rows(db, d["id"])
    assert after[f"{WEST}01"][1] == "一号" and after[f"{WEST}01"][9] == before[f"{WEST}01"][9]


def test_with_parent_given_a_grid_outside_it_is_named_outside_not_unknown(client, sample, db):
    """Issue 15: "with parent= given it answered unknown_parent for a grid that exists"."""
    d = new_draft(client)
    body = _import(client, d, micro_collection(), status=422, parent=WEST)
    errors = body["error"]["details"]["errors"]
    assert {e["reason"] for e in errors} == {"outside_scope"}
    assert len(errors) == 16 - 2
    assert {e["params"]["parent_code"] for e in errors} == {c for c in
                                                            {f["properties"]["parent_code"] for f in
                                                             micro_collection()["features"]} if c != WEST}
    assert all(e["params"]["scope"] == WEST for e in errors)
    # Only that grid's micro-grids: imported.
    fc = micro_collection()
    fc["features"] = [f for f in fc["features"] if f["properties"]["parent_code"] == WEST]
    by_code(fc)[f"{WEST}01"]["properties"]["households"] = 120
    out = _import(client, d, fc, parent=WEST)
    assert out["operation"]["params"]["scope"] == WEST
    assert draft_rows(db, d["id"])[WEST][5] == 220


def _python_path(monkeypatch):
    """Force geo.planning.replace_level (the path for a level with children) on a level without any."""
    monkeypatch.setattr(level_import, "_has_children", lambda params: True)


def _edit_cases():
    fc = micro_collection()
    m = by_code(fc)
    # Re-cut the first grid's micro-grids west/east instead of north/south, counts given.
    m[f"{WEST}01"]["geometry"] = box(113.600, 34.750, 113.605, 34.760)
    m[f"{WEST}02"]["geometry"] = box(113.605, 34.750, 113.610, 34.760)
    m[f"{WEST}01"]["properties"].update(households=150, population=300)
    m[f"{WEST}02"]["properties"].update(households=50, population=None)
    # The second grid: same shapes, no counts at all.
    for code in ("41010200100100201", "41010200100100202"):
        m[code]["properties"].pop("households")
        m[code]["properties"].pop("population")
    # A grid of the second community (lat 34.74-34.75, its micro-grids split at 34.745): 02 gone, 01 takes
    # the north three quarters and a new 03 the rest, neither with counts (estimated from 01 and 02).
    fc["features"].remove(m["41010200100200102"])
    m["41010200100200101"]["geometry"] = box(113.60, 34.7425, 113.61, 34.75)
    for key in ("households", "population"):
        m["41010200100200101"]["properties"].pop(key)
    fc["features"].append({"type": "Feature", "geometry": box(113.60, 34.74, 113.61, 34.7425), "properties": {
        "code": "41010200100200103", "name": "3号微网格", "level": MICRO, "parent_code": "410102001002001"}})
    return fc


def test_the_set_based_path_gives_geo_plannings_answer(client, sample, db, monkeypatch):
    fc = _edit_cases()
    sql_draft = new_draft(client, "SQL")
    out_sql = _import(client, sql_draft, fc)
    with monkeypatch.context() as m:
        _python_path(m)
        py_draft = new_draft(client, "Python")
        out_py = _import(client, py_draft, fc)
    assert out_sql["operation"]["summary"] == out_py["operation"]["summary"]
    s = out_sql["operation"]["summary"]
    assert "41010200100200102" in s["removed"] and s["created"] == ["41010200100200103"]
    rows_sql, rows_py = draft_rows(db, sql_draft["id"]), draft_rows(db, py_draft["id"])
    assert rows_sql == rows_py
    # What the rules say, checked on the outcome: given counts kept, unchanged shapes without counts lose
    # them, new and reshaped ones without counts are estimated from the area they take, totals follow.
    assert rows_sql[f"{WEST}01"][5:7] == (150, 300) and rows_sql[f"{WEST}02"][5:7] == (50, None)
    assert rows_sql["41010200100100201"][5] is None and rows_sql["410102001001002"][5] == 200
    assert (rows_sql["41010200100200101"][5], rows_sql["41010200100200103"][5]) == (150, 50)
    assert rows_sql["410102001002001"][5] == 200
    # The edit logs agree too (undo and redo write them back), and so do their sources (rebase).
    logs = {d: db.session.execute(text(
        "SELECT before, after, source FROM draft_operation WHERE draft_id = :d"), {"d": d}).one()
        for d in (sql_draft["id"], py_draft["id"])}
    assert logs[sql_draft["id"]] == logs[py_draft["id"]]


def test_undo_and_redo_of_a_set_based_import(client, sample, db):
    d = new_draft(client)
    before = draft_rows(db, d["id"])
    out = _import(client, d, _edit_cases())
    after = draft_rows(db, d["id"])
    rv = out["draft"]["row_version"]
    res = client.post(f"/api/v1/drafts/{d['id']}/undo", json={"row_version": rv})
    assert res.status_code == 200, res.get_json()
    assert draft_rows(db, d["id"]) == before
    res = client.post(f"/api/v1/drafts/{d['id']}/redo", json={"row_version": rv + 1})
    assert res.status_code == 200, res.get_json()
    assert draft_rows(db, d["id"]) == after


def test_the_same_file_twice_changes_nothing_the_second_time(client, sample):
    d = new_draft(client)
    fc = micro_collection()
    by_code(fc)[f"{WEST}01"]["properties"]["name"] = "改名"
    out = _import(client, d, fc)
    body = _import(client, {"id": d["id"], "row_version": out["draft"]["row_version"]}, fc, status=422)
    assert body["error"]["details"]["reason"] == "no_change"


def test_a_rebase_replays_a_set_based_import_from_its_source(client, sample, db):
    """The log of a set-based import keeps the features as read: a rebase on a newer version replays them."""
    from tests.plan.conftest import post

    stale = new_draft(client, "导入后变旧")
    out = _import(client, stale, _edit_cases())
    stale = out["draft"]
    other = new_draft(client, "先发布")
    other = post(client, other, "reshape", {"code": "410102002001001",
                                            "geometry": box(113.62, 34.75, 113.634, 34.76)})["draft"]
    res = client.post(f"/api/v1/drafts/{other['id']}/publish", json={"row_version": other["row_version"]})
    assert res.status_code == 200, res.get_json()
    res = client.post(f"/api/v1/drafts/{stale['id']}/rebase", json={"row_version": stale["row_version"]})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["skipped"] == [] and [a["operation"]["kind"] for a in body["applied"]] == ["import"]
    rows = draft_rows(db, stale["id"])
    assert rows[f"{WEST}01"][5:7] == (150, 300) and "41010200100200102" not in rows
    assert (rows["41010200100200101"][5], rows["41010200100200103"][5]) == (150, 50)
