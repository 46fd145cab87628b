"""The rebase button of /plan in real headless chromium: a stale draft is redone on the latest version
and the page lists what was applied and skipped (data: tests/maps/helpers.py, see test_plan_browser)."""
from __future__ import annotations

import pytest

from tests.plan.test_plan_browser import EAST, WAIT_MS, WEST, Y0, Y1, assert_clean, call, grid_bounds, wait_ready

pytestmark = [pytest.mark.browser]

def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def stale_draft(pg, live_server, action: str, body: dict) -> dict:
    """Drafts A and B opened together; B reshapes WEST, A makes ``action`` and is published first.
    B, now stale, is returned."""
    pg.goto(live_server + "/plan")
    a = call(pg, "drafts", {"note": "A", "effective_date": "2026-07-01"})
    b = call(pg, "drafts", {"note": "B", "effective_date": "2026-07-01"})
    b = call(pg, f"drafts/{b['id']}/reshape", {"row_version": b["row_version"], "code": WEST,
                                                "geometry": box(113.60, Y0, 113.625, Y1)})["draft"]
    a = call(pg, f"drafts/{a['id']}/{action}", {"row_version": a["row_version"], **body})["draft"]
    call(pg, f"drafts/{a['id']}/publish", {"row_version": a["row_version"]})
    return b


def test_stale_draft_is_redone_from_the_drafts_page(page, live_server):
    pg = page
    # A merges WEST and EAST, so B's reshape of WEST no longer fits.
    b = stale_draft(pg, live_server, "merge", {"codes": [WEST, EAST]})

    pg.goto(live_server + "/plan")
    row = pg.locator(f"tr[data-draft-id='{b['id']}']")
    assert row.locator(".plan-stale").count() == 1
    pg.on("dialog", lambda dialog: dialog.accept())
    row.locator(".plan-rebase").click()
    pg.wait_for_selector("#plan-rebase-result:not([hidden])", timeout=WAIT_MS)
    result = pg.locator("#plan-rebase-result")
    assert result.locator("li").count() == 1 and WEST in result.inner_text()
    assert row.locator(".plan-stale").count() == 0 and row.locator(".plan-rebase").count() == 0
    current = pg.evaluate(f"() => fetch('/api/v1/drafts/{b['id']}').then(r => r.json())")
    assert current["stale"] is False and current["operations"] == 0
    assert row.locator(".plan-discard").get_attribute("data-row-version") == str(current["row_version"])
    assert_clean(pg)


def test_stale_draft_is_redone_in_the_editor(page, live_server):
    pg = page
    b = stale_draft(pg, live_server, "reshape", {"code": WEST, "geometry": box(113.60, Y0, 113.61, Y1),
                                                 "leftover": "neighbours"})

    pg.goto(live_server + f"/plan/drafts/{b['id']}")
    wait_ready(pg, validations=1)
    assert pg.locator("#plan-stale").is_visible() and pg.locator("#plan-publish").is_disabled()
    pg.on("dialog", lambda dialog: dialog.accept())
    pg.click("#plan-rebase")
    pg.wait_for_selector("#plan-rebase-result:not([hidden])", timeout=WAIT_MS)
    wait_ready(pg, validations=2)
    assert pg.locator("#plan-rebase-result li").count() == 1 and not pg.locator("#plan-stale").is_visible()
    assert pg.evaluate("() => gridmapPlan.draft.stale") is False
    pg.wait_for_function("""() => gridmapLayers.planGrids.loaded
        && gridmapLayers.planGrids.url.includes('rv=' + gridmapPlan.draft.row_version)""", timeout=WAIT_MS)
    # B's reshape (to 113.625) replayed over A's (to 113.61): the draft can be published again.
    assert grid_bounds(pg, WEST)[2] == pytest.approx(113.625, abs=1e-6)
    pg.wait_for_function("() => !document.getElementById('plan-publish').disabled", timeout=WAIT_MS)
    assert_clean(pg)
