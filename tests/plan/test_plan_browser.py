"""The draft editor in real headless chromium: a draft opened on the page, shapes drawn with the mouse
through Leaflet.draw, saved to the draft API, and the validation (or the refusal) shown in the page.
The browser fixtures are in tests/browser.py (registered for the whole suite in tests/conftest.py).

The data is the committed sample of tests/maps/helpers.py (district 410199): community 410199001001
spans lon 113.60-113.64, lat 34.74-34.755; its grids 001 (113.60-113.62) and 002 (113.62-113.64) each
hold two micro-grids split at the middle longitude.
"""
from __future__ import annotations

import json
import re

import pytest

from tests.maps import helpers as sample

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


def call(pg, path: str, body: dict) -> dict:
    """POST JSON to /api/v1/``path`` as the signed-in page would (its session and CSRF token), e.g. for
    another planner's edit; the answer must be a success."""
    status, out = pg.evaluate("""([path, body]) => fetch('/api/v1/' + path, {method: 'POST',
        credentials: 'same-origin', headers: {'Content-Type': 'application/json',
                  'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify(body)}).then(r => r.json().then(j => [r.status, j]))""", [path, body])
    assert status in (200, 201), out
    return out


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
    assert pg.locator("#plan-issue-groups li").count() > 0
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
    select_grid(pg, WEST, 113.605, 34.7475)
    # The other planner (same session, straight to the API) merges the two grids.
    call(pg, f"drafts/{draft_id}/merge", {"row_version": 1, "codes": [WEST, EAST]})
    pg.click("#plan-merge")
    click_map(pg, 113.63, 34.7475)
    pg.wait_for_function("() => Object.keys(gridmapPlan.picked).length === 2", timeout=WAIT_MS)
    pg.click("#plan-save")
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
    # The parts are shown with their totals and names before the split is saved.
    pg.wait_for_function("() => gridmapPlan.mode === 'split-confirm' && gridmapPlan.split.parts.length === 2",
                         timeout=WAIT_MS)
    names = pg.locator("#plan-split-names input")
    assert names.count() == 2 and all(n.startswith("第") for n in names.evaluate_all("l => l.map(i => i.value)"))
    assert pg.locator("#plan-totals tr[data-code]").count() == 3          # the grid, gone; its two parts, new
    names.nth(0).fill("北片")
    pg.click("#plan-split-save")
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)
    pg.wait_for_function("() => gridmapLayers.planGrids.loaded && gridmapLayers.planGrids.count === 5",
                         timeout=WAIT_MS)
    assert pg.locator("#plan-operations li[data-kind=split]").count() == 1
    assert pg.locator("#plan-validation-summary").get_attribute("data-errors") == "0"

    assert "北片" in pg.evaluate(
        "() => gridmapLayers.planGrids.layer.getLayers().map(l => l.feature.properties.name)")

    # Publishing asks first, showing what would change and when: the effective date has passed, so now.
    pg.click("#plan-publish")
    dialog = pg.locator("#plan-publish-dialog")
    dialog.wait_for(timeout=WAIT_MS)
    assert re.search(r"\d", pg.locator("#plan-publish-impact").inner_text())
    assert pg.locator("#plan-publish-when").is_hidden()
    open_moved = pg.evaluate("() => gridmapPlan.publishSummary.open_reports_moved")
    assert str(open_moved) in pg.locator("#plan-publish-outcome").inner_text()
    pg.click("#plan-publish-confirm")
    pg.wait_for_function("() => gridmapPlan.published && !gridmapPlan.busy", timeout=WAIT_MS)
    # The message after publishing gives the number the dialog gave.
    status = pg.locator("#plan-status").inner_text()
    assert f"{open_moved} " in status or f"{open_moved}件" in status or f": {open_moved}" in status
    assert pg.locator("#plan-undo").is_disabled() and pg.locator("#plan-publish").is_disabled()
    versions = pg.evaluate("() => fetch('/api/v1/versions').then(r => r.json())")["versions"]
    assert {v["id"]: v["status"] for v in versions}[draft_id] == "published"
    assert_clean(pg)


def merge_west_and_east(pg):
    select_grid(pg, WEST, 113.605, 34.7475)
    pg.click("#plan-merge")
    click_map(pg, 113.63, 34.7475)
    pg.wait_for_function("() => Object.keys(gridmapPlan.picked).length === 2", timeout=WAIT_MS)
    pg.click("#plan-save")
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)


