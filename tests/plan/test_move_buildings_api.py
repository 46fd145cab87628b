"""Moving buildings between grids in a draft: each takes its plot of land (geo.plots) along.

The sample community 410102001001 (tests/samples.py) with the address library of
tests/addresses/helpers.py: 绿城百合花园 has four buildings in WEST's north micro-grid
(41010200100100101); building 3 (two units) stands nearest to EAST.
"""
from __future__ import annotations

import pytest
from shapely.geometry import shape

from tests.addresses import helpers as lib
from tests.plan.conftest import EAST, WEST, grids, post

WEST_NORTH, WEST_SOUTH = WEST + "01", WEST + "02"
EAST_NORTH = EAST + "01"
ELSEWHERE = "410102002002001"   # a grid of another subdistrict


@pytest.fixture
def ids(db, sample):
    return lib.load(db)


def test_the_buildings_layer_lists_the_buildings_in_view(client, draft, ids):
    res = client.get(f"/api/v1/drafts/{draft['id']}/buildings?bbox=113.60,34.755,113.61,34.76")
    assert res.status_code == 200
    body = res.get_json()
    assert body["truncated"] is False
    by_label = {f["properties"]["label"]: f["properties"] for f in body["features"]}
    assert by_label["绿城百合花园3号楼"] == {
        "key": "绿城百合花园 / 3", "address_id": ids["lb-3-1"], "addresses": 2, "households": 2,
        "label": "绿城百合花园3号楼", "grid": WEST_NORTH}
    assert {p["grid"] for p in by_label.values()} == {WEST_NORTH}
    # The compound itself is listed with its buildings: it is not one more building.
    assert sorted(by_label) == ["绿城百合花园1号楼", "绿城百合花园2号楼", "绿城百合花园3号楼"]
    assert client.get(f"/api/v1/drafts/{draft['id']}/buildings").status_code == 422   # bbox required


def test_a_building_moves_to_the_neighbouring_grid_with_its_households(client, draft, ids):
    before = grids(client, draft["id"])
    out = post(client, draft, "move-buildings", {"address_ids": [ids["lb-3-2"]], "target": EAST})
    assert out["operation"]["kind"] == "move_buildings"
    assert out["operation"]["params"] == {"address_ids": [ids["lb-3-2"]], "target": EAST}
    after = grids(client, draft["id"])
    west_north, east_north = shape(after[WEST_NORTH]["geometry"]), shape(after[EAST_NORTH]["geometry"])
    gained = east_north.difference(shape(before[EAST_NORTH]["geometry"]))
    assert gained.area > 0 and gained.bounds[2] == pytest.approx(113.61)   # the plot, west of the old border
    assert gained.covers(shape({"type": "Point", "coordinates": [113.6036, 34.7576]}))
    assert west_north.area + east_north.area == pytest.approx(
        shape(before[WEST_NORTH]["geometry"]).area + shape(before[EAST_NORTH]["geometry"]).area)
    households = {c: after[c]["properties"]["households"] for c in (WEST_NORTH, EAST_NORTH, WEST, EAST)}
    assert households == {WEST_NORTH: 98, EAST_NORTH: 102, WEST: 198, EAST: 202}
    # Parents are the unions of their children; the draft still tiles seamlessly.
    assert shape(after[WEST]["geometry"]).equals(west_north.union(shape(after[WEST_SOUTH]["geometry"])))
    body = client.get(f"/api/v1/versions/{draft['id']}/validation").get_json()
    assert [i for i in body["issues"] if i["severity"] == "error"] == []
    # The impact preview sees the building's two addresses change grid.
    impact = client.get(f"/api/v1/versions/{draft['id']}/impact").get_json()
    assert impact["summary"]["addresses_moved"] == 2 and impact["summary"]["buildings_moved"] == 1


def test_undo_puts_the_building_back(client, draft, ids):
    before = grids(client, draft["id"])
    out = post(client, draft, "move-buildings", {"address_ids": [ids["lb-3-1"]], "target": EAST_NORTH})
    post(client, out["draft"], "undo", {})
    after = grids(client, draft["id"])
    for code in (WEST_NORTH, EAST_NORTH, WEST, EAST):
        assert shape(after[code]["geometry"]).equals(shape(before[code]["geometry"]))
        assert after[code]["properties"]["households"] == before[code]["properties"]["households"]


