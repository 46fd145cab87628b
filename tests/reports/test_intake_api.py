"""POST /api/v1/reports: assignment on arrival, shared edges and vertices, out of coverage, bad input."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Report
from geo.assign import choose_grid
from geo.crs import from_wgs84
from tests.samples import SCHOOL

BASE = {"category": "0102", "description": "小区门口垃圾堆放", "channel": "worker_app"}


def post(client, **fields):
    return client.post("/api/v1/reports", json={**BASE, **fields})


def test_report_is_assigned_to_micro_grid_and_every_ancestor(client, sample):
    res = post(client, lon=113.6150, lat=34.7525)
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert body["ticket"].startswith("GM") and res.headers["Location"].endswith(body["ticket"])
    assert [g["code"] for g in body["grid_chain"]] == [
        "410102", "410102001", "410102001001", "410102001001002", "41010200100100202"]
    assert body["grid"]["level"] == "micro"
    assert body["out_of_coverage"] is False
    assert body["status"] == "reported"


def test_dedicated_grid_is_added(client, sample):
    body = post(client, lon=113.604, lat=34.754).get_json()
    assert [g["code"] for g in body["dedicated_grids"]] == [SCHOOL]
    assert body["grid"]["code"] == "41010200100100102"


# Shared edges and vertices of the sample tiling, with the micro-grids that touch them.
EDGE_CASES = [
    # between the two micro-grids of one grid (north 01 / south 02)
    ((113.605, 34.755), ["41010200100100101", "41010200100100102"]),
    # between two grids of one community (west 001 / east 002)
    ((113.61, 34.7575), ["41010200100100101", "41010200100100201"]),
    # the vertex where four micro-grids of two grids meet
    ((113.61, 34.755), ["41010200100100101", "41010200100100102", "41010200100100201", "41010200100100202"]),
    # the subdistrict boundary
    ((113.62, 34.7575), ["41010200100100201", "41010200200100101"]),
    # the corner of the whole district: on its boundary, still covered
    ((113.60, 34.74), ["41010200100200102"]),
]


@pytest.mark.parametrize("point,touching", EDGE_CASES)
def test_points_on_shared_edges_get_exactly_one_grid_by_lowest_code(client, db, sample, point, touching):
    body = post(client, lon=point[0], lat=point[1]).get_json()
    expected = choose_grid((code, 4) for code in touching)
    assert body["grid"]["code"] == expected == min(touching)
    # The lookup API applies the same rule.
    look = client.get(f"/api/v1/lookup?lon={point[0]}&lat={point[1]}").get_json()
    assert look["grid"]["code"] == expected


def test_point_outside_coverage_is_stored_and_flagged(client, db, sample):
    res = post(client, lon=113.70, lat=34.75)
    assert res.status_code == 201
    body = res.get_json()
    assert body["out_of_coverage"] is True and body["grid"] is None
    stored = db.session.scalars(select(Report).where(Report.ticket == body["ticket"])).one()
    assert stored.out_of_coverage and stored.location is not None
    listed = client.get("/api/v1/reports?out_of_coverage=true").get_json()["reports"]
    assert [r["ticket"] for r in listed] == [body["ticket"]]


def test_report_without_any_grids_is_out_of_coverage(client, db):
    body = post(client, lon=113.61, lat=34.75).get_json()
    assert body["out_of_coverage"] is True


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_coordinates_from_chinese_map_apps_are_converted(client, sample, crs):
    x, y = from_wgs84(113.6150, 34.7525, crs)
    body = post(client, lon=float(x), lat=float(y), crs=crs, channel="resident_app").get_json()
    assert body["grid"]["code"] == "41010200100100202"
    assert abs(body["location"]["lon"] - 113.6150) < 1e-6 and abs(body["location"]["lat"] - 34.7525) < 1e-6
    assert body["submitted"]["lon"] == pytest.approx(float(x))


@pytest.mark.parametrize("payload,field", [
    ({"lon": 113.61}, "lat"),
    ({"lon": "abc", "lat": 34.75}, "lon"),
    ({"lon": 200, "lat": 34.75}, "lon"),
    ({"lon": 113.61, "lat": -91}, "lat"),
    ({"lon": "NaN", "lat": 34.75}, "lon"),
    ({"lon": 113.61, "lat": 34.75, "category": "9999"}, "category"),
    ({"lon": 113.61, "lat": 34.75, "channel": "fax"}, "channel"),
    ({"lon": 113.61, "lat": 34.75, "crs": "EPSG:0"}, "crs"),
    ({"lon": 113.61, "lat": 34.75, "description": ""}, "description"),
    ({"lon": 113.61, "lat": 34.75, "description": "x" * 5000}, "description"),
    ({"lon": 113.61, "lat": 34.75, "reporter_phone": "<script>"}, "reporter_phone"),
])
def test_bad_reports_get_422_naming_the_field(client, db, sample, payload, field):
    res = post(client, **payload)
    assert res.status_code == 422, res.get_json()
    errors = res.get_json()["error"]["details"]["errors"]
    assert field in {e["field"] for e in errors}
    assert db.session.query(Report).count() == 0


@pytest.mark.parametrize("body", [b"", b"[]", b"not json", b"123"])
def test_non_object_bodies(client, db, body):
    res = client.post("/api/v1/reports", data=body, content_type="application/json")
    assert res.status_code == 422


def test_get_and_list(client, sample):
    ticket = post(client, lon=113.6150, lat=34.7525).get_json()["ticket"]
    assert client.get(f"/api/v1/reports/{ticket}").get_json()["ticket"] == ticket
    assert client.get("/api/v1/reports/GM0000").status_code == 404
    fc = client.get("/api/v1/reports?format=geojson&status=open&category=0102").get_json()
    props = fc["features"][0]["properties"]
    assert props["grid_code"] == "41010200100100202"
    # Micro-grid names repeat in every grid: its grid's name comes along.
    grid_name = client.get("/api/v1/grids/410102001001002").get_json()["properties"]["name"]
    assert props["grid_parent_name"] == grid_name and grid_name != props["grid_name"]
    assert client.get("/api/v1/reports?category=0101").get_json()["count"] == 0
    grid_id = sample["result"].version_id and client.get("/api/v1/grids/410102001").get_json()["properties"]["id"]
    assert client.get(f"/api/v1/reports?grid_id={grid_id}").get_json()["count"] == 1
    assert client.get("/api/v1/reports?status=bogus").status_code == 422
    assert client.get("/api/v1/reports?format=xml").status_code == 422


def test_report_and_lookup_agree_where_leaves_of_different_depth_meet(client, db, sample):
    """A grid without micro-grids is a leaf too: on its edge with a micro-grid the deeper one wins."""
    from sqlalchemy import text

    # Drop the micro-grids of 410102001001001 so it becomes a leaf at grid depth.
    db.session.execute(text("DELETE FROM grid WHERE parent_code = '410102001001001'"))
    db.session.execute(text("UPDATE grid SET is_leaf = true WHERE code = '410102001001001'"))
    body = post(client, lon=113.61, lat=34.755).get_json()
    look = client.get("/api/v1/lookup?lon=113.61&lat=34.755").get_json()
    assert body["grid"]["code"] == look["grid"]["code"] == "41010200100100201"
