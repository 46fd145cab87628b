"""Working-time arithmetic for event deadlines (Asia/Shanghai).

Category time limits are stated in working hours or working days ("exposed
garbage 4 h", "green-space care 5 working days", "stop illegal construction
within 4 working hours"), so a deadline is dispatch time plus *working* time,
and the on-time rate and "overdue by" are measured in working time too.

A :class:`WorkingCalendar` knows

- the working periods of a working day (default 08:30–12:00 and 14:00–17:30,
  configurable; each period is half-open, ``[start, end)``),
- the ordinary working weekdays (default Monday–Friday),
- public holidays and adjusted working days (调休: a Saturday or Sunday that
  is worked to make a holiday longer), given per year as data
  (:meth:`WorkingCalendar.with_years` / :meth:`WorkingCalendar.with_years_json`).
  The State Council publishes each year's arrangement around November;
  :mod:`app.events.holidays` builds the PRC calendar from the ``chinesecalendar``
  package's years (this module stays standard-library only).

A day is a working day when it is an adjusted working day, or else when it is
an ordinary working weekday that is not a holiday. Adjusted working days have
the ordinary working hours. For a year with no data loaded only the weekday
rule applies; :meth:`WorkingCalendar.covers` lets the app warn about that.

All datetimes must be timezone-aware (a naive one raises ``ValueError``: it
is ambiguous whether it is UTC or Beijing time). Results are returned in the
calendar's zone. Durations are computed on absolute time, so the arithmetic
would stay right in a zone with daylight saving too.

Module-level functions (:func:`add_working_time`...) use
``DEFAULT_CALENDAR`` (PRC hours and weekdays, no holiday data) unless given
``calendar=``; the app passes ``app.events.holidays.current()``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Iterable, Iterator, Mapping, Sequence

from app.beijing import BEIJING

#: 08:30–12:00 and 14:00–17:30: the usual office hours of a Chinese
#: street office / operations centre (7 working hours a day).
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
#: Monday=0 … Friday=4, as ``date.weekday()``.
MON_FRI: frozenset[int] = frozenset(range(5))

#: ``deadline_state`` results.
ON_TIME = "on_time"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
DEADLINE_STATES: tuple[str, ...] = (ON_TIME, DUE_SOON, OVERDUE)

#: Give up looking for working time after this many days without any: a
#: calendar with no working day at all would otherwise loop for ever.
_MAX_IDLE_DAYS = 3660

_Window = tuple[datetime, datetime]  # one working period of one day, in UTC


@dataclass(frozen=True)
class Season:
    """Other working periods from ``first`` to ``last`` (month, day), both included, every year; a span
    may run over the new year ((11, 1) to (2, 28))."""

    first: tuple[int, int]
    last: tuple[int, int]
    periods: tuple[tuple[time, time], ...]

    def holds(self, day: date) -> bool:
        md = (day.month, day.day)
        if self.first <= self.last:
            return self.first <= md <= self.last
        return md >= self.first or md <= self.last


@dataclass(frozen=True)
class YearData:
    """One year's holidays and adjusted working days."""

    holidays: frozenset[date]
    workdays: frozenset[date]


def parse_year(doc: Mapping) -> YearData:
    """Read one year's data: ``{"holidays": {name: [first, last] | day}, "workdays": [day, ...]}``.

    Days are ISO strings (``"2026-10-01"``) or ``date`` objects; a holiday
    given as one day is a one-day holiday. Unknown keys are refused so that a
    typo ("workday") cannot silently drop the adjusted working days.
    """
    unknown = set(doc) - {"holidays", "workdays"}
    if unknown:
        raise ValueError(f"unknown keys in holiday data: {sorted(unknown)}")
    holidays: set[date] = set()
    for name, span in (doc.get("holidays") or {}).items():
        first, last = _parse_span(span, name)
        holidays.update(first + timedelta(days=i) for i in range((last - first).days + 1))
    workdays = {_parse_day(day, "workdays") for day in doc.get("workdays") or ()}
    return YearData(frozenset(holidays), frozenset(workdays))


