"""Overdue events go up the chain by themselves: grid → community → subdistrict → department.

``escalate_overdue(now)`` takes every event whose handling clock runs
(dispatched, in progress) and whose deadline passed before ``now``, and
escalates it one level as app.events.workflow plans it: the event goes back
to ``accepted`` at the next level with no assignee, for that level's
dispatcher to route. Events already at the top level stay where they are and
are only counted (they show as overdue in every list).

Set-based: the events are grouped by (state, level), for which the
workflow's plan is the same, and each group is written with three
statements (history rows, audit entries, the update). Rows another
transaction holds are skipped (``SKIP LOCKED``); the next run takes them.
Run it from cron (``flask events escalate``); tests pass ``now``.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import text

from app import dbclock
from app.actor import current_actor
from app.districts import settings as district_settings
from app.events import deadlines
from app.events import workflow as wf
from app.extensions import db
from app.sqlfiles import statements

#: The system escalates with the powers of the operations centre.
SYSTEM_ROLE = wf.ADMIN

# Overdue by the one rule (gridmap_deadline_state, migration 0024); the first two conditions
# only let the partial index ix_report_running_deadline find the candidates.
_OVERDUE = text("""
    SELECT id, ticket, status, handling_level FROM report
    WHERE district_code = :district_code AND status IN ('dispatched', 'in_progress') AND deadline < :now
      AND gridmap_deadline_state(status, deadline, warn_at, handled_at, :now) = 'overdue'
    ORDER BY deadline, id
    FOR UPDATE SKIP LOCKED""")


@dataclass
class EscalationResult:
    now: datetime
    escalated: list[dict] = field(default_factory=list)
    at_top: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"now": self.now.isoformat(), "escalated": self.escalated, "at_top": self.at_top}


def escalate_overdue(now: datetime | None = None, *, commit: bool = True,
                     district_code: str | None = None) -> EscalationResult:
    """Escalate every open event overdue at ``now`` (default: the clock of app.events.deadlines), of
    every district or of ``district_code``."""
    now = now or deadlines.now()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    result = EscalationResult(now)
    # One district at a time: each query stays on its district's shard (Citus). Every district's deadlines
    # were counted on its own calendar when they were set, so "overdue" needs no calendar here.
    codes = [district_code] if district_code else list(district_settings.documents()) or [
        current_app.config["DISTRICT_CODE"]]
    rows = [row for code in sorted(codes)
            for row in db.session.execute(_OVERDUE, {"district_code": code, "now": now}).all()]
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for row in rows:
        if row.handling_level == wf.LEVELS[-1]:
            result.at_top.append(row.ticket)
        else:
            groups[(row.status, row.handling_level)].append(row)
    note = _("Deadline passed: escalated automatically.")
    via = current_actor().via
    for (state, level), members in groups.items():
        plan = wf.plan_transition(state, wf.ESCALATE, SYSTEM_ROLE, note=note, level=level)
        details = {k: v for k, v in plan.log_entry().items() if k not in ("action", "from_state", "to_state", "note")}
        details.update(role="system", reason="overdue")
        params = {"ids": [r.id for r in members], "now": now, "from_state": plan.from_state,
                  "to_state": plan.to_state, "note": plan.note, "details": json.dumps(details),
                  "level": plan.level, "clear_assignee": plan.clear_assignee,
                  "stop_clock": plan.clock == wf.CLOCK_STOP, "via": via,
                  "clock": dbclock.clock_timestamp()}
        for stmt in statements("events/escalate"):
            db.session.execute(stmt, params)
        result.escalated += [{"ticket": r.ticket, "from_state": plan.from_state, "to_state": plan.to_state,
                              "from_level": plan.from_level, "level": plan.level} for r in members]
    if commit:
        db.session.commit()
    return result
