"""The map pages in real headless chromium against the live app.

Each test checks the page drew from the API, logged no errors and asked
nothing of any host but the app itself (intranets have no internet).
"""
from __future__ import annotations

import pytest

from tests.maps import helpers as sample

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("map_data")]


SHOWN_AT_START = ["district", "subdistrict", "community", "grid", "dedicated"]
WAIT_MS = 15_000


def layers_state(page) -> dict:
    return page.evaluate("""() => Object.fromEntries(Object.entries(window.gridmapLayers).map(
        ([k, e]) => [k, {count: e.count, loaded: e.loaded, error: e.error,
                         drawn: e.layer.getLayers().filter(l => l._path && l._path.isConnected).length}]))""")


def wait_loaded(page, keys):
    page.wait_for_function(
        "keys => keys.every(k => window.gridmapLayers[k] && (window.gridmapLayers[k].loaded || window.gridmapLayers[k].error))",
        arg=keys, timeout=WAIT_MS)


def assert_clean(page):
    assert page.watch.outside_requests == []
    assert page.watch.console_errors == []
    assert page.watch.failed_requests == []


def test_coverage_page_draws_every_level(page, live_server):
    page.goto(live_server + "/maps/coverage")
    wait_loaded(page, SHOWN_AT_START)
    state = layers_state(page)
    for key in SHOWN_AT_START:
        assert state[key]["error"] is None, (key, state[key])
        assert state[key]["count"] > 0 and state[key]["drawn"] > 0, (key, state[key])
    assert state["micro"]["loaded"] is False  # off until switched on
    assert page.locator("path.leaflet-interactive").count() >= sum(state[k]["drawn"] for k in SHOWN_AT_START) - 5
    assert page.locator("#gridmap-status").is_hidden()
    assert page.locator(".gm-legend").count() == 1
    assert_clean(page)


def test_micro_grids_load_by_bbox_when_switched_on(page, live_server):
    page.goto(live_server + "/maps/coverage")
    wait_loaded(page, SHOWN_AT_START)
    # Zoom to the sample district, then tick the micro-grid box in the layer control.
    page.evaluate("""([lat, lon]) => GridMap.map.setView([lat, lon], 16, {animate: false})""",
                  [sample.Y0 + sample.DY / 2, sample.X0 + sample.DX])
    name = page.evaluate("() => gridmapLayers.micro.opts.name")
    page.locator(".leaflet-control-layers-overlays label", has_text=name).locator("input").check()
    wait_loaded(page, ["micro"])
    entry = page.evaluate("() => ({count: gridmapLayers.micro.count, url: gridmapLayers.micro.url, error: gridmapLayers.micro.error})")
    assert entry["error"] is None
    assert entry["count"] > 0
    assert "bbox=" in entry["url"] and "zoom=16" in entry["url"] and "level=micro" in entry["url"]
    assert_clean(page)


def test_unstaffed_grids_are_styled(page, live_server):
    page.goto(live_server + "/maps/coverage")
    wait_loaded(page, SHOWN_AT_START)
    styled = page.evaluate("""() => gridmapLayers.grid.layer.getLayers().map(l => ({
        staffed: l.feature.properties.staffed,
        cls: l._path.getAttribute('class') || '',
        dash: l._path.getAttribute('stroke-dasharray'),
        fill: getComputedStyle(l._path).fill}))""")
    assert styled
    assert any(s["staffed"] is False for s in styled) and any(s["staffed"] is True for s in styled)
    for s in styled:
        if s["staffed"] is False:
            assert "gm-unstaffed" in s["cls"] and s["dash"] and "gm-hatch" in s["fill"], s
        else:
            assert "gm-unstaffed" not in s["cls"], s
    assert_clean(page)


def test_tooltip_shows_grid_code_and_worker(page, live_server):
    page.goto(live_server + "/maps/coverage")
    wait_loaded(page, SHOWN_AT_START)
    html = page.evaluate("""() => { const l = gridmapLayers.grid.layer.getLayers()[0];
        return l.getTooltip().getContent(); }""")
    code = page.evaluate("() => gridmapLayers.grid.layer.getLayers()[0].feature.properties.code")
    assert code in html
    staffed = page.evaluate("""code => gridmapLayers.grid.layer.getLayers()
        .find(l => l.feature.properties.code === code).getTooltip().getContent()""", sample.STAFFED_GRID)
    assert "王网格" in staffed and "13800000001" in staffed


def test_issues_page_clusters_reports_and_filters_by_category(page, live_server):
    page.goto(live_server + "/maps/issues")
    wait_loaded(page, ["reports", "communities"])
    total = page.evaluate("() => gridmapLayers.reports.count")
    assert total >= len(sample.REPORTS)
    page.wait_for_function("() => document.querySelectorAll('.marker-cluster, .gm-report').length > 0")
    assert page.locator("#gridmap-count-reports").inner_text().strip() != ""
    out = page.evaluate("() => gridmapLayers.reports.layer.getLayers().filter(l => l.feature.properties.out_of_coverage).length")
    assert out >= 1

    page.select_option("#filter-category", "0601")
    page.wait_for_function("n => gridmapLayers.reports.loaded && gridmapLayers.reports.count < n", arg=total,
                           timeout=WAIT_MS)
    state = page.evaluate("""() => ({count: gridmapLayers.reports.count, url: gridmapLayers.reports.url,
        cats: [...new Set(gridmapLayers.reports.layer.getLayers().map(l => l.feature.properties.category))]})""")
    assert "category=0601" in state["url"]
    assert state["cats"] == ["0601"]
    assert str(state["count"]) in page.locator("#gridmap-count-reports").inner_text()
    assert "category=0601" in page.url
    assert_clean(page)


