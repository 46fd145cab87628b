"""The /lookup page as HTML: public, Chinese by default, CSP-clean, linked from the navigation."""
from __future__ import annotations

import json
import re

from markupsafe import Markup


def test_page_is_public_and_chinese(anon, sample):
    resp = anon.get("/lookup")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "网格" in html
    assert 'name="viewport"' in html
    settings = json.loads(Markup(re.search(r"data-settings='([^']*)'", html).group(1)).unescape())
    assert settings["api"] == {"lookup": "/api/v1/lookup", "suggest": "/api/v1/addresses/suggest"}
    assert settings["debounce_ms"] == 250 and settings["near_m"] == 15.0
    assert settings["texts"]["level_micro"]
    english = anon.get("/lookup?lang=en").get_data(as_text=True)
    assert "Which grid is this?" in english


def test_page_obeys_the_csp(anon, sample):
    resp = anon.get("/lookup")
    html = resp.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", resp.headers["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert "/static/js/gridmap-lookup.js" in html
    # Only local assets (no CDN): every src/href is relative or the app's own.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http://", "https://", "//")), url


def test_navigation_links_the_page(client, sample):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/lookup"' in html


def test_amap_tiles_are_moved_under_the_wgs84_answer(app, anon, sample):
    app.config["TILES"] = "amap"
    try:
        html = anon.get("/lookup").get_data(as_text=True)
    finally:
        app.config["TILES"] = "none"
    settings = json.loads(Markup(re.search(r"data-settings='([^']*)'", html).group(1)).unescape())
    # The answer is drawn as the API gives it (WGS-84); the AMap tiles carry the correction.
    assert "crs" not in settings
    assert "GridMap.gcjTileLayer(" in html and "autonavi.com" in html
    assert "/static/js/gridmap-maps.js" in html
