"""The map builders are pure: check the HTML they produce without a browser."""
from __future__ import annotations

import re

import pytest

from app.maps.assets import use_local_assets
from app.maps.builders import LEVELS, coverage_map, issues_map, page_parts

CENTER = (34.748, 113.61)
LABELS = {**{level: level.title() for level in LEVELS},
          "dedicated": "Dedicated", "no_worker": "No worker", "legend": "Legend"}
ISSUE_LABELS = {"reports": "Reports", "communities": "Communities",
                "out_of_coverage": "Outside", "overdue": "Overdue", "legend": "Categories"}
CATEGORIES = [{"code": "0102", "label": "Exposed garbage", "color": "#7f7f00"},
              {"code": "0402", "label": "Illegal parking", "color": "#1f77b4"}]
TEXTS = {"loading": "Loading…"}

URL_ATTR = re.compile(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', re.I)


@pytest.fixture(autouse=True)
def local_assets():
    use_local_assets()


def html_of(m) -> str:
    return m.get_root().render()


def asset_urls(html: str) -> list[str]:
    return [u for u in URL_ATTR.findall(html) if u.endswith((".js", ".css"))]


def test_coverage_map_fetches_every_level_from_the_api():
    html = html_of(coverage_map(CENTER, 13, "none", "/api/v1/grids", LABELS, TEXTS))
    assert html.count("GridMap.remoteGeoJson(") == len(LEVELS) + 1
    for level in LEVELS:
        assert f'"level": "{level}"' in html
    assert '"kind": "dedicated"' in html
    assert html.count('"url": "/api/v1/grids"') == len(LEVELS) + 1
    # No geometry is embedded: the features come from the browser's fetch.
    assert '"coordinates"' not in html


def test_micro_grids_are_off_at_start_and_fetched_by_bbox():
    html = html_of(coverage_map(CENTER, 13, "none", "/api/v1/grids", LABELS, TEXTS))
    calls = re.findall(r"var (remote_geo_json_\w+) = GridMap\.remoteGeoJson\(\s*\w+,\s*(\{.*?\})", html, re.S)
    by_key = {re.search(r'"key": "(\w+)"', opts).group(1): (name, opts) for name, opts in calls}
    assert set(by_key) == set(LEVELS) | {"dedicated"}
    for key, (name, opts) in by_key.items():
        added = f"{name}.addTo(" in html
        assert added == (key != "micro"), key
        assert ('"bbox": true' in opts) == (key == "micro"), key


def test_legend_and_layer_control_use_the_given_labels():
    html = html_of(coverage_map(CENTER, 13, "none", "/api/v1/grids", LABELS, TEXTS))
    assert "L.control.layers(" in html
    assert "GridMap.legend(" in html and '"No worker"' in html and "gm-unstaffed" in html


@pytest.mark.parametrize("builder", ["coverage", "issues"])
def test_pages_use_only_local_assets(builder):
    if builder == "coverage":
        m = coverage_map(CENTER, 13, "none", "/api/v1/grids", LABELS, TEXTS)
    else:
        m = issues_map(CENTER, 13, "none", "/api/v1/reports", "/api/v1/grids", CATEGORIES, ISSUE_LABELS, TEXTS)
    html = html_of(m)
    urls = asset_urls(html)
    assert "/static/vendor/leaflet/leaflet.js" in urls
    assert "/static/js/gridmap-maps.js" in urls
    assert [u for u in urls if not u.startswith("/static/")] == []
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html


def test_issues_map_clusters_reports_with_the_filters_in_the_query():
    m = issues_map(CENTER, 13, "none", "/api/v1/reports", "/api/v1/grids", CATEGORIES, ISSUE_LABELS, TEXTS,
                   status="dispatched", category="0402")
    html = html_of(m)
    assert "L.markerClusterGroup(" in html
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in html
    assert '"url": "/api/v1/reports"' in html
    assert '"status": "dispatched"' in html and '"category": "0402"' in html
    assert '"0402": "#1f77b4"' in html  # category colours reach the browser


def test_issues_map_sends_the_deadline_state_filter_and_explains_the_overdue_ring():
    html = html_of(issues_map(CENTER, 13, "none", "/r", "/g", CATEGORIES, ISSUE_LABELS, TEXTS,
                              deadline_state="overdue"))
    assert '"deadline_state": "overdue"' in html
    assert '"overdue": true' in html and '"Overdue"' in html  # the legend item


def test_maps_have_a_max_zoom_for_marker_clustering():
    # With TILES=none there is no tile layer to give Leaflet one.
    html = html_of(issues_map(CENTER, 13, "none", "/r", "/g", CATEGORIES, ISSUE_LABELS, TEXTS))
    assert re.search(r'"maxZoom":\s*19', html)


@pytest.mark.parametrize("tiles, expected, layer", [
    ("none", None, None),
    ("osm", "tile.openstreetmap.org", "L.tileLayer("),
    ("tianditu", "tianditu.gov.cn/vec_w", "L.tileLayer("),
    # AMap's GCJ-02 tiles are moved under the WGS-84 overlays, never the overlays onto them.
    ("amap", "autonavi.com", "GridMap.gcjTileLayer("),
])
def test_base_tiles_follow_the_setting(tiles, expected, layer):
    html = html_of(coverage_map(CENTER, 13, tiles, "/api/v1/grids", LABELS, TEXTS, tianditu_key="k123"))
    if expected is None:
        assert "L.tileLayer(" not in html and "gcjTileLayer(" not in html
    else:
        assert layer in html and expected in html
    if tiles == "tianditu":
        assert "cva_w" in html and "tk=k123" in html
    assert '"crs"' not in html


def test_tianditu_needs_a_key():
    with pytest.raises(ValueError):
        coverage_map(CENTER, 13, "tianditu", "/api/v1/grids", LABELS, TEXTS)


def test_unknown_tiles_setting_is_refused():
    with pytest.raises(ValueError):
        coverage_map(CENTER, 13, "google", "/api/v1/grids", LABELS, TEXTS)


def test_page_parts_split_header_body_and_script():
    parts = page_parts(coverage_map(CENTER, 13, "none", "/api/v1/grids", LABELS, TEXTS))
    assert "/static/vendor/leaflet/leaflet.css" in parts["map_header"]
    assert 'class="folium-map"' in parts["map_html"]
    assert "L.map(" in parts["map_script"] and "<script" not in parts["map_script"]
