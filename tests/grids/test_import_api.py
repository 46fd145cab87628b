"""Grid import through HTTP and the CLI: the happy path, every kind of bad input, CRS conversion."""
from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select, text

from app.models import Grid
from geo.crs import from_wgs84
from tests.samples import box, feature, sample_collection


def test_import_sample_stores_hierarchy(client, db):
    res = client.post("/api/v1/grids/import", json=sample_collection())
    assert res.status_code == 201, res.get_json()
    body = res.get_json()["imported"]
    assert body["created"] == 32
    assert body["by_level"] == {"district": 1, "subdistrict": 2, "community": 4, "grid": 9, "micro": 16}
    micro = db.session.scalars(select(Grid).where(Grid.code == "41010200100100102")).one()
    assert micro.is_leaf and micro.level == "micro"
    chain = db.session.scalars(select(Grid.code).where(Grid.id.in_(micro.lineage))
                               .order_by(func.length(Grid.code))).all()
    assert chain == ["410102", "410102001", "410102001001", "410102001001001", "41010200100100102"]
    grid = db.session.scalars(select(Grid).where(Grid.code == "410102001001001")).one()
    assert not grid.is_leaf
    # Area is stored in m²: one micro-grid is 0.01° × 0.005° ≈ 913 m × 556 m at 34.75°N.
    assert 480_000 < micro.area_m2 < 540_000


def test_bad_features_are_all_listed_and_nothing_is_stored(client, db):
    fc = sample_collection()
    fc["features"][3]["geometry"] = {"type": "Polygon", "coordinates": [[[113.6, 34.74], [113.61, 34.75],
                                                                          [113.61, 34.74], [113.6, 34.75],
                                                                          [113.6, 34.74]]]}  # bow-tie
    fc["features"][5]["properties"]["parent_code"] = "410102001001999"  # unknown parent
    fc["features"][8]["properties"]["code"] = fc["features"][7]["properties"]["code"]  # duplicate
    fc["features"][10]["geometry"] = {"type": "Point", "coordinates": [113.6, 34.75]}
    fc["features"][14]["geometry"] = box(113.9, 34.74, 113.95, 34.76)  # outside its parent
    fc["features"][12]["geometry"] = box(113.6, 95, 113.61, 96)  # latitude out of range
    res = client.post("/api/v1/grids/import", json=fc)
    assert res.status_code == 422
    err = res.get_json()["error"]
    assert err["code"] == "validation_failed"
    reasons = {(e["index"], e["reason"]) for e in err["details"]["errors"]}
    assert (3, "invalid_ring") in reasons
    assert (5, "unknown_parent") in reasons
    assert (8, "duplicate_code") in reasons
    assert (10, "geometry_type") in reasons
    assert (14, "outside_parent") in reasons
    assert (12, "bad_coordinates") in reasons
    for e in err["details"]["errors"]:
        assert e["message"] and e["field"]
    assert db.session.scalar(select(func.count()).select_from(Grid)) == 0


def test_code_must_match_parent(client, db):
    fc = sample_collection()
    fc["features"][2]["properties"]["code"] = "410102009001"  # community under 410102001
    res = client.post("/api/v1/grids/import", json=fc)
    assert res.status_code == 422
    assert "code_parent_mismatch" in {e["reason"] for e in res.get_json()["error"]["details"]["errors"]}


def test_sloppy_input_is_normalised(client, db):
    district = feature("410102", "中原区", "district", None)
    # Clockwise exterior ring as a bare Polygon: accepted, stored as a CCW MultiPolygon.
    district["geometry"] = {"type": "Polygon", "coordinates": [[[113.6, 34.74], [113.6, 34.76], [113.64, 34.76],
                                                                [113.64, 34.74], [113.6, 34.74]]]}
    # A child that pokes out of its parent by a rounding error is clipped, not refused.
    child = feature("410102001", "街道", "subdistrict", box(113.6, 34.74, 113.6400000001, 34.76), "410102")
    res = client.post("/api/v1/grids/import", json={"type": "FeatureCollection", "features": [district, child]})
    assert res.status_code == 201, res.get_json()
    kind, covered = db.session.execute(text(
        "SELECT GeometryType(c.geom), ST_CoveredBy(c.geom, p.geom) FROM grid c JOIN grid p ON p.id = c.parent_id "
        "WHERE c.code = '410102001'")).one()
    assert kind == "MULTIPOLYGON" and covered


