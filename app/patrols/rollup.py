"""Daily roll-ups of the patrol figures (migration 0027): what each day's rows are and how they are computed.

The figures of a period are sums and unions of one row per Beijing day
(:mod:`app.patrols.figures` reads them; ``worker_figures.sql`` and
``grid_figures.sql``, computed from the raw fixes, stay the reference and a
test holds the two equal). A day's rows are computed from the same fixes with
the same rules as a period of that one day, plus the segment that crosses its
first midnight, which a period counts only when it holds the day before too.

Freshness: the ingest bumps ``patrol_day_version`` of the days it stores
fixes on and of each next day, in its own transaction (:func:`touch_days`).
A day of a scope is stale (``rollup_days.sql``, :func:`day_states`) when it was
never computed, was computed on another basis (grids, work areas, key places,
settings), or for another version and longer ago than
``PATROL_FIGURES_MAX_LAG_S``: a day is computed once per change and at most
once per lag. Who computes it is :mod:`app.patrols.freshness`'s business: a
background job by default, so no reader waits (``PATROL_FIGURES_REFRESH``).
:func:`refresh` computes one day per transaction, committed, so readers see
the days arrive and a job reports its progress per day. The version is read
before the fixes: a batch committed while a day is being computed leaves the
day behind its version, so it is computed again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from flask import current_app
from sqlalchemy import text

from app import citus
from app.extensions import db
from app.patrols.period import Period
from app.sqlfiles import sql, statements

WORKER = "worker"
PLACES = "places"
#: Days computed at once after which the scope's tables get fresh statistics in the same transaction.
ANALYZE_AFTER_DAYS = 5
_TABLES = {WORKER: "patrol_day_worker, patrol_day_worker_grid", PLACES: "patrol_day_place"}


def touch_days(days: list[date], districts: list[str] | None = None) -> None:
    """Mark the days' figures (and each next day's: its first segment may start on them) to be recomputed,
    in each of ``districts`` (the districts of the fixes stored; default: the deployment's).

    Called by the ingest in its transaction, rows in order so concurrent batches lock rows in one order.
    """
    if days:
        from app.models.district import default_district_code

        db.session.execute(text("""
            INSERT INTO patrol_day_version AS v (district_code, day)
            SELECT DISTINCT c.code, d FROM unnest(CAST(:days AS date[])) x(day)
            CROSS JOIN LATERAL (VALUES (x.day), (x.day + 1)) y(d)
            CROSS JOIN unnest(CAST(:districts AS text[])) c(code)
            ORDER BY c.code, d
            ON CONFLICT (district_code, day) DO UPDATE SET version = v.version + 1"""),
            {"days": sorted(set(days)), "districts": sorted(set(districts or [default_district_code()]))})


def forget_before(day: date) -> None:
    """Drop the roll-ups and versions of days before ``day`` (their fixes were detached)."""
    for table in ("patrol_day_place", "patrol_day_grid", "patrol_day_worker_grid", "patrol_day_worker",
                  "patrol_rollup_state", "patrol_day_version"):
        db.session.execute(text(f"DELETE FROM {table} WHERE day < :day"), {"day": day})


def _slot_s() -> int:
    return int(round(float(current_app.config["PATROL_ONLINE_SLOT_MIN"]) * 60))


def _basis(scope: str) -> str:
    """A digest of what the scope's rows depend on besides the fixes."""
    from app.patrols.figures import constants

    c = constants()
    settings = f"{c['max_gap']}|{c['cell_m']}|{c['min_part']}|{c['buffer_m']}|{c['pad_deg']}|{c['district_code']}"
    if scope == WORKER:
        query = """SELECT md5(coalesce(string_agg(ua.user_id || ':' || g.id, ',' ORDER BY ua.user_id, g.id), ''))
                   FROM user_area ua JOIN grid_current g ON g.code = ua.grid_code"""
        settings += f"|{_slot_s()}"
    elif scope == PLACES:
        query = """SELECT md5(coalesce(string_agg(p.id || ':' || p.active || ':' || p.radius_m || ':'
                                                  || p.district_code || ':' || md5(ST_AsEWKB(p.geom)::text),
                                                  ',' ORDER BY p.id), ''))
                   FROM patrol_place p"""
    else:
        query = """SELECT md5(coalesce(string_agg(CAST(g.id AS text), ',' ORDER BY g.id), ''))
                   FROM grid_current g WHERE g.level = :level AND g.kind = 'regular'"""
    return settings + "|" + db.session.execute(text(query), {"level": scope}).scalar()


def _temp_table() -> None:
    db.session.connection().execute(text(
        "CREATE TEMP TABLE IF NOT EXISTS patrol_day_track (day date, crossing boolean, worker_id integer,"
        " district_code text, time timestamptz, geom geometry, prev_geom geometry, dt double precision, next_dt double precision)"
        " ON COMMIT DROP"))  # not DELETE ROWS: app/bulk.py, on staging tables


@dataclass(frozen=True)
class DayState:
    """One day (of one district) with fixes, and the state of a scope's rows of it (``rollup_days.sql``)."""
    day: date
    district_code: str
    version: int
    computed_at: datetime | None
    missing: bool
    outdated: bool
    stale: bool


def day_states(period: Period, scope: str, basis: str) -> list[DayState]:
    """Every day of ``period`` with fixes, per district, with the state of ``scope``'s rows on ``basis``."""
    lag = timedelta(seconds=max(0, int(current_app.config["PATROL_FIGURES_MAX_LAG_S"])))
    rows = db.session.execute(sql("patrols/rollup_days"), {
        "scope": scope, "basis": basis, "first": period.first, "last": period.last,
        "fresh_after": datetime.now(timezone.utc) - lag}).mappings()
    return [DayState(**r) for r in rows]


def stale_days(period: Period, scope: str, basis: str) -> list[tuple[date, int, str]]:
    """The (day, version, district) to compute. A day is computed for every district at once."""
    return [(s.day, s.version, s.district_code) for s in day_states(period, scope, basis) if s.stale]


def bases(scopes) -> dict[str, str]:
    """scope -> its basis now, in scope order (the order refreshes take their locks in)."""
    return {scope: _basis(scope) for scope in sorted(set(scopes))}


def refresh(period: Period, scopes: tuple[str, ...], progress: Callable[[int, int], None] | None = None) -> int:
    """Compute the stale days of ``period`` for each scope, one day per committed transaction; returns
    how many (day, scope) were computed. ``progress(done, total)`` hears of each day (a job's progress).

    Scopes: :data:`WORKER`, :data:`PLACES` or a grid level. Refreshes of one
    scope wait for each other (an advisory lock, taken in scope order), so a
    day is not computed twice at once. A day's tracks are read once for all scopes.
    """
    current = bases(scopes)
    days = sorted({d for scope, basis in current.items() for d, _, _ in stale_days(period, scope, basis)})
    if progress is not None:
        progress(0, len(days))
    computed = 0
    for done, day in enumerate(days, start=1):
        computed += _refresh_day(day, current)
        if progress is not None:
            progress(done, len(days))
    if len(days) >= ANALYZE_AFTER_DAYS:
        # A long refresh (a month after an upgrade) fills the tables at once: without fresh statistics the
        # next reads plan for an empty table until autovacuum gets to it (2 s instead of 0.2 s).
        for tables in sorted({_TABLES.get(scope, "patrol_day_grid") for scope in current}):
            citus.analyze(db.session, tables)
        db.session.commit()
    return computed


def _refresh_day(day: date, current: dict[str, str]) -> int:
    """Compute ``day`` for the scopes of ``current`` (scope -> basis) that need it and commit."""
    period = Period(day, day)
    for scope in current:
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('patrol_rollup:' || :scope))"),
                           {"scope": scope})
    # Under the locks: another refresh may have done the day meanwhile.
    todo = {scope: stale_days(period, scope, basis) for scope, basis in current.items()}
    todo = {scope: days for scope, days in todo.items() if days}
    if todo:
        _fill_track([day])
    for scope, days in todo.items():
        _compute(scope, [day])
        db.session.execute(text("""
            INSERT INTO patrol_rollup_state AS s (district_code, day, scope, version, basis, computed_at)
            SELECT c, d, :scope, v, :basis, :now
            FROM unnest(CAST(:districts AS text[]), CAST(:days AS date[]), CAST(:versions AS bigint[])) x(c, d, v)
            ON CONFLICT (district_code, day, scope) DO UPDATE
            SET version = excluded.version, basis = excluded.basis, computed_at = excluded.computed_at"""),
            {"scope": scope, "basis": current[scope], "now": datetime.now(timezone.utc),
             "days": [d for d, _, _ in days], "versions": [v for _, v, _ in days],
             "districts": [c for _, _, c in days]})
    db.session.commit()
    return len(todo)


