"""The workers' lookup page (/lookup) in real headless chromium: type, pick a suggestion, see the grid
and its worker; a grid code; the phone's location near a boundary; signed in and anonymous."""
from __future__ import annotations

import pytest

from tests.maps import helpers as sample

pytestmark = [pytest.mark.browser]
WAIT_MS = 15_000
# Grid 1 (the one with 王网格) spans X0..X0+DX; its micro-grids split it at X0+DX/2.
ESTATE = (sample.X0 + 0.005, sample.Y0 + 0.005)
HOSTILE = '<img src=x onerror="window.__pwned=1">花园'


@pytest.fixture
def addresses(map_data, committed_db):
    """A few standard addresses on the browser sample, committed (committed_db empties them after)."""
    from app.addresses.service import import_addresses

    x, y = ESTATE
    result = import_addresses([
        {"road": "建设路", "number": "32", "compound": "绿城百合花园", "aliases": "绿城百合", "lon": x, "lat": y},
        {"road": "建设路", "number": "32", "compound": "绿城百合花园", "building": "1", "lon": x + 0.0002, "lat": y},
        {"road": "建设路", "number": "32", "compound": "绿城百合花园", "building": "2", "lon": x + 0.0004, "lat": y},
        {"road": "前进路", "number": "8", "lon": sample.X0 + 0.025, "lat": sample.Y0 + 0.005},
        {"road": "工人路", "number": "1", "compound": HOSTILE, "lon": sample.X0 + 0.045, "lat": sample.Y0 + 0.005},
    ], source="browser-test")
    assert not result.errors, result.errors
    return result


def assert_clean(page):
    assert page.watch.outside_requests == []
    assert page.watch.console_errors == []
    assert page.watch.failed_requests == [], page.watch.failed_requests


def type_and_wait_for_suggestions(page, text: str):
    page.locator("#lookup-q").click()
    page.keyboard.type(text, delay=40)
    page.wait_for_selector("#lookup-suggestions li[role=option]", timeout=WAIT_MS)


def wait_for_grid(page, code: str):
    page.wait_for_function("code => { const c = document.getElementById('lookup-grid-code'); "
                           "return c && c.textContent === code; }", arg=code, timeout=WAIT_MS)


def test_type_pick_a_suggestion_and_see_the_grid_and_worker(page, live_server, addresses):
    page.goto(live_server + "/lookup")
    type_and_wait_for_suggestions(page, "建设路")
    texts = page.locator("#lookup-suggestions li[role=option] .gm-lookup-suggestion-text").all_inner_texts()
    assert texts[0] == "建设路32号绿城百合花园" and "建设路32号绿城百合花园1号楼" in texts
    page.locator("#lookup-suggestions li[role=option]", has_text="1号楼").click()
    wait_for_grid(page, f"{sample.STAFFED_GRID}01")
    assert page.locator("#lookup-q").input_value() == "建设路32号绿城百合花园1号楼"
    card = page.locator("#lookup-grid").inner_text()
    # The micro-grid has no worker of its own: its grid's worker answers, with a tap-to-call link.
    assert "王网格" in card
    call = page.locator("#lookup-grid a.gm-lookup-call")
    assert call.get_attribute("href") == "tel:13800000001"
    assert "100%" in page.locator("#lookup-match").inner_text()
    # The small map shows the grid and the point.
    assert page.locator("#lookup-map").is_visible()
    drawn = page.evaluate("() => document.querySelectorAll('#lookup-map path.leaflet-interactive').length")
    assert drawn >= 2
    assert page.evaluate("() => window.gridmapLookup.last.grid.geometry.type") == "MultiPolygon"
    assert_clean(page)


def test_keyboard_choice_and_a_typed_address(page, live_server, addresses):
    page.goto(live_server + "/lookup")
    type_and_wait_for_suggestions(page, "绿城百合2")          # through the alias, estate first
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait_for_grid(page, f"{sample.STAFFED_GRID}01")
    assert page.locator("#lookup-q").input_value() == "建设路32号绿城百合花园2号楼"
    # A whole address typed and sent: geocoded, no suggestion needed.
    page.locator("#lookup-q").fill("郑州市中原区前进路八号")
    page.locator("#lookup-q").press("Enter")
    wait_for_grid(page, f"{sample.DISTRICT}00100100201")
    assert "前进路8号" in page.locator("#lookup-match").inner_text()
    assert_clean(page)


def test_works_anonymously_on_a_phone(blank_page, live_server, addresses):
    page = blank_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server + "/lookup")
    assert "/login" not in page.url
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    type_and_wait_for_suggestions(page, "建设")
    page.locator("#lookup-suggestions li[role=option]").first.click()
    wait_for_grid(page, f"{sample.STAFFED_GRID}01")
    assert page.locator("#lookup-grid a[href='tel:13800000001']").is_visible()
    # A grid code goes straight to that grid.
    page.locator("#lookup-q").fill(sample.STAFFED_GRID)
    page.locator("#lookup-submit").click()
    wait_for_grid(page, sample.STAFFED_GRID)
    assert "王网格" in page.locator("#lookup-grid").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_clean(page)


def test_unmatched_addresses_offer_candidates(blank_page, live_server, addresses):
    page = blank_page
    page.goto(live_server + "/lookup")
    page.locator("#lookup-q").fill("绿城百合3号楼二单元")   # no such building: the estate, a fuzzy match
    page.locator("#lookup-q").press("Enter")
    wait_for_grid(page, f"{sample.STAFFED_GRID}01")
    page.locator("#lookup-q").fill("建设路23号")             # wrong door: never guessed
    page.locator("#lookup-q").press("Enter")
    page.wait_for_selector("#lookup-match .gm-lookup-candidate", timeout=WAIT_MS)
    assert page.locator("#lookup-grid").is_hidden()
    page.locator("#lookup-match .gm-lookup-candidate").first.click()
    wait_for_grid(page, f"{sample.STAFFED_GRID}01")
    assert_clean(page)


def test_my_location_near_a_boundary_lists_the_neighbour(blank_page, live_server, addresses):
    page = blank_page
    page.context.grant_permissions(["geolocation"], origin=live_server)
    # 5 m east of the edge between the two micro-grids of grid 1.
    edge = sample.X0 + sample.DX / 2
    page.context.set_geolocation({"longitude": edge + 0.000055, "latitude": sample.Y0 + 0.007})
    page.goto(live_server + "/lookup")
    page.locator("#lookup-locate").click()
    wait_for_grid(page, f"{sample.STAFFED_GRID}02")
    neighbours = page.locator("#lookup-neighbours")
    assert neighbours.is_visible() and f"{sample.STAFFED_GRID}01" in neighbours.inner_text()
    dashed = page.evaluate("() => [...document.querySelectorAll('#lookup-map path')]"
                           ".filter(p => p.getAttribute('stroke-dasharray')).length")
    assert dashed >= 1
    assert_clean(page)


def test_markup_in_an_address_is_only_text(blank_page, live_server, addresses):
    page = blank_page
    page.goto(live_server + "/lookup")
    type_and_wait_for_suggestions(page, "工人路")
    assert "<img" in page.locator("#lookup-suggestions").inner_text()
    page.locator("#lookup-suggestions li[role=option]").first.click()
    page.wait_for_selector("#lookup-match .gm-lookup-matched", timeout=WAIT_MS)
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__pwned === undefined")
    assert_clean(page)
