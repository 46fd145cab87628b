"""Moving buildings in the draft editor, in real headless chromium: the building layer of the map view,
picking a building by clicking its point, choosing the target grid, the saved edit (or the refusal).
The browser fixtures are in tests/browser.py (registered for the whole suite in tests/conftest.py).

The data is the committed sample district of tests/samples.py with the standard addresses of
tests/addresses/helpers.py (not the sample of tests/maps/helpers.py, which has no addresses): community
410102001001 spans lon 113.60-113.62, lat 34.75-34.76; its grids WEST (113.60-113.61) and EAST
(113.61-113.62) each hold two micro-grids split at lat 34.755 (01 north, 02 south). The buildings of
绿城百合花园 stand in WEST's northern micro-grid, near its west edge.
"""
from __future__ import annotations

import pytest

from tests.browser import BROWSER_PASSWORD, BROWSER_USER, sign_in
from tests.plan.conftest import EAST, WEST
from tests.plan.test_plan_browser import WAIT_MS, assert_clean, open_draft, plan_state, screen_point

pytestmark = [pytest.mark.browser]

BUILDING = "绿城百合花园3号楼"
#: The southern community's western grid: not next to any plot of WEST's northern micro-grid.
FAR_GRID = "410102001002001"


@pytest.fixture
def planner_page(blank_page, live_server, committed_db):
    """Signed in as an administrator over the committed sample district and its address library."""
    from app.auth import users
    from tests.addresses import helpers as library
    from tests.samples import load_sample

    load_sample()
    ids = library.load(committed_db)
    users.create(BROWSER_USER, BROWSER_PASSWORD, "admin", display_name="测试管理员")
    committed_db.session.commit()
    sign_in(blank_page, live_server, BROWSER_USER, BROWSER_PASSWORD)
    blank_page.address_ids = ids
    return blank_page


def show_buildings_view(pg, zoom: int = 16, lon: float = 113.61, lat: float = 34.755):
    # Zoom 16 shows the whole community (lon 113.60-113.62) with the buildings ~10 px apart.
    pg.evaluate("([z, lon, lat]) => GridMapPlan.map.setView([lat, lon], z, {animate: false})", [zoom, lon, lat])


def wait_buildings(pg):
    """The building layer answered for the current view (and nothing newer is on its way)."""
    pg.wait_for_function("() => gridmapPlan.buildings.loads > 0 && !gridmapPlan.buildings.loading",
                         timeout=WAIT_MS)


def building_point(pg, label: str) -> tuple[float, float]:
    """Page coordinates of a building's marker, found by its label."""
    lon, lat = pg.evaluate("""label => { const m = GridMapPlan.buildingLayer().getLayers()
        .find(m => m.feature.properties.label === label); if (!m) return [null, null];
        const ll = m.getLatLng(); return [ll.lng, ll.lat]; }""", label)
    assert lon is not None, f"no marker for {label}"
    return screen_point(pg, lon, lat)


def markers(pg) -> list[dict]:
    return pg.evaluate("""() => GridMapPlan.buildingLayer().getLayers().map(m => ({
        label: m.feature.properties.label, id: m.feature.properties.address_id, grid: m.feature.properties.grid,
        picked: m.getElement().classList.contains('gm-plan-building-picked'),
        interactive: m.getElement().classList.contains('leaflet-interactive')}))""")


def micro_bounds(pg, draft_id: int) -> dict[str, list[float]]:
    """[west, south, east, north] of every micro-grid of the draft, from the API."""
    body = pg.evaluate("id => fetch(`/api/v1/grids?version=${id}&level=micro`, {credentials: 'same-origin'})"
                       ".then(r => r.json())", draft_id)
    out = {}
    for f in body["features"]:
        g = f["geometry"]
        polygons = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        xs = [x for p in polygons for ring in p for x, _ in ring]
        ys = [y for p in polygons for ring in p for _, y in ring]
        out[f["properties"]["code"]] = [min(xs), min(ys), max(xs), max(ys)]
    return out


