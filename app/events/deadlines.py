"""Deadlines of events in working time, and the clock they are measured against.

An event's deadline is its dispatch time plus the time limit copied from its
category on intake, counted on the working calendar of app.events.calendar
(PRC holidays and adjusted working days, 08:30-12:00 and 14:00-17:30).
``warn_at`` is stored beside it: the moment only ``WARN_FRACTION`` of the
allowance (in working time) is left, from which the event is "due soon".
With both stored, the deadline state needs no calendar: it is the SQL function
``gridmap_deadline_state`` (migration 0024), the one definition of "overdue"
that every list, count, map and job uses (see :data:`DEADLINE_STATES`).

``now()`` is the one clock of the event loop, so tests can move it.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from app.beijing import BEIJING
from app.events import calendar as cal, holidays

#: The share of the allowance left when an event turns "due soon".
WARN_FRACTION = 0.2

#: A handled (verified, closed) event that came in after its deadline. It is not "overdue":
#: that word is kept for a clock still running past its deadline.
HANDLED_LATE = "handled_late"
#: What ``gridmap_deadline_state`` answers: overdue, due soon or on time while the clock runs
#: (dispatched, in progress); handled late or on time once handled; NULL otherwise.
DEADLINE_STATES: tuple[str, ...] = (cal.ON_TIME, cal.DUE_SOON, cal.OVERDUE, HANDLED_LATE)


def now() -> datetime:
    """The current time (UTC, aware). Tests replace this to drive the clock."""
    return datetime.now(timezone.utc)


def day_start(at: datetime) -> datetime:
    """The start (00:00 Beijing time) of the Beijing calendar day holding ``at``: "today" of the
    home page's "reported today" card and of the report list's ``reported=today`` filter.

    >>> day_start(datetime(2026, 12, 7, 17, 30, tzinfo=timezone.utc)).isoformat()
    '2026-12-08T00:00:00+08:00'
    """
    local = at.astimezone(BEIJING)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def calendar(district_code: str | None = None) -> cal.WorkingCalendar:
    """The working calendar of district ``district_code``'s events: the built-in years plus
    GRIDMAP_HOLIDAYS_FILE, with the district's own hours and days on top (none given: the app's)."""
    return holidays.for_district(district_code)


def deadline_for(start: datetime, time_limit, time_unit: str | None, district_code: str | None = None
                 ) -> datetime | None:
    """``start`` + the time limit in working hours or whole working days of the event's district;
    None without a limit."""
    if time_limit is None or time_unit is None:
        return None
    limit = Decimal(time_limit)
    if time_unit == "days":
        return calendar(district_code).add_working_time(start, days=int(limit))
    return calendar(district_code).add_working_time(start, hours=float(limit))


def warn_at(start: datetime, deadline: datetime, district_code: str | None = None) -> datetime:
    """When only ``WARN_FRACTION`` of the working time ``start`` → ``deadline`` is left."""
    c = calendar(district_code)
    allowance = c.working_time_between(start, deadline)
    if allowance <= timedelta(0):
        return deadline
    return c.add_working_duration(start, allowance * (1 - WARN_FRACTION))


def push_back(deadline: datetime, paused_at: datetime, resumed_at: datetime, district_code: str | None = None
              ) -> datetime:
    """The deadline moved later by the working time spent suspended."""
    c = calendar(district_code)
    paused = c.working_time_between(paused_at, resumed_at)
    return c.add_working_duration(deadline, paused) if paused > timedelta(0) else deadline
