"""Edits of a draft through HTTP: reshape, split, merge, move, undo/redo; refused edits leave it unchanged."""
from __future__ import annotations

import pytest
import shapely
from shapely.geometry import shape

from geo.crs import from_wgs84
from tests.plan.conftest import COMMUNITY, EAST, WEST, box, grids, post


def state(client, draft_id):
    """Everything a client can see of a draft: its metadata and every grid."""
    d = client.get(f"/api/v1/drafts/{draft_id}").get_json()
    feats = grids(client, draft_id)
    return d["row_version"], {c: (f["properties"]["name"], f["properties"]["parent_code"],
                                  f["properties"]["households"], shapely.normalize(shape(f["geometry"])).wkt)
                              for c, f in feats.items()}


def errors_of(client, draft_id):
    body = client.get(f"/api/v1/versions/{draft_id}/validation").get_json()
    return [(i["rule"], i["code"]) for i in body["issues"] if i["severity"] == "error"]


def test_reshape_adjusts_the_neighbour_and_keeps_the_tiling(client, draft):
    out = post(client, draft, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})
    assert out["draft"]["row_version"] == 2 and out["operation"]["kind"] == "reshape"
    assert set(out["operation"]["summary"]["changed"]) >= {WEST, EAST}
    feats = grids(client, draft["id"])
    assert shape(feats[EAST]["geometry"]).bounds[0] == pytest.approx(113.614)
    assert feats[WEST]["properties"]["households"] == 280 and feats[EAST]["properties"]["households"] == 120
    assert errors_of(client, draft["id"]) == []


