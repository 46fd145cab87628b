"""The patrol map opens on the last full working day, and a day in progress is judged on its hours so far.

Seen on the demo at 10:30: nearly every grid hatched "under-patrolled", because the map opened on
today and judged a day that had barely begun against a whole day's targets.
"""
from __future__ import annotations

import doctest
import re
from datetime import date, datetime, time, timedelta

import pytest

from app.events.holidays import PRC
from app.patrols import period as patrol_period
from tests.patrols.helpers import BEIJING, WEST, make_worker, store, walk

CAL = PRC  # the PRC working calendar with the chinesecalendar package's years
#: Tuesday 2026-05-12, 10:30 in Beijing: a working morning.
TUESDAY_MORNING = datetime(2026, 5, 12, 10, 30, tzinfo=BEIJING)


def test_the_period_module_doctests():
    result = doctest.testmod(patrol_period)
    assert result.attempted >= 8 and result.failed == 0


@pytest.mark.parametrize("at, expected", [
    (datetime(2026, 5, 12, 10, 30), date(2026, 5, 11)),   # Tuesday morning: Monday
    (datetime(2026, 5, 12, 17, 29), date(2026, 5, 11)),   # the last minute of work still counts as begun
    (datetime(2026, 5, 12, 17, 30), date(2026, 5, 12)),   # working hours over: today is full
    (datetime(2026, 5, 11, 9, 0), date(2026, 5, 9)),      # Monday: Saturday 9 May was a working day (调休)
    (datetime(2026, 5, 18, 9, 0), date(2026, 5, 15)),     # an ordinary Monday: Friday
    (datetime(2026, 10, 8, 12, 0), date(2026, 9, 30)),    # after the National Day week
    (datetime(2026, 5, 16, 20, 0), date(2026, 5, 15)),    # Saturday evening: Friday
])
def test_last_full_working_day(at, expected):
    assert patrol_period.last_full_working_day(at.replace(tzinfo=BEIJING), CAL) == expected


@pytest.mark.parametrize("at, expected", [
    (datetime(2026, 5, 12, 8, 0), 0.0),     # before work: nothing to judge yet
    (datetime(2026, 5, 12, 10, 15), 0.25),  # 1 h 45 of 7 h
    (datetime(2026, 5, 12, 13, 0), 0.5),    # lunch: the morning's 3.5 h
    (datetime(2026, 5, 12, 20, 0), 1.0),
    (datetime(2026, 5, 11, 12, 0), 0.0),    # the day before the period
])
def test_judged_days_of_a_day(at, expected):
    day = patrol_period.Period(date(2026, 5, 12), date(2026, 5, 12))
    assert patrol_period.judged_days(day, at.replace(tzinfo=BEIJING), CAL) == expected


def _clock(monkeypatch, at: datetime):
    monkeypatch.setattr(patrol_period, "now", lambda: at)


@pytest.fixture
def morning_walker(db, sample, monkeypatch):
    """A worker who walked 40 minutes on Monday and 40 minutes this Tuesday morning."""
    _clock(monkeypatch, TUESDAY_MORNING)
    worker = make_worker("opening-walker", areas=[WEST])
    db.session.commit()
    monday = datetime.combine(date(2026, 5, 11), time(9, 0), BEIJING)
    tuesday = datetime.combine(date(2026, 5, 12), time(9, 0), BEIJING)
    store(worker.id, walk(0, 240, from_m=(-600.0, 30.0), step_m=(2.0, 0.0), t0=monday), now=TUESDAY_MORNING)
    store(worker.id, walk(0, 240, from_m=(-600.0, 30.0), step_m=(2.0, 0.0), t0=tuesday), now=TUESDAY_MORNING)
    return worker


def _shown(html: str, field: str) -> str:
    return re.search(rf'id="patrol-{field}" name="{field}" value="([^"]*)"', html).group(1)


def test_the_map_opens_on_the_last_full_working_day_not_on_a_barely_begun_today(client, morning_walker):
    html = client.get("/maps/patrols").get_data(as_text=True)
    assert [_shown(html, f) for f in ("from", "to", "date")] == ["2026-05-11"] * 3
    assert '"from": "2026-05-11"' in html and '"date": "2026-05-11"' in html
    # Asked for today, it shows today.
    assert _shown(client.get("/maps/patrols?from=2026-05-12&to=2026-05-12").get_data(as_text=True), "to") == \
        "2026-05-12"


def test_a_day_without_fixes_yields_to_the_latest_day_with_some(client, db, sample, monkeypatch):
    """Imported or old data: the last full working day is empty, the map opens where the tracks are."""
    worker = make_worker("opening-old", areas=[WEST])
    db.session.commit()
    store(worker.id, walk(0, 30, t0=datetime(2026, 5, 12, 9, 0, tzinfo=BEIJING)),
          now=datetime(2026, 5, 13, 9, 0, tzinfo=BEIJING))
    _clock(monkeypatch, datetime(2026, 5, 20, 11, 0, tzinfo=BEIJING))
    assert _shown(client.get("/maps/patrols").get_data(as_text=True), "date") == "2026-05-12"


def test_today_is_judged_on_the_working_time_already_past(client, morning_walker):
    """40 minutes by 10:30 (2 h of 7 h past: a target of 2 h x 2/7 = 34 min) is enough; the same
    40 minutes over a whole day is not."""
    today = client.get("/api/v1/patrols/grids?from=2026-05-12&to=2026-05-12").get_json()
    assert today["targets"]["judged_days"] == pytest.approx(2 / 7, abs=1e-3)
    assert today["targets"]["seconds"] == pytest.approx(7200 * 2 / 7, rel=1e-3)
    west = next(g for g in today["grids"] if g["code"] == WEST)
    assert west["seconds"] >= 2390 and "time" not in west["under_reasons"]
    monday = client.get("/api/v1/patrols/grids?from=2026-05-11&to=2026-05-11").get_json()
    assert monday["targets"]["judged_days"] == 1.0 and monday["targets"]["seconds"] == 7200
    assert "time" in next(g for g in monday["grids"] if g["code"] == WEST)["under_reasons"]
    # A day still to come asks nothing; the KPI page says how much of its period was judged.
    assert client.get("/api/v1/patrols/grids?from=2026-05-13&to=2026-05-13").get_json()["under_patrolled"] == 0
    kpi = client.get("/patrols/kpi?from=2026-05-11&to=2026-05-12&lang=en").get_data(as_text=True)
    assert 'id="kpi-judged"' in kpi and "1.29 of 2 working days" in kpi


def test_dates_are_typed_as_yyyy_mm_dd_whatever_the_browsers_locale(client, morning_walker):
    """A type=date field shows 05/11/2026 in an American browser: these are text fields with the pattern."""
    for url, ids in (("/maps/patrols", ("patrol-from", "patrol-to", "patrol-date")),
                     ("/patrols/kpi", ("kpi-from", "kpi-to")), ("/figures/events", ("fig-from", "fig-to"))):
        html = client.get(url, headers={"Accept-Language": "en-US"}).get_data(as_text=True)
        assert 'type="date"' not in html, url
        for ident in ids:
            tag = re.search(rf'<input id="{ident}"[^>]*>', html).group(0)
            assert 'type="text"' in tag and 'pattern="[0-9]{4}-[0-9]{2}-[0-9]{2}"' in tag and \
                'placeholder="YYYY-MM-DD"' in tag, (url, tag)
    bad = client.get("/maps/patrols?date=12/05/2026", headers={"Accept": "text/html"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_data(as_text=True)
