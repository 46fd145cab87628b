"""PRC holidays and adjusted working days (调休) come from the chinesecalendar package (issue 17):
checked against the published notices, kept current by upgrading the package; GRIDMAP_HOLIDAYS_FILE
still replaces a year (tests/events/test_holidays.py)."""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from app.events import holidays
from app.events.calendar import parse_year
from app.events.holidays import CN_YEARS, PRC as DEFAULT_CALENDAR, prc
from tests.events.cn_2026 import CN_2026


def _days(first: str, last: str) -> set[date]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return {a + timedelta(days=i) for i in range((b - a).days + 1)}


def test_the_pinned_package_knows_every_year_from_2004_to_2026():
    # Upgrading chinesecalendar adds years: then move the tests' "missing year" (2027 in
    # test_holidays.py) to the year after the package's new last one, and pin the version here.
    assert chinese_calendar.__version__ == "1.11.0" == holidays.package_version()
    assert list(CN_YEARS) == list(range(2004, 2027))
    assert DEFAULT_CALENDAR.years == tuple(CN_YEARS) and prc().years == tuple(CN_YEARS)


def test_the_package_2026_is_the_published_notice():
    assert CN_YEARS[2026] == parse_year(CN_2026)


@pytest.mark.parametrize("year, off, worked", [
    # 2025: 春节 1月28日至2月4日, 1月26日(周日)、2月8日(周六)上班; 国庆中秋 10月1日至8日, 9月28日、10月11日上班.
    (2025, [("2025-01-28", "2025-02-04"), ("2025-10-01", "2025-10-08")],
     ["2025-01-26", "2025-02-08", "2025-09-28", "2025-10-11"]),
    # 2024: 春节 2月10日至17日, 2月4日(周日)、2月18日(周日)上班.
    (2024, [("2024-02-10", "2024-02-17")], ["2024-02-04", "2024-02-18"]),
    # 2015: 抗战胜利70周年纪念日 9月3日至5日, 9月6日(周日)上班.
    (2015, [("2015-09-03", "2015-09-05")], ["2015-09-06"]),
])
def test_earlier_years_hold_the_published_arrangements(year, off, worked):
    data = CN_YEARS[year]
    for first, last in off:
        # The package lists the weekdays of a holiday, and its weekend days only in some years.
        assert {d for d in _days(first, last) if d.weekday() < 5} <= data.holidays
        assert not any(DEFAULT_CALENDAR.is_working_day(d) for d in _days(first, last))
    for day in worked:
        assert date.fromisoformat(day) in data.workdays and date.fromisoformat(day).weekday() >= 5
        assert DEFAULT_CALENDAR.is_working_day(date.fromisoformat(day))


def test_every_year_has_the_working_days_of_a_chinese_year():
    # 365/366 days less weekends and 10 (2004-2007), 11 or 13 (from 2025) statutory holidays.
    for year in CN_YEARS:
        days = [date(year, 1, 1) + timedelta(days=i) for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]
        assert 244 <= sum(DEFAULT_CALENDAR.is_working_day(d) for d in days) <= 252, year


def test_a_year_the_package_does_not_know_is_still_warned_about():
    assert holidays.missing_years(DEFAULT_CALENDAR, date(2026, 12, 1)) == [2027]
    assert holidays.missing_years(DEFAULT_CALENDAR, date(2026, 11, 30)) == []
    assert holidays.is_built_in(DEFAULT_CALENDAR, 2026) and not holidays.is_built_in(DEFAULT_CALENDAR, 2027)
