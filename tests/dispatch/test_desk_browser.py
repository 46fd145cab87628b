"""The dispatch desk in headless chromium against the live app.

Events posted through the API appear on the live map and in the queue without
a reload; a dispatcher accepts and dispatches from the panel; an unplaced
report is placed by clicking the map. Each test checks the page logged no
errors (CSP violations included) and asked nothing of any other host.
"""
from __future__ import annotations

import pytest

from tests.browser import sign_in
from tests.dispatch.helpers import (DISPATCHER, PASSWORD, WAIT_MS, WORKER, admin_token, assert_clean, desk_state,
                                    open_desk, post_report, sample_admin)
from tests.maps import helpers as sample

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("map_data")]

def test_an_event_posted_through_the_api_appears_without_a_reload(page, live_server):
    open_desk(page, live_server)
    before = desk_state(page)
    assert len(before["tickets"]) == len(sample.REPORTS) and before["error"] is None
    # Five inside the district get markers; the one outside every grid has a point too.
    assert len(before["markers"]) == len(sample.REPORTS)
    assert page.locator("#dispatch-list li[data-ticket]").count() == len(sample.REPORTS)
    assert page.locator("#dispatch-live").inner_text().startswith(("最后更新", "Last update"))
    page.evaluate("() => { window.__marker = 1; }")

    new = post_report(live_server, lon=sample.X0 + 0.03, lat=sample.Y0 + 0.01)["ticket"]
    page.wait_for_function("t => t in gridmapDispatch.markers", arg=new, timeout=WAIT_MS)
    page.locator(f"#dispatch-list li[data-ticket='{new}']").wait_for(timeout=WAIT_MS)
    assert page.evaluate("() => window.__marker") == 1          # the same document: no reload
    marker = page.locator(f".leaflet-marker-icon[title='{new}']")
    assert marker.count() == 1 and "gm-status-reported" in marker.get_attribute("class")

    # Clicking its marker opens it in the panel.
    marker.click()
    page.locator("#dispatch-panel-title", has_text=new).wait_for(timeout=WAIT_MS)
    page.locator("#dispatch-history li[data-action='report']").wait_for(timeout=WAIT_MS)
    assert page.locator(f"#dispatch-list li.gm-selected[data-ticket='{new}']").count() == 1
    assert f"ticket={new}" in page.url
    assert page.evaluate("() => window.__marker") == 1
    assert_clean(page)


def test_a_dispatcher_accepts_and_dispatches_from_the_desk(blank_page, live_server, desk_people):
    page = blank_page
    ticket = post_report(live_server, lon=sample.X0 + 0.005, lat=sample.Y0 + 0.004)["ticket"]
    sign_in(page, live_server, DISPATCHER, PASSWORD)
    open_desk(page, live_server)
    page.locator(f"#dispatch-list li[data-ticket='{ticket}']").click()
    page.locator("#dispatch-actions button[data-action='accept']").click()
    page.locator("#dispatch-confirm").click()
    page.locator("#dispatch-history li[data-action='accept']").wait_for(timeout=WAIT_MS)

    page.locator("#dispatch-actions button[data-action='dispatch']").click()
    page.wait_for_function("() => document.querySelectorAll('#dispatch-assignee option[value]:not([value=\"\"])').length > 0",
                           timeout=WAIT_MS)
    page.select_option("#dispatch-assignee", str(desk_people["worker_id"]))
    page.fill("#dispatch-note", "请今天处理")
    page.locator("#dispatch-confirm").click()
    entry = page.locator("#dispatch-history li[data-action='dispatch']")
    entry.wait_for(timeout=WAIT_MS)
    assert "网格员乙" in entry.inner_text() and "请今天处理" in entry.inner_text()
    # The queue and the marker follow from the feed (the desk polls at once after acting).
    page.wait_for_function("t => gridmapDispatch.store[t].properties.status === 'dispatched'", arg=ticket,
                           timeout=WAIT_MS)
    assert page.locator(f".leaflet-marker-icon[title='{ticket}']").get_attribute("class").count("gm-status-dispatched")
    assert page.locator(f"#dispatch-list li[data-ticket='{ticket}']").get_attribute("data-status") == "dispatched"
    # The dispatcher can no longer accept it; what is left are the dispatcher's actions from dispatched.
    buttons = page.locator("#dispatch-actions button[data-action]").evaluate_all("els => els.map(e => e.dataset.action)")
    assert "accept" not in buttons and "dispatch" not in buttons and "extend" in buttons
    assert_clean(page)


