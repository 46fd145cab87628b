"""The planner's editor in headless chromium: validation grouped by kind, filtered, and a click that
selects and highlights the grid; live totals while micro-grids are picked and a target is pointed at;
a move that would leave grids in pieces refused with its reason (and done once they are allowed as
exclaves); a publication scheduled for the effective date, shown as scheduled, then current after
midnight on a clock the test moves (app.events.deadlines.now, which the live server shares).

The data is the committed sample of tests/maps/sample.py (district 410199): community 410199001001
spans lon 113.60-113.64; its grids 001 (WEST) and 002 (EAST) each hold a west and an east micro-grid.
Community 410199002001 spans lon 113.64-113.68. Only WEST has a worker; every figure is 200 households.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.maps import helpers as sample
from tests.plan.test_plan_browser import (WAIT_MS, assert_clean, click_map, open_draft, plan_state, screen_point,
                                          wait_ready)

pytestmark = [pytest.mark.browser]

COMMUNITY = f"{sample.DISTRICT}001001"
WEST, EAST = f"{COMMUNITY}001", f"{COMMUNITY}002"
FAR_MICRO = f"{sample.DISTRICT}00200100202"       # lon 113.67-113.68: nowhere near WEST
MID = sample.Y0 + sample.DY / 2
BEIJING = ZoneInfo("Asia/Shanghai")


def show_all(pg):
    # Zoom 14: the micro-grids are fetched from this zoom on; both communities fit in the map.
    pg.evaluate("([lat, lon]) => GridMapPlan.map.setView([lat, lon], 14, {animate: false})", [MID, 113.64])


def groups(pg) -> list[dict]:
    return pg.evaluate("""() => [...document.querySelectorAll('#plan-issue-groups details')].map(g => ({
        rule: g.dataset.rule, level: g.dataset.level, severity: g.dataset.severity, count: Number(g.dataset.count),
        items: g.querySelectorAll('li').length, shown: g.querySelectorAll('li:not([hidden])').length,
        hidden: g.hidden, label: g.querySelector('summary').textContent}))""")


def test_validation_is_grouped_filterable_and_a_click_selects_and_highlights(page, live_server):
    pg = page
    draft_id = open_draft(pg, live_server)
    body = pg.evaluate("id => fetch(`/api/v1/versions/${id}/validation`).then(r => r.json())", draft_id)
    shown = groups(pg)
    # One group per kind, in the order of the answer (errors first), with its count and label.
    assert [(g["rule"], g["level"]) for g in shown] == [(g["rule"], g["level"] or "") for g in body["groups"]]
    assert all(g["items"] == g["count"] for g in shown)
    unstaffed = next(g for g in shown if g["rule"] == "unstaffed" and g["level"] == "grid")
    # Three regular grids and the dedicated school grid have no worker.
    assert unstaffed["count"] == 4 and "4" in unstaffed["label"]
    assert ("households_high", "micro") in {(g["rule"], g["level"]) for g in shown}

    # The filter narrows every group at once.
    pg.fill("#plan-issue-filter", EAST)
    filtered = groups(pg)
    assert sum(g["shown"] for g in filtered) >= 1
    assert all(g["hidden"] or g["shown"] >= 1 for g in filtered)
    assert all(EAST in text for text in pg.locator("#plan-issue-groups li:visible").all_inner_texts())
    pg.fill("#plan-issue-filter", "")

    # A click on the issue of the east grid (no worker) selects it and highlights it on the map.
    item = pg.locator(f"#plan-issue-groups details[data-rule=unstaffed][data-level=grid] li[data-code='{EAST}']")
    item.click()
    pg.wait_for_function("code => gridmapPlan.selected && gridmapPlan.selected.code === code", arg=EAST,
                         timeout=WAIT_MS)
    pg.wait_for_selector("path.gm-plan-highlight", timeout=WAIT_MS)
    assert pg.evaluate("() => gridmapPlan.highlighted") == EAST
    assert "gm-issue-active" in item.get_attribute("class")
    assert EAST in pg.locator("#plan-selection").inner_text()
    # The highlight is the grid itself, in view.
    box = pg.locator("path.gm-plan-highlight").bounding_box()
    mapbox = pg.locator(".folium-map").bounding_box()
    assert box["width"] > 50 and mapbox["x"] <= box["x"] <= mapbox["x"] + mapbox["width"]
    assert pg.locator("#plan-split").is_enabled()
    assert_clean(pg)


def totals(pg) -> dict[str, dict]:
    return pg.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#plan-totals-rows tr')].map(tr =>
        [tr.dataset.code, Object.fromEntries([...tr.querySelectorAll('td')].map(td =>
            [td.dataset.what, {before: td.dataset.before, after: td.dataset.after, cls: td.className}]))]))""")


