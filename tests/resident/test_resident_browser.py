"""The residents' report page and status page in headless chromium on a phone (390x844, touch,
geolocation), not signed in: location, category, description, photo, phone; the status page."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.worker.conftest import HERE, WAIT_MS, camera_jpeg, no_horizontal_scroll, phone_context, watch

pytestmark = [pytest.mark.browser]


def test_a_resident_reports_with_a_photo_and_follows_the_status(browser, live_server, map_data, committed_db):
    context = phone_context(browser)
    pg = context.new_page()
    w = watch(pg, live_server)
    pg.goto(f"{live_server}/login")
    pg.locator("a[href='/report']").tap()
    pg.wait_for_url(f"{live_server}/report")
    no_horizontal_scroll(pg)
    pg.select_option("#report-category", "0402")
    pg.fill("#report-description", "小区门口有人占道经营，行人无法通过")
    pg.set_input_files("#report-photo", files=[{"name": "IMG_1.jpg", "mimeType": "image/jpeg",
                                               "buffer": camera_jpeg(pg, 3000, 2000)}])
    pg.locator("#report-preview").wait_for(state="visible")
    pg.locator("#where-locate").tap()
    pg.wait_for_function("() => document.getElementById('where-status').textContent.includes('位于')",
                         timeout=WAIT_MS)
    pg.fill("#resident-phone", "13700001111")
    pg.locator("#resident-submit").tap()
    pg.wait_for_url(re.compile(r".*/report/[A-Za-z0-9_-]{22}\?new=1$"), timeout=WAIT_MS)
    token = re.search(r"/report/([A-Za-z0-9_-]{22})", pg.url).group(1)
    assert pg.locator("#resident-received").is_visible()
    assert pg.input_value("#resident-link") == f"{live_server}/report/{token}"
    ticket = pg.inner_text("#resident-ticket")
    assert pg.get_attribute("#resident-state", "data-status") == "reported"
    body = pg.inner_text("body")
    for personal in ("13700001111", "占道经营"):
        assert personal not in body
    no_horizontal_scroll(pg)

    committed_db.session.rollback()
    channel, phone, lon, lat, media, size = committed_db.session.execute(text("""
        SELECT r.channel, r.reporter_phone, ST_X(r.location), ST_Y(r.location), r.media_urls, p.size
        FROM report r JOIN report_photo p ON r.media_urls[1] LIKE '%' || p.token
        WHERE r.ticket = :t"""), {"t": ticket}).one()
    assert channel == "resident_app" and phone == "13700001111" and len(media) == 1 and size < 400_000
    assert abs(lon - HERE["longitude"]) < 1e-6 and abs(lat - HERE["latitude"]) < 1e-6

    # Someone else with the link sees the same status, still nothing personal.
    other = phone_context(browser).new_page()
    other.goto(f"{live_server}/report/{token}")
    assert other.inner_text("#resident-ticket") == ticket and other.locator("#resident-received").count() == 0
    assert [li.get_attribute("data-status") for li in other.locator("#resident-steps li").all()] == ["reported"]
    other.context.close()
    assert w.console_errors == [] and w.outside_requests == []
    context.close()


def test_the_report_page_is_not_broken_on_a_desktop(browser, live_server, map_data):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    w = watch(pg, live_server)
    pg.goto(f"{live_server}/report")
    box = pg.locator(".gm-resident").bounding_box()
    assert box["width"] <= 640 and box["x"] > 300            # one centred column
    assert pg.locator("#where-map .folium-map").bounding_box()["height"] >= 200
    assert w.console_errors == []
    context.close()


def test_the_report_map_shows_the_district_and_its_grids_without_tiles(browser, live_server, map_data):
    """QA R10: no base tiles are reachable; the published boundaries' lines are what one orients by."""
    context = phone_context(browser)
    pg = context.new_page()
    w = watch(pg, live_server)
    pg.goto(f"{live_server}/report")
    pg.wait_for_function("() => window.gridmapOutlines", timeout=WAIT_MS)
    levels = pg.evaluate("() => window.gridmapOutlines.levels")
    assert "district" in levels and "grid" in levels
    # Drawn on a canvas under the pin, in the map's box; the finest lines only when zoomed in.
    assert pg.locator("#where-map .leaflet-gm-outlines-pane canvas").count() == 1
    on_map = "() => !!window.gridmapOutlines.layers.%s._map"
    assert pg.evaluate(on_map % "district")
    assert pg.evaluate("() => residentPinMap.getZoom()") < 14 and not pg.evaluate(on_map % "grid")
    # The district fills the map.
    inside = pg.evaluate("""() => { const b = window.gridmapOutlines.layers.district.getBounds();
                                    return residentPinMap.getBounds().contains(b.getCenter()); }""")
    assert inside
    pg.evaluate("() => residentPinMap.setZoom(15, { animate: false })")
    pg.wait_for_function(on_map % "grid", timeout=WAIT_MS)
    # Lines are drawn: the canvas holds pixels that are not the empty map's.
    assert pg.evaluate("""() => { const c = document.querySelector('.leaflet-gm-outlines-pane canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true; return false; }""")
    # Tapping the map still puts the pin (the lines take no taps).
    pg.locator("#where-map .folium-map").tap(position={"x": 150, "y": 120})
    pg.wait_for_function("() => document.getElementById('where-lon').value !== ''", timeout=WAIT_MS)
    assert w.console_errors == [] and w.outside_requests == []
    context.close()


def test_the_residents_form_errors_go_when_the_field_is_put_right(browser, live_server, map_data):
    """QA R13 on /report: what a refusal names is marked and said; the mark, and once every named field is
    put right the message, go as soon as the field is given a value."""
    context = phone_context(browser)
    pg = context.new_page()
    w = watch(pg, live_server)
    pg.goto(f"{live_server}/report")
    pg.select_option("#report-category", "0402")
    pg.fill("#report-description", "小区门口有人占道经营")
    status = pg.locator("#resident-status")
    # No place: the message asks for one, and goes when the phone's location is taken.
    pg.locator("#resident-submit").tap()
    pg.wait_for_function("() => document.getElementById('resident-status').classList.contains('gm-app-error')",
                         timeout=WAIT_MS)
    assert "位置" in status.inner_text()
    pg.locator("#where-locate").tap()
    pg.wait_for_function("() => document.getElementById('where-lon').value !== ''", timeout=WAIT_MS)
    assert status.inner_text() == ""
    # A bad phone number: the field is marked; typing a good one removes the mark and the message.
    pg.fill("#resident-phone", "call me")
    pg.locator("#resident-submit").tap()
    pg.wait_for_function("() => document.querySelector('#resident-phone.is-invalid')", timeout=WAIT_MS)
    assert status.inner_text() != ""
    pg.fill("#resident-phone", "13700001111")
    assert "is-invalid" not in pg.get_attribute("#resident-phone", "class")
    assert status.inner_text() == ""
    # The refusals themselves are the only console messages (the browser logs a 422 answer).
    assert [e for e in w.console_errors if "422" not in e] == [] and w.outside_requests == []
    context.close()
