"""Rows a person or a place creates carry their district (issue 19): patrol fixes, sessions, visits
and roll-ups the worker's, standard addresses their grid's."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from app.addresses.service import import_addresses
from app.patrols import figures
from app.patrols.period import period_of
from tests.districts.helpers import IN_FIRST, IN_SECOND, OUTSIDE, SECOND, SECOND_WEST
from tests.patrols.helpers import DAY, T0, make_worker, store

FIRST = "410102"


def _track(lon, lat, n=6):
    return [(T0 + timedelta(seconds=10 * k), lon + 0.0001 * k, lat) for k in range(n)]


def test_patrol_rows_carry_the_workers_district(db, two_districts):
    here = make_worker("w-first", areas=["410102001001001"])
    there = make_worker("w-second", areas=[SECOND_WEST])
    there.district_code = SECOND
    db.session.commit()
    assert store(here.id, _track(*IN_FIRST)).stored == 6
    assert store(there.id, _track(*IN_SECOND)).stored == 6
    got = dict(db.session.execute(text("SELECT worker_id, array_agg(DISTINCT district_code) FROM patrol_fix "
                                       "GROUP BY worker_id")).all())
    assert got == {here.id: [FIRST], there.id: [SECOND]}
    versions = db.session.execute(text("SELECT DISTINCT district_code FROM patrol_day_version "
                                       "WHERE day = :d ORDER BY 1"), {"d": DAY}).scalars().all()
    assert versions == [FIRST, SECOND]
    # The roll-ups carry the district too, and the figures read them as before.
    period = period_of(DAY)
    assert figures.worker_figures(period) == figures.worker_figures(period, reference=True)
    rows = dict(db.session.execute(text("SELECT worker_id, district_code FROM patrol_day_worker "
                                        "WHERE day = :d AND NOT crossing"), {"d": DAY}).all())
    assert rows == {here.id: FIRST, there.id: SECOND}
    figures.grid_figures(period, level="grid")
    grid_rows = db.session.execute(text("SELECT g.code, d.district_code FROM patrol_day_grid d "
                                        "JOIN grid g ON g.id = d.grid_id WHERE d.day = :d"), {"d": DAY}).all()
    assert grid_rows and all(code.startswith(district) for code, district in grid_rows)
    states = db.session.execute(text("SELECT DISTINCT district_code FROM patrol_rollup_state ORDER BY 1")).scalars()
    assert list(states) == [FIRST, SECOND]


def test_a_session_carries_the_workers_district(client, db, two_districts):
    worker = make_worker("w-session", areas=[SECOND_WEST])
    worker.district_code = SECOND
    db.session.commit()
    res = client.post("/api/v1/patrols/sessions", json={"worker": worker.id})
    assert res.status_code == 201, res.get_json()
    assert db.session.execute(text("SELECT district_code FROM patrol_session WHERE worker_id = :w"),
                              {"w": worker.id}).scalar() == SECOND


def test_addresses_take_the_district_of_their_grid(db, two_districts):
    """An import fills one district's library (default: the default district's): a row whose point lies
    in another district's grids is refused, naming that district; a point outside every district stays."""
    rows = [{"道路": "建设路", "门牌号": str(i), "经度": lon, "纬度": lat}
            for i, (lon, lat) in enumerate((IN_FIRST, IN_SECOND, OUTSIDE), start=1)]
    result = import_addresses(rows, commit=False)
    assert [e.row for e in result.errors] == [2] and SECOND in result.errors[0].message
    assert import_addresses(rows[1:2], commit=False, district_code=SECOND).errors == []
    got = db.session.execute(text("SELECT district_code, grid_code IS NOT NULL, generation FROM standard_address "
                                  "ORDER BY id")).all()
    assert got == [(FIRST, True, 1), (FIRST, False, 1), (SECOND, True, 1)]
