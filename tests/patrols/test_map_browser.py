"""/maps/patrols in headless chromium: the day it opens on and density cells that follow the zoom.

Seen on the demo at 10:30: the map opened on today, judged a day barely begun, and its density
hexagons of about a kilometre hid where anyone walked. The server's clock is set to a Tuesday
10:30 (``app.patrols.period.now``; the live server runs in this process); a worker walked on
Monday and this morning.
"""
from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.patrols import period as patrol_period
from tests.maps import helpers as sample

pytestmark = [pytest.mark.browser]

BEIJING = ZoneInfo("Asia/Shanghai")
MONDAY, TUESDAY = date(2026, 5, 11), date(2026, 5, 12)
TUESDAY_1030 = datetime.combine(TUESDAY, time(10, 30), BEIJING)
WAIT_MS = 30_000

#: The density layer after a load: its URL and the edge (metres) of its first hexagon, measured by Leaflet.
DENSITY = """() => { const e = gridmapLayers.density, m = e.map, cells = e.layer.getLayers();
    if (!e.loaded || !cells.length) return null;
    const ring = cells[0].feature.geometry.coordinates[0];
    const edge = m.distance(L.latLng(ring[0][1], ring[0][0]), L.latLng(ring[1][1], ring[1][0]));
    return {url: e.url, zoom: m.getZoom(), cells: cells.length, edge: edge}; }"""


@pytest.fixture
def walked(map_data, committed_db, monkeypatch):
    from app.auth import users
    from app.patrols.ingest import IncomingFix, ingest

    monkeypatch.setattr(patrol_period, "now", lambda: TUESDAY_1030)
    worker = users.create("opening-browser", "browser-test-password", "worker", display_name="巡查员",
                          areas=[sample.STAFFED_GRID])
    committed_db.session.commit()
    fixes = []
    for day, n in ((MONDAY, 120), (TUESDAY, 60)):
        t0 = datetime.combine(day, time(9, 0), BEIJING)
        # East along the middle of the first grids, 12 m every 10 s.
        fixes += [IncomingFix(len(fixes) + k, worker.id, t0 + timedelta(seconds=10 * k),
                              sample.X0 + 0.012 + k * 0.00013, sample.Y0 + 0.007, 5.0) for k in range(n)]
    assert ingest(fixes, now=TUESDAY_1030).stored == 180
    committed_db.session.commit()
    return worker


def density_at(page, zoom: int) -> dict:
    """Move the map to ``zoom`` over the walk and wait for the density layer's answer to that view
    (first for every request in flight to settle, so the answer counted is the new view's)."""
    page.wait_for_function("() => document.getElementById('gridmap-status').hidden", timeout=WAIT_MS)
    loads = page.evaluate("""() => { if (window.__densityLoads === undefined) {
        window.__densityLoads = 0;
        document.addEventListener('gridmap:loaded', e => { if (e.detail.key === 'density') window.__densityLoads += 1; });
      } return window.__densityLoads; }""")
    page.evaluate(f"() => gridmapLayers.density.map.setView([{sample.Y0 + 0.007}, {sample.X0 + 0.016}], {zoom},"
                  " {animate: false})")
    page.wait_for_function(f"() => window.__densityLoads > {loads} && gridmapLayers.density.url.indexOf('zoom={zoom}') >= 0",
                           timeout=WAIT_MS)
    return page.evaluate(DENSITY)


def test_the_map_opens_on_the_last_full_working_day_with_street_level_cells(page, live_server, walked):
    page.goto(f"{live_server}/maps/patrols")
    assert [page.input_value(f"#patrol-{f}") for f in ("from", "to", "date")] == ["2026-05-11"] * 3
    page.wait_for_function("() => ['density', 'patrolGrids', 'track'].every(k => gridmapLayers[k].loaded)",
                           timeout=WAIT_MS)
    urls = page.evaluate("() => ['density', 'patrolGrids', 'track'].map(k => gridmapLayers[k].url)")
    assert all("2026-05-11" in u for u in urls) and "date=2026-05-11" in urls[2]
    # Monday's track (120 fixes), not this morning's 60.
    assert page.evaluate("() => gridmapPatrols.playback.count") == 120
    # Monday's walk was judged on a whole day: the walked grid is short of 2 h, as it should be.
    under = page.evaluate("() => gridmapLayers.patrolGrids.layer.getLayers()"
                          ".filter(l => l.feature.properties.under_patrolled).length")
    assert under > 0

    street = density_at(page, 17)
    assert 20 <= street["edge"] <= 30, street                    # 25 m cells at street level
    district = density_at(page, 13)
    assert 160 <= district["edge"] <= 240, district              # 200 m over the district
    assert street["cells"] > district["cells"]                   # finer cells show the walk cell by cell
    assert math.isclose(district["edge"] / street["edge"], 8, rel_tol=0.05)
    assert page.watch.console_errors == [] and page.watch.outside_requests == []


def test_today_chosen_at_10_30_is_judged_on_its_morning(page, live_server, walked):
    """This morning's 10 minutes against 2 h x 2/7 of a day: still short, but judged on the 2 h
    past, not on a whole day -- the grids tooltip's target says so."""
    page.goto(f"{live_server}/maps/patrols?from=2026-05-12&to=2026-05-12&date=2026-05-12")
    page.wait_for_function("() => gridmapLayers.patrolGrids.loaded", timeout=WAIT_MS)
    target = page.evaluate("() => gridmapLayers.patrolGrids.layer.getLayers()[0].feature.properties.target_seconds")
    assert target == pytest.approx(7200 * 2 / 7, rel=1e-3)
    assert page.evaluate("() => gridmapPatrols.playback.count") == 60
