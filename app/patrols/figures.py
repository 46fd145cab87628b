"""Patrol figures per worker and per grid for a period, computed set-based in PostGIS.

The definitions are those of :mod:`geo.patrol` (tests compare the SQL with
it on the same tracks):

patrol time
    Consecutive accepted fixes of one worker form a segment when they are at
    most ``MAX_GAP_S`` (300 s) apart; a segment contributes its duration, to a
    grid the share of its length inside the grid (boundary included). Longer
    gaps contribute nothing (no capped partial credit). Only fixes inside the
    period count: a segment spanning the period's first midnight is dropped.
distance
    Geodesic (WGS-84 spheroid) length of the patrol segments (in a grid: the
    same share of it as the time).
visited share
    Cells of 50 m of the grid (see ``geo.patrol.visited_cells``) that a track
    -- the segments, plus lone fixes as points -- came within 5 m of, over the
    grid's cells. Per grid: anybody's track; per worker: their own track
    over their own grids.
online rate
    Share of the scheduled slots (``app.patrols.period``) with at least one
    accepted fix of the worker.
events reported
    Reports of channel ``worker_app`` created in the period whose reporter
    phone (digits only) is the worker account's phone or that of its staff
    record. Reports carry no reporting user id; the worker app fills the
    reporter with the worker's own name and phone (the demo does the same).
key places
    A worker visits a key place on a day when one of their fixes that day is
    within the place's radius (default 50 m). Places visited = distinct
    places; place visits = distinct (place, day) pairs.
households visited this cycle
    Distinct household-level standard addresses (``app.patrols.visits``)
    with a recorded visit from the first day of the Beijing calendar month
    holding the period's last day up to the period's end; per worker their
    own visits within their own grids, per grid anybody's; the share is over
    the household-level addresses there.

Under-patrolled grid: patrol time below ``PATROL_TARGET_HOURS_PER_WORKDAY``
per working day of the period, or (on a period with working days) visited
share below ``PATROL_TARGET_VISITED_SHARE``; both targets are scaled to the
working time already past (``app.patrols.period.judged_days``), so today is
judged on its hours so far and a period still to come on nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import text

from app.actor import current_actor
from app.auth.scope import event_area, event_district
from app.extensions import db
from app.models import LEVELS
from app.patrols import freshness, rollup, visits
from app.patrols.period import Period, judged_days, scheduled_slots, working_days
from app.sqlfiles import sql, statements
from geo.patrol import CELL_M, CELL_MIN_PART, MAX_GAP_S, TRACK_BUFFER_M

_COUNTS = ("fixes", "sessions", "visited_cells", "total_cells", "online_slots", "events", "places", "place_visits",
           "rejected", "workers", "places_visited")
#: Degrees that are at least TRACK_BUFFER_M (5 m) up to ~75 degrees of latitude.
PAD_DEG = 0.0002


def constants() -> dict:
    return {"max_gap": MAX_GAP_S, "cell_m": CELL_M, "min_part": CELL_MIN_PART, "buffer_m": TRACK_BUFFER_M,
            "pad_deg": PAD_DEG, "district_code": current_app.config["DISTRICT_CODE"]}


# --------------------------------------------------------------------------- who may see what

def visible_workers(requested: str | None = None) -> list[int] | None:
    """The workers whose fixes and figures the caller may see; None: everyone.

    A grid worker sees only themself. A caller bound to an area (a dispatcher
    with grids) sees the workers whose own grids lie in that area; a district's
    user the workers of their district (issue 19; a city user: every district, or
    the ``requested`` one).
    """
    actor = current_actor()
    if actor.role == "worker":
        return [actor.id]
    area = event_area()
    district = event_district(requested)
    if area is None and district is None:
        return None
    return list(db.session.execute(text("""
        SELECT u.id FROM app_user u
        WHERE (CAST(:district AS text) IS NULL OR u.district_code = :district)
          AND (CAST(:area AS text[]) IS NULL OR EXISTS (
                SELECT 1 FROM user_area ua
                JOIN grid_current g ON g.code = ua.grid_code
                JOIN grid_current a ON a.code = ANY(CAST(:area AS text[])) AND a.id = ANY(g.lineage)
                WHERE ua.user_id = u.id))
        ORDER BY u.id"""), {"area": None if area is None else list(area), "district": district}).scalars())


def grid_ids(level: str = "grid", area: tuple[str, ...] | None = None, codes: list[str] | None = None,
             district: str | None = None) -> list[int]:
    """Current regular grids of ``level`` inside ``area`` (None: the district) and the caller's district
    (a city user: ``district``, None for every district)."""
    if level not in LEVELS:
        raise ValueError(level)
    return list(db.session.execute(text("""
        SELECT g.id FROM grid_current g
        WHERE g.kind = 'regular' AND g.level = :level
          AND (CAST(:codes AS text[]) IS NULL OR g.code = ANY(CAST(:codes AS text[])))
          AND (CAST(:district AS text) IS NULL OR g.district_code = :district)
          AND (CAST(:area AS text[]) IS NULL OR EXISTS (
                SELECT 1 FROM grid a WHERE a.id = ANY(g.lineage) AND a.code = ANY(CAST(:area AS text[]))))
        ORDER BY g.code"""), {"level": level, "area": None if area is None else list(area),
                               "codes": codes, "district": event_district(district)}).scalars())


# --------------------------------------------------------------------------- the shared track

def _temp_tables() -> None:
    conn = db.session.connection()
    conn.execute(text(
        "CREATE TEMP TABLE IF NOT EXISTS patrol_track (worker_id integer, time timestamptz, geom geometry,"
        " prev_geom geometry, dt double precision, next_dt double precision) ON COMMIT DROP"))
    conn.execute(text(
        "CREATE TEMP TABLE IF NOT EXISTS patrol_place_visit (place_id integer, worker_id integer, day date)"
        " ON COMMIT DROP"))  # not DELETE ROWS: app/bulk.py, on staging tables


def load_track(period: Period, workers: list[int] | None) -> None:
    """Fill the session's patrol_track with the period's fixes (of ``workers``; None: all)."""
    _temp_tables()
    params = {"t_from": period.start, "t_to": period.end, "workers": workers, **constants()}
    for stmt in statements("patrols/track_fill"):
        db.session.execute(stmt, params)


def ensure_cells(ids: list[int]) -> None:
    """Cut the grids into their 50 m cells once (cached in patrol_grid_cell)."""
    if ids:
        for stmt in statements("patrols/cells_fill"):
            db.session.execute(stmt, {"grid_ids": ids, **constants()})


def touched(ids: list[int], level: str | None = None) -> list[int]:
    """Those of the grids that a track in patrol_track comes near (only they can have visited cells).

    Cutting a grid into cells costs milliseconds; grids nobody came near are
    reported with no visited cell without being cut.
    """
    if not ids:
        return []
    return list(db.session.execute(text("""
        SELECT DISTINCT g.id FROM patrol_track t
        JOIN grid_current g ON g.geom && ST_Expand(CASE WHEN t.dt <= :max_gap THEN ST_MakeLine(t.prev_geom, t.geom)
                                                        ELSE t.geom END, :pad_deg)
                           AND (CAST(:level AS text) IS NULL OR g.level = :level)
                           AND g.id IN (SELECT DISTINCT unnest(CAST(:ids AS integer[])))"""),
        {"ids": ids, "level": level, "max_gap": MAX_GAP_S, "pad_deg": PAD_DEG}).scalars())


# --------------------------------------------------------------------------- per grid

@dataclass
class Targets:
    """What a grid must reach in a period, scaled to the schedule already past (``judged_days``)."""
    seconds: float
    visited_share: float
    working_days: int
    judged_days: float
    hours_per_day: float
    full_visited_share: float


def targets(period: Period) -> Targets:
    cfg = current_app.config
    per_day = float(cfg["PATROL_TARGET_HOURS_PER_WORKDAY"])
    days = working_days(period)
    judged = judged_days(period)
    # A day half over asks half a day's patrol time and cover; a finished period asks the full targets.
    part = min(1.0, judged / days) if days else 0.0
    share = float(cfg["PATROL_TARGET_VISITED_SHARE"])
    return Targets(per_day * 3600 * judged, share * part, days, judged, per_day, share)


def grid_figures(period: Period, *, level: str = "grid", area: tuple[str, ...] | None = None,
                 workers: list[int] | None = None, codes: list[str] | None = None,
                 reference: bool = False, district: str | None = None) -> list[dict]:
    """One dict per current grid of ``level`` in ``area``, with its figures and under-patrolled flags.

    ``workers`` limits whose patrols count (a worker's own view). The figures
    are summed from the daily roll-ups (:mod:`app.patrols.rollup`, as
    :func:`app.patrols.freshness.ensure` leaves them), or with ``reference``
    (and for a ``workers`` view, which the roll-ups, summed over everyone,
    cannot answer) computed from the raw fixes.
    """
    ids = grid_ids(level, area, codes, district)
    if not ids:
        return []
    goal = targets(period)
    if reference or workers is not None:
        load_track(period, workers)
        ensure_cells(touched(ids, level))
        rows = db.session.execute(sql("patrols/grid_figures"), {"grid_ids": ids, "level": level,
                                                                **constants()}).mappings().all()
    else:
        freshness.ensure(period, (level, rollup.PLACES))
        rows = db.session.execute(sql("patrols/grid_figures_rollup"), {
            "grid_ids": ids, "level": level, "first": period.first, "last": period.last,
            **constants()}).mappings().all()
    households = visits.grid_households(period, ids)
    out = []
    for row in rows:
        r = {k: (int(v) if k in _COUNTS and v is not None else v) for k, v in row.items()}
        # total_cells is None for a grid never cut into cells: nobody has come near it yet.
        share = r["visited_cells"] / r["total_cells"] if r["total_cells"] else 0.0
        reasons = []
        if goal.judged_days and r["seconds"] < goal.seconds:
            reasons.append("time")
        if goal.judged_days and r["total_cells"] != 0 and share < goal.visited_share:
            reasons.append("coverage")
        out.append({
            "id": r["id"], "code": r["code"], "name": r["name"], "level": r["level"],
            "parent_code": r["parent_code"], "staffed": r["staffed"],
            "seconds": round(float(r["seconds"]), 1), "hours": round(float(r["seconds"]) / 3600, 2),
            "distance_m": round(float(r["metres"]), 1), "workers": r["workers"],
            "visited_cells": r["visited_cells"], "total_cells": r["total_cells"], "visited_share": round(share, 4),
            "places": r["places"], "places_visited": r["places_visited"],
            **_household_figures(households.get(r["id"], (0, 0))),
            "target_seconds": goal.seconds, "target_visited_share": goal.visited_share,
            "under_patrolled": bool(reasons), "under_reasons": reasons,
        })
    return out


def _household_figures(counts: tuple[int, int]) -> dict:
    total, visited = counts
    return {"household_addresses": total, "households_visited": visited,
            "households_visited_share": visits.share(total, visited)}


# --------------------------------------------------------------------------- per worker

def work_area_grids(workers: list[int] | None = None) -> list[int]:
    """The current grids of the active worker accounts' work areas (of ``workers``; None: all)."""
    return list(db.session.execute(text("""
        SELECT DISTINCT g.id FROM user_area ua
        JOIN app_user u ON u.id = ua.user_id AND u.role = 'worker' AND u.active
        JOIN grid_current g ON g.code = ua.grid_code
        WHERE CAST(:workers AS integer[]) IS NULL OR u.id = ANY(CAST(:workers AS integer[]))"""),
        {"workers": workers}).scalars())


def worker_figures(period: Period, *, workers: list[int] | None = None, reference: bool = False) -> list[dict]:
    """One dict per active worker account in ``workers`` (None: all), ranked.

    Rank (表彰): patrol time inside their own grids, then online rate, then
    visited share of their own grids, then events reported (all descending).
    Summed from the daily roll-ups (:mod:`app.patrols.rollup`, as
    :func:`app.patrols.freshness.ensure` leaves them), or with ``reference``
    computed from the raw fixes.
    """
    _temp_tables()
    area_ids = work_area_grids(workers)
    cfg = current_app.config
    slot_min = float(cfg["PATROL_ONLINE_SLOT_MIN"])
    slots = scheduled_slots(period, slot_min)
    params = {"workers": workers, "t_from": period.start, "t_to": period.end, "slots": slots,
              "slot_s": int(round(slot_min * 60)), "first": period.first, "last": period.last, **constants()}
    if reference:
        ensure_cells(area_ids)
        load_track(period, workers)
        rows = db.session.execute(sql("patrols/worker_figures"), params).mappings().all()
    else:
        freshness.ensure(period, (rollup.WORKER, rollup.PLACES))
        if freshness.mode() == "inline":
            # Cut once and kept (committed): a GET would otherwise cut the same grids on every request.
            ensure_cells(area_ids)
            db.session.commit()
        # Else the roll-up job cuts them: a change of work areas or grids changes the worker scope's basis,
        # so a job runs; until it has, a grid not cut yet counts no cells (its share is unknown).
        rows = db.session.execute(sql("patrols/worker_figures_rollup"), params).mappings().all()
    households = visits.worker_households(period, workers)
    out = []
    for row in rows:
        # sums of integers come back as Decimal: plain numbers for JSON
        r = {k: (int(v) if k in _COUNTS and v is not None else v) for k, v in row.items()}
        online = r["online_slots"] / len(slots) if slots else None
        share = r["visited_cells"] / r["total_cells"] if r["total_cells"] else None
        out.append({
            "id": r["id"], "username": r["username"], "display_name": r["display_name"],
            "fixes": r["fixes"], "rejected_fixes": r["rejected"], "sessions": r["sessions"],
            "seconds": round(float(r["seconds"]), 1), "hours": round(float(r["seconds"]) / 3600, 2),
            "distance_m": round(float(r["metres"]), 1),
            "area_seconds": round(float(r["area_seconds"]), 1), "area_hours": round(float(r["area_seconds"]) / 3600, 2),
            "visited_cells": r["visited_cells"], "total_cells": r["total_cells"],
            "visited_share": None if share is None else round(share, 4),
            "online_slots": r["online_slots"], "scheduled_slots": len(slots),
            "online_rate": None if online is None else round(online, 4),
            "events": r["events"], "places": r["places"], "place_visits": r["place_visits"],
            **_household_figures(households.get(r["id"], (0, 0))),
            "grids": [{**g, "seconds": round(float(g["seconds"]), 1), "visited_cells": int(g["visited_cells"]),
                       "total_cells": int(g["total_cells"])} for g in r["grids"]],
            "first_fix": r["first_fix"].isoformat() if r["first_fix"] else None,
            "last_fix": r["last_fix"].isoformat() if r["last_fix"] else None,
        })
    out.sort(key=lambda w: (-w["area_seconds"], -(w["online_rate"] or 0), -(w["visited_share"] or 0),
                            -w["events"], w["id"]))
    for rank, w in enumerate(out, start=1):
        w["rank"] = rank
    return out
