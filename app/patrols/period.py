"""The period a figure is about (whole Beijing days) and the scheduled patrol time in it.

A period is judged only on the schedule that has passed (:func:`judged_days`):
today at 10:30 counts as the share of its working time already over, and
future days not at all, so a day that has barely begun is not "under-patrolled".
Pages open on :func:`last_full_working_day`.

Schedule assumption (for the online rate): every grid worker is scheduled
for the working hours of the app's working calendar (``app.events.holidays``) -- 08:30-12:00
and 14:00-17:30 on working days (weekends and public holidays off, adjusted
working days on). There is no per-worker shift table yet. The scheduled time
is cut into slots of ``PATROL_ONLINE_SLOT_MIN`` minutes aligned to the clock
(default 30: 14 slots a working day); a slot counts when it overlaps a
working period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _

from app.beijing import BEIJING
from app.errors import ValidationError
from app.events import holidays
from app.events.calendar import WorkingCalendar

#: Longest period one request may ask for (the figures are computed on the fly).
MAX_DAYS = 93


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), BEIJING)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(0), BEIJING)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def each_day(self):
        return (self.first + timedelta(days=i) for i in range(self.days))

    def to_dict(self) -> dict:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "days": self.days}


def now() -> datetime:
    """The clock of patrol pages and targets (Beijing time, aware). Tests replace it."""
    return datetime.now(BEIJING)


def today() -> date:
    return now().astimezone(BEIJING).date()


def last_full_working_day(at: datetime | None = None, calendar: WorkingCalendar | None = None) -> date:
    """The latest working day whose working hours are over at ``at`` (default: now).

    Today once its last working period has ended (17:30), else the working day
    before; weekends and holidays are skipped (the working calendar).

    >>> from app.events.holidays import PRC as cal
    >>> last_full_working_day(datetime(2026, 5, 12, 10, 30, tzinfo=BEIJING), cal)  # a Tuesday morning
    datetime.date(2026, 5, 11)
    >>> last_full_working_day(datetime(2026, 5, 12, 18, 0, tzinfo=BEIJING), cal)   # that evening
    datetime.date(2026, 5, 12)
    >>> last_full_working_day(datetime(2026, 5, 6, 9, 0, tzinfo=BEIJING), cal)     # after the May holidays
    datetime.date(2026, 4, 30)
    """
    calendar = calendar or holidays.current()
    at = (at or now()).astimezone(calendar.tz)
    day = at.date()
    last_end = max(end for _, end in calendar.periods)
    if not (calendar.is_working_day(day) and at.time() >= last_end):
        day -= timedelta(days=1)
        # The longest run of days off in a year is the Spring Festival's nine.
        for _ in range(60):
            if calendar.is_working_day(day):
                break
            day -= timedelta(days=1)
    return day


def parse_day(raw, field: str) -> date | None:
    if raw in (None, ""):
        return None
    try:
        day = date.fromisoformat(str(raw).strip())
    except ValueError:
        day = None
    if day is None or not 1970 <= day.year <= 2999:
        raise ValidationError(_("%(field)s must be a date as YYYY-MM-DD (years 1970 to 2999).", field=field),
                              {"field": field, "value": str(raw)[:40]})
    return day


def parse_period(args, *, default_days: int = 1, max_days: int = MAX_DAYS) -> Period:
    """``from``/``to`` (inclusive Beijing days) from query args; default: the last ``default_days`` days.

    ``max_days``: the longest period allowed (event figures, one aggregate
    query, allow a year; patrol figures, which rebuild tracks, a quarter).
    """
    last = parse_day(args.get("to"), "to")
    first = parse_day(args.get("from"), "from")
    if last is None:
        last = first if first is not None and default_days == 1 else today()
    if first is None:
        first = last - timedelta(days=default_days - 1)
    if first > last:
        raise ValidationError(_("from must not be after to."), {"field": "from"})
    if (last - first).days + 1 > max_days:
        raise ValidationError(_("A period may span at most %(n)s days.", n=max_days), {"field": "to"})
    return Period(first, last)


def period_of(first: date, last: date | None = None) -> Period:
    return Period(first, last or first)


def working_days(period: Period, calendar: WorkingCalendar | None = None) -> int:
    calendar = calendar or holidays.current()
    return sum(1 for d in period.each_day() if calendar.is_working_day(d))


def judged_days(period: Period, at: datetime | None = None, calendar: WorkingCalendar | None = None) -> float:
    """Working days of ``period`` whose schedule has passed at ``at`` (default: now), as a fraction.

    Whole working days before today count 1, today the share of its working
    time already over, later days 0: the targets of a period are scaled by it.

    >>> from app.events.holidays import PRC as cal
    >>> tuesday = Period(date(2026, 5, 12), date(2026, 5, 12))
    >>> judged_days(tuesday, datetime(2026, 5, 12, 10, 15, tzinfo=BEIJING), cal)   # 1 h 45 of 7 h
    0.25
    >>> judged_days(tuesday, datetime(2026, 5, 13, 8, 0, tzinfo=BEIJING), cal)
    1.0
    >>> judged_days(Period(date(2026, 5, 11), date(2026, 5, 15)), datetime(2026, 5, 12, 12, 0, tzinfo=BEIJING), cal)
    1.5
    """
    calendar = calendar or holidays.current()
    at = at or now()
    if at <= period.start:
        return 0.0
    passed = calendar.working_time_between(period.start, min(at, period.end))
    return round(passed / calendar.working_day_length, 4)


def scheduled_slots(period: Period, slot_min: float, calendar: WorkingCalendar | None = None) -> list[int]:
    """Slot numbers (epoch seconds // slot length) of the scheduled working time in ``period``
    (on the app's working calendar unless given one)."""
    calendar = calendar or holidays.current()
    slot_s = int(round(slot_min * 60))
    slots: list[int] = []
    for day in period.each_day():
        if not calendar.is_working_day(day):
            continue
        for start, end in calendar.periods:
            a = datetime.combine(day, start, calendar.tz).astimezone(timezone.utc).timestamp()
            b = datetime.combine(day, end, calendar.tz).astimezone(timezone.utc).timestamp()
            first, last = int(a // slot_s), int(-(-b // slot_s))  # slots overlapping [a, b)
            slots.extend(range(first, last))
    return sorted(set(slots))