def test_acting_on_a_stale_event_says_someone_else_handled_it(blank_page, live_server, desk_people, committed_db):
    page = blank_page
    ticket = post_report(live_server, lon=sample.X0 + 0.006, lat=sample.Y0 + 0.004)["ticket"]
    sign_in(page, live_server, DISPATCHER, PASSWORD)
    open_desk(page, live_server, f"?ticket={ticket}")
    page.locator("#dispatch-actions button[data-action='accept']").wait_for(timeout=WAIT_MS)
    # Meanwhile a colleague accepts it.
    from app.auth import users
    from app.models import User

    colleague = committed_db.session.query(User).filter_by(username=sample_admin()).one()
    _, token = users.issue_token(colleague, "colleague")
    committed_db.session.commit()
    status, _ = sample._call("POST", f"{live_server}/api/v1/reports/{ticket}/transitions",
                             {"action": "accept", "expected_state": "reported"}, token=token)
    assert status == 200
    page.locator("#dispatch-actions button[data-action='accept']").click()
    page.locator("#dispatch-confirm").click()
    page.locator("#dispatch-message.alert-warning").wait_for(timeout=WAIT_MS)
    assert page.locator("#dispatch-message").inner_text()
    page.locator("#dispatch-actions button[data-action='dispatch']").wait_for(timeout=WAIT_MS)
    # The 409 is the one expected failure the console shows (the browser logs failed fetches).
    errors = [e for e in page.watch.console_errors if "409" not in e]
    assert errors == [] and page.watch.outside_requests == []


def test_an_unplaced_report_is_placed_by_clicking_the_map(page, live_server):
    waiting = post_report(live_server, address="不存在路999号", description="地址不详的事件")
    assert waiting["needs_placement"] is True
    open_desk(page, live_server, "?needs_placement=true")
    assert desk_state(page)["tickets"] == [waiting["ticket"]]
    item = page.locator(f"#dispatch-list li[data-ticket='{waiting['ticket']}']")
    assert "gm-badge-unplaced" in item.inner_html()
    item.click()
    page.locator("#dispatch-place").click()
    assert page.locator("#dispatch-place-confirm").is_disabled()
    # Click the map inside the staffed grid.
    lat, lon = sample.Y0 + sample.DY / 2, sample.X0 + sample.DX / 4
    point = page.evaluate("""([lat, lon]) => { const m = GridMapDispatch.map; m.setView([lat, lon], 16, {animate: false});
        const p = m.latLngToContainerPoint([lat, lon]); const r = m.getContainer().getBoundingClientRect();
        return {x: r.left + p.x, y: r.top + p.y}; }""", [lat, lon])
    page.mouse.click(point["x"], point["y"])
    assert page.locator("#dispatch-place-confirm").is_enabled()
    page.locator("#dispatch-place-confirm").click()
    page.locator("#dispatch-history li[data-action='place']").wait_for(timeout=WAIT_MS)
    assert sample.STAFFED_GRID in page.locator("#dispatch-message.alert-success").inner_text()
    # Placed, it leaves the "waiting for placement" queue through the feed.
    page.wait_for_function("t => !(t in gridmapDispatch.store)", arg=waiting["ticket"], timeout=WAIT_MS)
    status, stored = sample._call("GET", f"{live_server}/api/v1/reports/{waiting['ticket']}", token=admin_token())
    assert status == 200 and stored["needs_placement"] is False
    assert stored["grid"]["code"].startswith(sample.STAFFED_GRID)
    assert stored["location"]["lon"] == pytest.approx(lon, abs=2e-4)
    assert stored["location"]["lat"] == pytest.approx(lat, abs=2e-4)
    assert_clean(page)


def test_the_status_line_says_when_the_connection_is_lost_and_recovers(page, live_server):
    open_desk(page, live_server)
    page.route("**/api/v1/reports/changes*", lambda route: route.abort())
    page.locator("#dispatch-live.gm-offline").wait_for(timeout=WAIT_MS)
    assert page.locator("#dispatch-live").inner_text() in ("连接中断，正在重试", "Connection lost, retrying")
    page.unroute("**/api/v1/reports/changes*")
    page.wait_for_function("() => !document.getElementById('dispatch-live').classList.contains('gm-offline')",
                           timeout=45_000)
    assert page.evaluate("() => gridmapDispatch.error") is None
    # The only failures are the feed requests aborted on purpose.
    assert page.watch.outside_requests == []
    assert all("/api/v1/reports/changes" in url for url in page.watch.failed_requests)
    assert all("ERR_FAILED" in e or "Failed to fetch" in e for e in page.watch.console_errors)


