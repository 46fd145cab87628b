"""The map pages as HTML (Flask test client): layout, language, assets."""
from __future__ import annotations

import re

import pytest

URL_ATTR = re.compile(r'<(?:script|link)\b[^>]*?(?:src|href)\s*=\s*["\']([^"\']+)["\']', re.I)


@pytest.mark.parametrize("path", ["/maps/coverage", "/maps/issues"])
def test_map_page_links_only_the_apps_own_assets(client, path):
    resp = client.get(path)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    urls = URL_ATTR.findall(html)
    assert urls, "no script or stylesheet at all?"
    outside = [u for u in urls if u.startswith(("http://", "https://", "//"))]
    assert outside == []
    assert all(u.startswith("/static/") for u in urls), urls


@pytest.mark.parametrize("path", ["/maps/coverage", "/maps/issues"])
def test_map_page_has_the_app_layout(client, path):
    html = client.get(path + "?lang=en").get_data(as_text=True)
    for href in ('href="/"', 'href="/maps/coverage"', 'href="/maps/issues"', 'href="/api/v1/openapi.json"'):
        assert href in html
    assert "lang=zh" in html and "lang=en" in html
    assert 'id="gridmap-status"' in html and 'id="gridmap-error"' in html
    assert html.count("<html") == 1 and "<iframe" not in html


def test_issues_page_offers_category_and_status_filters(client):
    html = client.get("/maps/issues?category=0402&status=dispatched&lang=en").get_data(as_text=True)
    assert re.search(r'<option value="0402"\s+selected', html)
    assert re.search(r'<option value="dispatched"\s+selected', html)
    assert '<option value="open"' in html
    assert '"category": "0402"' in html and '"status": "dispatched"' in html


def test_issues_page_filters_by_deadline_state(client):
    html = client.get("/maps/issues?deadline_state=overdue").get_data(as_text=True)
    assert re.search(r'<option value="overdue"\s+selected>已超期', html)
    assert '<option value="due_soon"' in html and '<option value="on_time"' in html
    assert '"deadline_state": "overdue"' in html
    english = client.get("/maps/issues?deadline_state=due_soon&lang=en").get_data(as_text=True)
    assert re.search(r'<option value="due_soon"\s+selected>Due soon', english)


def test_issues_page_ignores_unknown_filter_values(client):
    html = client.get("/maps/issues?category=<script>&status=bogus&deadline_state=late").get_data(as_text=True)
    assert '"deadline_state":' not in html  # an unknown state is no filter
    assert '"status": "open"' in html
    assert "<script>&" not in html


def test_pages_are_chinese_by_default_and_english_on_request(client):
    zh = client.get("/maps/coverage?lang=zh").get_data(as_text=True)
    en = client.get("/maps/coverage?lang=en").get_data(as_text=True)
    assert 'lang="zh-CN"' in zh and 'lang="en"' in en
    assert "Grid coverage" in en
