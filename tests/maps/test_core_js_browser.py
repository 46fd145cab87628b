"""static/js/core.js in headless chromium whose clock is in New York, not Beijing.

Every time GridMap shows is Beijing time whatever the browser's zone; the core is the one place
that formats it, and the one place that sends the CSRF token. The expected values are computed
here with Python's zoneinfo, independently of the JavaScript. tests/test_static_js.py checks that
no page script does these things itself.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.browser import BROWSER_PASSWORD, BROWSER_USER, sign_in

pytestmark = [pytest.mark.browser]

SHANGHAI = ZoneInfo("Asia/Shanghai")
ELSEWHERE = "America/New_York"
WAIT_MS = 20_000

#: API times as they come (with an offset, in UTC, without a zone: Beijing), across a day's end,
#: a year's end and New York's change to summer time.
TIMES = ["2024-03-10T06:30:00Z", "2024-03-10T01:30:00-05:00", "2024-12-31T23:59:59+00:00",
         "2024-05-01T10:00:00+08:00", "2024-05-01T23:15:00", "2024-05-01 07:45:30+08:00"]


def beijing(iso: str, pattern: str) -> str:
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)  # no zone means Beijing time, as on the server
    return moment.astimezone(SHANGHAI).strftime(pattern)


@pytest.fixture
def elsewhere(browser, live_server):
    """A page in a New York browser, on a GridMap page (the public lookup page)."""
    context = browser.new_context(timezone_id=ELSEWHERE, locale="en-US")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    pg.goto(live_server + "/lookup")
    yield pg
    context.close()


def core(pg, expression: str, arg=None):
    """Evaluate ``expression`` (a function of ``core`` and ``arg``) with the page's core module."""
    return pg.evaluate(f"async (arg) => {{ const core = await import('/static/js/core.js'); return ({expression}); }}",
                       arg)


def test_the_browser_is_not_in_beijing(elsewhere):
    # The premise of the tests below: formatting in the browser's own zone would be wrong here.
    offset = elsewhere.evaluate("() => new Date(Date.UTC(2024, 4, 1)).getTimezoneOffset()")
    assert offset == 240  # New York in May, UTC-4 (Beijing would be -480)


@pytest.mark.parametrize("iso", TIMES)
def test_times_are_shown_in_beijing_time(elsewhere, iso):
    assert core(elsewhere, "core.beijingTime(arg)", iso) == beijing(iso, "%Y-%m-%d %H:%M")
    assert core(elsewhere, "core.beijingClock(arg)", iso) == beijing(iso, "%H:%M:%S")


def test_dates_and_epoch_milliseconds_too(elsewhere):
    moment = datetime(2024, 1, 1, 16, 5, 7, tzinfo=timezone.utc)
    ms = int(moment.timestamp() * 1000)
    want = moment.astimezone(SHANGHAI)
    assert core(elsewhere, "core.beijingTime(arg)", ms) == want.strftime("%Y-%m-%d %H:%M")
    assert core(elsewhere, "core.beijingTime(new Date(arg))", ms) == want.strftime("%Y-%m-%d %H:%M")
    assert core(elsewhere, "core.beijingClock(arg)", ms) == want.strftime("%H:%M:%S")
    assert core(elsewhere, "[core.beijingTime(null), core.beijingTime(''), core.beijingClock(undefined)]") == \
        ["", "", ""]
    # A datetime-local value (no zone) goes to the API as Beijing time.
    assert core(elsewhere, "core.beijingInput(arg)", "2024-05-01T10:00") == "2024-05-01T10:00:00+08:00"
    assert elsewhere.errors == []


def test_text_helpers(elsewhere):
    assert core(elsewhere, "core.fmt(arg, {n: 5, name: '网格'})", "%(n)s%% · %(name)s · %(missing)s") == "5% · 网格 · "
    assert core(elsewhere, "core.esc(arg)", "<a href='x' title=\"y\">&") == \
        "&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&amp;"
    assert core(elsewhere, "core.errorOf({status: 502, body: null})") == \
        {"code": "", "message": "HTTP 502", "details": {}}


def test_writes_carry_the_csrf_token_and_reads_do_not(elsewhere, live_server):
    seen: dict[str, dict] = {}

    def record(route):
        seen[route.request.method] = route.request.headers
        route.fulfill(status=422, content_type="application/json",
                      body='{"error": {"code": "bad", "message": "no", "details": {"field": "x"}}}')

    elsewhere.route(live_server + "/api/v1/__probe", record)
    token = elsewhere.evaluate("() => document.querySelector('meta[name=csrf-token]').content")
    assert token
    answers = core(elsewhere, """Promise.all(['GET', 'POST', 'PATCH', 'DELETE'].map(
        m => core.api(m, '/api/v1/__probe', m === 'GET' || m === 'DELETE' ? undefined : {a: 1})
               .then(res => [res.ok, res.status, core.errorOf(res)])))""")
    assert answers == [[False, 422, {"code": "bad", "message": "no", "details": {"field": "x"}}]] * 4
    assert "x-csrftoken" not in seen["GET"]
    for method in ("POST", "PATCH", "DELETE"):
        assert seen[method]["x-csrftoken"] == token, method
    assert seen["POST"]["content-type"] == "application/json"


def test_the_dispatch_desk_clock_shows_beijing_time(browser, live_server, map_data):
    """Through the page: the desk's "last update" clock, in a New York browser."""
    context = browser.new_context(timezone_id=ELSEWHERE, locale="zh-CN")
    try:
        pg = context.new_page()
        sign_in(pg, live_server, BROWSER_USER, BROWSER_PASSWORD)
        pg.goto(live_server + "/dispatch")
        pg.wait_for_function("() => window.gridmapDispatch && gridmapDispatch.polls >= 1", timeout=WAIT_MS)
        shown = re.search(r"(\d\d):(\d\d):(\d\d)", pg.locator("#dispatch-live").inner_text())
        assert shown, pg.locator("#dispatch-live").inner_text()
        now = datetime.now(SHANGHAI)
        seconds = lambda h, m, s: int(h) * 3600 + int(m) * 60 + int(s)  # noqa: E731
        apart = abs(seconds(*shown.groups()) - seconds(now.hour, now.minute, now.second))
        assert min(apart, 86400 - apart) < 120, (shown.group(0), now.isoformat())
        # Each queue line ends with the event's time: its deadline, or when it came in, in Beijing time.
        first = pg.evaluate("""() => { const li = document.querySelector('#dispatch-list li[data-ticket]');
            const p = gridmapDispatch.store[li.dataset.ticket].properties;
            return [li.querySelector('.gm-q-meta').textContent, p.deadline || p.created_at]; }""")
        assert beijing(first[1], "%Y-%m-%d %H:%M") in first[0]
    finally:
        context.close()
