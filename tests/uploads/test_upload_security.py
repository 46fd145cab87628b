"""Issue 20, items 2 and 12, through the draft import API: a hostile upload reads no local file, makes the
server fetch no URL, repeats nothing it holds, and a heavy one is refused fast, naming the limit."""
from __future__ import annotations

import http.server
import io
import json
import os
import sqlite3
import tempfile
import threading
import time
import urllib.request
import zipfile

import numpy as np
import pyogrio
import pytest
import shapely

from app.uploads import gdal
from geo import features
from tests.plan.conftest import COMMUNITY, WEST
from tests.plan.helpers import import_file

PASSWD = open("/etc/passwd", encoding="utf-8", errors="replace").read()
PASSWD_LINES = [line for line in PASSWD.splitlines() if line.strip()]


class Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        Recorder.hits.append(self.path)
        body = b'{"type": "FeatureCollection", "features": []}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    """A local HTTP server that counts the requests it gets; yields its base URL."""
    Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def vrt(source: str) -> bytes:
    return (f'<OGRVRTDataSource><OGRVRTLayer name="grids"><SrcDataSource>{source}</SrcDataSource>'
            '</OGRVRTLayer></OGRVRTDataSource>').encode()


def _post(client, draft, data: bytes, filename: str, **form):
    return import_file(client, draft["id"], data, filename, **{"row_version": draft["row_version"], "level": "grid",
                                                               "parent": COMMUNITY, **form})


def _assert_nothing_echoed(body):
    text = json.dumps(body, ensure_ascii=False)
    assert "root:" not in text and "/bin/" not in text and "nologin" not in text
    assert not any(line in text for line in PASSWD_LINES if len(line) > 8)
    assert "SECRET" not in text and "DATABASE_URL" not in text


def _gpkg(path: str, crs="EPSG:4326", n: int = 2) -> None:
    geoms = [shapely.box(113.60 + i * 1e-4, 34.75, 113.6001 + i * 1e-4, 34.7501) for i in range(n)]
    pyogrio.raw.write(path, np.array(shapely.to_wkb(geoms), dtype=object),
                      [np.array([f"{WEST}{i % 90 + 1:02d}" for i in range(n)], dtype=object),
                       np.array(["x"] * n, dtype=object)], ["code", "name"], driver="GPKG",
                      geometry_type="Polygon", crs=crs)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_gdal_keeps_only_the_three_readers_and_no_network(app):
    gdal.lock_down()
    assert gdal.check() == []
    assert set(pyogrio.list_drivers()) == {"GeoJSON", "GPKG", "ESRI Shapefile"}
    with pytest.raises(ValueError):
        gdal.read("/vsicurl/http://127.0.0.1:9/x.gpkg", "GPKG")


@pytest.mark.parametrize("name", ["grid.geojson", "grid.gpkg", "grid.json", "grid.zip", "grid"])
def test_a_vrt_under_any_name_is_refused_and_reads_nothing(client, sample, draft, name):
    status, body = _post(client, draft, vrt("CSV:/etc/passwd"), name)
    assert status == 422
    assert body["error"]["details"]["field"] == "file" and "VRT" in body["error"]["message"]
    _assert_nothing_echoed(body)


def test_a_vrt_inside_a_zip_is_refused(client, sample, draft):
    for members in ({"grids.shp": vrt("CSV:/etc/passwd"), "grids.shx": b"", "grids.dbf": b""},
                    {"grids.vrt": vrt("CSV:/etc/passwd")}):
        status, body = _post(client, draft, _zip(members), "grids.zip")
        assert status == 422 and body["error"]["details"]["field"] == "file", body
        _assert_nothing_echoed(body)


def test_local_files_named_inside_a_geojson_are_data_not_paths(client, sample, draft):
    fc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "/etc/passwd"}},
          "features": [{"type": "Feature", "properties": {"code": "/etc/passwd", "name": "app/config.py"},
                        "geometry": {"type": "Polygon", "coordinates": "/proc/self/environ"}}]}
    status, body = _post(client, draft, json.dumps(fc).encode(), "grid.geojson")
    assert status == 422
    _assert_nothing_echoed(body)