def _params(days: list[date]) -> dict:
    from app.patrols import figures

    return {"days": days, "slot_s": _slot_s(), **figures.constants()}


def _fill_track(days: list[date]) -> None:
    _temp_table()
    for stmt in statements("patrols/rollup_track"):
        db.session.execute(stmt, _params(days))


def _compute(scope: str, days: list[date]) -> None:
    """The scope's rows of ``days`` from patrol_day_track (which may hold more days: they are left alone)."""
    from app.patrols import figures

    params = {**_params(days), "level": scope}
    if scope == WORKER:
        # The work areas of the workers with a track on these days: only they can have visited cells
        # (rollup_worker.sql reads the cells along the tracks). Cutting every account's area instead
        # cost the first demo load 5 s (1,800 grids, each with a worker account, 16 of them walking).
        figures.ensure_cells(list(db.session.execute(text("""
            SELECT DISTINCT g.id FROM user_area ua JOIN grid_current g ON g.code = ua.grid_code
            WHERE ua.user_id IN (SELECT t.worker_id FROM patrol_day_track t
                                 WHERE t.day = ANY(CAST(:days AS date[])))"""), {"days": days}).scalars()))
        name = "patrols/rollup_worker"
    elif scope == PLACES:
        name = "patrols/rollup_places"
    else:
        figures.ensure_cells(list(db.session.execute(text("""
            SELECT DISTINCT g.id FROM patrol_day_track t
            JOIN grid_current g ON g.geom && ST_Expand(CASE WHEN t.dt <= :max_gap
                                                            THEN ST_MakeLine(t.prev_geom, t.geom)
                                                            ELSE t.geom END, :pad_deg)
                               AND g.level = :level AND g.kind = 'regular'
            WHERE t.day = ANY(CAST(:days AS date[]))"""), params).scalars()))
        name = "patrols/rollup_grid"
    for stmt in statements(name):
        db.session.execute(stmt, params)
