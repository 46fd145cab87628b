"""Import a level into a draft from GeoJSON, GeoPackage and Shapefile; export any version in all three."""
from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile

import numpy as np
import pyogrio
import pytest
import shapely
from shapely.geometry import shape

from geo.crs import geometry_from_wgs84
from tests.plan.conftest import COMMUNITY, EAST, WEST, grids
from tests.plan.helpers import import_file


def _layout(crs=None):
    """The first community re-cut: the west grid kept (wider), a new east grid 005, the old east grid gone."""
    west = shapely.box(113.60, 34.75, 113.612, 34.76)
    east = shapely.box(113.612, 34.75, 113.62, 34.76)
    geoms = [west, east]
    if crs:
        geoms = [geometry_from_wgs84(g, crs) for g in geoms]
    return geoms, {"code": [WEST, "410102001001005"], "name": ["西网格", "东网格"],
                   "parent_cod": [COMMUNITY, COMMUNITY], "households": [240, 160]}


def _write(fmt: str, crs="EPSG:4326") -> tuple[bytes, str]:
    geoms, props = _layout(None if crs == "EPSG:4326" else crs)
    driver, ext = {"geojson": ("GeoJSON", "geojson"), "gpkg": ("GPKG", "gpkg"), "shp": ("ESRI Shapefile", "shp")}[fmt]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"grids.{ext}")
        fields = list(props)
        data = [np.array(props[f], dtype=object if f != "households" else np.int64) for f in fields]
        pyogrio.raw.write(path, np.array(shapely.to_wkb(geoms), dtype=object), data, fields, driver=driver,
                          geometry_type="Polygon", crs=crs, encoding="UTF-8" if fmt == "shp" else None)
        if fmt != "shp":
            return open(path, "rb").read(), f"grids.{ext}"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name in os.listdir(tmp):
                zf.write(os.path.join(tmp, name), f"survey/{name}")
        return buf.getvalue(), "grids.zip"


def _import(client, draft, data, filename, status=200, **form):
    got, body = import_file(client, draft["id"], data, filename, **{
        "row_version": draft["row_version"], "level": "grid", "parent": COMMUNITY, **form})
    assert got == status, body
    return body


@pytest.mark.parametrize("fmt,crs", [("geojson", "EPSG:4326"), ("gpkg", "EPSG:4547"), ("shp", "EPSG:4547")])
def test_import_a_level(client, draft, fmt, crs):
    data, name = _write(fmt, crs)
    out = _import(client, draft, data, name)
    assert out["read"] == {"features": 2, "crs": crs, "layer": out["read"]["layer"]}
    summary = out["operation"]["summary"]
    assert EAST in summary["removed"] and "410102001001005" in summary["created"]
    feats = grids(client, draft["id"], parent=COMMUNITY)
    assert {c for c, f in feats.items() if f["properties"]["kind"] == "regular"} == {WEST, "410102001001005"}
    assert feats[WEST]["properties"]["households"] == 240
    assert shape(feats[WEST]["geometry"]).bounds == pytest.approx((113.60, 34.75, 113.612, 34.76), abs=1e-6)
    # The old east grid's micro-grids moved under the new grids, cut at the new border; nothing is lost.
    body = client.get(f"/api/v1/versions/{draft['id']}/validation").get_json()
    assert [i for i in body["issues"] if i["severity"] == "error"] == []
    micro = {**grids(client, draft["id"], parent=WEST), **grids(client, draft["id"], parent="410102001001005")}
    assert len(micro) == 4


def test_import_refuses_bad_files_and_leaves_the_draft(client, draft):
    before = grids(client, draft["id"])
    assert _import(client, draft, b"not a file", "x.txt", 422)["error"]["details"]["field"] == "file"
    assert _import(client, draft, b"{", "x.geojson", 422)["error"]["details"]["field"] == "file"
    bad = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "code": "4101020010010", "name": "x", "parent_code": COMMUNITY}, "geometry": None}]}
    body = _import(client, draft, json.dumps(bad).encode(), "bad.geojson", 422)
    assert {e["reason"] for e in body["error"]["details"]["errors"]} >= {"bad_code"}
    # A Shapefile without .prj must say its crs.
    data, _ = _write("shp", "EPSG:4547")
    zf = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for item in zf.infolist():
            if not item.filename.endswith(".prj"):
                out.writestr(item.filename, zf.read(item))
    assert _import(client, draft, buf.getvalue(), "noprj.zip", 422)["error"]["details"]["field"] == "crs"
    assert grids(client, draft["id"]) == before
    assert client.get(f"/api/v1/drafts/{draft['id']}").get_json()["row_version"] == 1
    out = _import(client, draft, buf.getvalue(), "noprj.zip", crs="4547")
    assert out["read"]["crs"] == "4547" and out["draft"]["row_version"] == 2


def test_import_needs_a_level_and_row_version(client, draft):
    data, name = _write("geojson")
    res = client.post(f"/api/v1/drafts/{draft['id']}/import", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(data), name), "row_version": "1"})
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "level"
    res = client.post(f"/api/v1/drafts/{draft['id']}/import", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(data), name), "level": "grid", "parent": COMMUNITY})
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "row_version"


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shp"])
def test_export_reads_back(client, sample, draft, fmt):
    vid = sample["result"].version_id
    res = client.get(f"/api/v1/versions/{vid}/export?format={fmt}&level=micro")
    assert res.status_code == 200
    assert "attachment" in res.headers["Content-Disposition"]
    suffix = {"geojson": ".geojson", "gpkg": ".gpkg", "shp": ".zip"}[fmt]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out" + suffix)
        with open(path, "wb") as fh:
            fh.write(res.data)
        if fmt == "shp":
            # Unpacked first, as a planner's GIS would: GridMap's process keeps no /vsizip/ (app.uploads.gdal).
            with zipfile.ZipFile(path) as zf:
                zf.extractall(tmp)
            path = os.path.join(tmp, next(n for n in os.listdir(tmp) if n.endswith(".shp")))
        meta, _, geometry, fields = pyogrio.raw.read(path)
    assert meta["crs"] == "EPSG:4326"
    names = list(meta["fields"])
    assert names[:5] == ["code", "name", "level", "kind", "parent_cod" if fmt == "shp" else "parent_code"]
    codes = list(fields[names.index("code")])
    assert len(codes) == 16 and codes[0] == "41010200100100101"
    assert fields[names.index("name")][0] == "1号微网格"
    assert int(fields[names.index("households")][0]) == 100
    assert shapely.from_wkb(geometry[0]).bounds == pytest.approx((113.60, 34.755, 113.61, 34.76))


def test_export_a_draft_in_4547_and_roles(client, client_as, sample, draft):
    res = client.get(f"/api/v1/versions/{draft['id']}/export?format=gpkg&crs=4547")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "d.gpkg")
        open(path, "wb").write(res.data)
        meta, _, geometry, _ = pyogrio.raw.read(path)
    assert meta["crs"] == "EPSG:4547" and len(geometry) == len(sample["codes"])
    assert shapely.from_wkb(geometry[0]).bounds[0] > 100_000   # metres, not degrees
    viewer = client_as("viewer")
    assert viewer.get(f"/api/v1/versions/{sample['result'].version_id}/export").status_code == 200
    assert viewer.get(f"/api/v1/versions/{draft['id']}/export").status_code == 403
    assert client.get(f"/api/v1/versions/{draft['id']}/export?format=kml").status_code == 422
