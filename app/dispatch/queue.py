"""The desk's queue: what comes first, and how many new events wait.

A duty officer looks first at what nobody has taken yet (new, unaccepted
events), then at clocks running past their deadline, then at those about to
run out; after them what waits for the centre (returned or filed but not
dispatched), the clocks still in time, and last what is parked or finished.
A finished event never sits above a running one.

``RANKS`` is the one statement of that order. The list SQL sorts the first
answer of the feed by it (``sort=priority``, app/reports/sql/list_reports.sql)
and the browser keeps the queue in it as events change
(static/js/dispatch/queue.js gets it in the page settings). A key is
``status:deadline_state`` where the deadline state matters, else ``status``;
within one rank the soonest deadline comes first, then the newest report.
"""
from __future__ import annotations

from app.events import calendar as cal
from app.events import workflow as wf
from app.extensions import db
from app.auth.scope import area_param, event_district
from app.sqlfiles import sql

#: The order of the desk's default sort, most pressing first.
ORDER: tuple[tuple[str, ...], ...] = (
    (wf.REPORTED,),                                                         # new: nobody has taken it
    tuple(f"{s}:{cal.OVERDUE}" for s in wf.CLOCK_RUNNING_STATES),           # running past the deadline
    tuple(f"{s}:{cal.DUE_SOON}" for s in wf.CLOCK_RUNNING_STATES),          # about to run out
    (wf.RETURNED, wf.ACCEPTED),                                             # waiting for (re)dispatch
    wf.CLOCK_RUNNING_STATES,                                                # running, in time
    (wf.SUSPENDED,),
    (wf.HANDLED,),                                                          # to verify
    (wf.VERIFIED,),                                                         # to close
    wf.FINAL_STATES,
)

#: key → rank (0 first), for the SQL and the browser.
RANKS: dict[str, int] = {key: rank for rank, keys in enumerate(ORDER) for key in keys}


def rank(status: str, deadline_state: str | None) -> int:
    """The place of an event in the desk's default order (lower first)."""
    return RANKS.get(f"{status}:{deadline_state or ''}", RANKS.get(status, len(ORDER)))


def new_events(area: tuple[str, ...] | None, district: str | None = None) -> int:
    """New events (reported, not yet accepted) the caller may see: the desk's counter and tab title.
    ``district``: a city user's district filter (a district user always counts their own)."""
    return db.session.execute(sql("dispatch/new_events"), {"area": area_param(area),
                                                           "district": event_district(district)}).scalar_one()