def test_issues_page_filters_by_deadline_state_and_rings_overdue_events(page, live_server, committed_db):
    from sqlalchemy import text
    # One sample event dispatched with a deadline an hour ago: the loop's own clock would say overdue.
    ticket = committed_db.session.execute(text(
        "UPDATE report SET status = 'dispatched', dispatched_at = now() - interval '1 day', "
        "deadline = now() - interval '1 hour', warn_at = now() - interval '3 hours' "
        "WHERE id = (SELECT min(r.id) FROM report r JOIN grid g ON g.id = r.grid_id WHERE g.code LIKE :d) "
        "RETURNING ticket"), {"d": sample.DISTRICT + "%"}).scalar_one()
    committed_db.session.commit()
    page.goto(live_server + "/maps/issues")
    wait_loaded(page, ["reports"])
    assert page.locator(".gm-legend-overdue").count() == 1
    page.wait_for_function("() => document.querySelectorAll('.gm-report-overdue, .marker-cluster').length > 0")

    page.select_option("#filter-deadline", "overdue")
    page.wait_for_function("() => gridmapLayers.reports.loaded && gridmapLayers.reports.count === 1", timeout=WAIT_MS)
    shown = page.evaluate("() => gridmapLayers.reports.layer.getLayers().map(l => l.feature.properties.ticket)")
    assert shown == [ticket]
    assert "deadline_state=overdue" in page.url
    page.wait_for_selector(".gm-report-overdue", timeout=WAIT_MS)
    page.locator(".gm-report-overdue").first.click()
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "已超期" in popup
    assert_clean(page)


def test_fetch_failure_is_shown_in_the_page(page, live_server):
    page.route("**/api/v1/reports*", lambda route: route.fulfill(
        status=500, content_type="application/json",
        body='{"error": {"code": "boom", "message": "boom", "details": {}}}'))
    page.goto(live_server + "/maps/issues")
    page.wait_for_function("() => gridmapLayers.reports && gridmapLayers.reports.error", timeout=WAIT_MS)
    assert page.locator("#gridmap-error").is_visible()
    assert "boom" in page.locator("#gridmap-error").inner_text()
    assert page.watch.outside_requests == []


def test_chinese_is_the_default_language(page, live_server):
    page.goto(live_server + "/maps/coverage")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.locator(".gm-lang a[hreflang=en]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


def test_script_in_a_report_never_runs(page, live_server):
    """A description carrying markup is shown as text; the CSP would block it even if it were not."""
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    status, body = sample._call("POST", f"{live_server}/api/v1/reports", {
        "category": "0102", "description": hostile, "address": hostile,
        "lon": sample.X0 + 0.006, "lat": sample.Y0 + 0.006})
    assert status == 201, body
    page.goto(live_server + "/maps/issues")
    wait_loaded(page, ["reports"])
    popups = page.evaluate("""() => gridmapLayers.reports.layer.getLayers()
        .map(l => l.getPopup() && l.getPopup().getContent()).filter(Boolean)""")
    assert any("&lt;img src=x" in p for p in popups)
    assert not any("<img src=x" in p or "<script>" in p for p in popups)
    # Put every popup into the page for real: nothing runs.
    page.evaluate("""() => gridmapLayers.reports.layer.getLayers().forEach(l => {
        const div = document.createElement('div'); div.innerHTML = l.getPopup().getContent();
        document.body.appendChild(div); })""")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__pwned === undefined")
    assert page.watch.outside_requests == []


def test_pages_send_a_nonce_csp_that_the_vendored_assets_satisfy(page, live_server):
    response = page.goto(live_server + "/maps/coverage")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-eval" not in csp and "object-src 'none'" in csp
    wait_loaded(page, SHOWN_AT_START)
    # A CSP violation would be logged as a console error.
    assert_clean(page)


def test_on_a_phone_the_issues_legend_is_folded_and_opens_with_a_tap(browser, live_server):
    """390 px (QA D14): the category legend once covered a third of the map and was cut off; it
    starts folded to its title in a corner, and opened it stays inside the map."""
    from tests.browser import BROWSER_PASSWORD, BROWSER_USER, sign_in

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, BROWSER_USER, BROWSER_PASSWORD)
        page.goto(live_server + "/maps/issues")
        wait_loaded(page, ["reports"])
        legend = page.locator(".gm-legend")
        the_map = page.locator(".folium-map").bounding_box()
        folded = legend.bounding_box()
        assert page.locator(".gm-legend details").get_attribute("open") is None
        assert page.locator(".gm-legend-item").first.is_hidden()
        assert folded["width"] * folded["height"] < 0.05 * the_map["width"] * the_map["height"]
        page.locator(".gm-legend summary").tap()
        assert page.locator(".gm-legend-item").first.is_visible()
        opened = legend.bounding_box()
        assert opened["x"] >= the_map["x"] and opened["x"] + opened["width"] <= the_map["x"] + the_map["width"]
        assert opened["y"] >= the_map["y"] and opened["y"] + opened["height"] <= the_map["y"] + the_map["height"]
        assert opened["height"] <= 0.3 * the_map["height"]
        page.locator(".gm-legend summary").tap()
        assert page.locator(".gm-legend-item").first.is_hidden()
    finally:
        context.close()


def test_on_a_wide_screen_the_legend_starts_open(page, live_server):
    page.goto(live_server + "/maps/issues")
    wait_loaded(page, ["reports"])
    assert page.locator(".gm-legend details").get_attribute("open") is not None
    assert page.locator(".gm-legend-item").first.is_visible()
