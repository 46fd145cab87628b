"""/maps/patrols in headless chromium: density, grids with under-patrolled ones, track playback.

The data is committed (the browser is another thread and process): a
worker account for the staffed sample grid and a walk of 60 fixes through
the real ingest path.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.maps import helpers as sample

pytestmark = [pytest.mark.browser]

DAY = date(2026, 5, 12)
WAIT_MS = 15_000
N = 60


@pytest.fixture
def patrol_data(map_data, committed_db):
    from app.auth import users
    from app.patrols.ingest import IncomingFix, ingest

    worker = users.create("patrol-browser", "browser-test-password", "worker", display_name="巡查员",
                          areas=[sample.STAFFED_GRID])
    committed_db.session.commit()
    t0 = datetime.combine(DAY, time(9, 0), ZoneInfo("Asia/Shanghai"))
    # East along the middle of the first two grids, 12 m every 10 s.
    fixes = [IncomingFix(k, worker.id, t0 + timedelta(seconds=10 * k), sample.X0 + 0.012 + k * 0.00013,
                         sample.Y0 + 0.007, 5.0) for k in range(N)]
    result = ingest(fixes, now=t0 + timedelta(days=1))
    committed_db.session.commit()
    assert result.stored == N
    return worker


def wait_loaded(page, keys):
    page.wait_for_function(
        "keys => keys.every(k => window.gridmapLayers[k] && (window.gridmapLayers[k].loaded || window.gridmapLayers[k].error))",
        arg=keys, timeout=WAIT_MS)


def state(page) -> dict:
    return page.evaluate("""() => Object.fromEntries(['density', 'patrolGrids', 'track'].map(k => {
        const e = window.gridmapLayers[k];
        return [k, {count: e.count, error: e.error, url: e.url,
                    drawn: e.layer.getLayers().filter(l => l._path && l._path.isConnected).length}];
    }))""")


def test_patrol_map_draws_density_grids_and_plays_the_track(page, live_server, patrol_data):
    url = f"{live_server}/maps/patrols?from={DAY}&to={DAY}&worker={patrol_data.id}&date={DAY}"
    page.goto(url)
    wait_loaded(page, ["density", "patrolGrids", "track"])
    s = state(page)
    for key in ("density", "patrolGrids", "track"):
        assert s[key]["error"] is None, (key, s[key])
        assert s[key]["count"] > 0 and s[key]["drawn"] > 0, (key, s[key])
    assert s["patrolGrids"]["count"] == 4 and s["track"]["count"] == 1
    assert "bbox=" in s["density"]["url"] and f"from={DAY}" in s["density"]["url"]
    # Every fix went into the density cells, none to the browser as a point.
    total = page.evaluate("() => gridmapLayers.density.layer.getLayers().reduce((n, l) => n + l.feature.properties.fixes, 0)")
    assert total == N
    # Less than 2 h on a working day: every grid is under-patrolled and drawn hatched.
    under = page.evaluate("""() => gridmapLayers.patrolGrids.layer.getLayers().map(l => ({
        under: l.feature.properties.under_patrolled, cls: l._path.getAttribute('class') || ''}))""")
    assert under and all(u["under"] and "gm-under" in u["cls"] for u in under)

    page.wait_for_function(f"() => window.gridmapPatrols.playback.count === {N}", timeout=WAIT_MS)
    first = page.locator("#patrol-time").inner_text()
    assert first.startswith("09:00:00")
    page.click("#patrol-play")
    page.wait_for_function("() => window.gridmapPatrols.playback.index >= 20", timeout=WAIT_MS)
    assert page.locator("#patrol-time").inner_text() != first
    page.wait_for_function(f"() => !window.gridmapPatrols.playback.playing && window.gridmapPatrols.playback.index === {N - 1}",
                           timeout=WAIT_MS)
    assert page.locator("#patrol-time").inner_text().startswith("09:09:50")
    # The slider scrubs.
    page.locator("#patrol-slider").fill("30")
    assert page.evaluate("() => window.gridmapPatrols.playback.index") == 30

    # Another day: nothing to play, the filters refetch without reloading the page.
    page.fill("#patrol-date", (DAY + timedelta(days=1)).isoformat())
    page.click("#patrol-filters button[type=submit]")
    page.wait_for_function("() => window.gridmapLayers.track.url.indexOf('date=2026-05-13') >= 0 "
                           "&& window.gridmapLayers.track.loaded && window.gridmapLayers.track.count === 0",
                           timeout=WAIT_MS)
    assert page.evaluate("() => window.gridmapPatrols.playback.count") == 0
    # Density and grids were asked again too: let every request finish before the data goes.
    page.wait_for_function("() => document.getElementById('gridmap-status').hidden", timeout=WAIT_MS)
    assert page.locator(".gm-legend").count() == 1
    assert page.watch.outside_requests == []
    assert page.watch.console_errors == []
    assert page.watch.failed_requests == []
