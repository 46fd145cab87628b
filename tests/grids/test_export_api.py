"""GET /api/v1/grids: filters, simplification, staff in properties, versions."""
from __future__ import annotations

import pytest

from tests.samples import UNSTAFFED


def test_export_by_level_with_staff(client, sample):
    res = client.get("/api/v1/grids?level=grid&kind=regular")
    assert res.status_code == 200
    assert res.mimetype == "application/geo+json"
    feats = {f["id"]: f for f in res.get_json()["features"]}
    assert len(feats) == 8  # without the dedicated school, which is level "grid" too
    assert feats[UNSTAFFED]["properties"]["staffed"] is False
    staffed = feats["410102001001001"]["properties"]
    assert staffed["staffed"] and staffed["worker"] and staffed["phone"].startswith("138")
    assert staffed["staff"][0]["role"] == "grid_worker"


def test_export_filters(client, sample):
    assert len(client.get("/api/v1/grids?parent=410102001001").get_json()["features"]) == 3
    dedicated = client.get("/api/v1/grids?kind=dedicated").get_json()["features"]
    assert [f["id"] for f in dedicated] == ["410102001001901"]
    west = client.get("/api/v1/grids?level=micro&bbox=113.600,34.740,113.605,34.745").get_json()["features"]
    assert {f["id"] for f in west} >= {"41010200100200102"}
    assert all(f["id"].startswith("410102001") for f in west)


def test_zoom_simplifies_and_gcj02_shifts(client, sample):
    full = client.get("/api/v1/grids?level=district").get_json()["features"][0]
    simplified = client.get("/api/v1/grids?level=district&zoom=5").get_json()["features"][0]
    assert simplified["geometry"]["type"] in ("Polygon", "MultiPolygon")
    shifted = client.get("/api/v1/grids?level=district&crs=gcj02").get_json()["features"][0]
    x0 = full["geometry"]["coordinates"][0][0][0][0]
    assert abs(shifted["geometry"]["coordinates"][0][0][0][0] - x0) > 0.001  # GCJ-02 moves ~500 m


@pytest.mark.parametrize("query,field", [
    ("level=province", "level"), ("bbox=1,2,3", "bbox"), ("bbox=10,10,0,0", "bbox"), ("zoom=abc", "zoom"),
    ("version=x", "version"), ("crs=nope", "crs"), ("tolerance=-1", "tolerance"),
])
def test_bad_parameters(client, sample, query, field):
    res = client.get(f"/api/v1/grids?{query}")
    assert res.status_code == 422
    assert res.get_json()["error"]["details"]["field"] == field


def test_unknown_version_and_grid(client, sample):
    assert client.get("/api/v1/grids?version=999").status_code == 404
    assert client.get("/api/v1/grids/999999").status_code == 404
    one = client.get("/api/v1/grids/410102001").get_json()
    assert one["properties"]["level"] == "subdistrict"
    versions = client.get("/api/v1/versions").get_json()["versions"]
    assert versions[0]["status"] == "published" and versions[0]["generation"] == 1


def test_gcj02_bbox_is_read_in_gcj02(client, sample):
    from geo.crs import from_wgs84

    xs, ys = from_wgs84([113.600, 113.605], [34.740, 34.745], "gcj02")
    q = f"bbox={xs[0]},{ys[0]},{xs[1]},{ys[1]}&crs=gcj02&level=micro"
    ids = {f["id"] for f in client.get(f"/api/v1/grids?{q}").get_json()["features"]}
    assert "41010200100200102" in ids and all(i.startswith("410102001") for i in ids)