def _parse_span(span: object, name: str) -> tuple[date, date]:
    if isinstance(span, (str, date)):
        day = _parse_day(span, name)
        return day, day
    if isinstance(span, Sequence) and len(span) == 2:
        first, last = _parse_day(span[0], name), _parse_day(span[1], name)
        if last < first:
            raise ValueError(f"holiday {name!r} ends before it starts: {span!r}")
        return first, last
    raise ValueError(f"holiday {name!r} must be a day or [first, last], got {span!r}")


def _parse_day(value: object, where: str) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"{where}: expected a day, got a datetime {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{where}: expected an ISO day like 2026-10-01, got {value!r}")


def _parse_years(data: Mapping) -> dict[int, YearData]:
    years: dict[int, YearData] = {}
    for key, doc in data.items():
        try:
            year = int(key)
        except (TypeError, ValueError):
            raise ValueError(f"holiday data keys must be years, got {key!r}") from None
        years[year] = doc if isinstance(doc, YearData) else parse_year(doc)
    return years


class WorkingCalendar:
    """Working days and hours in one time zone; immutable once built.

    ``periods``: the working periods of every working day, as ``(start, end)``
    naive ``time`` pairs, sorted and not overlapping. ``weekdays``: the
    ordinary working weekdays (0 = Monday). ``years``: per-year holiday data,
    each value a document as read by :func:`parse_year` or a ``YearData``
    (keys may be ints or digit strings).
    ``holidays`` / ``workdays``: extra single days outside the yearly data
    (a local day off, a typhoon closure, a district's own adjusted day).
    ``seasons``: other working periods on the days of a span of every year (a
    summer schedule, 夏季作息), the first season holding a day winning.
    """

    def __init__(self, *, periods: Iterable[tuple[time, time]] = DEFAULT_PERIODS,
                 weekdays: Iterable[int] = MON_FRI, years: Mapping | None = None,
                 holidays: Iterable[date | str] = (), workdays: Iterable[date | str] = (),
                 tz: tzinfo = BEIJING, seasons: Iterable[Season] = ()) -> None:
        self._periods = _check_periods(tuple(periods))
        self._seasons = tuple(Season(s.first, s.last, _check_periods(tuple(s.periods))) for s in seasons)
        self._weekdays = frozenset(weekdays)
        if not self._weekdays <= set(range(7)):
            raise ValueError(f"weekdays must be 0 (Monday) … 6 (Sunday), got {sorted(self._weekdays)}")
        self._tz = tz
        self._year_data = _parse_years(years or {})
        self._extra = YearData(frozenset(_parse_day(d, "holidays") for d in holidays),
                               frozenset(_parse_day(d, "workdays") for d in workdays))
        self._holidays = frozenset().union(self._extra.holidays, *(y.holidays for y in self._year_data.values()))
        self._workdays = frozenset().union(self._extra.workdays, *(y.workdays for y in self._year_data.values()))
        both = self._holidays & self._workdays
        if both:
            raise ValueError(f"days both holiday and working day: {sorted(d.isoformat() for d in both)}")
        # Calendars are immutable, so a day's windows can be cached.
        self._windows = lru_cache(maxsize=4096)(self._compute_windows)

    # --- Construction ---------------------------------------------------

    def with_years(self, data: Mapping) -> WorkingCalendar:
        """A copy with the years in ``data`` added; a year already present is replaced wholesale.

        ``data`` maps a year (int or digit string) to ``{"holidays": ...,
        "workdays": ...}`` as :func:`parse_year` reads it.
        """
        return WorkingCalendar(periods=self._periods, weekdays=self._weekdays,
                               years={**self._year_data, **_parse_years(data)},
                               holidays=self._extra.holidays, workdays=self._extra.workdays, tz=self._tz,
                               seasons=self._seasons)

    def with_years_json(self, text: str) -> WorkingCalendar:
        """:meth:`with_years` from JSON text, e.g. a file an admin uploads."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("holiday JSON must be an object mapping years to their data")
        return self.with_years(data)

    def with_local(self, *, periods: Iterable[tuple[time, time]] | None = None,
                   holidays: Iterable[date] = (), workdays: Iterable[date] = (),
                   seasons: Iterable[Season] | None = None) -> WorkingCalendar:
        """A copy with a district's own working ``periods`` and ``seasons`` (None: these) and its own
        days on top: ``holidays`` are days off and ``workdays`` worked days even where the yearly data
        says otherwise (a local closure; a national holiday the district works through).

        >>> from datetime import datetime
        >>> c = WorkingCalendar(years={2026: {"holidays": {"labour": ["2026-05-01", "2026-05-05"]}}})
        >>> local = c.with_local(periods=[(time(8, 30), time(12, 0)), (time(15, 0), time(18, 0))],
        ...                      holidays=[date(2026, 5, 6)], workdays=[date(2026, 5, 5)])
        >>> local.is_working_day(date(2026, 5, 5)), local.is_working_day(date(2026, 5, 6))
        (True, False)
        >>> local.add_working_time(datetime(2026, 5, 7, 11, 0, tzinfo=BEIJING), hours=2).strftime("%H:%M")
        '16:00'
        >>> hours = ((time(8, 30), time(12, 0)), (time(15, 0), time(18, 0)))
        >>> summer = c.with_local(seasons=[Season((5, 1), (9, 30), hours)])
        >>> [summer.add_working_time(datetime(2026, m, 7, 11, 0, tzinfo=BEIJING), hours=2).strftime("%H:%M")
        ...  for m in (4, 5)]
        ['15:00', '16:00']
        """
        off, worked = frozenset(holidays), frozenset(workdays)
        if off & worked:
            raise ValueError(f"days both holiday and working day: {sorted(d.isoformat() for d in off & worked)}")
        years = {year: YearData(data.holidays - worked, data.workdays - off) for year, data in self._year_data.items()}
        return WorkingCalendar(periods=self._periods if periods is None else tuple(periods), weekdays=self._weekdays,
                               years=years, holidays=(self._extra.holidays - worked) | off,
                               workdays=(self._extra.workdays - off) | worked, tz=self._tz,
                               seasons=self._seasons if seasons is None else tuple(seasons))

    # --- Introspection --------------------------------------------------

    @property
    def tz(self) -> tzinfo:
        return self._tz

    @property
    def periods(self) -> tuple[tuple[time, time], ...]:
        """The working periods of a working day outside every season."""
        return self._periods

    @property
    def seasons(self) -> tuple[Season, ...]:
        return self._seasons

    def periods_on(self, day: date) -> tuple[tuple[time, time], ...]:
        """The working periods of ``day`` if it works: its season's, else the ordinary ones."""
        for season in self._seasons:
            if season.holds(day):
                return season.periods
        return self._periods

    @property
    def years(self) -> tuple[int, ...]:
        """The years with holiday data loaded."""
        return tuple(sorted(self._year_data))

    @property
    def working_day_length(self) -> timedelta:
        """Working time in one full working day (7 h by default)."""
        anchor = date(2000, 1, 1)
        return sum((datetime.combine(anchor, end) - datetime.combine(anchor, start)
                    for start, end in self._periods), timedelta(0))

    def covers(self, when: int | date) -> bool:
        """True when holiday data is loaded for that year (or the year of that day)."""
        return (when if isinstance(when, int) else when.year) in self._year_data

    def year_data(self, year: int) -> YearData | None:
        """The holidays and adjusted working days loaded for ``year``; None without data."""
        return self._year_data.get(year)

    def is_holiday(self, day: date) -> bool:
        return day in self._holidays

    def is_adjusted_workday(self, day: date) -> bool:
        return day in self._workdays

    def is_working_day(self, day: date) -> bool:
        """Adjusted working days work; holidays do not; otherwise the weekday rule."""
        if isinstance(day, datetime):
            day = self._to_local(day).date()
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        return day.weekday() in self._weekdays

    def is_working_time(self, dt: datetime) -> bool:
        """True when ``dt`` falls inside a working period (start included, end excluded)."""
        moment = _utc(dt)
        return any(start <= moment < end for start, end in self._windows(self._to_local(dt).date()))

    # --- Arithmetic -----------------------------------------------------

    def next_working_time(self, dt: datetime) -> datetime:
        """The first moment at or after ``dt`` that is working time: when a clock started at ``dt`` begins to run."""
        moment = _utc(dt)
        for start, end in self._windows_from(self._to_local(dt).date()):
            if moment < end:
                return max(start, moment).astimezone(self._tz)
        raise AssertionError("unreachable: _windows_from never ends")

    def add_working_time(self, start: datetime, hours: float = 0, days: int = 0) -> datetime:
        """The deadline ``hours`` working hours or ``days`` working days after ``start``.

        Hours (may be fractional): the clock runs only in working periods; a
        start outside them waits for the next one. A deadline that uses up a
        period exactly ends at that period's end (17:30), not at the next
        morning's start.

        Days (a whole number): the deadline is the end of working hours of
        the Nth working day. The day the clock starts counts as day 1 only if
        it starts at that day's opening (dispatched before or at 08:30 on a
        working day, or any time on a non-working day, which waits for the
        next opening); a case dispatched mid-day gets that part-day as a bonus
        and its N days start the next working day. So Mon 10:00 + 1 day =
        Tue 17:30; Mon 07:00 + 1 day = Mon 17:30; Fri 16:00 + 1 day = next
        working day 17:30.

        Give one of ``hours`` and ``days``; both zero returns ``start``.
        """
        if hours and days:
            raise ValueError("give hours or days, not both")
        if hours < 0 or days < 0:
            raise ValueError("working time to add must not be negative")
        if days:
            if int(days) != days:
                raise ValueError("days must be a whole number; use hours for part-days")
            return self._add_working_days(start, int(days))
        return self.add_working_duration(start, timedelta(hours=hours))

    def add_working_duration(self, start: datetime, duration: timedelta) -> datetime:
        """``start`` plus ``duration`` of working time (see :meth:`add_working_time` for hours).

        Handy to push a deadline back by the working time an event spent
        suspended: ``add_working_duration(deadline, working_time_between(paused, resumed))``.
        """
        moment = _utc(start)
        if duration < timedelta(0):
            raise ValueError("working time to add must not be negative")
        if not duration:
            return start.astimezone(self._tz)
        remaining = duration
        for window_start, window_end in self._windows_from(self._to_local(start).date()):
            if window_end <= moment:
                continue
            begin = max(window_start, moment)
            available = window_end - begin
            if remaining <= available:
                return (begin + remaining).astimezone(self._tz)
            remaining -= available
        raise AssertionError("unreachable: _windows_from never ends")

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from ``a`` to ``b``; negative when ``b`` is before ``a``.

        Antisymmetric: ``between(b, a) == -between(a, b)``. Use it for the
        time an event took (dispatch → handled), how long it is overdue
        (deadline → now) and how much is left (now → deadline).
        """
        start, end = _utc(a), _utc(b)
        if end < start:
            return -self.working_time_between(b, a)
        total = timedelta(0)
        day, last = self._to_local(a).date(), self._to_local(b).date()
        while day <= last:
            for window_start, window_end in self._windows(day):
                overlap = min(window_end, end) - max(window_start, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def overdue_by(self, now: datetime, deadline: datetime) -> timedelta:
        """Working time past ``deadline`` at ``now`` (zero when not overdue)."""
        return max(self.working_time_between(deadline, now), timedelta(0))

    def deadline_state(self, now: datetime, deadline: datetime, *, start: datetime | None = None,
                       warn_fraction: float = 0.2, warn_before: timedelta | None = None) -> str:
        """``"overdue"`` after the deadline, ``"due_soon"`` when little working time is left, else ``"on_time"``.

        "Little" is either or both of: at most ``warn_fraction`` of the whole
        allowance (working time ``start`` → ``deadline``; needs ``start``,
        normally the dispatch time) or at most ``warn_before`` of working
        time. Give ``start`` or ``warn_before``. Exactly at the deadline is
        still not overdue. Remaining time counts working time only, so on a
        Friday evening a deadline at Monday 09:00 has 30 minutes left.
        """
        if start is None and warn_before is None:
            raise ValueError("give start (for warn_fraction) or warn_before")
        if not 0 <= warn_fraction <= 1:
            raise ValueError("warn_fraction must be between 0 and 1")
        if _utc(now) > _utc(deadline):
            return OVERDUE
        remaining = self.working_time_between(now, deadline)
        if warn_before is not None and remaining <= warn_before:
            return DUE_SOON
        if start is not None and remaining <= self.working_time_between(start, deadline) * warn_fraction:
            return DUE_SOON
        return ON_TIME

    # --- Internals ------------------------------------------------------

    def _to_local(self, dt: datetime) -> datetime:
        _utc(dt)  # the aware check
        return dt.astimezone(self._tz)

    def _compute_windows(self, day: date) -> tuple[_Window, ...]:
        """The working periods of ``day`` as UTC intervals; empty on a day off."""
        if not self.is_working_day(day):
            return ()
        return tuple((datetime.combine(day, start, self._tz).astimezone(timezone.utc),
                      datetime.combine(day, end, self._tz).astimezone(timezone.utc))
                     for start, end in self.periods_on(day))

    def _windows_from(self, day: date) -> Iterator[_Window]:
        """Working windows from ``day`` on, without end (guarded against a calendar with none)."""
        idle = 0
        while True:
            windows = self._windows(day)
            if windows:
                idle = 0
                yield from windows
            else:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise ValueError(f"no working day in {_MAX_IDLE_DAYS} days from {day}: check the calendar")
            day += timedelta(days=1)

    def _add_working_days(self, start: datetime, days: int) -> datetime:
        clock = _utc(self.next_working_time(start))
        day = clock.astimezone(self._tz).date()
        if clock != self._windows(day)[0][0]:
            # The clock starts mid-day: that part-day is a bonus, day 1 is the next one.
            day = self._next_working_day(day)
        for _ in range(days - 1):
            day = self._next_working_day(day)
        return self._windows(day)[-1][1].astimezone(self._tz)

    def _next_working_day(self, day: date) -> date:
        for _ in range(_MAX_IDLE_DAYS):
            day += timedelta(days=1)
            if self._windows(day):
                return day
        raise ValueError(f"no working day in {_MAX_IDLE_DAYS} days after {day}: check the calendar")

    def __repr__(self) -> str:
        periods = ", ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in self._periods)
        return (f"WorkingCalendar(tz={self._tz}, periods=[{periods}], weekdays={sorted(self._weekdays)}, "
                f"years={self.years})")


def _utc(dt: datetime) -> datetime:
    """``dt`` in UTC; refuses naive datetimes (is 09:00 UTC or Beijing time?)."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()}: give a timezone-aware datetime")
    return dt.astimezone(timezone.utc)