@pytest.mark.parametrize("name, target, reason, field", [
    ("lb-3-1", ELSEWHERE, "plot_not_adjacent", "target"),
    ("lb-3-1", WEST, "already_in_target", "target"),
    ("lb-3-1", WEST_NORTH, "already_in_target", "target"),
    ("yh148", EAST, "plot_is_whole_grid", "address_ids"),      # the only building of its micro-grid
    ("tb1", EAST, "outside_grids", "address_ids"),
    ("lb", EAST, "not_a_building", "address_ids"),             # the compound, listed with its buildings
    (None, EAST, "unknown_address", "address_ids"),
])
def test_refused_moves_name_the_reason_and_leave_the_draft_unchanged(client, draft, ids, name, target, reason,
                                                                      field):
    before = grids(client, draft["id"])
    address = ids[name] if name else 10**9
    res = post(client, draft, "move-buildings", {"address_ids": [address], "target": target}, status=422)
    assert res["error"]["code"] == "invalid_edit"
    assert res["error"]["details"]["reason"] == reason and res["error"]["details"]["field"] == field
    assert res["error"]["message"]
    assert client.get(f"/api/v1/drafts/{draft['id']}").get_json()["row_version"] == draft["row_version"]
    after = grids(client, draft["id"])
    assert {c: f["geometry"] for c, f in after.items()} == {c: f["geometry"] for c, f in before.items()}


@pytest.mark.parametrize("body", [
    {"target": EAST}, {"address_ids": [], "target": EAST}, {"address_ids": ["1"], "target": EAST},
    {"address_ids": [True], "target": EAST}, {"address_ids": list(range(1, 502)), "target": EAST},
])
def test_bad_address_ids_are_a_clear_422(client, draft, ids, body):
    res = post(client, draft, "move-buildings", body, status=422)
    assert res["error"]["details"]["field"] == "address_ids" and "address_ids" in res["error"]["message"]


def test_a_viewer_cannot_move_buildings(client_as, draft, ids):
    viewer = client_as("viewer")
    res = viewer.post(f"/api/v1/drafts/{draft['id']}/move-buildings",
                      json={"row_version": draft["row_version"], "address_ids": [ids["lb-3-1"]], "target": EAST})
    assert res.status_code == 403


def test_a_building_move_is_replayed_by_a_rebase(client, draft, ids):
    """Another draft is published meanwhile (a reshape elsewhere); the rebase moves the building again."""
    post(client, draft, "move-buildings", {"address_ids": [ids["lb-3-1"]], "target": EAST})
    other = client.post("/api/v1/drafts", json={"note": "别处", "effective_date": "2026-07-01"}).get_json()
    south = "410102002001"   # another community: its grids split at lon 113.63
    feats = grids(client, other["id"])
    first = sorted(c for c in feats if c.startswith(south) and len(c) == 15)[0]
    x0, y0, x1, y1 = shape(feats[first]["geometry"]).bounds
    box_ = {"type": "Polygon", "coordinates": [[[x0, y0], [x1 + (x1 - x0) * 0.1, y0], [x1 + (x1 - x0) * 0.1, y1],
                                               [x0, y1], [x0, y0]]]}
    edited = post(client, other, "reshape", {"code": first, "geometry": box_})
    assert client.post(f"/api/v1/drafts/{other['id']}/publish",
                       json={"row_version": edited["draft"]["row_version"]}).status_code == 200
    current = client.get(f"/api/v1/drafts/{draft['id']}").get_json()
    res = client.post(f"/api/v1/drafts/{draft['id']}/rebase", json={"row_version": current["row_version"]})
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["skipped"] == []
    after = grids(client, draft["id"])
    assert shape(after[EAST_NORTH]["geometry"]).covers(shape({"type": "Point", "coordinates": [113.6036, 34.7576]}))
