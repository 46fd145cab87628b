"""/figures/events in headless chromium: both charts draw from the vendored Chart.js, with no console
error (CSP violations show there), no outside request and no failed request.

The data is the committed browser sample of tests/maps/helpers.py (six reports, one outside every
grid), two of them moved on to closed so the rates are not all zero.
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.maps import helpers as sample

pytestmark = [pytest.mark.browser]

WAIT_MS = 15_000


@pytest.fixture
def figures_data(map_data, committed_db):  # noqa: F811 - the imported fixture
    committed_db.session.execute(text("""
        UPDATE report SET status = 'closed', handled_at = created_at + interval '1 hour',
               deadline = created_at + interval '3 hours', closed_at = created_at + interval '2 hours'
        WHERE category = '0102'"""))
    committed_db.session.commit()
    return map_data


def test_charts_draw_offline(page, live_server, figures_data):  # noqa: F811 - the imported fixture
    page.goto(f"{live_server}/figures/events?by=grid")
    page.wait_for_function("() => window.gridmapFigures && window.gridmapFigures.rates && "
                           "window.gridmapFigures.counts", timeout=WAIT_MS)
    state = page.evaluate("""() => {
        const f = window.gridmapFigures;
        const blank = (c) => {
            const ctx = c.getContext('2d');
            const px = ctx.getImageData(0, 0, c.width, c.height).data;
            let painted = 0;
            for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) painted++;
            return painted;
        };
        return {
            units: f.units,
            rateSets: f.rates.data.datasets.map(d => d.label),
            disposal: f.rates.data.datasets[0].data,
            reported: f.counts.data.datasets[0].data,
            labels: f.rates.data.labels,
            size: [f.rates.canvas.width, f.rates.canvas.height],
            paintedRates: blank(f.rates.canvas),
            paintedCounts: blank(f.counts.canvas),
        };
    }""")
    # Four grids have a report each (the fifth in-grid report shares grid 1), one is outside every grid.
    assert state["units"] == 5 and len(state["labels"]) == 5
    assert len(state["rateSets"]) == 4
    assert sorted(state["reported"], reverse=True) == [2, 1, 1, 1, 1]
    assert 100.0 in state["disposal"] and 0.0 in state["disposal"]
    assert state["size"][0] > 100 and state["size"][1] > 100
    assert state["paintedRates"] > 1000 and state["paintedCounts"] > 1000
    # The table lists the sample's four grids and the report outside them.
    codes = page.eval_on_selector_all("#figures-table tbody tr", "rows => rows.map(r => r.dataset.unit)")
    assert codes == [f"{sample.DISTRICT}001001001", f"{sample.DISTRICT}001001002", f"{sample.DISTRICT}002001001",
                     f"{sample.DISTRICT}002001002", ""]
    assert page.watch.outside_requests == []
    assert page.watch.console_errors == []
    assert page.watch.failed_requests == []
