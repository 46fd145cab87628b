"""/patrols/kpi in headless chromium while a background job computes its roll-ups (issue 16).

The first visit of a period with no roll-up shows the status, not partial sums: how many days are
being computed and the job's progress, which the page follows and then reloads itself with the
figures. A visit while days are only outdated shows the figures as of their computation, "being
updated", and a reload link once the job is done. Both at 1440 x 900 and at 390 x 844 (no sideways
scrolling). The job is held by the lock its roll-ups take (tests.patrols.helpers.roll_ups_held): no
timing; the browser waits for what the page shows, within a bound.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.maps import helpers as sample
from tests.patrols.helpers import roll_ups_held, wait_for_rollup_jobs

pytestmark = [pytest.mark.browser]

BEIJING = ZoneInfo("Asia/Shanghai")
MONDAY, TUESDAY = date(2026, 5, 11), date(2026, 5, 12)
ARRIVED = datetime.combine(TUESDAY, time(18, 0), BEIJING)   # the server's clock when the fixes arrive
URL = f"/patrols/kpi?from={MONDAY.isoformat()}&to={TUESDAY.isoformat()}"
WAIT_MS = 60_000
DESK, PHONE = {"width": 1440, "height": 900}, {"width": 390, "height": 844}
#: Sideways overflow of the page (tables scroll in their own box).
OVERFLOW = """() => ({scroll: document.scrollingElement.scrollWidth, inner: innerWidth,
  wide: [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > innerWidth + 1
          && !el.closest('.gm-table-wrap')).slice(0, 3).map(el => el.tagName + '#' + el.id + '.' + el.className)})"""


def fixes(worker_id: int, day: date, n: int, start: time = time(9, 0)):
    from app.patrols.ingest import IncomingFix

    t0 = datetime.combine(day, start, BEIJING)
    # East along the middle of the first grids, 12 m every 10 s.
    return [IncomingFix(k, worker_id, t0 + timedelta(seconds=10 * k), sample.X0 + 0.012 + k * 0.00013,
                        sample.Y0 + 0.007, 5.0) for k in range(n)]


@pytest.fixture
def walked(app, map_data, committed_db, monkeypatch):
    from app.auth import users
    from app.patrols.ingest import ingest

    monkeypatch.setitem(app.config, "PATROL_FIGURES_REFRESH", "background")
    worker = users.create("refresh-browser", "browser-test-password", "worker", display_name="巡查员甲",
                          areas=[sample.STAFFED_GRID])
    committed_db.session.commit()
    assert ingest(fixes(worker.id, MONDAY, 120) + fixes(worker.id, TUESDAY, 60), now=ARRIVED).stored == 180
    committed_db.session.commit()
    yield worker
    wait_for_rollup_jobs()


def fits(page, size: dict, shot: str) -> None:
    page.set_viewport_size(size)
    page.screenshot(path=f"/tmp/gridmap-kpi-refresh-{shot}-{size['width']}.png", full_page=False)
    m = page.evaluate(OVERFLOW)
    assert m["scroll"] <= m["inner"] and not m["wide"], m


def test_the_page_follows_the_job_and_shows_the_figures_when_complete(page, live_server, walked, committed_db):
    from app.patrols.ingest import ingest

    page.set_viewport_size(DESK)
    with roll_ups_held():
        page.goto(live_server + URL)
        status = page.locator("#kpi-refresh")
        assert "尚有 2 天的巡查数据正在统计" in status.inner_text()
        assert page.locator("#kpi-workers").count() == 0    # no partial sums
        # The script has read the job: its two days counted, none done yet (held at the first).
        page.wait_for_function("() => document.getElementById('kpi-refresh-count').textContent"
                               ".indexOf('0/2') >= 0", timeout=WAIT_MS)
        fits(page, DESK, "incomplete")
        fits(page, PHONE, "incomplete")
    # The job goes on; the page reloads itself once it is done, now with the figures.
    page.wait_for_selector("#kpi-workers", timeout=WAIT_MS)
    assert page.locator("#kpi-refresh").count() == 0
    assert "巡查员甲" in page.locator("#kpi-workers").inner_text()
    fits(page, PHONE, "complete")

    # A new batch for Tuesday: the rows are outdated, not missing. The page shows them as of their
    # computation while a job brings them up to date, then offers a reload.
    assert ingest(fixes(walked.id, TUESDAY, 30, time(15, 0)), now=ARRIVED).stored == 30
    committed_db.session.commit()
    page.set_viewport_size(DESK)
    with roll_ups_held():
        page.goto(live_server + URL)
        assert "正在更新" in page.locator("#kpi-refresh").inner_text()
        assert "北京时间" in page.locator("#kpi-refresh").inner_text()
        assert page.locator("#kpi-workers").count() == 1
        fits(page, DESK, "updating")
        fits(page, PHONE, "updating")
    page.wait_for_selector("#kpi-refresh-done", state="visible", timeout=WAIT_MS)
    with page.expect_navigation():
        page.click("#kpi-refresh-done a")
    assert page.locator("#kpi-refresh").count() == 0 and page.locator("#kpi-workers").count() == 1
    assert not page.watch.console_errors and not page.watch.outside_requests


def test_the_district_ranking_follows_the_job_too(page, live_server, walked):
    """The city's ranking of its districts (/figures/events?by=district) shows its patrol hours "being
    computed" with the job's progress, and reloads itself with them once the job is done."""
    url = f"/figures/events?by=district&from={MONDAY.isoformat()}&to={TUESDAY.isoformat()}"
    page.set_viewport_size(DESK)
    with roll_ups_held():
        page.goto(live_server + url)
        assert "统计中" in page.locator("#figures-ranking").inner_text()
        assert "尚有 2 天的巡查数据正在统计" in page.locator("#kpi-refresh").inner_text()
        page.wait_for_function("() => document.getElementById('kpi-refresh-count').textContent"
                               ".indexOf('0/2') >= 0", timeout=WAIT_MS)
        fits(page, DESK, "ranking-incomplete")
        fits(page, PHONE, "ranking-incomplete")
    page.wait_for_function("() => !document.getElementById('kpi-refresh')", timeout=WAIT_MS)
    assert "统计中" not in page.locator("#figures-ranking").inner_text()
    fits(page, PHONE, "ranking-complete")
    assert not page.watch.console_errors and not page.watch.outside_requests
