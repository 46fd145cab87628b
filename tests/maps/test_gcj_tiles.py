"""AMap tiles (GCJ-02) under WGS-84 data, in headless chromium.

GridMap keeps every overlay, click and drawing in WGS-84 and moves the AMap
tiles instead (GridMap.gcjTileLayer). These tests serve a blank PNG for each
AMap tile and check where chromium put the tiles: the spot of a tile that
shows the GCJ-02 image of a point must sit on that point's WGS-84 pixel.
"""
from __future__ import annotations

import base64

import pytest

from app import create_app
from geo.gcj import wgs84_to_gcj02
from tests.live import serving
from tests.maps.helpers import tile_placement

# A 1x1 transparent PNG: the tiles' content does not matter, only where they go.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")

@pytest.fixture(scope="module")
def amap_app(app):
    """The app as configured with ``GRIDMAP_TILES=amap`` (its CSP admits AMap's tiles)."""
    return create_app({**{k: app.config[k] for k in ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY")},
                       "TILES": "amap"})


@pytest.fixture
def live_server(amap_app):
    # Overrides the suite's live_server: blank_page admits this server only.
    with serving(amap_app) as url:
        yield url


@pytest.fixture
def amap_page(blank_page):
    tiles: list[str] = []

    def tile(route):
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=PNG)

    # Registered after the page's guard, so it answers AMap's tile requests first.
    blank_page.route("https://*.is.autonavi.com/**", tile)
    blank_page.tiles = tiles
    return blank_page


@pytest.mark.parametrize("zoom", [13, 16, 18])
def test_amap_tiles_sit_under_the_wgs84_point(amap_page, live_server, zoom):
    amap_page.goto(live_server + "/lookup")
    amap_page.wait_for_function("() => window.GridMap && GridMap.gcjTileLayer")
    at = tile_placement(amap_page, 34.7530, 113.6200, zoom)
    assert at is not None, "no tile was loaded for the view's centre"
    # Within a pixel of where the content belongs, and the plain layer would have been far off.
    assert abs(at["dx"]) <= 1.5 and abs(at["dy"]) <= 1.5, at
    assert at["naive"] > 8, at
    # The tiles fetched are those of the GCJ-02 view: the map's corners are all covered.
    assert at["covered"], at
    assert amap_page.tiles and not amap_page.watch.outside_requests
    assert not amap_page.watch.console_errors


def test_the_browser_shift_is_the_one_geo_uses(amap_page, live_server):
    amap_page.goto(live_server + "/lookup")
    amap_page.wait_for_function("() => window.GridMap && GridMap.wgsToGcj")
    points = [(113.62, 34.753), (113.55, 34.70), (116.397, 39.909), (121.47, 31.23), (2.35, 48.85)]
    for lon, lat in points:
        got = amap_page.evaluate("([lon, lat]) => GridMap.wgsToGcj(lon, lat)", [lon, lat])
        want = wgs84_to_gcj02(lon, lat)
        assert got == pytest.approx([float(want[0]), float(want[1])], abs=1e-9)
        back = amap_page.evaluate("([lon, lat]) => GridMap.gcjToWgs(lon, lat)", [float(want[0]), float(want[1])])
        assert back == pytest.approx([lon, lat], abs=1e-7)  # about a centimetre
