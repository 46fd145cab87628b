"""The level import on /plan/drafts/<id> in headless chromium: the job's progress shown in the panel while it
waits and runs, then its result; a file refused by the job lists its features with the reasons."""
from __future__ import annotations

import pytest

from app.jobs import runner
from tests.plan.test_plan_browser import (COMMUNITY, WAIT_MS, WEST, _grid_feature, _grid_file, assert_clean,
                                          open_draft, plan_state, show_community, wait_ready)

pytestmark = [pytest.mark.browser]


def _choose(pg, file: dict):
    pg.click("#plan-tab-import")   # the import form sits in its tab of the side panel
    pg.set_input_files("#plan-import-file", file)
    pg.select_option("#plan-import-level", "grid")
    pg.fill("#plan-import-parent", COMMUNITY)


def test_the_import_shows_its_progress_then_the_result(page, live_server, app):
    pg = page
    open_draft(pg, live_server)
    show_community(pg)
    new_east = f"{COMMUNITY}005"
    _choose(pg, _grid_file([_grid_feature(WEST, "西网格", 113.60, 113.625, 240),
                            _grid_feature(new_east, "东网格", 113.625, 113.64, 160)]))
    # The server process's one job slot is taken (the live server runs in this process): the import waits.
    slot = runner._slot(int(app.config["JOBS_PER_PROCESS"]))
    assert slot.acquire(timeout=30)
    try:
        pg.click("#plan-import")
        pg.wait_for_function("() => gridmapPlan.importJob && gridmapPlan.importJob.state === 'queued'",
                             timeout=WAIT_MS)
        bar = pg.locator("#plan-import-progress")
        assert bar.is_visible() and bar.get_attribute("max") == "4" and bar.get_attribute("value") == "0"
        waiting = pg.locator("#plan-import-status").inner_text()
        assert "grids.geojson" in waiting and ("等待" in waiting or "Waiting" in waiting)
        assert "0" in waiting and "4" in waiting
        assert pg.evaluate("() => gridmapPlan.busy") and pg.locator("#plan-import").is_disabled()
        # It keeps asking, and keeps waiting while the slot is taken.
        pg.wait_for_timeout(1200)
        assert pg.evaluate("() => gridmapPlan.importJob.state") == "queued"
        assert plan_state(pg)["row_version"] == 1
    finally:
        slot.release()
    pg.wait_for_function("() => gridmapPlan.saved === 1 && !gridmapPlan.busy", timeout=WAIT_MS)
    wait_ready(pg, validations=2)
    s = plan_state(pg)
    assert s["row_version"] == 2 and s["error"] == ""
    assert pg.evaluate("() => gridmapPlan.importJob.state") == "done"
    assert pg.evaluate("() => gridmapPlan.imported")["features"] == 2
    assert pg.locator("#plan-import-progress").is_hidden()
    status = pg.locator("#plan-import-status").inner_text()
    assert "2" in status and "grids.geojson" in status
    assert pg.locator("#plan-operations li[data-kind=import]").count() == 1
    assert_clean(pg)


def test_a_file_the_job_refuses_lists_every_bad_feature(page, live_server):
    pg = page
    open_draft(pg, live_server)
    show_community(pg)
    outside = _grid_feature(f"{COMMUNITY}006", "区外", 113.70, 113.71, 10)
    del outside["properties"]["parent_code"]         # found by containment: it lies in no community
    _choose(pg, _grid_file([_grid_feature(WEST, "西网格", 113.60, 113.64, 400), outside]))
    pg.click("#plan-import")
    pg.wait_for_function("() => gridmapPlan.lastRefused !== null && !gridmapPlan.busy", timeout=WAIT_MS)
    assert pg.evaluate("() => gridmapPlan.importJob.state") == "failed"
    assert pg.locator("#plan-error").is_visible()
    assert pg.locator("#plan-error li[data-reason=no_parent]").count() == 1
    assert pg.locator("#plan-import-progress").is_hidden()
    assert plan_state(pg)["row_version"] == 1 and plan_state(pg)["saved"] == 0
    assert_clean(pg)