def impact_numbers(pg) -> dict[str, str]:
    return pg.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#plan-impact-summary dd')]
        .map(dd => [dd.dataset.key, dd.textContent]))""")


def test_impact_preview_shows_the_summary_and_draws_the_diff(page, live_server):
    pg = page
    draft_id = open_draft(pg, live_server)
    show_community(pg)
    assert pg.locator("#plan-impact-panel").is_hidden()
    # The versions the draft may be compared with: the published one is listed.
    versions = pg.evaluate("() => fetch('/api/v1/versions').then(r => r.json())")["versions"]
    published = next(v["id"] for v in versions if v["status"] == "published")
    assert pg.locator(f"#plan-impact-against option[value='{published}']").count() == 1
    merge_west_and_east(pg)

    # The impact preview is one of the panel's tabs, at the top.
    pg.click("#plan-tab-impact")
    pg.click("#plan-impact")
    pg.wait_for_function("() => gridmapPlan.impact && !gridmapPlan.impactBusy", timeout=WAIT_MS)
    expected = pg.evaluate("id => fetch(`/api/v1/versions/${id}/impact`).then(r => r.json())", draft_id)
    s = expected["summary"]
    assert s["grids_changed"] >= 2 and s["reports_moved"] > 0
    numbers = impact_numbers(pg)
    assert numbers["grids_changed"].startswith(f"{s['grids_changed']} (")
    assert numbers["reports_moved"].startswith(f"{s['reports_moved']} (")
    assert str(s["open_reports_moved"]) in numbers["reports_moved"]
    assert numbers["households_moved"] == str(s["households_moved"])
    assert numbers["addresses_moved"] == str(s["addresses_moved"])
    assert numbers["buildings_moved"] == str(s["buildings_moved"])
    # The staffed grid (the west one) is gone: its worker loses it and is listed.
    losing = [w for w in expected["workers"] if w["loses"]]
    assert numbers["workers_losing"] == str(len(losing)) and len(losing) >= 1
    assert "王网格" in pg.locator("#plan-impact-workers").inner_text()
    assert pg.locator("#plan-impact-grids li").count() == s["grids_changed"]
    assert pg.locator(f"#plan-impact-grids li[data-code='{WEST}']").count() == 1

    # The diff on the map: old outlines dashed red, new ones solid blue, listed in the layer control.
    drawn = pg.evaluate("() => gridmapPlan.impactDrawn")
    assert drawn["old"] > 0 and drawn["new"] > 0
    assert pg.locator("path.gm-plan-old[stroke='#d7191c'][stroke-dasharray]").count() == drawn["old"]
    assert pg.locator("path.gm-plan-new[stroke='#0057e7']").count() == drawn["new"]
    assert pg.evaluate("() => GridMapPlan.map.hasLayer(GridMapPlan.impactLayer())")
    # (Its name is a new string: English until the lead translates it.)
    overlay = pg.locator(".leaflet-control-layers-overlays label", has=pg.locator("input")).filter(
        has_text=re.compile("影响|Impact"))
    assert overlay.count() == 1
    # Toggled off and on through the layer control (hovered first, as a user does: Leaflet ignores a click
    # in the same instant the control opens).
    pg.hover(".leaflet-control-layers")
    pg.wait_for_timeout(100)
    box = overlay.locator("input")
    assert box.is_checked()
    box.click()
    assert not box.is_checked() and pg.locator("path.gm-plan-old").count() == 0
    box.click()
    assert box.is_checked() and pg.locator("path.gm-plan-old").count() == drawn["old"]
    assert pg.locator("#plan-status").inner_text().strip()

    # Against a version chosen in the list (here the published one, by id): the same answer.
    pg.select_option("#plan-impact-against", str(published))
    pg.click("#plan-impact")
    pg.wait_for_function("() => !gridmapPlan.impactBusy", timeout=WAIT_MS)
    assert impact_numbers(pg) == numbers

    # A version that does not exist (gone since the page was loaded): the API's answer is shown.
    pg.evaluate("""() => { const o = new Option('gone', '999999'); o.dataset.name = 'gone';
        document.getElementById('plan-impact-against').add(o); }""")
    pg.select_option("#plan-impact-against", "999999")
    pg.click("#plan-impact")
    pg.wait_for_function("() => !gridmapPlan.impactBusy && gridmapPlan.lastError", timeout=WAIT_MS)
    assert pg.locator("#plan-error").is_visible() and "999999" in pg.locator("#plan-error").inner_text()
    assert pg.locator("#plan-status").inner_text().strip() == ""
    pg.select_option("#plan-impact-against", "")

    # A new edit makes the preview stale (and says so); hiding clears the panel and the map.
    pg.click("#plan-undo")
    pg.wait_for_function("() => gridmapPlan.saved === 2 && !gridmapPlan.busy", timeout=WAIT_MS)
    assert pg.locator("#plan-impact-stale").is_visible()
    pg.click("#plan-impact-hide")
    assert pg.locator("#plan-impact-panel").is_hidden()
    assert pg.locator("path.gm-plan-old").count() == 0 and pg.locator("path.gm-plan-new").count() == 0
    assert pg.evaluate("() => GridMapPlan.impactLayer()") is None
    assert overlay.count() == 0
    assert_clean(pg, expected_statuses=(404,))


def _grid_file(features: list[dict]) -> dict:
    return {"name": "grids.geojson", "mimeType": "application/geo+json",
            "buffer": json.dumps({"type": "FeatureCollection", "features": features}).encode()}


def _grid_feature(code: str, name: str, x0: float, x1: float, households: int) -> dict:
    ring = [[x0, Y0], [x1, Y0], [x1, Y1], [x0, Y1], [x0, Y0]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"code": code, "name": name, "parent_code": COMMUNITY, "households": households}}


def test_import_a_level_from_a_file_and_see_a_bad_file_refused(page, live_server):
    pg = page
    open_draft(pg, live_server)
    show_community(pg)
    new_east = f"{COMMUNITY}005"

    # 1. A file whose feature has a malformed code: refused, every feature error listed, draft unchanged.
    bad = _grid_file([_grid_feature(f"{COMMUNITY}0", "坏编码", 113.60, 113.64, 100)])
    pg.click("#plan-tab-import")
    pg.set_input_files("#plan-import-file", bad)
    pg.select_option("#plan-import-level", "grid")
    pg.fill("#plan-import-parent", COMMUNITY)
    pg.click("#plan-import")
    pg.wait_for_function("() => gridmapPlan.lastRefused !== null && !gridmapPlan.busy", timeout=WAIT_MS)
    error = pg.locator("#plan-error")
    assert error.is_visible()
    assert pg.locator("#plan-error li[data-reason=bad_code]").count() >= 1
    assert plan_state(pg)["row_version"] == 1 and plan_state(pg)["saved"] == 0
    # Nothing chosen: the page says so instead of posting.
    pg.evaluate("() => document.getElementById('plan-import-file').removeAttribute('required')")
    pg.set_input_files("#plan-import-file", [])
    pg.click("#plan-import")
    assert pg.evaluate("() => gridmapPlan.lastError") != ""

    # 2. The community re-cut: the west grid wider, a new east grid 005 instead of 002.
    good = _grid_file([_grid_feature(WEST, "西网格", 113.60, 113.625, 240),
                       _grid_feature(new_east, "东网格", 113.625, 113.64, 160)])
    # Every text the import's status line shows is recorded: the progress one is gone by the end.
    pg.evaluate("""() => { window.importStatuses = [];
        const el = document.getElementById('plan-import-status');
        new MutationObserver(() => importStatuses.push(el.textContent))
            .observe(el, {childList: true, characterData: true, subtree: true}); }""")
    pg.set_input_files("#plan-import-file", good)
    pg.select_option("#plan-import-level", "grid")
    pg.fill("#plan-import-parent", COMMUNITY)
    pg.click("#plan-import")
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)
    wait_ready(pg, validations=2)
    pg.wait_for_function("() => gridmapLayers.planGrids.url.includes('rv=2')", timeout=WAIT_MS)
    s = plan_state(pg)
    assert s["row_version"] == 2 and s["error"] == "" and error.is_hidden()
    assert pg.evaluate("() => gridmapPlan.imported")["features"] == 2
    assert grid_bounds(pg, WEST) == pytest.approx([113.60, Y0, 113.625, Y1], abs=1e-6)
    assert grid_bounds(pg, new_east) == pytest.approx([113.625, Y0, 113.64, Y1], abs=1e-6)
    assert grid_bounds(pg, EAST) is None
    status = pg.locator("#plan-status").inner_text()
    assert "2" in status and "grids.geojson" in status
    assert pg.locator("#plan-import-status").inner_text() == status
    progress = pg.evaluate("() => gridmapPlan && document.querySelector('#plan-import-status') && importStatuses")
    assert progress[0] in ("正在导入…", "Importing…") and progress[-1] == status
    assert pg.locator("#plan-operations li[data-kind=import]").count() == 1
    assert pg.locator("#plan-validation-summary").get_attribute("data-errors") == "0"
    assert pg.locator("#plan-undo").is_enabled()
    assert_clean(pg, expected_statuses=(422,))


def drag(pg, start: tuple[float, float], end: tuple[float, float]):
    """Drag what lies at map position ``start`` (a corner handle) to ``end``."""
    pg.mouse.move(*screen_point(pg, *start))
    pg.mouse.down()
    x, y = screen_point(pg, *end)
    pg.mouse.move(x, y, steps=8)
    pg.mouse.up()


def saved_geometry(pg, draft_id: int, code: str) -> dict:
    return pg.evaluate("""([id, code]) => fetch(`/api/v1/grids/${code}?version=${id}`, {credentials: 'same-origin'})
        .then(r => r.json()).then(f => f.geometry)""", [draft_id, code])


def outer_corners(geometry: dict) -> list[list[float]]:
    """The outer rings' vertices of a Polygon or MultiPolygon."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [xy for polygon in polygons for xy in polygon[0]]