def test_live_totals_while_picking_micro_grids_and_pointing_at_the_target(page, live_server):
    pg = page
    open_draft(pg, live_server)
    pg.evaluate("([lat, lon]) => GridMapPlan.map.setView([lat, lon], 14, {animate: false})", [MID, 113.62])
    pg.click("#plan-move")
    pg.wait_for_function("() => gridmapLayers.planChildren.loaded", timeout=WAIT_MS)
    assert pg.locator("#plan-totals").is_hidden()
    click_map(pg, 113.625, MID)                       # the east grid's west micro-grid
    pg.wait_for_function("() => gridmapPlan.totalsShown >= 1", timeout=WAIT_MS)
    assert pg.locator("#plan-totals").is_visible()
    t = totals(pg)
    # Before a target is chosen: what the east grid keeps, coloured against the grid target (150-300).
    assert list(t) == [EAST]
    assert t[EAST]["households"]["before"] == "200" and t[EAST]["households"]["after"] == "0"
    assert "gm-total-low" in t[EAST]["households"]["cls"]
    assert pg.locator("#plan-totals-note").is_visible()

    # A second unit: the figures follow the pick.
    click_map(pg, 113.635, MID)
    pg.wait_for_function("() => gridmapPlan.totalsShown >= 2 && Object.keys(gridmapPlan.picked).length === 2",
                         timeout=WAIT_MS)
    pg.wait_for_function("() => gridmapPlan.totals && gridmapPlan.totals.body.codes.length === 2", timeout=WAIT_MS)
    click_map(pg, 113.635, MID)                       # and unpicked again
    pg.wait_for_function("() => gridmapPlan.totals && gridmapPlan.totals.body.codes.length === 1", timeout=WAIT_MS)

    # Choosing the target: pointing at the west grid shows both grids before and after.
    pg.click("#plan-save")
    pg.mouse.move(*screen_point(pg, 113.605, MID))
    pg.wait_for_function("code => gridmapPlan.totals && gridmapPlan.totals.body.target === code", arg=WEST,
                         timeout=WAIT_MS)
    t = totals(pg)
    assert set(t) == {WEST, EAST}
    west = t[WEST]["households"]
    assert int(west["after"]) > int(west["before"]) == 200 and "gm-total-high" in west["cls"]
    assert pg.evaluate("() => gridmapPlan.totals.refused") is None
    # The edit saves the figures the preview showed.
    expected = pg.evaluate("code => gridmapPlan.totals.grids.find(g => g.code === code).after", WEST)
    click_map(pg, 113.605, MID)
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)
    saved = pg.evaluate(f"""() => fetch('/api/v1/grids/{WEST}?version=' + gridmapPlan.draft.id)
        .then(r => r.json()).then(f => f.properties)""")
    assert (saved["households"], saved["population"]) == (expected["households"], expected["population"])
    assert pg.locator("#plan-totals").is_hidden()
    # The log names what moved, from where, to where.
    pg.click("#plan-tab-operations")
    line = pg.locator("#plan-operations li[data-kind=move]").inner_text()
    assert f"{EAST}01" in line and EAST in line and WEST in line
    assert_clean(pg)


def test_a_move_that_leaves_grids_in_pieces_is_refused_with_its_reason(page, live_server):
    pg = page
    open_draft(pg, live_server)
    show_all(pg)
    pg.click("#plan-move")
    pg.wait_for_function("() => gridmapLayers.planChildren.loaded", timeout=WAIT_MS)
    click_map(pg, 113.675, MID)
    pg.wait_for_function("code => gridmapPlan.picked[code]", arg=FAR_MICRO, timeout=WAIT_MS)
    pg.click("#plan-save")
    # Pointing at the west grid already says the move would be refused, and why.
    pg.mouse.move(*screen_point(pg, 113.605, MID))
    pg.wait_for_function("() => gridmapPlan.totals && gridmapPlan.totals.refused", timeout=WAIT_MS)
    note = pg.locator("#plan-totals-note")
    assert note.is_visible() and "gm-bad" in note.get_attribute("class")
    click_map(pg, 113.605, MID)
    pg.wait_for_function("() => gridmapPlan.lastRefused !== null && !gridmapPlan.busy", timeout=WAIT_MS)
    s = plan_state(pg)
    assert s["refused"]["details"]["reason"] == "not_contiguous" and s["saved"] == 0 and s["row_version"] == 1
    error = pg.locator("#plan-error")
    assert error.is_visible() and s["refused"]["message"] in error.inner_text()
    assert COMMUNITY in s["refused"]["message"]
    # The piece that would be cut off is drawn; the way on is offered: allow the exclaves, do it again.
    assert pg.evaluate("() => document.querySelectorAll('path[stroke=\"#d7191c\"]').length") >= 1
    retry = pg.locator("#plan-exclave-retry")
    assert retry.is_visible() and COMMUNITY in retry.inner_text()
    codes = s["refused"]["details"]["params"]["codes"]
    retry.click()
    pg.wait_for_function("n => gridmapPlan.saved === n && !gridmapPlan.busy", arg=len(codes) + 1, timeout=WAIT_MS)
    wait_ready(pg, validations=len(codes) + 2)
    assert pg.locator("#plan-error").is_hidden()
    notices = [g for g in groups(pg) if g["rule"] == "exclave"]
    assert sum(g["count"] for g in notices) == len(codes) and all(g["severity"] == "notice" for g in notices)
    assert_clean(pg, expected_statuses=(422,))