def test_no_url_anywhere_is_fetched(client, sample, draft, listener):
    url = listener + "/x.geojson"
    tries = []
    # A VRT over /vsicurl/, and over the URL itself.
    tries.append((vrt(f"/vsicurl/{url}"), "grid.geojson", {}))
    tries.append((vrt(url), "grid.gpkg", {}))
    # GeoJSON whose crs names the URL, as a name and as a link.
    fc = {"type": "FeatureCollection", "features": [], "crs": {"type": "link", "properties": {"href": url}}}
    tries.append((json.dumps(fc).encode(), "grid.geojson", {}))
    fc["crs"] = {"type": "name", "properties": {"name": f"/vsicurl/{url}"}}
    tries.append((json.dumps(fc).encode(), "grid.geojson", {}))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "g.gpkg")
        _gpkg(path)
        good = open(path, "rb").read()
        # A GeoPackage whose coordinate system definition is the URL.
        with sqlite3.connect(path) as db:
            db.execute("UPDATE gpkg_spatial_ref_sys SET definition = ?, organization = 'x', "
                       "organization_coordsys_id = 1 WHERE srs_id = 4326", (url,))
        tries.append((open(path, "rb").read(), "grid.gpkg", {}))
    # The URL in every form field and in the file name.
    for field in ("layer", "crs", "parent"):
        tries.append((good, "grid.gpkg", {field: f"/vsicurl/{url}"}))
    tries.append((good, f"/vsicurl/{url}", {}))
    for data, name, form in tries:
        status, body = _post(client, draft, data, name, **form)
        assert status in (409, 413, 422), (name, form, body)
    time.sleep(0.2)
    assert Recorder.hits == []
    # The listener does hear a request that is made.
    urllib.request.urlopen(url, timeout=5).read()
    assert Recorder.hits == ["/x.geojson"]


def test_a_damaged_geopackage_is_refused_without_gdals_words(client, sample, draft):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "g.gpkg")
        _gpkg(path)
        data = bytearray(open(path, "rb").read())
    data[100:] = b"\xff" * (len(data) - 100)   # the header stays a GeoPackage's, the pages are garbage
    status, body = _post(client, draft, bytes(data), "grid.gpkg")
    assert status == 422 and body["error"]["details"] == {"field": "file"}
    assert "sqlite" not in body["error"]["message"].lower()


def _bomb(size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("grids.shp", "w", force_zip64=True) as fh:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                fh.write(chunk)
        zf.writestr("grids.shx", b"")
        zf.writestr("grids.dbf", b"")
    return buf.getvalue()


def test_a_zip_bomb_is_refused_fast_naming_the_setting(client, sample, draft):
    bomb = _bomb(300 << 20)
    assert len(bomb) < 600_000
    started = time.monotonic()
    status, body = _post(client, draft, bomb, "grids.zip")
    assert time.monotonic() - started < 2.0
    assert status == 413
    assert body["error"]["code"] == "too_large" and body["error"]["details"]["setting"] == "GRIDMAP_MAX_UNZIPPED_BYTES"
    assert "GRIDMAP_MAX_UNZIPPED_BYTES" in body["error"]["message"]


def test_a_bomb_under_the_size_limit_is_refused_by_its_ratio(client, sample, draft, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UNZIPPED_BYTES", 1 << 30)
    status, body = _post(client, draft, _bomb(200 << 20), "grids.zip")
    assert status == 413 and body["error"]["details"]["setting"] == "GRIDMAP_MAX_ZIP_RATIO"


def test_a_zip_that_lies_about_its_sizes_is_refused(client, sample, draft):
    data = bytearray(_zip({"grids.shp": bytes(1 << 20), "grids.shx": b"", "grids.dbf": b""}))
    # Declare the inflated .shp as 1,000 bytes in both headers: reading stops there, and the CRC fails.
    big = (1 << 20).to_bytes(4, "little")
    small = (1000).to_bytes(4, "little")
    assert data.count(big) == 2
    data = data.replace(big, small)
    started = time.monotonic()
    status, body = _post(client, draft, bytes(data), "grids.zip")
    assert time.monotonic() - started < 2.0
    assert status == 422 and body["error"]["details"]["field"] == "file"


def _shapefile_zip(geoms, codes) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "grids.shp")
        pyogrio.raw.write(path, np.array(shapely.to_wkb(geoms), dtype=object),
                          [np.array(codes, dtype=object), np.array(["x"] * len(codes), dtype=object)],
                          ["code", "name"], driver="ESRI Shapefile", geometry_type="Polygon", crs="EPSG:4326")
        return _zip({name: open(os.path.join(tmp, name), "rb").read() for name in os.listdir(tmp)})


def _never_parsed(obj, **kwargs):
    raise AssertionError("a geometry over the vertex limit was parsed")


def test_a_million_vertex_grid_is_refused_before_it_is_decoded(client, sample, draft, monkeypatch):
    angles = np.linspace(0, 2 * np.pi, 1_000_000, endpoint=False)
    ring = np.c_[113.605 + 0.004 * np.cos(angles), 34.755 + 0.004 * np.sin(angles)]
    data = _shapefile_zip([shapely.Polygon(ring)], [f"{COMMUNITY}005"])
    started = time.monotonic()
    status, body = _post(client, draft, data, "grids.zip")
    assert time.monotonic() - started < 3.0
    assert status == 413
    details = body["error"]["details"]
    assert details["setting"] == "GRIDMAP_MAX_GRID_VERTICES" and details["got"] >= 1_000_000
    assert details["index"] == 0 and "GRIDMAP_MAX_GRID_VERTICES" in body["error"]["message"]
    # The same grid as GeoJSON: its positions are counted before any is parsed (the JSON text itself is
    # read by the json module, in C; parsing the coordinates is what took seconds).
    fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "code": f"{COMMUNITY}005", "name": "x", "parent_code": COMMUNITY},
        "geometry": {"type": "Polygon", "coordinates": [np.round(ring, 6).tolist() + [ring[0].tolist()]]}}]}
    data = json.dumps(fc).encode()
    monkeypatch.setattr(features, "parse_polygonal", _never_parsed)
    status, body = _post(client, draft, data, "grids.geojson")
    assert status == 422
    (error,) = body["error"]["details"]["errors"]
    assert error["reason"] == "too_many_vertices" and "GRIDMAP_MAX_GRID_VERTICES" in error["message"]