def test_pick_a_building_and_move_it_into_the_next_grid(planner_page, live_server):
    pg = planner_page
    draft_id = open_draft(pg, live_server)
    before = micro_bounds(pg, draft_id)
    assert before[f"{EAST}01"][0] == pytest.approx(113.61, abs=1e-9)
    show_buildings_view(pg)
    button = pg.locator("#plan-move-buildings")
    assert button.is_visible() and button.is_enabled()

    pg.click("#plan-move-buildings")
    wait_buildings(pg)
    assert pg.evaluate("() => gridmapPlan.mode") == "building-pick"
    assert pg.evaluate("() => GridMapPlan.map.hasLayer(GridMapPlan.buildingLayer())")
    shown = {m["label"]: m for m in markers(pg)}
    assert BUILDING in shown and shown[BUILDING]["grid"] == f"{WEST}01"
    assert not any(m["picked"] for m in shown.values())
    assert pg.locator("#plan-save").is_visible() and pg.locator("#plan-cancel").is_visible()
    assert pg.locator("#plan-hint").is_visible()
    assert pg.locator("#plan-move-buildings").is_disabled()

    # Choosing the target with nothing picked: the page says so and stays in picking.
    pg.click("#plan-save")
    assert pg.locator("#plan-error").is_visible()
    assert pg.evaluate("() => gridmapPlan.mode") == "building-pick"

    # The tooltip names the building, its households and its grid.
    x, y = building_point(pg, BUILDING)
    pg.mouse.move(x, y)
    tip = pg.locator(".leaflet-tooltip", has_text=BUILDING)
    tip.wait_for(timeout=WAIT_MS)
    assert f"{WEST}01" in tip.inner_text()
    # Click: picked, drawn differently; a second click takes it back, a third picks it again.
    pg.mouse.click(x, y)
    pg.wait_for_function("() => Object.keys(gridmapPlan.pickedBuildings).length === 1", timeout=WAIT_MS)
    assert [m["label"] for m in markers(pg) if m["picked"]] == [BUILDING]
    pg.mouse.click(x, y)
    pg.wait_for_function("() => Object.keys(gridmapPlan.pickedBuildings).length === 0", timeout=WAIT_MS)
    pg.mouse.click(x, y)
    pg.wait_for_function("() => Object.keys(gridmapPlan.pickedBuildings).length === 1", timeout=WAIT_MS)
    picked_id = shown[BUILDING]["id"]
    assert pg.evaluate("() => Object.keys(gridmapPlan.pickedBuildings)") == [str(picked_id)]
    # A pan fetches the view's buildings again: the pick stays.
    pg.evaluate("() => GridMapPlan.map.panBy([5, 0], {animate: false})")
    pg.wait_for_function("() => gridmapPlan.buildings.loads > 1 && !gridmapPlan.buildings.loading",
                         timeout=WAIT_MS)
    assert [m["label"] for m in markers(pg) if m["picked"]] == [BUILDING]
    show_buildings_view(pg)

    # Choose the target: only the picked building stays on the map, and clicks go through it.
    assert pg.locator("#plan-save").inner_text().strip() in ("选择目标网格", "Choose the target grid")
    pg.click("#plan-save")
    assert pg.evaluate("() => gridmapPlan.mode") == "building-target"
    assert pg.locator("#plan-error").is_hidden()
    assert [(m["label"], m["picked"], m["interactive"]) for m in markers(pg)] == [(BUILDING, True, False)]

    # 1. A grid of another community, nowhere near the building's plot: refused, the draft unchanged.
    pg.mouse.click(*screen_point(pg, 113.605, 34.7495))
    pg.wait_for_function("() => gridmapPlan.lastRefused !== null && !gridmapPlan.busy", timeout=WAIT_MS)
    s = plan_state(pg)
    assert s["refused"]["code"] == "invalid_edit", s["refused"]
    assert s["refused"]["details"]["reason"] == "plot_not_adjacent"
    assert s["row_version"] == 1 and s["saved"] == 0
    error = pg.locator("#plan-error")
    assert error.is_visible() and s["refused"]["message"] in error.inner_text()
    assert micro_bounds(pg, draft_id) == before
    # The plot that cannot go there is drawn in red on the map.
    assert pg.evaluate("() => document.querySelectorAll('path[stroke=\"#d7191c\"]').length") >= 1
    assert pg.evaluate("() => gridmapPlan.operations.length") == 0
    # Still choosing a target, with the same pick.
    assert s["mode"] == "building-target"
    assert pg.evaluate("() => Object.keys(gridmapPlan.pickedBuildings)") == [str(picked_id)]

    # 2. The grid east of it: saved; the building's plot now belongs to EAST's northern micro-grid.
    pg.mouse.click(*screen_point(pg, 113.615, 34.753))
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)
    pg.wait_for_function("() => gridmapLayers.planGrids.loaded && gridmapLayers.planGrids.url.includes('rv=2')",
                         timeout=WAIT_MS)
    s = plan_state(pg)
    assert s["row_version"] == 2 and s["error"] == "" and s["mode"] == "idle"
    assert error.is_hidden()
    assert pg.evaluate("() => GridMapPlan.map.hasLayer(GridMapPlan.buildingLayer())") is False
    assert pg.evaluate("() => Object.keys(gridmapPlan.pickedBuildings).length") == 0
    after = micro_bounds(pg, draft_id)
    assert after[f"{EAST}01"][0] < 113.61 - 1e-4
    assert after[f"{EAST}01"][0] >= 113.60 - 1e-9
    pg.click("#plan-tab-operations")
    log = pg.locator("#plan-operations li[data-kind=move_buildings][data-state=done]")
    log.wait_for(timeout=WAIT_MS)
    assert log.count() == 1 and EAST in log.inner_text()
    assert pg.locator("#plan-status").inner_text().strip()
    assert pg.locator("#plan-undo").is_enabled() and pg.locator("#plan-move-buildings").is_enabled()

    # The building layer shown again: the building now lies in EAST's micro-grid.
    pg.click("#plan-move-buildings")
    wait_buildings(pg)
    assert {m["label"]: m["grid"] for m in markers(pg)}[BUILDING] == f"{EAST}01"
    pg.click("#plan-cancel")
    assert pg.evaluate("() => gridmapPlan.mode") == "idle"
    assert_clean(pg, expected_statuses=(422,))


