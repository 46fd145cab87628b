"""Base maps from the district's own tile server (GRIDMAP_TILES=xyz or wmts), in headless chromium.

A tiny HTTP tile server started by the test plays the intranet's tile server (政务外网): it answers
every tile with a 256 px PNG and records what was asked. The map page must ask it for the tiles of
the view, in the URL form configured (an XYZ template, a GeoServer-style WMTS GetTile), the CSP must
let the images in, and Leaflet must draw them where they belong: at the view's own tile for WGS-84
and CGCS2000 tiles, moved as AMap's are for GCJ-02 tiles.
"""
from __future__ import annotations

import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from app import create_app
from app.config import ConfigError
from tests.live import serving
from tests.maps.helpers import tile_placement as gcj_view

pytestmark = pytest.mark.browser


def _png(size: int = 256, rgb=(214, 96, 77)) -> bytes:
    """A solid ``size`` x ``size`` PNG, written by hand (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\x00" + bytes(rgb) * size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b""))


TILE = _png()


class TileServer:
    """Serves TILE for every GET on 127.0.0.1 (a free port) and keeps the paths asked for."""

    def __init__(self):
        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(TILE)))
                self.end_headers()
                self.wfile.write(TILE)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def tile_server():
    with TileServer() as server:
        yield server


def _settings(kind: str, server: TileServer) -> dict:
    return {
        "xyz": {"TILES": "xyz", "TILES_URL": server.url + "/tiles/{z}/{x}/{y}.png", "TILES_ATTRIBUTION": "区测绘院"},
        "wmts": {"TILES": "wmts", "TILES_URL": server.url + "/geoserver/gwc/service/wmts",
                 "TILES_LAYER": "zhongyuan:base", "TILES_MATRIX_SET": "EPSG:900913",
                 "TILES_MATRIX": "EPSG:900913:{z}"},
        # The GCJ-02 case uses AMap's query form, so the AMap placement check of test_gcj_tiles applies as is.
        "gcj02": {"TILES": "xyz", "TILES_URL": server.url + "/gcj?x={x}&y={y}&z={z}", "TILES_CRS": "gcj02"},
    }[kind]


@pytest.fixture
def tiles_app(app, tile_server, request):
    return create_app({**{k: app.config[k] for k in ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY")},
                       **_settings(request.param, tile_server)})


@pytest.fixture
def live_server(tiles_app):
    # Overrides the suite's live_server: blank_page admits this server only, and the tile server below.
    with serving(tiles_app) as url:
        yield url


@pytest.fixture
def tile_page(blank_page, tile_server):
    tile_server.seen.clear()
    # Registered after the page's guard, so the tile server's requests go through to it for real.
    blank_page.route(tile_server.url + "/**", lambda route: route.continue_())
    return blank_page


#: The tile holding the view's centre at the map's zoom, and whether Leaflet drew an image of the
#: tile server there, fully loaded and 256 px wide.
CENTRE_TILE_JS = """(server) => {
  const m = window.gridmapLookupMap;
  const z = m.getZoom(), p = m.project(m.getCenter(), z);
  const tx = Math.floor(p.x / 256), ty = Math.floor(p.y / 256);
  const want = m.latLngToContainerPoint(m.getCenter()), box = m.getContainer().getBoundingClientRect();
  const drawn = [...document.querySelectorAll('img.leaflet-tile-loaded')].filter(i => i.src.startsWith(server));
  const here = drawn.find(i => {
    const r = i.getBoundingClientRect();
    return r.left <= box.left + want.x && box.left + want.x <= r.right && r.top <= box.top + want.y
        && box.top + want.y <= r.bottom;
  });
  return {z: z, x: tx, y: ty, drawn: drawn.length, src: here ? here.src : null,
          width: here ? here.naturalWidth : 0};
}"""


def _show(page, base: str, lat=34.7530, lon=113.6200, zoom=15) -> None:
    page.goto(base + "/lookup")
    # The lookup page hands its Leaflet map to its script as window.gridmapLookupMap.
    page.wait_for_function("() => window.gridmapLookupMap && typeof window.gridmapLookupMap.setView === 'function'")
    page.evaluate("""([lat, lon, z]) => {
      document.getElementById('lookup-map').hidden = false;
      const m = window.gridmapLookupMap;
      m.invalidateSize();
      m.setView([lat, lon], z, {animate: false});
    }""", [lat, lon, zoom])
    page.wait_for_function("() => document.querySelectorAll('img.leaflet-tile-loaded').length > 0 && "
                           "[...document.querySelectorAll('img.leaflet-tile')].every(i => i.complete)")


@pytest.mark.parametrize("tiles_app", ["xyz"], indirect=True)
def test_an_xyz_template_draws_the_districts_own_tiles(tile_page, live_server, tile_server):
    res = tile_page.goto(live_server + "/lookup")
    assert f"img-src 'self' data: blob: {tile_server.url};" in res.headers["content-security-policy"]
    _show(tile_page, live_server)
    at = tile_page.evaluate(CENTRE_TILE_JS, tile_server.url)
    assert at["src"] == f"{tile_server.url}/tiles/{at['z']}/{at['x']}/{at['y']}.png" and at["width"] == 256, at
    assert f"/tiles/{at['z']}/{at['x']}/{at['y']}.png" in tile_server.seen
    assert at["drawn"] >= 4 and not tile_page.watch.outside_requests
    assert not tile_page.watch.console_errors  # a CSP refusal would be one
    assert "区测绘院" in tile_page.inner_text(".leaflet-control-attribution")


@pytest.mark.parametrize("tiles_app", ["wmts"], indirect=True)
def test_a_wmts_layer_is_asked_for_with_gettile(tile_page, live_server, tile_server):
    _show(tile_page, live_server, zoom=14)
    at = tile_page.evaluate(CENTRE_TILE_JS, tile_server.url)
    assert at["src"] and at["width"] == 256, at
    url = urlsplit(at["src"])
    assert url.path == "/geoserver/gwc/service/wmts"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query == {"SERVICE": "WMTS", "REQUEST": "GetTile", "VERSION": "1.0.0", "LAYER": "zhongyuan:base",
                     "STYLE": "default", "TILEMATRIXSET": "EPSG:900913", "FORMAT": "image/png",
                     "TILEMATRIX": f"EPSG:900913:{at['z']}", "TILEROW": str(at["y"]), "TILECOL": str(at["x"])}
    assert any(path.startswith("/geoserver/gwc/service/wmts?") for path in tile_server.seen)
    assert not tile_page.watch.console_errors and not tile_page.watch.outside_requests


@pytest.mark.parametrize("tiles_app", ["gcj02"], indirect=True)
def test_gcj02_tiles_are_moved_under_the_wgs84_data_as_amaps_are(tile_page, live_server, tile_server):
    tile_page.goto(live_server + "/lookup")
    tile_page.wait_for_function("() => window.GridMap && GridMap.gcjTileLayer")
    at = gcj_view(tile_page, 34.7530, 113.6200, 16)
    assert at is not None, "no tile was loaded for the view's centre"
    assert abs(at["dx"]) <= 1.5 and abs(at["dy"]) <= 1.5 and at["naive"] > 8, at
    assert any(path.startswith("/gcj?x=") for path in tile_server.seen)
    assert not tile_page.watch.console_errors


@pytest.mark.parametrize("settings, says", [
    ({"TILES": "xyz"}, "needs GRIDMAP_TILES_URL"),
    ({"TILES": "xyz", "TILES_URL": "http://10.1.2.3/tiles/{z}/{col}/{row}.png"}, "has {col}, {row}"),
    ({"TILES": "xyz", "TILES_URL": "http://10.1.2.3/tiles/{z}/{x}.png"}, "must contain {z}, {x} and {y}"),
    ({"TILES": "xyz", "TILES_URL": "ftp://10.1.2.3/{z}/{x}/{y}.png"}, "give an http:// or https:// URL"),
    ({"TILES": "xyz", "TILES_URL": "http://10.1.2.3/{z}/{x}/{y}.png", "TILES_CRS": "bd09"}, "GRIDMAP_TILES_CRS"),
    ({"TILES": "wmts", "TILES_URL": "http://10.1.2.3/wmts"}, "GRIDMAP_TILES_LAYER and GRIDMAP_TILES_MATRIX_SET"),
    ({"TILES": "wmts", "TILES_URL": "http://10.1.2.3/wmts", "TILES_LAYER": "a", "TILES_MATRIX_SET": "w",
      "TILES_MATRIX": "EPSG:900913:0"}, "must contain {z}"),
    ({"TILES": "bing"}, "use one of none, osm, tianditu, amap, xyz, wmts"),
])
def test_tile_settings_that_cannot_work_stop_start_up(settings, says):
    with pytest.raises(ConfigError) as caught:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql://unused/none", **settings})
    assert says in str(caught.value)


def test_the_csp_names_the_tile_host_and_subdomains(app):
    from app.security import csp_for, tile_hosts

    for url, host in [("http://10.1.2.3:8080/t/{z}/{x}/{y}.png", "http://10.1.2.3:8080"),
                      ("https://t{s}.map.zz.gov.cn/{z}/{x}/{y}.png", "https://*.map.zz.gov.cn")]:
        hosts = tile_hosts({"TILES": "xyz", "TILES_URL": url})
        assert hosts == (host,) and host in csp_for("xyz", hosts)["img-src"]
    assert tile_hosts({"TILES": "xyz", "TILES_URL": "/basemap/{z}/{x}/{y}.png"}) == ()  # 'self' covers it
    assert tile_hosts({"TILES": "tianditu"}) == ("https://*.tianditu.gov.cn",)
