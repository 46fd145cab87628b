"""Working-time arithmetic: hours, lunch, weekends, 2026 holidays and 调休 days."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone

import pytest

from app.events import calendar as cal
from app.events.calendar import BEIJING, WorkingCalendar
from app.events.holidays import PRC, prc
from tests.events.cn_2026 import CN_2026

C = PRC  # the PRC calendar with the chinesecalendar package's years (app.events.holidays)
H = timedelta(hours=1)


def bj(*args: int) -> datetime:
    """A Beijing-time datetime: bj(2026, 3, 2, 9, 30)."""
    return datetime(*args, tzinfo=BEIJING)


# 2026-03-02 is a Monday with no holiday around it.
MON = (2026, 3, 2)
FRI = (2026, 3, 6)
SAT = (2026, 3, 7)
NEXT_MON = (2026, 3, 9)


# --- Working days in 2026 -------------------------------------------------------


def test_2026_has_248_working_days():
    # 365 days − 104 weekend days − 13 statutory holidays (2025 rules) = 248.
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    assert sum(C.is_working_day(d) for d in days) == 248


@pytest.mark.parametrize(("name", "first", "length"), [
    ("new_year", date(2026, 1, 1), 3), ("spring_festival", date(2026, 2, 15), 9),
    ("qingming", date(2026, 4, 4), 3), ("labour_day", date(2026, 5, 1), 5),
    ("dragon_boat", date(2026, 6, 19), 3), ("mid_autumn", date(2026, 9, 25), 3),
    ("national_day", date(2026, 10, 1), 7),
])
def test_2026_holidays_as_published(name, first, length):
    assert CN_2026["holidays"][name][0] == first.isoformat()
    for i in range(length):
        assert not C.is_working_day(first + timedelta(days=i))
        assert C.is_holiday(first + timedelta(days=i))
    # In 2026 every holiday ends the day before a working day.
    assert C.is_working_day(first + timedelta(days=length))


@pytest.mark.parametrize("day", [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
                                 date(2026, 9, 20), date(2026, 10, 10)])
def test_2026_adjusted_working_days_fall_on_weekends_and_are_worked(day):
    assert day.weekday() >= 5
    assert C.is_adjusted_workday(day)
    assert C.is_working_day(day)
    assert C.is_working_time(datetime.combine(day, time(10), BEIJING))


def test_ordinary_weekends_are_not_worked():
    assert not C.is_working_day(date(*SAT))
    assert not C.is_working_day(date(2026, 3, 8))
    assert C.is_working_day(date(*MON))


# --- is_working_time -------------------------------------------------------------


@pytest.mark.parametrize(("moment", "expected"), [
    (bj(*MON, 8, 29, 59), False),
    (bj(*MON, 8, 30), True),
    (bj(*MON, 11, 59, 59), True),
    (bj(*MON, 12, 0), False),   # lunch starts: periods are half-open
    (bj(*MON, 13, 0), False),
    (bj(*MON, 14, 0), True),
    (bj(*MON, 17, 29), True),
    (bj(*MON, 17, 30), False),
    (bj(*SAT, 10, 0), False),
    (bj(2026, 10, 1, 10, 0), False),   # National Day
    (bj(2026, 2, 14, 10, 0), True),    # adjusted Saturday
])
def test_is_working_time(moment, expected):
    assert C.is_working_time(moment) is expected
    assert C.is_working_time(moment) is expected


def test_other_time_zones_are_converted():
    # 01:00 UTC is 09:00 in Beijing; 05:00 UTC is 13:00 (lunch).
    assert C.is_working_time(datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc))
    assert not C.is_working_time(datetime(2026, 3, 2, 5, 0, tzinfo=timezone.utc))
    # Sunday 23:00 UTC is already Monday 07:00 in Beijing: not yet working,
    # but the day is a working day.
    assert C.is_working_day(datetime(2026, 3, 1, 23, 0, tzinfo=timezone.utc))


# --- add_working_time: hours ---------------------------------------------------------


@pytest.mark.parametrize(("start", "hours", "expected"), [
    (bj(*MON, 9, 0), 2, bj(*MON, 11, 0)),
    (bj(*MON, 11, 0), 2, bj(*MON, 15, 0)),          # across lunch
    (bj(*MON, 12, 30), 1, bj(*MON, 15, 0)),         # dispatched during lunch
    (bj(*MON, 7, 0), 1, bj(*MON, 9, 30)),           # before opening
    (bj(*MON, 8, 30), 3.5, bj(*MON, 12, 0)),        # exactly a morning: ends at 12:00, not 14:00
    (bj(*MON, 8, 30), 7, bj(*MON, 17, 30)),         # a full day ends that evening
    (bj(*MON, 16, 0), 4, bj(2026, 3, 3, 11, 0)),    # overnight
    (bj(*MON, 20, 0), 0.5, bj(2026, 3, 3, 9, 0)),
    (bj(*FRI, 16, 30), 4, bj(*NEXT_MON, 11, 30)),   # across a weekend
    (bj(*SAT, 10, 0), 1, bj(*NEXT_MON, 9, 30)),     # reported on Saturday
    (bj(*MON, 9, 0), 0.25, bj(*MON, 9, 15)),
    (bj(*MON, 9, 0), 0, bj(*MON, 9, 0)),
])
def test_add_working_hours(start, hours, expected):
    result = C.add_working_time(start, hours=hours)
    assert result == expected
    assert result.tzinfo is BEIJING


def test_add_working_time_answers_in_beijing_time_for_utc_input():
    result = cal.add_working_time(datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc), hours=4)  # 09:00 BJ
    assert result == bj(*MON, 15, 0)  # 3 h before lunch, 1 h after
    assert result.utcoffset() == timedelta(hours=8)


def test_hours_across_national_day():
    # Wed 30 Sep 16:00: 1.5 h that day, then 1–7 Oct off, resume Thu 8 Oct.
    assert C.add_working_time(bj(2026, 9, 30, 16, 0), hours=2) == bj(2026, 10, 8, 9, 0)
    # 8 h from 16:00 on 30 Sep: 1.5 + 7 (8 Oct) = 8.5 ≥ 8 → 8 Oct 17:00.
    assert C.add_working_time(bj(2026, 9, 30, 16, 0), hours=8) == bj(2026, 10, 8, 17, 0)


def test_hours_into_the_adjusted_saturday_before_spring_festival():
    # Fri 13 Feb 16:00: 1.5 h on Friday, then Saturday 14 Feb is worked.
    assert C.add_working_time(bj(2026, 2, 13, 16, 0), hours=4) == bj(2026, 2, 14, 11, 0)


def test_hours_across_spring_festival():
    # Sat 14 Feb (worked) 17:00: 0.5 h, then 15–23 Feb off, Tue 24 Feb on.
    assert C.add_working_time(bj(2026, 2, 14, 17, 0), hours=1) == bj(2026, 2, 24, 9, 0)


def test_hours_from_a_new_year_holiday_into_the_adjusted_sunday():
    # Fri 2 Jan is a holiday, Sat 3 Jan too, Sun 4 Jan is worked.
    assert C.add_working_time(bj(2026, 1, 2, 10, 0), hours=1) == bj(2026, 1, 4, 9, 30)


def test_hours_on_the_adjusted_sunday_before_national_day():
    # Sat 19 Sep 10:00 waits for Sun 20 Sep (worked), not Mon 21 Sep.
    assert C.add_working_time(bj(2026, 9, 19, 10, 0), hours=1) == bj(2026, 9, 20, 9, 30)


# --- add_working_time: days ------------------------------------------------------------


@pytest.mark.parametrize(("start", "days", "expected"), [
    (bj(*MON, 10, 0), 1, bj(2026, 3, 3, 17, 30)),     # mid-day start: day 1 is tomorrow
    (bj(*MON, 7, 0), 1, bj(*MON, 17, 30)),            # before opening: today counts
    (bj(*MON, 8, 30), 1, bj(*MON, 17, 30)),           # at opening: today counts
    (bj(*MON, 8, 30, 1), 1, bj(2026, 3, 3, 17, 30)),  # a second late: it does not
    (bj(*MON, 10, 0), 5, bj(*NEXT_MON, 17, 30)),
    (bj(*FRI, 16, 0), 1, bj(*NEXT_MON, 17, 30)),      # across a weekend
    (bj(*SAT, 10, 0), 1, bj(*NEXT_MON, 17, 30)),      # a weekend report: Monday is day 1
    (bj(*MON, 18, 0), 2, bj(2026, 3, 4, 17, 30)),     # evening: next morning is day 1
])
def test_add_working_days(start, days, expected):
    assert C.add_working_time(start, days=days) == expected


def test_days_across_national_day_and_the_adjusted_saturday():
    # 30 Sep mid-day: day 1 = Thu 8 Oct, day 2 = Fri 9 Oct, day 3 = Sat 10 Oct (worked).
    start = bj(2026, 9, 30, 10, 0)
    assert C.add_working_time(start, days=1) == bj(2026, 10, 8, 17, 30)
    assert C.add_working_time(start, days=3) == bj(2026, 10, 10, 17, 30)
    assert C.add_working_time(start, days=4) == bj(2026, 10, 12, 17, 30)


def test_green_space_care_five_working_days_over_spring_festival():
    # Thu 12 Feb 10:00 + 5 working days: 13 Feb (Fri), 14 Feb (Sat, worked),
    # 24, 25, 26 Feb.
    assert C.add_working_time(bj(2026, 2, 12, 10, 0), days=5) == bj(2026, 2, 26, 17, 30)


def test_days_over_labour_day():
    # Thu 30 Apr 10:00: 1–5 May off, Wed 6 May is day 1, Sat 9 May is worked.
    assert C.add_working_time(bj(2026, 4, 30, 10, 0), days=1) == bj(2026, 5, 6, 17, 30)
    assert C.add_working_time(bj(2026, 4, 30, 10, 0), days=4) == bj(2026, 5, 9, 17, 30)


@pytest.mark.parametrize("kwargs", [{"hours": 1, "days": 1}, {"hours": -1}, {"days": -2}, {"days": 1.5}])
def test_add_working_time_refuses_bad_amounts(kwargs):
    with pytest.raises(ValueError):
        C.add_working_time(bj(*MON, 9, 0), **kwargs)


# --- working_time_between ---------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "expected"), [
    (bj(*MON, 9, 0), bj(*MON, 11, 0), 2 * H),
    (bj(*MON, 11, 0), bj(*MON, 15, 0), 2 * H),              # lunch does not count
    (bj(*MON, 12, 10), bj(*MON, 13, 50), timedelta(0)),     # all lunch
    (bj(*MON, 6, 0), bj(*MON, 20, 0), 7 * H),               # the whole working day
    (bj(*FRI, 16, 0), bj(*NEXT_MON, 10, 0), 3 * H),         # 1.5 + weekend 0 + 1.5
    (bj(*MON, 8, 30), bj(*NEXT_MON, 8, 30), 35 * H),        # one working week
    (bj(2026, 2, 13, 17, 0), bj(2026, 2, 24, 9, 0), 8 * H),  # 0.5 + Sat 14 Feb 7 + 0.5
    (bj(2026, 9, 30, 8, 30), bj(2026, 10, 11, 8, 30), 28 * H),  # 30 Sep, 8, 9, 10 (Sat) Oct
    (bj(*MON, 9, 0), bj(*MON, 9, 0), timedelta(0)),
])
def test_working_time_between(a, b, expected):
    assert C.working_time_between(a, b) == expected
    assert C.working_time_between(b, a) == -expected
    assert C.working_time_between(a, b) == expected


def test_working_time_between_mixed_time_zones():
    a = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 Beijing
    assert C.working_time_between(a, bj(*MON, 10, 0)) == H


@pytest.mark.parametrize("start", [bj(*MON, 7, 0), bj(*MON, 9, 17), bj(*MON, 12, 30), bj(*FRI, 17, 0),
                                   bj(*SAT, 12, 0), bj(2026, 9, 29, 15, 0), bj(2026, 2, 13, 11, 0)])
@pytest.mark.parametrize("hours", [0.5, 3.5, 7, 10, 40])
def test_adding_then_measuring_gives_the_same_working_time(start, hours):
    deadline = C.add_working_time(start, hours=hours)
    assert C.working_time_between(start, deadline) == timedelta(hours=hours)
    assert deadline > start


# --- deadline_state and overdue_by --------------------------------------------------------


@pytest.mark.parametrize(("now", "expected"), [
    (bj(*MON, 9, 0), "on_time"),
    (bj(*MON, 14, 0), "on_time"),            # 7 of 10 h left (lunch does not count)
    (bj(2026, 3, 3, 9, 0), "on_time"),       # 3 h left
    (bj(2026, 3, 3, 10, 0), "due_soon"),     # 2 h left = 20 % of 10 h
    (bj(2026, 3, 3, 12, 0), "due_soon"),     # exactly at the deadline: still not overdue
    (bj(2026, 3, 3, 12, 1), "overdue"),
    (bj(2026, 3, 3, 13, 0), "overdue"),      # lunch, but after the deadline
])
def test_deadline_state_with_warn_fraction(now, expected):
    start = bj(*MON, 9, 0)
    deadline = C.add_working_time(start, hours=10)
    assert deadline == bj(2026, 3, 3, 12, 0)  # 6.5 h on Monday + 3.5 h on Tuesday
    assert C.deadline_state(now, deadline, start=start) == expected
    assert cal.deadline_state(now, deadline, start=start) == expected


def test_deadline_state_counts_only_working_time_left():
    # Friday 18:00, deadline Monday 09:00: only 30 working minutes remain.
    deadline = bj(*NEXT_MON, 9, 0)
    assert C.deadline_state(bj(*FRI, 18, 0), deadline, warn_before=H) == "due_soon"
    assert C.deadline_state(bj(*FRI, 18, 0), deadline, warn_before=timedelta(minutes=20)) == "on_time"


def test_deadline_state_either_threshold_warns():
    start, deadline = bj(*MON, 8, 30), bj(*FRI, 17, 30)  # 35 h allowance
    now = bj(*FRI, 9, 0)
    assert C.working_time_between(now, deadline) == timedelta(hours=6.5)
    assert C.deadline_state(now, deadline, start=start) == "due_soon"          # 6.5 ≤ 7
    assert C.deadline_state(now, deadline, start=start, warn_fraction=0.1) == "on_time"
    assert C.deadline_state(now, deadline, start=start, warn_fraction=0.1, warn_before=7 * H) == "due_soon"


@pytest.mark.parametrize("kwargs", [{}, {"start": bj(*MON, 9, 0), "warn_fraction": 1.5}])
def test_deadline_state_needs_a_threshold(kwargs):
    with pytest.raises(ValueError):
        C.deadline_state(bj(*MON, 10, 0), bj(*MON, 17, 0), **kwargs)


def test_overdue_by_in_working_time():
    deadline = bj(*FRI, 17, 0)
    # Fri 17:00→17:30 and Mon 08:30→09:30.
    assert C.overdue_by(bj(*NEXT_MON, 9, 30), deadline) == 1.5 * H
    assert C.overdue_by(bj(*NEXT_MON, 9, 30), deadline) == C.working_time_between(deadline, bj(*NEXT_MON, 9, 30))
    assert C.overdue_by(bj(*FRI, 9, 0), deadline) == timedelta(0)


# --- Naive datetimes -------------------------------------------------------------------


NAIVE = datetime(2026, 3, 2, 9, 0)


@pytest.mark.parametrize("call", [
    lambda: C.is_working_time(NAIVE),
    lambda: C.add_working_time(NAIVE, hours=1),
    lambda: C.add_working_time(NAIVE, days=1),
    lambda: C.add_working_duration(NAIVE, H),
    lambda: C.add_working_time(NAIVE),
    lambda: C.working_time_between(NAIVE, bj(*MON, 10, 0)),
    lambda: C.working_time_between(bj(*MON, 10, 0), NAIVE),
    lambda: C.next_working_time(NAIVE),
    lambda: C.deadline_state(NAIVE, bj(*MON, 17, 0), warn_before=H),
    lambda: C.deadline_state(bj(*MON, 10, 0), NAIVE, warn_before=H),
    lambda: cal.add_working_time(NAIVE, hours=1),
    lambda: cal.working_time_between(NAIVE, NAIVE),
    lambda: cal.is_working_time(NAIVE),
])
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="naive"):
        call()


def test_a_date_is_not_a_datetime():
    with pytest.raises(TypeError):
        C.is_working_time(date(*MON))


# --- Pausing (suspension) ----------------------------------------------------------------


def test_push_a_deadline_back_by_the_time_spent_suspended():
    deadline = bj(*MON, 16, 0)
    paused, resumed = bj(*MON, 11, 0), bj(2026, 3, 3, 9, 30)
    suspended_for = C.working_time_between(paused, resumed)
    assert suspended_for == timedelta(hours=1 + 3.5 + 1)  # Mon morning, Mon afternoon, Tue morning
    # 16:00 Monday + 5.5 h: 1.5 h on Monday, 3.5 h Tuesday morning, 0.5 h after lunch.
    assert C.add_working_duration(deadline, suspended_for) == bj(2026, 3, 3, 14, 30)


def test_next_working_time():
    assert C.next_working_time(bj(*MON, 12, 0)) == bj(*MON, 14, 0)
    assert C.next_working_time(bj(*MON, 9, 0)) == bj(*MON, 9, 0)
    assert C.next_working_time(bj(2026, 9, 30, 17, 30)) == bj(2026, 10, 8, 8, 30)


# --- Configuration and loading more years ------------------------------------------------


def test_custom_hours_and_six_day_week():
    six_days = WorkingCalendar(periods=[(time(9), time(18))], weekdays=range(6))
    assert six_days.working_day_length == 9 * H
    assert six_days.is_working_time(bj(*SAT, 10, 0))
    assert not six_days.is_working_time(bj(2026, 3, 8, 10, 0))  # Sunday
    assert six_days.add_working_time(bj(*SAT, 17, 0), hours=2) == bj(*NEXT_MON, 10, 0)
    # No holiday data: National Day is an ordinary Thursday for it.
    assert six_days.is_working_day(date(2026, 10, 1))
    assert not six_days.covers(2026)


def test_default_calendar_shape():
    assert C.working_day_length == 7 * H
    assert C.tz is BEIJING
    assert C.years == tuple(range(2004, 2027))  # the chinesecalendar package's years
    assert C.covers(2026) and C.covers(date(2026, 6, 1))
    assert not C.covers(2027)


YEAR_2027 = {
    # Made-up data for the test, NOT the official 2027 arrangement.
    "holidays": {"new_year": "2027-01-01", "test_break": ["2027-03-01", "2027-03-03"]},
    "workdays": ["2027-03-06"],
}


def test_with_years_adds_a_year_without_changing_the_original():
    extended = C.with_years({"2027": YEAR_2027})
    assert extended.years[-2:] == (2026, 2027)
    assert C.years[-1] == 2026
    assert not extended.is_working_day(date(2027, 1, 1))
    assert C.is_working_day(date(2027, 1, 1))  # a Friday for the unextended one
    assert not extended.is_working_day(date(2027, 3, 2))
    assert extended.is_working_day(date(2027, 3, 6))  # Saturday made a working day
    # Monday 1 March 10:00 + 1 day → Thu 4 March 17:30.
    assert extended.add_working_time(bj(2027, 3, 1, 10, 0), days=1) == bj(2027, 3, 4, 17, 30)
    # 2026 still applies.
    assert not extended.is_working_day(date(2026, 10, 1))


def test_with_years_json_and_replacing_a_year():
    extended = C.with_years_json(json.dumps({"2027": YEAR_2027}))
    assert not extended.is_working_day(date(2027, 3, 2))
    corrected = extended.with_years({2027: {"holidays": {"new_year": "2027-01-01"}}})
    assert corrected.is_working_day(date(2027, 3, 2))  # the whole year was replaced
    assert not corrected.is_working_day(date(2027, 1, 1))


def test_china_with_extra_years_and_local_days_off():
    local = prc({2027: YEAR_2027}, holidays=["2026-03-02"])
    assert local.years[-2:] == (2026, 2027)
    assert not local.is_working_day(date(*MON))  # e.g. a typhoon closure


@pytest.mark.parametrize("data", [
    {"2027": {"holiday": {"x": "2027-01-01"}}},                         # typo'd key
    {"2027": {"holidays": {"x": "2027-02-30"}}},                        # no such day
    {"2027": {"holidays": {"x": ["2027-01-03", "2027-01-01"]}}},        # backwards range
    {"2027": {"holidays": {"x": ["2027-01-01"]}}},                      # not a pair
    {"2027": {"holidays": {"x": "2027-01-02"}, "workdays": ["2027-01-02"]}},  # both
    {"next": {"holidays": {}}},                                         # not a year
])
def test_bad_holiday_data_is_refused(data):
    with pytest.raises(ValueError):
        C.with_years(data)


def test_bad_holiday_json_is_refused():
    with pytest.raises(ValueError):
        C.with_years_json("[]")


@pytest.mark.parametrize("periods", [
    [],
    [(time(12), time(9))],
    [(time(8, 30), time(12)), (time(11), time(17))],   # overlap
    [(time(14), time(17)), (time(8), time(12))],       # unsorted
])
def test_bad_periods_are_refused(periods):
    with pytest.raises(ValueError):
        WorkingCalendar(periods=periods)


def test_a_calendar_without_working_days_fails_instead_of_looping():
    never = WorkingCalendar(weekdays=())
    with pytest.raises(ValueError, match="no working day"):
        never.add_working_time(bj(*MON, 9, 0), hours=1)
    with pytest.raises(ValueError, match="no working day"):
        never.add_working_time(bj(*MON, 9, 0), days=1)
