"""Demo events: a plausible closed-loop history for every generated report.

The generator gives each report a status that fits its age (older ones are
mostly closed). Here each of them gets the steps that led there, as the
dispatch desk and the figures expect of real events: who accepted and
dispatched it and when, the grid worker it went to, its deadline in working
time from its category's limit (``app.events.deadlines``), when it was
handled, verified and closed, and now and then a rejection (返工). One history
row per step, written set-based in two statements.

Every staffed grid's worker gets an account (``demo-<grid code>``, no
password, like the patrolling ones in ``app.demo.patrols``), so a dispatched
event always has somebody to be dispatched to. Timings are drawn from one
seed; about one event in eight is handled after its deadline, so the
on-time rate and the overdue flags have something to show.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import numpy as np
from sqlalchemy import text

from app.demo.patrols import _accounts, _chosen_grids
from app.events import deadlines
from app.events import workflow as wf
from app.extensions import db

#: The loop's main line, in order; a report's status says how far along it it got.
MAIN_LINE = (wf.REPORTED, wf.ACCEPTED, wf.DISPATCHED, wf.IN_PROGRESS, wf.HANDLED, wf.VERIFIED, wf.CLOSED)
#: (action, to state) of each step after intake, by the state it leads to.
STEP = {wf.ACCEPTED: wf.ACCEPT, wf.DISPATCHED: wf.DISPATCH, wf.IN_PROGRESS: wf.START, wf.HANDLED: wf.HANDLE,
        wf.VERIFIED: wf.VERIFY, wf.CLOSED: wf.CLOSE}
#: Steps the assignee takes; the others are the operations centre's.
WORKER_STEPS = frozenset({wf.START, wf.HANDLE})
REWORK_SHARE = 0.06
HANDLE_NOTES = ("已现场处置完毕", "已联系责任单位整改完成", "已清理完毕，拍照留存", "已劝导当事人，问题解决")
REJECT_NOTE = "核查未通过：现场仍有问题，请重新处置"
CENTRE = "城运中心"


def _workers_by_report() -> dict[int, tuple[int, str]]:
    """(user id, display name) of the worker account closest to each report: the one whose grid
    shares the longest stretch of the report's lineage (its own grid, else one in its community;
    a grid without a worker is covered by a neighbour, as in practice)."""
    rows = db.session.execute(text("""
        SELECT DISTINCT ON (r.id) r.id, u.id AS user_id,
               coalesce(nullif(u.display_name, ''), u.username) AS name
        FROM report r
        CROSS JOIN LATERAL (SELECT coalesce(r.current_lineage, r.grid_lineage) AS lineage) rl
        JOIN grid g ON g.id = rl.lineage[3]           -- the report's community
        JOIN grid_current ug ON ug.lineage[3] = g.id
        JOIN user_area ua ON ua.grid_code = ug.code
        JOIN app_user u ON u.id = ua.user_id AND u.role = 'worker' AND u.active
        WHERE cardinality(rl.lineage) >= 3
        ORDER BY r.id, (SELECT count(*) FROM unnest(ug.lineage) x WHERE x = ANY(rl.lineage)) DESC, u.id""")).all()
    return {r.id: (r.user_id, r.name) for r in rows}


def _dispatcher() -> tuple[int | None, str]:
    row = db.session.execute(text(
        "SELECT id, coalesce(nullif(display_name, ''), username) AS name FROM app_user "
        "WHERE role = 'dispatcher' AND active ORDER BY (username = 'dispatcher') DESC, id LIMIT 1")).first()
    return (row.id, row.name) if row else (None, CENTRE)


def _district_dispatchers() -> dict[str, tuple[int, str]]:
    """Each district's own dispatcher (the demo ``dispatcher`` first in its district), by district code:
    a district's events are accepted and dispatched by its operations centre."""
    rows = db.session.execute(text(
        "SELECT DISTINCT ON (district_code) district_code, id, coalesce(nullif(display_name, ''), username) AS name "
        "FROM app_user WHERE role = 'dispatcher' AND active AND district_code IS NOT NULL "
        "ORDER BY district_code, (username = 'dispatcher') DESC, id")).all()
    return {r.district_code: (r.id, r.name) for r in rows}


