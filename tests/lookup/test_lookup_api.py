"""GET /api/v1/lookup: the grid chain with staff, history by version, outside coverage."""
from __future__ import annotations

import pytest

from geo.crs import from_wgs84
from tests.samples import UNSTAFFED


def test_lookup_returns_chain_with_staff(client, sample):
    res = client.get("/api/v1/lookup?lon=113.6150&lat=34.7525")
    assert res.status_code == 200
    body = res.get_json()
    assert [g["level"] for g in body["chain"]] == ["district", "subdistrict", "community", "grid", "micro"]
    grid = body["chain"][3]
    assert grid["code"] == "410102001001002"
    assert grid["staff"][0]["phone"].startswith("138") and grid["staff"][0]["role"] == "grid_worker"
    assert body["grid"]["staff"][0]["role"] == "micro_grid_worker"
    assert body["version"]["status"] == "published"


def test_lookup_unstaffed_grid_has_empty_staff(client, sample):
    body = client.get("/api/v1/lookup?lon=113.635&lat=34.742").get_json()
    assert body["chain"][3]["code"] == UNSTAFFED
    assert body["chain"][3]["staff"] == []


def test_lookup_in_gcj02(client, sample):
    x, y = from_wgs84(113.6150, 34.7525, "gcj02")
    body = client.get(f"/api/v1/lookup?lon={float(x)}&lat={float(y)}&crs=gcj02").get_json()
    assert body["grid"]["code"] == "41010200100100202"


def test_outside_coverage_is_404_with_nearest_grid(client, sample):
    res = client.get("/api/v1/lookup?lon=113.65&lat=34.75")
    assert res.status_code == 404
    err = res.get_json()["error"]
    assert err["code"] == "out_of_coverage"
    nearest = err["details"]["nearest"]
    assert nearest["code"].startswith("410102002") and 800 < nearest["distance_m"] < 1000


def test_lookup_by_version(client, sample):
    vid = client.get("/api/v1/versions").get_json()["versions"][0]["id"]
    assert client.get(f"/api/v1/lookup?lon=113.615&lat=34.7525&version={vid}").status_code == 200
    assert client.get("/api/v1/lookup?lon=113.615&lat=34.7525&version=999").status_code == 404


@pytest.mark.parametrize("query,field", [
    ("lat=34.75", "lon"), ("lon=113.6", "lat"), ("lon=abc&lat=34.7", "lon"), ("lon=113.6&lat=100", "lat"),
    ("lon=inf&lat=34.7", "lon"), ("lon=113.6&lat=34.7&crs=martian", "crs"),
])
def test_bad_lookup_parameters(client, sample, query, field):
    res = client.get(f"/api/v1/lookup?{query}")
    assert res.status_code == 422
    assert res.get_json()["error"]["details"]["field"] == field
