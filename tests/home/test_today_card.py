"""The home card "今日上报" (reported today) opens exactly today's reports (QA D4): the Beijing
calendar day of the event loop's clock, one rule (app.events.deadlines.day_start) for the card and
for the desk's ``reported=today`` filter, so the desk lists as many events as the card says."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from app.events import deadlines
from tests.events.conftest import clock, people  # noqa: F401 (fixtures)
from tests.events.helpers import BEIJING, ELSEWHERE, IN_GRID, report
from tests.home.helpers import card as _card, desk_list as _desk_list


def test_the_beijing_day_starts_at_midnight_beijing_time():
    late = datetime(2026, 11, 23, 23, 50, tzinfo=BEIJING)
    assert deadlines.day_start(late) == datetime(2026, 11, 23, tzinfo=BEIJING)
    # 00:10 in Beijing is still the day before in UTC: the day is Beijing's.
    assert deadlines.day_start(datetime(2026, 11, 24, 0, 10, tzinfo=BEIJING).astimezone(timezone.utc)) \
        == datetime(2026, 11, 24, tzinfo=BEIJING)


def test_the_today_card_opens_exactly_todays_reports(anon, people, clock):  # noqa: F811
    clock.set(datetime(2026, 11, 23, 23, 50, tzinfo=BEIJING))     # Monday night: yesterday, seen from Tuesday
    yesterday = {report(anon, point=IN_GRID)["ticket"], report(anon, point=ELSEWHERE)["ticket"]}
    clock.set(datetime(2026, 11, 24, 0, 10, tzinfo=BEIJING))      # Tuesday 00:10 Beijing = Monday 16:10 UTC
    today = {report(anon, point=IN_GRID)["ticket"] for _ in range(3)}
    html = people.dispatcher.get("/").get_data(as_text=True)
    count, href = _card(html, "fig-today")
    assert count == 3
    assert "reported=today" in href
    listed = _desk_list(people.dispatcher, href)
    assert set(listed) == today and not set(listed) & yesterday
    # The desk page keeps the filter (its form shows it), and the API refuses a day it does not know.
    page = people.dispatcher.get(href).get_data(as_text=True)
    assert re.search(r'<option value="today"\s+selected>', page)
    assert people.dispatcher.get("/api/v1/reports?reported=yesterday").status_code == 422
    assert people.dispatcher.get("/api/v1/reports?reported=today").get_json()["count"] == 3
    # A worker's card and list are their grids' only, and agree too.
    worker_count, worker_href = _card(people.worker.get("/").get_data(as_text=True), "fig-today")
    assert worker_count == 3 and len(_desk_list(people.worker, worker_href)) == 3
