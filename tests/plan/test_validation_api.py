"""GET /api/v1/versions/{id}/validation: coverage, balance, workers, thresholds, GeoJSON for the map."""
from __future__ import annotations

import json

import pytest
from shapely.geometry import shape

from tests.plan.conftest import COMMUNITY, WEST, box
from tests.plan.helpers import import_file
from tests.samples import UNSTAFFED


def test_published_sample_is_clean_but_has_warnings(client, sample):
    vid = sample["result"].version_id
    body = client.get(f"/api/v1/versions/{vid}/validation").get_json()
    assert body["publishable"] and body["summary"]["errors"] == 0
    assert body["version"]["id"] == vid
    unstaffed = {i["code"] for i in body["issues"] if i["rule"] == "unstaffed"}
    assert unstaffed == {UNSTAFFED, UNSTAFFED + "01", UNSTAFFED + "02"}
    # Micro-grids of 100 households are within 20-100; grids of 200 within 150-300.
    assert not [i for i in body["issues"] if i["rule"].startswith("households")]
    assert body["stats"]["grid"]["households_mean"] == 200 and body["stats"]["workers"]["unstaffed"] == 3
    assert body["thresholds"]["households"]["grid"] == [150, 300]
    assert all(i["message"] for i in body["issues"])


def test_thresholds_from_the_request(client, sample):
    vid = sample["result"].version_id
    body = client.get(f"/api/v1/versions/{vid}/validation?households_grid=10-50&min_compactness=0.9").get_json()
    high = [i for i in body["issues"] if i["rule"] == "households_high"]
    assert len(high) == 8 and high[0]["params"] == {"value": 200, "min": 10, "max": 50}
    assert len([i for i in body["issues"] if i["rule"] == "not_compact"]) > 0
    for bad in ("households_grid=abc", "min_compactness=2", "format=xml", "sliver_m2=-1"):
        res = client.get(f"/api/v1/versions/{vid}/validation?{bad}")
        assert res.status_code == 422, bad


def _import_gappy_layer(client, draft):
    """A layer for the first community that leaves lon 113.605-113.61 uncovered."""
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": WEST, "name": "西", "level": "grid", "parent_code": COMMUNITY},
         "geometry": box(113.60, 34.75, 113.605, 34.76)},
        {"type": "Feature", "properties": {"code": "410102001001002", "name": "东", "level": "grid",
                                           "parent_code": COMMUNITY},
         "geometry": box(113.61, 34.75, 113.62, 34.76)}]}
    status, body = import_file(client, draft["id"], json.dumps(fc).encode(), "gappy.geojson",
                               row_version=draft["row_version"], level="grid", parent=COMMUNITY)
    assert status == 200, body
    return body["draft"]


def test_gap_in_a_draft_is_an_error_with_its_area_and_shape(client, draft):
    d = _import_gappy_layer(client, draft)
    body = client.get(f"/api/v1/versions/{d['id']}/validation").get_json()
    assert not body["publishable"]
    gaps = [i for i in body["issues"] if i["rule"] == "gap"]
    assert [g["code"] for g in gaps] == [COMMUNITY]
    assert gaps[0]["area_m2"] == pytest.approx(507_000, rel=0.01)   # ~457 m x 1,112 m
    assert shape(gaps[0]["geometry"]).bounds == pytest.approx((113.605, 34.75, 113.61, 34.76))
    assert gaps[0]["severity"] == "error"
    # The west grid's micro-grids were cut to its new shape: the gap is the only error.
    assert {i["rule"] for i in body["issues"] if i["severity"] == "error"} == {"gap"}

    fc = client.get(f"/api/v1/versions/{d['id']}/validation?format=geojson").get_json()
    assert fc["type"] == "FeatureCollection"
    gap = next(f for f in fc["features"] if f["properties"]["rule"] == "gap")
    assert gap["geometry"]["type"] == "Polygon" and gap["properties"]["severity"] == "error"


def test_unknown_version(client, sample):
    assert client.get("/api/v1/versions/999999/validation").status_code == 404