def edit_corners(pg, code: str, lon: float, lat: float):
    select_grid(pg, code, lon, lat)
    pg.click("#plan-vertices")
    pg.wait_for_function("() => gridmapPlan.mode === 'vertices'", timeout=WAIT_MS)


def test_a_corner_dragged_on_the_page_reshapes_the_grid_and_its_neighbour(page, live_server):
    pg = page
    draft_id = open_draft(pg, live_server)
    show_community(pg)
    edit_corners(pg, WEST, 113.605, 34.7475)
    # The north-east corner (shared with the east grid) moves east along the community's edge.
    drag(pg, (113.62, Y1), (113.625, Y1))
    pg.click("#plan-save")
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)
    pg.wait_for_function("() => gridmapLayers.planGrids.loaded && gridmapLayers.planGrids.url.includes('rv=2')",
                         timeout=WAIT_MS)
    assert grid_bounds(pg, WEST)[2] == pytest.approx(113.625, abs=1e-4)
    ring = outer_corners(saved_geometry(pg, draft_id, WEST))
    moved = [xy for xy in ring if xy[0] > 113.6201]
    # The dragged corner, snapped onto the community's northern edge; the rest where they were.
    assert moved and all(xy == [pytest.approx(113.625, abs=1e-4), pytest.approx(Y1, abs=1e-9)] for xy in moved)
    assert [113.62, Y0] in [[round(x, 6), round(y, 6)] for x, y in ring]
    assert pg.locator("#plan-operations li[data-kind=reshape]").count() == 1
    assert_clean(pg)


