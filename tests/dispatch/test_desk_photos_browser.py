"""The dispatch desk shows a report's photos as links and the reporter's e-mail (headless chromium).

The links are built in the DOM (textContent / setAttribute), so a URL full of
markup stays a URL; they are links, not images, because the page's
Content-Security-Policy allows images from the app only (and a photo host
would be an outside request).
"""
from __future__ import annotations

import pytest

from tests.dispatch.helpers import WAIT_MS, assert_clean, open_desk, post_report
from tests.maps import helpers as sample

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("map_data")]

PHOTOS = ["https://img.example.cn/2026/11/a.jpg", 'https://img.example.cn/b.jpg?x="><b/id="injected">x</b>']


def test_photos_are_links_in_the_panel_and_the_email_is_under_the_phone(page, live_server):
    ticket = post_report(live_server, lon=sample.X0 + 0.005, lat=sample.Y0 + 0.004, channel="photo",
                         media_urls=PHOTOS, reporter_phone="13812345678",
                         reporter_email="zhang@example.com")["ticket"]
    open_desk(page, live_server, f"?ticket={ticket}")
    links = page.locator("#dispatch-photos a")
    links.first.wait_for(timeout=WAIT_MS)
    assert links.count() == 2
    assert [links.nth(i).inner_text() for i in range(2)] == ["照片 1", "照片 2"]
    for i, url in enumerate(PHOTOS):
        assert links.nth(i).get_attribute("href") == url
        assert links.nth(i).get_attribute("target") == "_blank"
        assert links.nth(i).get_attribute("rel") == "noopener noreferrer"
    # The markup in the second URL stayed text; nothing is drawn from the photo host.
    assert page.locator("#injected").count() == 0
    assert page.locator("#dispatch-panel img").count() == 0
    rows = page.locator("#dispatch-fields tr").evaluate_all(
        "trs => trs.map(tr => [tr.querySelector('th').textContent, tr.querySelector('td').textContent])")
    values = [value for _label, value in rows]
    # An administrator calls back: the e-mail unmasked, in the row after the reporter's phone.
    reporter_row = next(i for i, v in enumerate(values) if "13812345678" in v)
    assert values[reporter_row + 1] == "zhang@example.com"
    assert_clean(page)


def test_a_report_without_photos_has_no_photo_row(page, live_server):
    ticket = post_report(live_server, lon=sample.X0 + 0.006, lat=sample.Y0 + 0.004)["ticket"]
    open_desk(page, live_server, f"?ticket={ticket}")
    page.locator("#dispatch-history li[data-action='report']").wait_for(timeout=WAIT_MS)
    assert page.locator("#dispatch-photos").count() == 0
    assert_clean(page)