class Clock:
    def __init__(self, now):
        self.now = now


@pytest.fixture
def clock(monkeypatch):
    from app.events import deadlines

    c = Clock(datetime(2026, 12, 31, 20, 0, tzinfo=BEIJING))
    monkeypatch.setattr(deadlines, "now", lambda: c.now)
    return c


def lookup(pg, query: str = "") -> str:
    return pg.evaluate(f"""() => fetch('/api/v1/lookup?lon=113.605&lat={MID}{query}').then(r => r.json())
        .then(b => b.grid.code)""")


def test_a_scheduled_publication_is_shown_as_scheduled_then_current_after_the_date(page, live_server, clock):
    pg = page
    pg.goto(live_server + "/plan")
    pg.fill("#draft-note", "元旦起调整")
    pg.fill("#draft-effective", "2027-01-01")
    with pg.expect_navigation():
        pg.click("#plan-open-draft")
    wait_ready(pg, validations=1)
    draft_id = pg.evaluate("() => gridmapPlan.draft.id")
    pg.evaluate("([lat, lon]) => GridMapPlan.map.setView([lat, lon], 14, {animate: false})", [MID, 113.62])
    click_map(pg, 113.605, MID)
    pg.wait_for_function("() => gridmapPlan.selected", timeout=WAIT_MS)
    pg.click("#plan-merge")
    click_map(pg, 113.63, MID)
    pg.wait_for_function("() => Object.keys(gridmapPlan.picked).length === 2", timeout=WAIT_MS)
    pg.click("#plan-save")
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)
    merged = pg.evaluate("() => gridmapPlan.operations[0].summary.created.find(c => c.length === 15)")

    # The dialog says the draft will be scheduled, and when; the planner could publish now instead.
    pg.click("#plan-publish")
    pg.locator("#plan-publish-dialog").wait_for(timeout=WAIT_MS)
    assert pg.locator("#plan-publish-when").is_visible() and pg.locator("#plan-publish-scheduled").is_checked()
    outcome = pg.locator("#plan-publish-outcome").inner_text()
    assert "2027-01-01 00:00" in outcome
    pg.click("#plan-publish-now")
    assert pg.locator("#plan-publish-outcome").inner_text() != outcome
    pg.click("#plan-publish-scheduled")
    pg.click("#plan-publish-confirm")
    pg.wait_for_function("() => gridmapPlan.published && !gridmapPlan.busy", timeout=WAIT_MS)
    assert "2027-01-01 00:00" in pg.locator("#plan-status").inner_text()
    assert pg.locator("#plan-undo").is_disabled() and pg.locator("#plan-publish").is_disabled()

    # Shown as scheduled: read-only, with the way to cancel; the old boundaries are still in force.
    pg.reload()
    wait_ready(pg, validations=1)
    banner = pg.locator("#plan-readonly")
    assert banner.get_attribute("data-status") == "scheduled" and "2027-01-01 00:00" in banner.inner_text()
    assert pg.locator("#plan-unschedule").is_visible() and pg.locator("#plan-merge").count() == 0
    assert lookup(pg) == WEST + "01"
    assert lookup(pg, "&at=2026-12-31") == WEST + "01" and lookup(pg, "&at=2027-01-01").startswith(merged)
    pg.goto(live_server + "/plan")
    assert pg.locator(f"tr[data-draft-id='{draft_id}'] .plan-scheduled").is_visible()

    # Past midnight, Beijing time: the next request finds it in force.
    clock.now = datetime(2027, 1, 1, 0, 0, 5, tzinfo=BEIJING)
    pg.goto(live_server + f"/plan/drafts/{draft_id}")
    wait_ready(pg, validations=1)
    assert pg.locator("#plan-readonly").get_attribute("data-status") == "published"
    assert lookup(pg).startswith(merged) and lookup(pg, "&at=2026-12-31") == WEST + "01"
    pg.goto(live_server + "/plan")
    assert pg.locator(f"tr[data-draft-id='{draft_id}']").count() == 0
    assert pg.locator("#plan-versions").inner_text().count("2027-01-01") == 1
    assert_clean(pg)