def test_every_part_of_a_multipart_grid_has_corners_to_drag(page, live_server):
    """Leaflet.draw alone edits the first ring only; the second part's corner must move too."""
    pg = page
    draft_id = open_draft(pg, live_server)
    # The west grid takes a detached square out of the east grid (straight to the API).
    part = [[113.63, Y0 + 0.004], [113.634, Y0 + 0.004], [113.634, Y0 + 0.008], [113.63, Y0 + 0.008],
            [113.63, Y0 + 0.004]]
    whole = [[113.60, Y0], [113.62, Y0], [113.62, Y1], [113.60, Y1], [113.60, Y0]]
    multipart = {"type": "MultiPolygon", "coordinates": [[whole], [part]]}
    # In pieces only as an allowed exclave (the grid, and the micro-grid the detached square joins).
    status, out = pg.evaluate("""([id, body]) => fetch(`/api/v1/drafts/${id}/reshape`, {method: 'POST',
        credentials: 'same-origin', headers: {'Content-Type': 'application/json',
                  'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content},
        body: JSON.stringify(body)}).then(r => r.json().then(j => [r.status, j]))""",
                              [draft_id, {"row_version": 1, "code": WEST, "geometry": multipart}])
    assert status == 422 and out["error"]["details"]["reason"] == "not_contiguous"
    version = 1
    for code in out["error"]["details"]["params"]["codes"]:
        version = call(pg, f"drafts/{draft_id}/exclave", {"row_version": version, "code": code})["draft"]["row_version"]
    call(pg, f"drafts/{draft_id}/reshape", {"row_version": version, "code": WEST, "geometry": multipart})
    pg.reload()
    wait_ready(pg, validations=1)
    show_community(pg)
    edit_corners(pg, WEST, 113.605, 34.7475)
    # A handle on every corner of both parts (and one between each two).
    handles = pg.evaluate("""() => [...document.querySelectorAll('.leaflet-editing-icon')].map(e => {
        const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })""")
    for lon, lat in part[:4] + whole[:4]:
        x, y = screen_point(pg, lon, lat)
        assert any(abs(hx - x) < 2 and abs(hy - y) < 2 for hx, hy in handles), (lon, lat)
    # The detached square's north-east corner goes 0.002 degrees (about 180 m) further east.
    drag(pg, (113.634, Y0 + 0.008), (113.636, Y0 + 0.008))
    pg.click("#plan-save")
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)
    geometry = saved_geometry(pg, draft_id, WEST)
    assert geometry["type"] == "MultiPolygon" and len(geometry["coordinates"]) == 2
    points = outer_corners(geometry)
    assert [pytest.approx(113.636, abs=1e-4), pytest.approx(Y0 + 0.008, abs=1e-4)] in points
    assert [113.634, pytest.approx(Y0 + 0.008, abs=1e-9)] not in points
    assert [113.60, pytest.approx(Y0, abs=1e-9)] in points          # the main part kept its corners
    assert_clean(pg, expected_statuses=(422,))