def _steps(status: str, rework: bool) -> list[str]:
    """The actions from intake to ``status`` (main line; a rework adds reject + handle again)."""
    if status == wf.CANCELLED:
        return [wf.CANCEL]
    if status not in MAIN_LINE:
        return []
    actions = [STEP[s] for s in MAIN_LINE[1:MAIN_LINE.index(status) + 1]]
    if rework and wf.HANDLE in actions:
        i = actions.index(wf.HANDLE) + 1
        actions[i:i] = [wf.REJECT, wf.HANDLE]
    return actions


def _gap(action: str, rng: np.random.Generator) -> float:
    """Hours from the previous step to this one; for ``handle``, the share of the allowance used."""
    if action == wf.HANDLE:
        # Most events are handled well inside their allowance; the lognormal tail runs late.
        return float(rng.lognormal(np.log(0.45), 0.6))
    low, high = {wf.ACCEPT: (0.1, 1.0), wf.DISPATCH: (0.1, 1.5), wf.START: (0.2, 2.0), wf.VERIFY: (0.5, 6.0),
                 wf.CLOSE: (0.2, 4.0), wf.REJECT: (0.5, 4.0), wf.CANCEL: (0.1, 2.0)}[action]
    return float(rng.uniform(low, high))


def _times(created: datetime, actions: list[str], draws: list[float], limit, unit, now: datetime) -> list[datetime]:
    """When each step happened: handling takes its drawn share of the time to the deadline, the
    others their drawn hours; squeezed into the report's age when that is shorter (its status is
    fixed by its age)."""
    def walk(scale: float) -> list[datetime]:
        at, out, deadline = created, [], None
        for action, draw in zip(actions, draws):
            if action == wf.HANDLE:
                span = (deadline - at) if deadline and deadline > at else timedelta(hours=24)
                at = at + span * draw * scale
            else:
                at = at + timedelta(hours=draw * scale)
            if action == wf.DISPATCH:
                deadline = deadlines.deadline_for(at, limit, unit)
            out.append(at)
        return out

    latest = now - timedelta(minutes=3)
    times = walk(1.0)
    if times and times[-1] > latest:
        # Shrink the steps, then (handling follows the working-time deadline, which does not shrink
        # in proportion) scale what is still too long onto the time there was, keeping the order.
        room = max((latest - created).total_seconds(), 60.0)
        times = walk(room / (times[-1] - created).total_seconds())
        if times[-1] > latest:
            factor = room / (times[-1] - created).total_seconds()
            times = [created + (t - created) * factor for t in times]
    return times


#: Share of the events still being worked on that are past their deadline.
OVERDUE_SHARE = 0.2


def _recent_dispatch(times: list[datetime], actions: list[str], created: datetime, limit, unit, now: datetime,
                     rng: np.random.Generator) -> list[datetime]:
    """Events still being worked on were dispatched lately, not on the day they came in weeks ago:
    a dispatch time is drawn (within the last five days, after the step before it) until its
    working-time deadline falls on the side of now that was drawn for it (overdue or not). Over a
    weekend or a holiday the clock stands still, hence the drawing rather than arithmetic."""
    i = actions.index(wf.DISPATCH)
    latest = now - timedelta(minutes=3)
    earliest = (times[i - 1] if i else created) + timedelta(minutes=1)
    if earliest >= latest:
        return times
    want_overdue = bool(rng.random() < OVERDUE_SHARE)
    window = min(latest - earliest, timedelta(days=5))
    dispatched = latest - window * float(rng.uniform(0.02, 0.3))
    for _ in range(24):
        candidate = latest - window * float(rng.random())
        deadline = deadlines.deadline_for(candidate, limit, unit)
        if deadline is None or (deadline < now) == want_overdue:
            dispatched = candidate
            break
    after = sorted(dispatched + (latest - dispatched) * float(u) for u in rng.uniform(0.1, 0.9, len(times) - i - 1))
    return times[:i] + [dispatched] + after


