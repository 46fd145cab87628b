"""The home card "今日上报" in headless chromium (QA D4): following its link opens the desk on today's
reports only, and the desk counts as many as the card."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.dispatch.helpers import WAIT_MS, assert_clean, post_report
from tests.maps import helpers as sample

pytestmark = pytest.mark.browser


def test_the_today_card_leads_to_a_desk_of_as_many_events(page, live_server, committed_db):
    post_report(live_server, lon=sample.X0 + 0.005, lat=sample.Y0 + 0.004)
    # Two reports of two days ago: all events, but not today's.
    committed_db.session.execute(text(
        "UPDATE report SET created_at = now() - interval '2 days' WHERE id IN "
        "(SELECT id FROM report ORDER BY id LIMIT 2)"))
    committed_db.session.commit()
    total = committed_db.session.scalar(text("SELECT count(*) FROM report"))
    page.goto(live_server + "/")
    card = int(page.locator("#fig-today").inner_text())
    assert 0 < card == total - 2
    page.locator("#fig-today + a").click()
    page.wait_for_function("() => window.gridmapDispatch && window.gridmapDispatch.polls >= 1", timeout=WAIT_MS)
    assert "reported=today" in page.url
    assert page.locator("select[name='reported']").input_value() == "today"
    counts = page.locator("#dispatch-counts").inner_text()
    assert int(re.match(r"\d+", counts).group(0)) == card
    assert page.locator("#dispatch-list li[data-ticket]").count() == card
    assert_clean(page)