def test_too_many_features_are_refused_before_the_job(client, sample, draft, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMPORT_FEATURES", 3)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "g.gpkg")
        _gpkg(path, n=5)
        gpkg = open(path, "rb").read()
    for data, name in ((gpkg, "g.gpkg"), (_shapefile_zip([shapely.box(113.6, 34.75, 113.601, 34.751)] * 5,
                                                         [f"{COMMUNITY}00{i}" for i in range(1, 6)]), "g.zip")):
        res = client.post(f"/api/v1/drafts/{draft['id']}/import", content_type="multipart/form-data", data={
            "file": (io.BytesIO(data), name), "row_version": "1", "level": "grid"})
        assert res.status_code == 413, res.get_json()
        assert res.get_json()["error"]["details"] == {"field": "file", "got": 5, "limit": 3,
                                                      "setting": "GRIDMAP_MAX_IMPORT_FEATURES"}
    assert client.get(f"/api/v1/drafts/{draft['id']}").get_json()["row_version"] == 1


def test_the_grid_import_refuses_deep_json_and_huge_grids_unparsed(client, cli, db, tmp_path, monkeypatch):
    """``POST /api/v1/grids/import`` and ``flask grids import`` read JSON only (no GDAL); the limits hold there."""
    deep = b"[" * 100_000 + b"]" * 100_000
    res = client.post("/api/v1/grids/import", data={"file": (io.BytesIO(deep), "deep.geojson")},
                      content_type="multipart/form-data")
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "body"
    path = tmp_path / "deep.geojson"
    path.write_bytes(deep)
    out = cli.invoke(args=["grids", "import", str(path)])
    assert out.exit_code != 0 and "nested too deep" in out.output
    ring = [[113.60 + 0.01 * np.cos(a), 34.75 + 0.01 * np.sin(a)] for a in np.linspace(0, 6.28, 1_000_000)]
    fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {
        "type": "Polygon", "coordinates": [ring + [ring[0]]]}, "properties": {
        "code": "410102", "name": "中原区", "level": "district"}}]}
    data = json.dumps(fc).encode()
    monkeypatch.setattr(features, "parse_polygonal", _never_parsed)
    res = client.post("/api/v1/grids/import", data={"file": (io.BytesIO(data), "huge.geojson")},
                      content_type="multipart/form-data")
    assert res.status_code == 422
    (error,) = res.get_json()["error"]["details"]["errors"]
    assert error["reason"] == "too_many_vertices" and error["params"]["got"] == 1_000_001