def test_a_crowded_view_asks_to_zoom_in_and_escape_leaves_the_mode(planner_page, live_server):
    pg = planner_page
    open_draft(pg, live_server)
    show_buildings_view(pg)
    # More buildings than the API sends for one view: it answers "truncated" with no features.
    crowded = {"type": "FeatureCollection", "features": [], "truncated": True, "limit": 3000}
    pg.route("**/api/v1/drafts/*/buildings?*", lambda route: route.fulfill(json=crowded))
    pg.click("#plan-move-buildings")
    wait_buildings(pg)
    hint = pg.locator("#gridmap-hint")
    assert hint.is_visible() and "3000" in hint.inner_text()
    assert pg.evaluate("() => gridmapPlan.buildings.truncated") is True
    assert markers(pg) == []

    # Zoomed in, the real answer: the points, and the notice gone.
    pg.unroute("**/api/v1/drafts/*/buildings?*")
    show_buildings_view(pg, zoom=17, lon=113.6035, lat=34.7574)  # around 绿城百合花园
    pg.wait_for_function("() => gridmapPlan.buildings.loads > 1 && !gridmapPlan.buildings.loading",
                         timeout=WAIT_MS)
    assert pg.evaluate("() => gridmapPlan.buildings.truncated") is False
    assert hint.is_hidden()
    x, y = building_point(pg, BUILDING)
    pg.mouse.click(x, y)
    pg.wait_for_function("() => Object.keys(gridmapPlan.pickedBuildings).length === 1", timeout=WAIT_MS)

    # Escape: back to idle, the layer and the pick gone, nothing saved.
    pg.keyboard.press("Escape")
    assert pg.evaluate("() => gridmapPlan.mode") == "idle"
    assert pg.evaluate("() => GridMapPlan.map.hasLayer(GridMapPlan.buildingLayer())") is False
    assert pg.evaluate("() => Object.keys(gridmapPlan.pickedBuildings).length") == 0
    assert pg.locator("#plan-save").is_hidden() and pg.locator("#plan-cancel").is_hidden()
    # A pan now fetches no buildings.
    loads = pg.evaluate("() => gridmapPlan.buildings.loads")
    pg.evaluate("() => GridMapPlan.map.panBy([40, 0], {animate: false})")
    pg.wait_for_timeout(300)
    assert pg.evaluate("() => gridmapPlan.buildings.loads") == loads
    assert plan_state(pg)["saved"] == 0
    assert_clean(pg)
