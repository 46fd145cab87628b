"""The daily roll-ups (app.patrols.rollup) against the reference: the figures computed from the raw fixes.

Worker A walks east across the boundary between WEST and EAST over midnight
in Beijing (23:57 to 00:03: one segment crosses the day boundary), passing a
key place; worker B walks inside WEST on the next morning. A's fixes after
midnight arrive first, the figures are read (so the roll-ups of both days
exist), then A's fixes before midnight arrive late; every read must still
equal the reference, through the functions and through HTTP.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import text

from app.patrols import figures, freshness
from app.patrols.period import period_of
from tests.patrols.helpers import BEIJING, DAY, EAST, WEST, at, make_worker, store, walk

MIDNIGHT = datetime.combine(DAY + timedelta(days=1), time(0), BEIJING)
LATE = MIDNIGHT + timedelta(days=1)  # the server's clock when the fixes arrive
NEXT = DAY + timedelta(days=1)
PERIODS = [period_of(DAY), period_of(NEXT), period_of(DAY, NEXT), period_of(DAY - timedelta(days=3), NEXT),
           period_of(NEXT, NEXT + timedelta(days=2))]


def across_midnight():
    """36 fixes every 10 s from 23:57, walking east 12 m each: midnight falls between the 18th and 19th."""
    return walk(0, 36, from_m=(-250.0, 30.0), t0=MIDNIGHT - timedelta(minutes=3))


def compare(period):
    ref_w = figures.worker_figures(period, reference=True)
    assert figures.worker_figures(period) == ref_w
    for level in ("grid", "community"):
        ref_g = figures.grid_figures(period, level=level, reference=True)
        assert figures.grid_figures(period, level=level) == ref_g
    return ref_w


@pytest.fixture
def workers(db, sample):
    a = make_worker("roll-a", areas=[WEST], phone="139-0000-0002")
    b = make_worker("roll-b", areas=[WEST, EAST])
    lon, lat = at(-40.0, 30.0)
    db.session.execute(text("""
        INSERT INTO patrol_place (district_code, code, name, kind, geom, radius_m)
        VALUES ('410102', 'roll-place', 'Gate', 'school', ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 30)"""),
        {"lon": lon, "lat": lat})
    db.session.commit()
    return a, b


def test_rollups_equal_the_reference_with_late_fixes_over_midnight(app, db, workers):
    a, b = workers
    track = across_midnight()
    before, after = track[:18], track[18:]
    assert before[-1][0] < MIDNIGHT <= after[0][0]
    store(a.id, after, now=LATE)
    store(b.id, walk(3600, 20, from_m=(-200.0, 80.0), step_m=(5.0, 5.0), t0=MIDNIGHT + timedelta(hours=8)),
          now=LATE)
    with app.test_request_context():
        for p in PERIODS:
            compare(p)
        # Late and out of order: the fixes before midnight arrive after the next day was rolled up.
        store(a.id, list(reversed(before)), now=LATE)
        for p in PERIODS:
            compare(p)
        both = {w["id"]: w for w in compare(period_of(DAY, NEXT))}
    # The crossing segment counts when the period holds both days, not in either day alone.
    assert both[a.id]["fixes"] == 36 and both[a.id]["sessions"] == 1
    assert both[a.id]["seconds"] == pytest.approx(350.0)
    with app.test_request_context():
        day = {w["id"]: w for w in figures.worker_figures(period_of(DAY))}
        nxt = {w["id"]: w for w in figures.worker_figures(period_of(NEXT))}
    assert day[a.id]["seconds"] + nxt[a.id]["seconds"] == pytest.approx(340.0)
    assert day[a.id]["places"] == 1


def test_rollups_through_http(app, db, client, workers):
    a, b = workers
    store(a.id, across_midnight(), now=LATE)
    q = f"from={DAY.isoformat()}&to={NEXT.isoformat()}"
    got_w = client.get(f"/api/v1/patrols/workers?{q}").get_json()["workers"]
    got_g = client.get(f"/api/v1/patrols/grids?{q}").get_json()["grids"]
    with app.test_request_context():
        period = period_of(DAY, NEXT)
        ref_w = figures.worker_figures(period, reference=True)
        ref_g = figures.grid_figures(period, reference=True)
    assert [w["id"] for w in got_w] == [w["id"] for w in ref_w]
    for got, ref in zip(got_w, ref_w):
        assert {k: got[k] for k in ref} == ref
    assert got_g == ref_g
    csv = client.get(f"/patrols/kpi.csv?{q}").get_data(as_text=True)
    assert "roll-a" in csv


def test_a_refreshed_day_is_not_computed_again(app, db, workers):
    a, _ = workers
    from app.patrols import rollup

    store(a.id, across_midnight(), now=LATE)
    with app.test_request_context():
        period = period_of(DAY, NEXT)
        assert rollup.refresh(period, (rollup.WORKER,)) == 2   # both days of the period
        assert rollup.refresh(period, (rollup.WORKER,)) == 0
        store(a.id, walk(7200, 3, t0=MIDNIGHT), now=LATE)     # 02:00 on the next day
        assert rollup.refresh(period, (rollup.WORKER,)) == 1


def test_a_day_computed_within_the_lag_is_served_and_the_page_says_as_of_when(app, db, client, workers):
    """With PATROL_FIGURES_MAX_LAG_S, a batch does not make the next reader recompute the day at once:
    the figures stay as computed, the KPI page says since when, and after the lag they are current."""
    a, _ = workers
    from app.patrols import rollup

    store(a.id, across_midnight(), now=LATE)
    period = period_of(DAY, NEXT)
    q = f"from={DAY.isoformat()}&to={NEXT.isoformat()}"
    app.config["PATROL_FIGURES_MAX_LAG_S"] = 600
    try:
        with app.test_request_context():
            assert rollup.refresh(period, (rollup.WORKER,)) == 2
            before = {w["id"]: w for w in figures.worker_figures(period)}
            assert not freshness.state(period, (rollup.WORKER,)).behind
        assert "kpi-as-of" not in client.get(f"/patrols/kpi?{q}").get_data(as_text=True)

        store(a.id, walk(7200, 3, t0=MIDNIGHT), now=LATE)     # a new batch at 02:00 on the next day
        with app.test_request_context():
            assert rollup.refresh(period, (rollup.WORKER,)) == 0   # within the lag: served as it is
            assert {w["id"]: w for w in figures.worker_figures(period)}[a.id]["fixes"] == before[a.id]["fixes"]
            assert freshness.state(period, (rollup.WORKER,)).behind
        page = client.get(f"/patrols/kpi?{q}").get_data(as_text=True)
        assert 'id="kpi-as-of"' in page and "北京时间" in page

        # The lag over (the state computed long ago): the next read is current again.
        # (The time as a value: Citus refuses a stable function of a column, timestamptz - interval, in an UPDATE.)
        oldest = db.session.execute(text("SELECT min(computed_at) FROM patrol_rollup_state")).scalar()
        db.session.execute(text("UPDATE patrol_rollup_state SET computed_at = :t"), {"t": oldest - timedelta(hours=1)})
        db.session.commit()
        with app.test_request_context():
            assert figures.worker_figures(period) == figures.worker_figures(period, reference=True)
            assert not freshness.state(period, (rollup.WORKER,)).behind
    finally:
        app.config["PATROL_FIGURES_MAX_LAG_S"] = 0


def test_cli_rollup_computes_the_days_a_page_would(app, db, cli, workers):
    """`flask patrols rollup` does ahead of time what a page's first read would: the next read computes
    nothing."""
    a, _ = workers
    from app.patrols import rollup
    from app.patrols.period import today

    now = datetime.now(BEIJING)
    store(a.id, walk(0, 20, t0=now - timedelta(hours=1)), now=now)
    out = cli.invoke(args=["patrols", "rollup", "--days", "2"])
    assert out.exit_code == 0, out.output
    assert "2 days" in out.output or "2 天" in out.output
    with app.test_request_context():
        assert rollup.refresh(period_of(today()), (rollup.WORKER, rollup.PLACES, "grid")) == 0
    bad = cli.invoke(args=["patrols", "rollup", "--days", "0"])
    assert bad.exit_code == 1 and bad.output.startswith("Error:")