def test_second_import_can_add_children_to_stored_parents(client, db):
    fc = sample_collection()
    top = {"type": "FeatureCollection", "features": [f for f in fc["features"] if len(f["properties"]["code"]) <= 12]}
    rest = {"type": "FeatureCollection", "features": [f for f in fc["features"] if len(f["properties"]["code"]) > 12]}
    assert client.post("/api/v1/grids/import", json=top).status_code == 201
    res = client.post("/api/v1/grids/import", json=rest)
    assert res.status_code == 201, res.get_json()
    again = client.post("/api/v1/grids/import", json=rest)
    assert again.status_code == 422
    assert {e["reason"] for e in again.get_json()["error"]["details"]["errors"]} == {"duplicate_code"}
    leaf = db.session.scalars(select(Grid).where(Grid.code == "41010200200200201")).one()
    assert len(leaf.lineage) == 5


@pytest.mark.parametrize("crs", ["gcj02", "bd09", "4547", "EPSG:4490"])
def test_import_converts_coordinate_systems(client, db, crs):
    fc = sample_collection()
    converted = copy.deepcopy(fc)
    for f in converted["features"]:
        ring = f["geometry"]["coordinates"][0]
        xs, ys = from_wgs84([p[0] for p in ring], [p[1] for p in ring], crs)
        f["geometry"]["coordinates"][0] = [[float(x), float(y)] for x, y in zip(xs, ys)]
    res = client.post(f"/api/v1/grids/import?crs={crs}", json=converted)
    assert res.status_code == 201, res.get_json()
    # The stored district corner is back at WGS-84 within 0.5 m.
    dist = db.session.execute(text(
        "SELECT ST_Distance(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1)::geography,"
        " ST_SetSRID(ST_MakePoint(113.60, 34.74), 4326)::geography) FROM grid WHERE code = '410102'")).scalar()
    assert dist < 0.5


def test_unknown_crs_is_a_422(client, db):
    res = client.post("/api/v1/grids/import?crs=EPSG:99999", json=sample_collection())
    assert res.status_code == 422
    assert res.get_json()["error"]["details"]["field"] == "crs"


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"type": "Feature"}'])
def test_malformed_bodies(client, db, body):
    res = client.post("/api/v1/grids/import", data=body, content_type="application/json")
    assert res.status_code == 422
    assert res.get_json()["error"]["message"]


def test_cli_import_and_export(cli, db, tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(sample_collection()), encoding="utf-8")
    res = cli.invoke(args=["grids", "import", str(path)])
    assert res.exit_code == 0, res.output
    assert "Imported 32 grids" in res.output
    out = tmp_path / "out.geojson"
    res = cli.invoke(args=["grids", "export", "--level", "micro", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 16


def test_cli_import_reports_errors(cli, db, tmp_path):
    fc = sample_collection()
    fc["features"][1]["properties"]["level"] = "province"
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(fc), encoding="utf-8")
    res = cli.invoke(args=["grids", "import", str(path)])
    assert res.exit_code == 1
    assert "feature 1" in res.output


def test_cli_speaks_chinese_by_default(app, db, tmp_path, monkeypatch):
    monkeypatch.delenv("GRIDMAP_LANG", raising=False)
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(sample_collection()), encoding="utf-8")
    res = app.test_cli_runner().invoke(args=["grids", "import", str(path)])
    assert res.exit_code == 0, res.output
    assert "网格" in res.output


def test_limits_on_vertices_and_request_size(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_GRID_VERTICES", 4)
    res = client.post("/api/v1/grids/import", json=sample_collection())
    assert res.status_code == 422
    errors = res.get_json()["error"]["details"]["errors"]
    assert {e["reason"] for e in errors} == {"too_many_vertices"}
    assert "4" in errors[0]["message"]
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    res = client.post("/api/v1/grids/import", json=sample_collection())
    assert res.status_code == 413
    assert res.get_json()["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(Grid)) == 0
