"""The draft editor in real headless chromium: a draft opened on the page, shapes drawn with the mouse
through Leaflet.draw, saved to the draft API, and the validation (or the refusal) shown in the page.
The browser fixtures are in tests/browser.py (registered for the whole suite in tests/conftest.py).

The data is the committed sample of tests/maps/sample.py (district 410199): community 410199001001
spans lon 113.60-113.64, lat 34.74-34.755; its grids 001 (113.60-113.62) and 002 (113.62-113.64) each
hold two micro-grids split at the middle longitude.
"""
from __future__ import annotations

import re

import pytest

from tests.maps import sample

pytestmark = [pytest.mark.browser]

WAIT_MS = 20_000
COMMUNITY = f"{sample.DISTRICT}001001"
WEST, EAST = f"{COMMUNITY}001", f"{COMMUNITY}002"
Y0, Y1 = sample.Y0, sample.Y0 + sample.DY


def assert_clean(pg, expected_statuses: tuple[int, ...] = ()):
    """No outside request, no failed request, no console error -- except Chromium's own log line for
    an HTTP answer the test provoked on purpose (a refused edit's 422, a stale draft's 409)."""
    assert pg.watch.outside_requests == []
    assert pg.watch.failed_requests == []
    expected = tuple(f"the server responded with a status of {n} " for n in expected_statuses)
    assert [e for e in pg.watch.console_errors if not any(x in e for x in expected)] == []


def open_draft(pg, base: str, note: str = "浏览器测试草稿") -> int:
    """Open a new draft with the form of /plan; the page goes on to the editor."""
    pg.goto(base + "/plan")
    pg.fill("#draft-note", note)
    pg.fill("#draft-effective", "2026-07-01")
    with pg.expect_navigation(url=re.compile(r"/plan/drafts/\d+$")):
        pg.click("#plan-open-draft")
    draft_id = int(pg.url.rsplit("/", 1)[1])
    wait_ready(pg, validations=1)
    return draft_id


def wait_ready(pg, validations: int):
    pg.wait_for_function(
        """n => window.gridmapLayers && gridmapLayers.planGrids && gridmapLayers.planGrids.loaded
               && gridmapLayers.planParents.loaded && window.gridmapPlan.validations >= n
               && !window.gridmapPlan.busy""",
        arg=validations, timeout=WAIT_MS)


def show_community(pg):
    # Zoom 14 shows the whole community (~470 x 210 px) in the map beside the panel.
    pg.evaluate("([lat, lon]) => GridMapPlan.map.setView([lat, lon], 14, {animate: false})",
                [(Y0 + Y1) / 2, 113.62])


def screen_point(pg, lon: float, lat: float) -> tuple[float, float]:
    """Page coordinates of a map position (fractional: Chromium keeps sub-pixel mouse positions)."""
    return tuple(pg.evaluate("""([lon, lat]) => {
        const map = GridMapPlan.map, p = map.latLngToContainerPoint([lat, lon]);
        const box = map.getContainer().getBoundingClientRect();
        return [box.left + p.x, box.top + p.y]; }""", [lon, lat]))


def click_map(pg, lon: float, lat: float):
    pg.mouse.click(*screen_point(pg, lon, lat))


def draw(pg, points, close: bool):
    """Click each vertex; a polygon is closed by clicking its first vertex again, a line by the Finish button."""
    for lon, lat in points:
        click_map(pg, lon, lat)
        pg.wait_for_timeout(60)  # Leaflet.draw tells a click from a drag by time and distance
    if close:
        click_map(pg, *points[0])
    else:
        pg.click("#plan-finish")


def select_grid(pg, code: str, lon: float, lat: float):
    click_map(pg, lon, lat)
    pg.wait_for_function("code => gridmapPlan.selected && gridmapPlan.selected.code === code", arg=code,
                         timeout=WAIT_MS)


def grid_bounds(pg, code: str) -> list[float]:
    return pg.evaluate("""code => { const l = gridmapLayers.planGrids.layer.getLayers()
        .find(l => l.feature.properties.code === code); if (!l) return null;
        const b = l.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }""", code)


def plan_state(pg) -> dict:
    return pg.evaluate("""() => ({row_version: gridmapPlan.draft.row_version, saved: gridmapPlan.saved,
        validations: gridmapPlan.validations, error: gridmapPlan.lastError, mode: gridmapPlan.mode,
        refused: gridmapPlan.lastRefused, grids: gridmapLayers.planGrids.count,
        refusedDrawn: 0})""")