def _check_periods(periods: tuple[tuple[time, time], ...]) -> tuple[tuple[time, time], ...]:
    """Working periods must be non-empty, naive, ordered and not overlapping."""
    if not periods:
        raise ValueError("a working day needs at least one working period")
    previous_end: time | None = None
    for start, end in periods:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working periods are wall-clock times: give naive times")
        if not start < end:
            raise ValueError(f"working period {start}–{end} must start before it ends")
        if previous_end is not None and start < previous_end:
            raise ValueError("working periods must be sorted and must not overlap")
        previous_end = end
    return periods


# --- Module-level shortcuts on the default calendar --------------------------

#: PRC working hours and weekdays, Asia/Shanghai, without any year's holidays
#: (app.events.holidays.PRC has the chinesecalendar package's years).
DEFAULT_CALENDAR = WorkingCalendar()


def add_working_time(start: datetime, hours: float = 0, days: int = 0, *,
                     calendar: WorkingCalendar | None = None) -> datetime:
    """:meth:`WorkingCalendar.add_working_time` on ``calendar`` (default: ``DEFAULT_CALENDAR``)."""
    return (calendar or DEFAULT_CALENDAR).add_working_time(start, hours=hours, days=days)


def working_time_between(a: datetime, b: datetime, *, calendar: WorkingCalendar | None = None) -> timedelta:
    """:meth:`WorkingCalendar.working_time_between` on ``calendar`` (default: ``DEFAULT_CALENDAR``)."""
    return (calendar or DEFAULT_CALENDAR).working_time_between(a, b)


def is_working_time(dt: datetime, *, calendar: WorkingCalendar | None = None) -> bool:
    """:meth:`WorkingCalendar.is_working_time` on ``calendar`` (default: ``DEFAULT_CALENDAR``)."""
    return (calendar or DEFAULT_CALENDAR).is_working_time(dt)


def deadline_state(now: datetime, deadline: datetime, *, start: datetime | None = None,
                   warn_fraction: float = 0.2, warn_before: timedelta | None = None,
                   calendar: WorkingCalendar | None = None) -> str:
    """:meth:`WorkingCalendar.deadline_state` on ``calendar`` (default: ``DEFAULT_CALENDAR``)."""
    return (calendar or DEFAULT_CALENDAR).deadline_state(now, deadline, start=start, warn_fraction=warn_fraction,
                                                         warn_before=warn_before)