def test_an_event_whose_deadline_passes_gets_the_overdue_ring(page, live_server, desk_people):
    from datetime import datetime, timedelta, timezone

    token = admin_token()
    ticket = post_report(live_server, lon=sample.X0 + 0.007, lat=sample.Y0 + 0.004)["ticket"]
    url = f"{live_server}/api/v1/reports/{ticket}/transitions"
    assert sample._call("POST", url, {"action": "accept", "expected_state": "reported"}, token=token)[0] == 200
    soon = (datetime.now(timezone.utc) + timedelta(seconds=15)).isoformat()
    status, body = sample._call("POST", url, {"action": "dispatch", "expected_state": "accepted",
                                              "assignee": desk_people["worker_id"], "deadline": soon}, token=token)
    assert status == 200, body
    open_desk(page, live_server)
    marker = page.locator(f".leaflet-marker-icon[title='{ticket}']")
    assert "gm-report-overdue" not in marker.get_attribute("class")
    # No row changes when the deadline passes: the desk notices by itself.
    page.locator(f".leaflet-marker-icon.gm-report-overdue[title='{ticket}']").wait_for(timeout=45_000)
    item = page.locator(f"#dispatch-list li[data-ticket='{ticket}']")
    assert "gm-badge-overdue" in item.inner_html()
    assert page.locator("#dispatch-counts .gm-overdue").count() == 1
    assert_clean(page)


def test_events_that_leave_a_workers_grids_leave_their_desk(blank_page, live_server, desk_people, committed_db):
    """No report changes when an administrator moves a worker to another grid (or a publish moves
    events away): the feed's scope fingerprint changes, and the desk loads everything again."""
    from app.models import UserArea

    page = blank_page
    sign_in(page, live_server, WORKER, PASSWORD)
    open_desk(page, live_server)
    page.evaluate("() => { window.__marker = 1; }")
    before = set(desk_state(page)["tickets"])
    assert len(before) == 2          # the two sample reports in the worker's grid

    next_grid = f"{sample.DISTRICT}001001002"
    committed_db.session.query(UserArea).filter_by(user_id=desk_people["worker_id"]).update({"grid_code": next_grid})
    committed_db.session.commit()
    page.wait_for_function("old => Object.keys(gridmapDispatch.store).every(t => !old.includes(t))",
                           arg=sorted(before), timeout=WAIT_MS)
    after = desk_state(page)
    assert len(after["tickets"]) == 1 and after["markers"] == after["tickets"]
    assert page.locator("#dispatch-list li[data-ticket]").count() == 1
    assert page.evaluate("() => window.__marker") == 1          # the same document: no reload
    assert_clean(page)


def test_the_grid_filter_is_found_by_typing_its_name_or_code(page, live_server):
    open_desk(page, live_server)
    options = page.locator("#dispatch-grid option[value]:not([value=''])")
    total = options.count()
    assert total > 3
    page.fill("#dispatch-grid-search", sample.STAFFED_GRID)
    visible = page.locator("#dispatch-grid option[value]:not([value='']):not([hidden])")
    assert visible.count() == 1 and sample.STAFFED_GRID in visible.inner_text()
    assert page.locator("#dispatch-grid-count").inner_text() in ("匹配 1 个网格", "1 grids match")
    page.press("#dispatch-grid-search", "Enter")
    # Enter picked it: the queue holds that grid's two sample events only, and the URL says so.
    page.wait_for_function("() => Object.keys(gridmapDispatch.store).length === 2", timeout=WAIT_MS)
    assert "grid_id=" in page.url
    assert page.locator("#dispatch-list li[data-ticket]").count() == 2
    # Clearing the box shows every grid again; the chosen one stays chosen.
    page.fill("#dispatch-grid-search", "")
    assert visible.count() == total and page.input_value("#dispatch-grid") != ""
    assert_clean(page)


def test_an_area_dispatchers_grid_filter_lists_their_community_and_its_grids(blank_page, live_server, map_data,
                                                                             committed_db):
    from app.auth import users

    community = sample.STAFFED_GRID[:12]
    users.create("desk-community", PASSWORD, "dispatcher", display_name="社区调度", areas=[community])
    committed_db.session.commit()
    page = blank_page
    sign_in(page, live_server, "desk-community", PASSWORD)
    open_desk(page, live_server)
    codes = page.locator("#dispatch-grid option[data-search]").evaluate_all(
        "els => els.map(e => e.dataset.search.split(' ').pop())")
    # The community itself, then its grids (indented below it); nothing of other communities.
    assert codes[0] == community and len(codes) > 1
    assert all(c.startswith(community) for c in codes)
    assert_clean(page)
