"""/maps/patrols in headless chromium: switching the density cells between hexagons and squares.

The layer is fetched again with the new shape; the page itself is not
reloaded. API and SQL tests of the hexagons: tests/patrols/test_hexagons.py.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = [pytest.mark.browser]

WAIT_MS = 15_000
#: The density layer was asked with ``want`` in its URL and now draws cells of ``n`` positions (ring closed).
DRAWN = """([want, n]) => { const e = gridmapLayers.density;
    const cells = e.layer.getLayers();
    return e.url.indexOf(want) >= 0 && cells.length > 0
        && cells.every(l => l.feature.geometry.coordinates[0].length === n); }"""
BROWSER_DAY = date(2026, 5, 12)


@pytest.fixture
def browser_fixes(map_data, committed_db):
    from app.auth import users
    from app.patrols.ingest import IncomingFix, ingest

    sample = map_data
    worker = users.create("hex-browser", "browser-test-password", "worker", display_name="巡查员",
                          areas=[sample.STAFFED_GRID])
    committed_db.session.commit()
    t0 = datetime.combine(BROWSER_DAY, time(9, 0), ZoneInfo("Asia/Shanghai"))
    fixes = [IncomingFix(k, worker.id, t0 + timedelta(seconds=10 * k), sample.X0 + 0.012 + k * 0.00013,
                         sample.Y0 + 0.007, 5.0) for k in range(40)]
    assert ingest(fixes, now=t0 + timedelta(days=1)).stored == 40
    committed_db.session.commit()
    return worker


def test_switching_shape_reloads_the_density_layer_in_place(page, live_server, browser_fixes):
    page.goto(f"{live_server}/maps/patrols?from={BROWSER_DAY}&to={BROWSER_DAY}")
    page.wait_for_function("() => window.gridmapLayers.density && window.gridmapLayers.density.loaded",
                           timeout=WAIT_MS)
    page.evaluate("() => { window.__notReloaded = true; }")   # gone if the page reloads

    def corners() -> list[int]:
        return page.evaluate("""() => gridmapLayers.density.layer.getLayers()
            .map(l => l.feature.geometry.coordinates[0].length)""")

    assert "shape=hex" in page.evaluate("() => gridmapLayers.density.url")
    first = corners()
    assert first and set(first) == {7}
    page.select_option("#patrol-shape", "square")
    page.wait_for_function(DRAWN, arg=["shape=square", 5], timeout=WAIT_MS)
    assert set(corners()) == {5}
    total = page.evaluate("() => gridmapLayers.density.layer.getLayers()"
                          ".reduce((n, l) => n + l.feature.properties.fixes, 0)")
    assert total == 40
    assert page.evaluate("() => window.__notReloaded") is True
    assert "shape=square" in page.url
    page.select_option("#patrol-shape", "hex")
    page.wait_for_function(DRAWN, arg=["shape=hex", 7], timeout=WAIT_MS)
    assert set(corners()) == {7} and page.evaluate("() => window.__notReloaded") is True
    page.wait_for_function("() => document.getElementById('gridmap-status').hidden", timeout=WAIT_MS)
    assert page.watch.outside_requests == []
    assert page.watch.console_errors == []
    assert page.watch.failed_requests == []