def test_reshape_drawn_with_the_mouse_is_refused_then_saved_and_validated(page, live_server):
    pg = page
    draft_id = open_draft(pg, live_server)
    assert pg.locator("#plan-validation-summary").get_attribute("data-errors") == "0"
    assert pg.locator("#plan-publish").is_enabled()
    show_community(pg)
    select_grid(pg, WEST, 113.605, 34.7475)

    # 1. A new shape half as wide: the other half would belong to no grid. Refused, draft unchanged.
    pg.click("#plan-reshape")
    assert pg.locator("#plan-hint").is_visible()
    draw(pg, [(113.60, Y0), (113.61, Y0), (113.61, Y1), (113.60, Y1)], close=True)
    pg.wait_for_function("() => gridmapPlan.lastRefused !== null && !gridmapPlan.busy", timeout=WAIT_MS)
    s = plan_state(pg)
    assert s["refused"]["code"] == "invalid_edit" and s["refused"]["details"]["reason"] == "leaves_gap"
    assert s["row_version"] == 1 and s["saved"] == 0
    error = pg.locator("#plan-error")
    assert error.is_visible() and s["refused"]["message"] in error.inner_text()
    # The gap the edit would leave is drawn in red on the map.
    assert pg.evaluate("() => document.querySelectorAll('path[stroke=\"#d7191c\"]').length") >= 1
    assert grid_bounds(pg, WEST)[2] == pytest.approx(113.62, abs=1e-6)

    # 2. A shape that takes a strip of the east grid: saved, the neighbour gives it up, validation reloaded.
    pg.click("#plan-reshape")
    draw(pg, [(113.60, Y0), (113.625, Y0), (113.625, Y1), (113.60, Y1)], close=True)
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)
    wait_ready(pg, validations=2)
    pg.wait_for_function("() => gridmapLayers.planGrids.url.includes('rv=2')", timeout=WAIT_MS)
    s = plan_state(pg)
    assert s["row_version"] == 2 and s["error"] == ""
    assert error.is_hidden()
    # The free corners land within half a pixel (zoom 14: ~4e-5 degrees) of where they were drawn; the
    # neighbour's new border is exactly the reshaped grid's; the corners on the community's edges snapped.
    west, east = grid_bounds(pg, WEST), grid_bounds(pg, EAST)
    assert west[2] == pytest.approx(113.625, abs=5e-5) and east[0] == west[2]
    assert west[:2] == pytest.approx([113.60, Y0], abs=1e-9) and west[3] == pytest.approx(Y1, abs=1e-9)
    # The refreshed validation: no errors (the micro-grids followed), the publish button on.
    summary = pg.locator("#plan-validation-summary")
    assert summary.get_attribute("data-errors") == "0" and summary.inner_text().strip()
    assert pg.locator("#plan-issues li").count() > 0
    assert pg.locator("#plan-publish").is_enabled()
    assert pg.locator("#plan-operations li[data-kind=reshape][data-state=done]").count() == 1
    assert pg.locator("#plan-undo").is_enabled() and pg.locator("#plan-redo").is_disabled()
    assert pg.locator("#plan-status").inner_text().strip() != ""
    assert draft_id > 0
    assert_clean(pg, expected_statuses=(422,))


def test_merge_then_undo_and_redo_on_the_page(page, live_server):
    pg = page
    open_draft(pg, live_server)
    show_community(pg)
    assert plan_state(pg)["grids"] == 4
    select_grid(pg, WEST, 113.605, 34.7475)
    pg.click("#plan-merge")
    click_map(pg, 113.63, 34.7475)
    pg.wait_for_function("() => Object.keys(gridmapPlan.picked).length === 2", timeout=WAIT_MS)
    pg.click("#plan-save")
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)
    pg.wait_for_function("() => gridmapLayers.planGrids.loaded && gridmapLayers.planGrids.count === 3",
                         timeout=WAIT_MS)
    assert pg.locator("#plan-operations li[data-kind=merge]").count() == 1

    pg.click("#plan-undo")
    pg.wait_for_function("() => gridmapPlan.saved === 2 && !gridmapPlan.busy", timeout=WAIT_MS)
    pg.wait_for_function("() => gridmapLayers.planGrids.loaded && gridmapLayers.planGrids.count === 4",
                         timeout=WAIT_MS)
    s = plan_state(pg)
    assert s["row_version"] == 3
    assert grid_bounds(pg, WEST) == pytest.approx([113.60, Y0, 113.62, Y1], abs=1e-6)
    pg.wait_for_function("() => document.querySelector('#plan-operations li[data-state=undone]')", timeout=WAIT_MS)
    assert pg.locator("#plan-undo").is_disabled() and pg.locator("#plan-redo").is_enabled()

    pg.click("#plan-redo")
    pg.wait_for_function("() => gridmapPlan.saved === 3 && !gridmapPlan.busy", timeout=WAIT_MS)
    pg.wait_for_function("() => gridmapLayers.planGrids.loaded && gridmapLayers.planGrids.count === 3",
                         timeout=WAIT_MS)
    assert plan_state(pg)["row_version"] == 4
    assert_clean(pg)


