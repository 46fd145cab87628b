"""POST /api/v1/reports/<ticket>/placement: a person puts an unplaced report on the map."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEntry
from geo.crs import from_wgs84
from tests.dispatch.conftest import unplaced
from tests.events.helpers import GRID, IN_GRID, act, ok, report


def place(client, ticket, **body):
    return client.post(f"/api/v1/reports/{ticket}/placement", json=body)


def error(res, status):
    assert res.status_code == status, res.get_json()
    return res.get_json()["error"]


def test_a_dispatcher_places_a_report_and_it_is_assigned_recorded_and_fed(anon, people, quiet, db):
    waiting = unplaced(anon)
    listed = people.dispatcher.get("/api/v1/reports?needs_placement=true").get_json()["reports"]
    assert [r["ticket"] for r in listed] == [waiting["ticket"]]
    quiet()
    cursor = people.dispatcher.get("/api/v1/reports/changes", query_string={"limit": 1}).get_json()["cursor"]

    res = place(people.dispatcher, waiting["ticket"], lon=IN_GRID[0], lat=IN_GRID[1],
                row_version=waiting["row_version"], note="来电人补充：3号楼东侧")
    body = ok(res)
    placed = body["report"]
    assert placed["needs_placement"] is False and placed["out_of_coverage"] is False
    assert placed["location"] == {"lon": pytest.approx(IN_GRID[0]), "lat": pytest.approx(IN_GRID[1])}
    assert placed["grid"]["code"].startswith(GRID) and placed["grid_chain"][0]["level"] == "district"
    assert placed["submitted"]["crs"] == "EPSG:4326"
    assert placed["row_version"] == waiting["row_version"] + 1 and placed["status"] == "reported"
    assert body["transition"]["action"] == "place" and body["transition"]["note"] == "来电人补充：3号楼东侧"

    history = people.dispatcher.get(f"/api/v1/reports/{waiting['ticket']}/history").get_json()["history"]
    assert [h["action"] for h in history] == ["report", "place"]
    assert history[-1]["from_state"] == history[-1]["to_state"] == "reported"
    assert history[-1]["details"]["grid_code"] == placed["grid"]["code"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.place")).one()
    assert entry.entity_id == waiting["ticket"]
    assert entry.before["needs_placement"] is True and entry.before["lon"] is None
    assert entry.after["needs_placement"] is False and entry.after["grid_id"] == placed["grid"]["id"]

    fed = people.dispatcher.get("/api/v1/reports/changes", query_string={"since": cursor}).get_json()
    assert [f["properties"]["ticket"] for f in fed["features"]] == [waiting["ticket"]]
    assert fed["features"][0]["geometry"]["type"] == "Point"
    # Now in the grid: its worker sees it and may be dispatched to it.
    assert people.worker.get(f"/api/v1/reports/{waiting['ticket']}").status_code == 200
    ok(act(people.dispatcher, waiting["ticket"], "accept", "reported"))
    ok(act(people.dispatcher, waiting["ticket"], "dispatch", "accepted", assignee=people.worker.user.id))


def test_a_click_on_an_amap_map_is_converted_from_gcj02(anon, people):
    waiting = unplaced(anon)
    lon, lat = (float(v) for v in from_wgs84(IN_GRID[0], IN_GRID[1], "gcj02"))
    placed = ok(place(people.dispatcher, waiting["ticket"], lon=lon, lat=lat, crs="gcj02"))["report"]
    assert placed["location"]["lon"] == pytest.approx(IN_GRID[0], abs=1e-5)
    assert placed["location"]["lat"] == pytest.approx(IN_GRID[1], abs=1e-5)
    assert placed["submitted"] == {"lon": lon, "lat": lat, "crs": "GCJ-02"}


def test_a_point_outside_every_grid_is_stored_and_flagged(anon, people):
    waiting = unplaced(anon)
    placed = ok(place(people.dispatcher, waiting["ticket"], lon=116.4, lat=39.9))["report"]
    assert placed["needs_placement"] is False and placed["out_of_coverage"] is True and placed["grid"] is None


@pytest.mark.parametrize("body, field", [
    ({"lon": 113.6, "lat": 95}, "lat"),
    ({"lon": 181, "lat": 34.7}, "lon"),
    ({"lon": "east", "lat": 34.7}, "lon"),
    ({"lat": 34.7}, "lon"),
    ({"lon": 113.6, "lat": float("nan")}, "lat"),
    ({"lon": 113.6, "lat": 34.7, "crs": "mars"}, "crs"),
    ({"lon": 113.6, "lat": 34.7, "crs": "EPSG:4547"}, "crs"),
    ({"lon": 113.6, "lat": 34.7, "row_version": "1"}, "row_version"),
    ({"lon": 113.6, "lat": 34.7, "note": 5}, "note"),
    ({"lon": 113.6, "lat": 34.7, "grid": "x"}, "grid"),
])
def test_bad_coordinates_and_fields_are_refused_naming_the_field(anon, people, body, field):
    waiting = unplaced(anon)
    if body.get("lat") != body.get("lat"):   # NaN: not JSON, so send it as text the way a broken client would
        res = people.dispatcher.post(f"/api/v1/reports/{waiting['ticket']}/placement",
                                     data='{"lon": 113.6, "lat": NaN}', content_type="application/json")
    else:
        res = place(people.dispatcher, waiting["ticket"], **body)
    assert error(res, 422)["details"]["field"] == field
    still = people.dispatcher.get(f"/api/v1/reports/{waiting['ticket']}").get_json()
    assert still["needs_placement"] is True and still["row_version"] == waiting["row_version"]


def test_a_stale_row_version_gets_409_with_the_current_state(anon, people):
    waiting = unplaced(anon)
    ok(act(people.dispatcher, waiting["ticket"], "accept", "reported"))
    err = error(place(people.dispatcher, waiting["ticket"], lon=IN_GRID[0], lat=IN_GRID[1],
                      row_version=waiting["row_version"]), 409)
    assert err["code"] == "stale_state"
    assert err["details"]["current_state"] == "accepted" and err["details"]["row_version"] == 2


def test_a_placed_report_cannot_be_placed_again(anon, people):
    waiting = unplaced(anon)
    placed = ok(place(people.dispatcher, waiting["ticket"], lon=IN_GRID[0], lat=IN_GRID[1]))["report"]
    err = error(place(people.dispatcher, waiting["ticket"], lon=113.63, lat=34.745,
                      row_version=placed["row_version"]), 422)
    assert err["code"] == "already_placed"
    # Nor one that came with coordinates.
    normal = report(anon)
    assert error(place(people.dispatcher, normal["ticket"], lon=113.63, lat=34.745), 422)["code"] == "already_placed"


def test_who_may_place(anon, people):
    waiting = unplaced(anon)
    point = {"lon": IN_GRID[0], "lat": IN_GRID[1]}
    assert error(place(anon, waiting["ticket"], **point), 401)
    assert error(place(people.viewer, waiting["ticket"], **point), 403)
    assert error(place(people.planner, waiting["ticket"], **point), 403)
    # An unplaced report is in nobody's grid: a grid worker cannot see it, let alone place it.
    assert error(place(people.worker, waiting["ticket"], **point), 404)["details"]["field"] == "ticket"
    assert error(place(people.dispatcher, "GM0000", **point), 404)
    ok(place(people.admin, waiting["ticket"], **point))


def test_a_worker_cannot_place_a_report_of_another_grid(anon, people):
    """Outside the worker's grids the answer is 404, as for every event there (no probing)."""
    other = report(anon, point=(113.63, 34.745))
    assert error(place(people.worker, other["ticket"], lon=IN_GRID[0], lat=IN_GRID[1]), 404)
