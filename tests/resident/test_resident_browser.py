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
