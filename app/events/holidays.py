"""The working calendar this instance counts deadlines on: built-in years plus ``GRIDMAP_HOLIDAYS_FILE``.

The State Council publishes each year's holiday arrangement (节假日安排) in
November or December. The built-in years (``CN_YEARS``, the calendar ``PRC``)
come from the ``chinesecalendar`` package, which publishes a release with the
new year soon after: upgrading it (``pip install -U chinesecalendar``, then
pinning the new version in requirements.txt) keeps the calendar current. An
operations centre that cannot wait, or has its own days off (a typhoon
closure), points ``GRIDMAP_HOLIDAYS_FILE`` at a JSON file of years::

    {"2027": {"holidays": {"new_year": ["2027-01-01", "2027-01-03"], ...},
              "workdays": ["2027-02-06", ...]}}

A year in the file replaces the built-in year of that number wholesale. The
file is read once at start-up and a bad one stops start-up with a message
naming the setting, the file and what is wrong: deadlines counted on a
half-read calendar would be wrong without anyone noticing.

For a year with no data, deadlines count Monday to Friday only; the home
page tells administrators (``missing_years``) so the year gets loaded before
its first holiday.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from flask import current_app, has_app_context

from app.config import ConfigError
from app.districts import settings as district_settings
from app.events import calendar as cal

#: Where the app keeps its calendar (``app.extensions``).
EXTENSION = "gridmap_calendar"
#: From this month on, next year's arrangement is expected to be loaded: the
#: notice came out on 2024-11-12 for 2025 and on 2025-11-04 for 2026.
NEXT_YEAR_DUE_MONTH = 12


def _package_years() -> dict[int, cal.YearData]:
    """Every year of holidays and adjusted working days in the ``chinesecalendar`` package.

    Its tables list each weekday of each holiday (and, in most years, the
    weekend days inside one) and each worked weekend day: exactly the days
    :class:`~app.events.calendar.YearData` needs.
    """
    from chinese_calendar import constants

    years: dict[int, tuple[set[date], set[date]]] = {}
    for day in constants.holidays:
        years.setdefault(day.year, (set(), set()))[0].add(day)
    for day in constants.workdays:
        years.setdefault(day.year, (set(), set()))[1].add(day)
    return {year: cal.YearData(frozenset(off), frozenset(worked)) for year, (off, worked) in sorted(years.items())}


#: The State Council arrangements by year, 2004 to the newest the package knows.
CN_YEARS: dict[int, cal.YearData] = _package_years()
#: The PRC working calendar: default hours, Monday to Friday, the package's years.
PRC = cal.WorkingCalendar(years=CN_YEARS)


def prc(extra_years=None, **options) -> cal.WorkingCalendar:
    """The PRC calendar with ``extra_years`` added (and other WorkingCalendar ``options``)."""
    return cal.WorkingCalendar(years={**CN_YEARS, **(extra_years or {})}, **options)


def load(path: str | Path | None) -> cal.WorkingCalendar:
    """The PRC calendar with the years of the file at ``path`` added (none: the built-in years)."""
    if not path:
        return PRC
    setting = f"GRIDMAP_HOLIDAYS_FILE={str(path)!r}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{setting}: no such file; give the path of a JSON file of years "
                          "(docs/deployment.md, 'Working calendar')") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{setting}: cannot be read as UTF-8 text ({exc})") from None
    try:
        return PRC.with_years_json(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{setting}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except ValueError as exc:
        raise ConfigError(f"{setting}: {exc}; expected "
                          '{"2027": {"holidays": {"new_year": ["2027-01-01", "2027-01-03"]}, '
                          '"workdays": ["2027-02-06"]}}') from None


def init_app(app) -> None:
    """Read ``HOLIDAYS_FILE`` once; the app counts every deadline on the result."""
    app.extensions[EXTENSION] = load(app.config.get("HOLIDAYS_FILE"))


def current() -> cal.WorkingCalendar:
    """The calendar of the running app; the built-in one outside an app (pure code, scripts)."""
    if has_app_context():
        return current_app.extensions.get(EXTENSION, PRC)
    return PRC


#: District calendars built, by (the deployment's calendar, the district's section): a changed section
#: (or holidays file) builds anew, an unchanged one is reused with its cached days.
_DISTRICT_CALENDARS: dict[tuple[cal.WorkingCalendar, object], cal.WorkingCalendar] = {}


def for_district(code: str | None) -> cal.WorkingCalendar:
    """The calendar district ``code``'s deadlines are counted on: the app's, with the district's own
    working hours and days on top (app.districts.settings); the app's for None or a district without."""
    base = current()
    if not code or not has_app_context():
        return base
    local = district_settings.calendar_settings(code)
    if local is None:
        return base
    key = (base, local)
    found = _DISTRICT_CALENDARS.get(key)
    if found is None:
        found = base.with_local(periods=local.hours, holidays=local.days_off, workdays=local.workdays,
                                seasons=[cal.Season(first, last, periods) for first, last, periods in local.seasons])
        if len(_DISTRICT_CALENDARS) > 256:
            _DISTRICT_CALENDARS.clear()
        _DISTRICT_CALENDARS[key] = found
    return found


def missing_years(calendar: cal.WorkingCalendar, today: date) -> list[int]:
    """The years deadlines are being (or are about to be) counted in without their holidays:
    this year when it has no data, and next year from ``NEXT_YEAR_DUE_MONTH`` on."""
    due = [today.year] + ([today.year + 1] if today.month >= NEXT_YEAR_DUE_MONTH else [])
    return [year for year in due if not calendar.covers(year)]


def is_built_in(calendar: cal.WorkingCalendar, year: int) -> bool:
    """True when ``year``'s data in ``calendar`` is the package's (not replaced by the file)."""
    built_in = CN_YEARS.get(year)
    return built_in is not None and calendar.year_data(year) == built_in


def package_version() -> str:
    """The version of the ``chinesecalendar`` package the built-in years come from."""
    import chinese_calendar

    return chinese_calendar.__version__