def test_a_draft_changed_elsewhere_is_reloaded(page, live_server):
    """Another planner saves first: the page's next edit gets 409, says so and shows the draft as it is."""
    pg = page
    draft_id = open_draft(pg, live_server)
    show_community(pg)
    # The other planner (same session, straight to the API) merges the two grids.
    status = pg.evaluate("""([id, codes]) => fetch(`/api/v1/drafts/${id}/merge`, {method: 'POST',
        credentials: 'same-origin', headers: {'Content-Type': 'application/json',
        'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify({row_version: 1, codes})}).then(r => r.status)""", [draft_id, [WEST, EAST]])
    assert status == 200
    select_grid(pg, WEST, 113.605, 34.7475)
    pg.click("#plan-split")
    draw(pg, [(113.599, 34.7475), (113.621, 34.7475)], close=False)
    pg.wait_for_function("() => gridmapPlan.draft.row_version === 2 && gridmapPlan.lastError && !gridmapPlan.busy",
                         timeout=WAIT_MS)
    assert pg.locator("#plan-error").is_visible()
    # Reloaded: the merged grid replaces the two.
    pg.wait_for_function("() => gridmapLayers.planGrids.loaded && gridmapLayers.planGrids.count === 3",
                         timeout=WAIT_MS)
    assert plan_state(pg)["saved"] == 0
    assert_clean(pg, expected_statuses=(409,))


def test_move_a_micro_grid_by_clicking(page, live_server):
    pg = page
    open_draft(pg, live_server)
    show_community(pg)
    pg.click("#plan-move")
    pg.wait_for_function("() => gridmapLayers.planChildren.loaded", timeout=WAIT_MS)
    click_map(pg, 113.625, 34.7475)  # the east grid's western micro-grid
    pg.wait_for_function("() => Object.keys(gridmapPlan.picked).length === 1", timeout=WAIT_MS)
    assert list(pg.evaluate("() => gridmapPlan.picked")) == [f"{EAST}01"]
    pg.click("#plan-save")  # "choose the target grid"
    click_map(pg, 113.605, 34.7475)
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)
    pg.wait_for_function("() => gridmapLayers.planGrids.loaded && gridmapLayers.planGrids.url.includes('rv=2')",
                         timeout=WAIT_MS)
    assert grid_bounds(pg, WEST)[2] == pytest.approx(113.63, abs=1e-6)
    assert pg.locator("#plan-operations li[data-kind=move]").count() == 1
    assert_clean(pg)


def test_split_by_a_drawn_line_then_publish_after_the_impact_preview(page, live_server):
    pg = page
    draft_id = open_draft(pg, live_server)
    show_community(pg)
    select_grid(pg, WEST, 113.605, 34.7475)
    pg.click("#plan-split")
    draw(pg, [(113.598, 34.7475), (113.622, 34.7475)], close=False)
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)
    pg.wait_for_function("() => gridmapLayers.planGrids.loaded && gridmapLayers.planGrids.count === 5",
                         timeout=WAIT_MS)
    assert pg.locator("#plan-operations li[data-kind=split]").count() == 1
    assert pg.locator("#plan-validation-summary").get_attribute("data-errors") == "0"

    # Publishing asks first, showing what would change.
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    pg.on("dialog", answer)
    pg.click("#plan-publish")
    pg.wait_for_function("() => gridmapPlan.published && !gridmapPlan.busy", timeout=WAIT_MS)
    assert len(dialogs) == 1 and re.search(r"\d", dialogs[0])
    assert pg.locator("#plan-status").inner_text().strip()
    assert pg.locator("#plan-undo").is_disabled() and pg.locator("#plan-publish").is_disabled()
    versions = pg.evaluate("() => fetch('/api/v1/versions').then(r => r.json())")["versions"]
    assert {v["id"]: v["status"] for v in versions}[draft_id] == "published"
    assert_clean(pg)