def load_event_histories(*, now: datetime | None = None, seed: int = 2024) -> int:
    """Give every demo report the history of its status; returns the number of steps written.

    The caller commits. Run after the reports are assigned and the accounts exist.
    """
    now = now or datetime.now(timezone.utc)
    rng = np.random.default_rng([seed, 7])
    _accounts(_chosen_grids(10**9))  # every staffed grid's worker can be dispatched to
    workers = _workers_by_report()
    default_centre = _dispatcher()
    centres = _district_dispatchers()
    reports = db.session.execute(text(
        "SELECT id, district_code, status, created_at, time_limit, time_unit FROM report "
        "WHERE assignee_id IS NULL AND dispatched_at IS NULL ORDER BY id")).all()
    updates, history = [], []
    for r in reports:
        worker = workers.get(r.id)
        actions = _steps(r.status, bool(rng.random() < REWORK_SHARE))
        if not actions or (worker is None and wf.DISPATCH in actions):
            continue  # outside every grid or no worker: stays as the import left it
        centre_id, centre_name = centres.get(r.district_code, default_centre)
        times = _times(r.created_at, actions, [_gap(a, rng) for a in actions], r.time_limit, r.time_unit, now)
        if r.status in wf.CLOCK_RUNNING_STATES:
            times = _recent_dispatch(times, actions, r.created_at, r.time_limit, r.time_unit, now, rng)
        state, row = wf.REPORTED, {"id": r.id, "rework": 0}
        for action, at in zip(actions, times):
            to = wf.IN_PROGRESS if action == wf.REJECT else wf.RULES[action].to_state
            by_worker = action in WORKER_STEPS
            entry = {"report_id": r.id, "district_code": r.district_code, "at": at.isoformat(), "action": action,
                     "from_state": state, "to_state": to,
                     "actor_id": worker[0] if by_worker else centre_id,
                     "actor": worker[1] if by_worker else centre_name, "note": None, "details": {}}
            if action == wf.DISPATCH:
                row["dispatched_at"] = at
                row["deadline"] = deadlines.deadline_for(at, r.time_limit, r.time_unit, r.district_code)
                row["warn_at"] = (deadlines.warn_at(at, row["deadline"], r.district_code) if row["deadline"]
                                  else None)
                entry["details"] = {"assignee": worker[0], "clock": "start",
                                    "deadline": row["deadline"].isoformat() if row["deadline"] else None}
            elif action == wf.HANDLE:
                row["handled_at"] = at
                entry["note"] = HANDLE_NOTES[int(rng.integers(len(HANDLE_NOTES)))]
            elif action == wf.REJECT:
                row["rework"] += 1
                entry["note"], entry["details"] = REJECT_NOTE, {"rework": True}
            elif action == wf.CANCEL:
                entry["note"] = "重复或无效信息，作废"
            if action in (wf.CLOSE, wf.CANCEL):
                row["closed_at"] = at
            state = to
            history.append(entry)
        if wf.DISPATCH in actions:
            row["assignee_id"] = worker[0]
        row["updated_at"] = at
        updates.append({k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()})
    if not updates:
        return 0
    db.session.execute(text("""
        UPDATE report r SET assignee_id = x.assignee_id, dispatched_at = x.dispatched_at, deadline = x.deadline,
               warn_at = x.warn_at, handled_at = x.handled_at, closed_at = coalesce(x.closed_at, r.closed_at),
               rework_count = x.rework, updated_at = x.updated_at
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(id bigint, assignee_id integer,
             dispatched_at timestamptz, deadline timestamptz, warn_at timestamptz, handled_at timestamptz,
             closed_at timestamptz, rework integer, updated_at timestamptz)
        WHERE r.id = x.id"""), {"rows": json.dumps(updates)})
    # The intake row said where the report ended up; now the steps say that, it records the arrival.
    db.session.execute(text("""
        UPDATE report_transition t SET to_state = 'reported'
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(id bigint)
        WHERE t.report_id = x.id AND t.action = 'report'"""), {"rows": json.dumps([{"id": u["id"]} for u in updates])})
    db.session.execute(text("""
        INSERT INTO report_transition (report_id, district_code, at, actor_id, actor, action, from_state, to_state,
                                       note, details)
        SELECT x.report_id, x.district_code, x.at, x.actor_id, x.actor, x.action, x.from_state, x.to_state,
               x.note, x.details
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(report_id bigint, district_code text, at timestamptz,
             actor_id integer, actor text, action text, from_state text, to_state text, note text, details jsonb)
        ORDER BY x.report_id, x.at"""), {"rows": json.dumps(history, ensure_ascii=False)})
    return len(history)
