"""The districts page in the browser, on a 1440x900 screen and a 390x844 phone: the list, the form of
a district's base map and calendar with an error beside its field, saving; then a district user's map
loading the district's own tiles from another host, which the page's policy lets through."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.browser import sign_in
from tests.city import helpers as city

pytestmark = pytest.mark.browser

WAIT_MS = 15_000


@pytest.fixture
def districts_admin(live_server, committed_db):
    """District 410103 beside the default one, a city administrator and an Erqi viewer (committed)."""
    from app.auth import users
    from app.districts import settings

    session = committed_db.session
    session.execute(text("INSERT INTO district (code, name, city_code) VALUES (:c, '二七区', '410100') "
                         "ON CONFLICT (code) DO NOTHING"), {"c": city.ERQI})
    users.create("settings-admin", city.PASSWORD, "admin", display_name="市级管理员", district=None)
    users.create("erqi-viewer", city.PASSWORD, "viewer", display_name="二七查看员", district=city.ERQI)
    session.commit()
    settings.forget()
    yield
    from tests.conftest import _empty_tables

    session.rollback()
    _empty_tables()
    session.execute(text("DELETE FROM district WHERE code = :d"), {"d": city.ERQI})
    session.commit()
    settings.forget()


def _page(browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  has_touch=width < 600, is_mobile=width < 600)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page, errors


def _no_sideways_scroll(page):
    width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], width


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)])
def test_an_admin_sets_a_districts_base_map_and_calendar(browser, live_server, districts_admin, committed_db,
                                                         size):
    context, page, errors = _page(browser, *size)
    try:
        sign_in(page, live_server, "settings-admin", city.PASSWORD)
        page.goto(live_server + "/admin/districts")
        rows = page.locator("#district-list tbody tr")
        assert rows.count() == 2
        assert "二七区" in page.locator("#district-list").inner_text()
        _no_sideways_scroll(page)

        with page.expect_navigation():
            page.click(f"#district-list tr[data-code='{city.ERQI}'] a")
        assert page.locator("h1").inner_text().startswith("二七区")
        _no_sideways_scroll(page)
        assert page.locator("label[for=tiles_url]").inner_text() == "瓦片地址"
        assert page.locator("label[for=calendar_hours]").inner_text() == "工作时间"

        # Only the fields the chosen base map reads are shown.
        assert not page.locator("#tiles_url").is_visible()
        page.select_option("#tiles_kind", "wmts")
        assert page.locator("#tiles_layer").is_visible() and not page.locator("#tiles_subdomains").is_visible()
        page.select_option("#tiles_kind", "xyz")
        assert page.locator("#tiles_subdomains").is_visible() and not page.locator("#tiles_layer").is_visible()
        assert not page.locator("#tiles_tianditu_key").is_visible()
        page.fill("#tiles_url", "http://10.1.2.3/tiles/{z}/{x}.png")
        page.fill("#calendar_hours", "08:30-12:00, 15:00-18:00")
        page.fill("#calendar_days_off", "2026-07-20")
        page.fill("#calendar_seasons", "05-01~09-30 08:30-12:00, 15:00-18:00")
        with page.expect_navigation():
            page.click("#district-form button[type=submit]")
        # The error stands beside the field it is about, in Chinese; nothing was saved.
        feedback = page.locator("#tiles_url ~ .invalid-feedback")
        assert "必须包含 {z}、{x} 和 {y}" in feedback.inner_text()
        assert page.locator("#tiles_url").evaluate("el => el.classList.contains('is-invalid')")
        # What was typed is still there.
        assert page.input_value("#calendar_hours") == "08:30-12:00, 15:00-18:00"
        _no_sideways_scroll(page)

        page.fill("#tiles_url", "http://10.1.2.3/tiles/{z}/{x}/{y}.png")
        with page.expect_navigation():
            page.click("#district-form button[type=submit]")
        assert "已保存" in page.locator("body").inner_text()
        assert "08:30-12:00, 15:00-18:00" in page.locator("#effective").inner_text()
        _no_sideways_scroll(page)
        saved = committed_db.session.execute(text("SELECT settings FROM district WHERE code = :c"),
                                             {"c": city.ERQI}).scalar_one()
        committed_db.session.commit()
        assert saved == {"tiles": {"kind": "xyz", "url": "http://10.1.2.3/tiles/{z}/{x}/{y}.png", "crs": "wgs84"},
                         "calendar": {"hours": [["08:30", "12:00"], ["15:00", "18:00"]],
                                      "seasons": [{"from": "05-01", "to": "09-30",
                                                   "hours": [["08:30", "12:00"], ["15:00", "18:00"]]}],
                                      "days_off": ["2026-07-20"]}}
        # The refused form answers 422, which the browser logs; nothing else may fail.
        assert [e for e in errors if "status of 422" not in e] == []
    finally:
        context.close()


def test_a_district_users_map_loads_the_districts_tiles_from_their_host(browser, live_server, districts_admin,
                                                                        committed_db):
    # Another origin than the page's (127.0.0.1): only the page's policy lets the browser ask it.
    tile_host = live_server.replace("127.0.0.1", "localhost")
    committed_db.session.execute(text("UPDATE district SET settings = CAST(:s AS jsonb) WHERE code = :c"), {
        "c": city.ERQI, "s": '{"tiles": {"kind": "xyz", "url": "%s/static/no-tiles/{z}/{x}/{y}.png"}}' % tile_host})
    committed_db.session.commit()
    context, page, errors = _page(browser, 1440, 900)
    try:
        asked = []
        page.on("request", lambda r: asked.append(r.url) if "/static/no-tiles/" in r.url else None)
        sign_in(page, live_server, "erqi-viewer", city.PASSWORD)
        page.goto(live_server + "/maps/coverage")
        page.wait_for_function("() => document.querySelectorAll('img.leaflet-tile').length > 0", timeout=WAIT_MS)
        page.wait_for_timeout(500)
        assert asked and all(u.startswith(tile_host) for u in asked)
        assert not [e for e in errors if "Content Security Policy" in e], errors
    finally:
        context.close()