@pytest.mark.parametrize("action,body,reason", [
    ("reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.606, 34.76)}, "leaves_gap"),
    ("reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.63, 34.76)}, "outside_parent"),
    ("reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.62, 34.76)}, "swallows_sibling"),
    ("reshape", {"code": "410102", "geometry": box(113.60, 34.74, 113.65, 34.76)}, "district_fixed"),
    ("reshape", {"code": "410102009009009", "geometry": box(113.60, 34.75, 113.61, 34.76)}, "unknown_grid"),
    ("split", {"code": WEST, "line": {"type": "LineString", "coordinates": [[113.601, 34.757], [113.603, 34.757]]}},
     "line_not_crossing"),
    ("split", {"code": WEST, "line": {"type": "LineString", "coordinates": [[113.70, 34.70], [113.71, 34.71]]}},
     "line_not_crossing"),
    ("merge", {"codes": ["410102001001001", "410102002001001"]}, "different_parents"),
    ("merge", {"codes": [WEST]}, "too_few_grids"),
    ("move", {"codes": [WEST + "01"], "target": WEST}, "already_in_target"),
    ("move", {"codes": [WEST + "01", WEST + "02"], "target": EAST}, "would_empty"),
])
def test_refused_edits_leave_the_draft_unchanged(client, draft, action, body, reason):
    before = state(client, draft["id"])
    res = client.post(f"/api/v1/drafts/{draft['id']}/{action}", json={"row_version": draft["row_version"], **body})
    assert res.status_code == 422, res.get_json()
    err = res.get_json()["error"]
    assert err["code"] == "invalid_edit" and err["details"]["reason"] == reason and err["message"]
    assert state(client, draft["id"]) == before
    assert client.get(f"/api/v1/drafts/{draft['id']}/operations").get_json()["operations"] == []


def test_gap_error_shows_where(client, draft):
    res = client.post(f"/api/v1/drafts/{draft['id']}/reshape", json={
        "row_version": 1, "code": WEST, "geometry": box(113.60, 34.75, 113.606, 34.76)})
    details = res.get_json()["error"]["details"]
    assert shape(details["geometry"]).bounds == pytest.approx((113.606, 34.75, 113.61, 34.76))
    assert details["params"]["area_m2"] > 300_000


def test_merge_of_non_adjacent_grids_is_refused(client, sample, draft):
    # Split the community's west grid in three strips, then merge the outer two (they do not touch).
    out = post(client, draft, "split", {"code": WEST, "line": {"type": "MultiLineString", "coordinates": [
        [[113.6033, 34.749], [113.6033, 34.761]], [[113.6066, 34.749], [113.6066, 34.761]]]}})
    new = sorted(c for c in out["operation"]["summary"]["created"] if len(c) == 15)
    assert len(new) == 3
    before = state(client, draft["id"])
    res = client.post(f"/api/v1/drafts/{draft['id']}/merge", json={"row_version": 2, "codes": [new[0], new[2]]})
    assert res.status_code == 422 and res.get_json()["error"]["details"]["reason"] == "not_adjacent"
    assert state(client, draft["id"]) == before


def test_split_gives_new_codes_with_predecessors(client, draft):
    out = post(client, draft, "split", {"code": WEST, "names": ["北片", "南片"], "line": {
        "type": "LineString", "coordinates": [[113.599, 34.7565], [113.611, 34.7565]]}})
    summary = out["operation"]["summary"]
    assert WEST in summary["removed"]
    feats = grids(client, draft["id"], parent=COMMUNITY)
    assert WEST not in feats
    north, south = feats["410102001001003"], feats["410102001001004"]
    assert (north["properties"]["name"], south["properties"]["name"]) == ("北片", "南片")
    assert north["properties"]["households"] + south["properties"]["households"] == 200
    exported = client.get(f"/api/v1/versions/{draft['id']}/export?format=geojson&level=grid").get_json()
    preds = {f["properties"]["code"]: f["properties"]["preds"] for f in exported["features"]}
    assert preds["410102001001003"] == WEST
    assert errors_of(client, draft["id"]) == []


def test_merge_and_children_follow(client, draft):
    out = post(client, draft, "merge", {"codes": [WEST, EAST], "name": "合并网格"})
    merged = "410102001001003"
    feats = grids(client, draft["id"], parent=COMMUNITY)
    assert merged in feats and WEST not in feats and feats[merged]["properties"]["households"] == 400
    micro = grids(client, draft["id"], parent=merged)
    assert len(micro) == 4 and out["operation"]["summary"]["recoded"][WEST + "01"] in micro
    assert errors_of(client, draft["id"]) == []


def test_move_micro_grid_between_grids(client, draft):
    micro = EAST + "01"
    out = post(client, draft, "move", {"codes": [micro], "target": WEST})
    new_code = out["operation"]["summary"]["recoded"][micro]
    assert new_code.startswith(WEST)
    feats = grids(client, draft["id"], parent=COMMUNITY)
    assert feats[WEST]["properties"]["households"] == 300 and feats[EAST]["properties"]["households"] == 100
    assert errors_of(client, draft["id"]) == []


def test_undo_redo_and_the_log(client, draft):
    original = state(client, draft["id"])
    a = post(client, draft, "reshape", {"code": WEST, "geometry": box(113.60, 34.75, 113.614, 34.76)})
    after_reshape = state(client, draft["id"])
    b = post(client, a["draft"], "merge", {"codes": [WEST, EAST]})
    assert b["draft"]["can_undo"] and not b["draft"]["can_redo"]
    u1 = post(client, b["draft"], "undo", {})
    assert state(client, draft["id"])[1] == after_reshape[1]
    u2 = post(client, u1["draft"], "undo", {})
    assert state(client, draft["id"])[1] == original[1]
    # Back to the base state: every row is shared again.
    assert u2["draft"]["own_rows"] == 0 and u2["draft"]["ended_rows"] == 0
    res = client.post(f"/api/v1/drafts/{draft['id']}/undo", json={"row_version": u2["draft"]["row_version"]})
    assert res.status_code == 409 and res.get_json()["error"]["details"]["reason"] == "nothing_to_undo"
    r1 = post(client, u2["draft"], "redo", {})
    assert state(client, draft["id"])[1] == after_reshape[1]
    log = client.get(f"/api/v1/drafts/{draft['id']}/operations").get_json()["operations"]
    assert [(o["kind"], o["state"]) for o in log] == [("reshape", "done"), ("merge", "undone")]
    # A new edit drops what could be redone.
    post(client, r1["draft"], "move", {"codes": [EAST + "01"], "target": WEST})
    log = client.get(f"/api/v1/drafts/{draft['id']}/operations").get_json()["operations"]
    assert [(o["kind"], o["state"]) for o in log] == [("reshape", "done"), ("move", "done")]


def test_geometry_in_a_projected_crs(client, draft):
    # The same reshape drawn in CGCS2000 Gauss-Krüger (EPSG:4547), as survey data comes.
    x, y = from_wgs84([113.60, 113.614, 113.614, 113.60, 113.60], [34.75, 34.75, 34.76, 34.76, 34.75], "4547")
    ring = [[float(a), float(b)] for a, b in zip(x, y)]
    post(client, draft, "reshape", {"code": WEST, "crs": "4547", "geometry": {"type": "Polygon",
                                                                              "coordinates": [ring]}})
    east = shape(grids(client, draft["id"])[EAST]["geometry"])
    assert east.bounds[0] == pytest.approx(113.614, abs=1e-6)


@pytest.mark.parametrize("body,field", [
    ({"code": "abc", "geometry": box(113.6, 34.75, 113.61, 34.76)}, "code"),
    ({"code": WEST, "geometry": {"type": "Point", "coordinates": [1, 2]}}, "geometry"),
    ({"code": WEST, "geometry": box(113.6, 34.75, 113.61, 34.76), "crs": "mars"}, "crs"),
    ({"code": WEST, "geometry": box(113.6, 34.75, 113.61, 34.76), "leftover": "x"}, "leftover"),
    ({"code": WEST, "geometry": box(113.6, 34.75, 113.61, 34.76), "row_version": "x"}, "row_version"),
])
def test_bad_input(client, draft, body, field):
    res = client.post(f"/api/v1/drafts/{draft['id']}/reshape", json={"row_version": 1, **body})
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == field


def test_edit_of_a_published_version_is_409(client, sample, draft):
    assert client.post(f"/api/v1/drafts/{sample['result'].version_id}/reshape",
                       json={"row_version": 1, "code": WEST, "geometry": box(113.6, 34.75, 113.61, 34.76)}
                       ).status_code == 409
    assert client.post("/api/v1/drafts/999999/merge", json={"row_version": 1, "codes": [WEST, EAST]}
                       ).status_code == 404
