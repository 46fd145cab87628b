"""The working calendar of an instance: GRIDMAP_HOLIDAYS_FILE adds years (and local days off) to the
built-in State Council arrangements; deadlines, the home page and ``flask events calendar`` use it."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from app import create_app
from app.config import ConfigError
from app.events import holidays
from app.events.holidays import CN_YEARS
from tests.events.cn_2026 import CN_2026
from tests.events.helpers import BEIJING, MONDAY_9, act, ok, report

#: An arrangement for 2027 in the file's format (made up for the test, not the official one).
YEAR_2027 = {"holidays": {"new_year": ["2027-01-01", "2027-01-03"], "spring_festival": ["2027-02-06", "2027-02-12"]},
             "workdays": ["2027-02-14"]}
#: 2026 as built in, plus a local day off: Tuesday 24 November (a typhoon closure, say).
YEAR_2026_WITH_CLOSURE = {"holidays": {**CN_2026["holidays"], "typhoon": "2026-11-24"},
                          "workdays": CN_2026["workdays"]}
#: The first Monday of December 2026, 09:00 in Beijing: next year's arrangement is due by now.
DECEMBER = datetime(2026, 12, 7, 9, 0, tzinfo=BEIJING)


def _file(tmp_path, data, name="holidays.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_a_file_adds_its_years_to_the_built_in_ones(tmp_path):
    calendar = holidays.load(_file(tmp_path, {"2027": YEAR_2027}))
    assert calendar.years == (*CN_YEARS, 2027)
    assert not calendar.is_working_day(date(2027, 1, 1)) and not calendar.is_working_day(date(2027, 2, 8))
    assert calendar.is_working_day(date(2027, 2, 14))                      # a Sunday worked for 春节
    assert not calendar.is_working_day(date(2026, 10, 1))                  # 2026 still built in
    assert holidays.is_built_in(calendar, 2026) and not holidays.is_built_in(calendar, 2027)
    assert holidays.load("") is holidays.load(None)                        # no file: the built-in calendar


def test_a_year_in_the_file_replaces_the_built_in_year(tmp_path):
    calendar = holidays.load(_file(tmp_path, {"2026": YEAR_2026_WITH_CLOSURE}))
    assert not calendar.is_working_day(date(2026, 11, 24))
    assert not calendar.is_working_day(date(2026, 10, 1)) and calendar.is_working_day(date(2026, 10, 10))
    assert not holidays.is_built_in(calendar, 2026)


@pytest.mark.parametrize("content, says", [
    (None, "no such file"),
    ("{\"2027\": {\"holidays\": ", "not valid JSON at line 1"),
    ("[1, 2]", "must be an object mapping years"),
    ({"twenty": YEAR_2027}, "keys must be years"),
    ({"2027": {"holiday": {}}}, "unknown keys in holiday data: ['holiday']"),
    ({"2027": {"holidays": {"new_year": ["2027-01-03", "2027-01-01"]}}}, "ends before it starts"),
    ({"2027": {"holidays": {"new_year": "2027-13-01"}}}, "expected an ISO day like 2026-10-01"),
    ({"2027": {"holidays": {"new_year": "2027-02-14"}, "workdays": ["2027-02-14"]}}, "both holiday and working day"),
    (b"\xff\xfe{}", "cannot be read as UTF-8"),
])
def test_a_bad_file_stops_start_up_naming_the_setting_and_the_fault(tmp_path, content, says):
    if content is None:
        path = str(tmp_path / "missing.json")
    elif isinstance(content, bytes):
        (tmp_path / "h.json").write_bytes(content)
        path = str(tmp_path / "h.json")
    else:
        path = _file(tmp_path, content)
    with pytest.raises(ConfigError) as caught:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql://unused/none", "HOLIDAYS_FILE": path})
    assert str(caught.value).startswith(f"GRIDMAP_HOLIDAYS_FILE={path!r}: ") and says in str(caught.value)


def test_the_app_reads_the_file_named_in_the_environment(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("GRIDMAP_HOLIDAYS_FILE", _file(tmp_path, {"2027": YEAR_2027}))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "t"})
    with app.app_context():
        assert holidays.current().covers(2027)
        assert not holidays.current().is_working_day(date(2027, 1, 1))
    assert holidays.current().years == tuple(CN_YEARS)                     # outside an app: built in


@pytest.fixture
def calendar_file(app, tmp_path, monkeypatch):
    """Run the shared test app on the calendar of a holidays file, as start-up would load it."""
    def use(data):
        monkeypatch.setitem(app.extensions, holidays.EXTENSION, holidays.load(_file(tmp_path, data)))
    return use


def test_a_day_off_from_the_file_moves_a_deadline_past_it(anon, people, clock, calendar_file):
    """0402 (illegal parking) has 2 working hours: dispatched Monday 16:30, one hour is left that day."""
    def dispatched_deadline():
        ticket = report(anon)["ticket"]
        ok(act(people.dispatcher, ticket, "accept", "reported"))
        body = ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id))
        return body["report"]["deadline"]

    clock.set(MONDAY_9.replace(hour=16, minute=30))
    assert dispatched_deadline() == "2026-11-24T09:30:00+08:00"
    calendar_file({"2026": YEAR_2026_WITH_CLOSURE})
    assert dispatched_deadline() == "2026-11-25T09:30:00+08:00"         # Tuesday is off: Wednesday


def _warnings(client) -> list[str]:
    html = client.get("/?lang=en").get_data(as_text=True)
    return [part.split('"', 1)[0] for part in html.split('class="alert alert-warning calendar-missing" data-year="')[1:]]


def test_the_home_page_tells_administrators_when_a_year_has_no_holidays(people, clock, calendar_file):
    assert _warnings(people.admin) == []                                  # November 2026: 2026 is loaded
    clock.set(DECEMBER)
    assert _warnings(people.admin) == ["2027"]
    html = people.admin.get("/?lang=en").get_data(as_text=True)
    assert "no holiday arrangement for 2027" in html and "GRIDMAP_HOLIDAYS_FILE" in html
    assert _warnings(people.dispatcher) == [] and _warnings(people.worker) == []   # they cannot act on it
    calendar_file({"2027": YEAR_2027})
    assert _warnings(people.admin) == []
    clock.set(datetime(2028, 3, 1, 9, 0, tzinfo=BEIJING))
    assert _warnings(people.admin) == ["2028"]


def test_the_cli_lists_the_calendar_and_checks_it_for_cron(cli, clock, calendar_file):
    out = cli.invoke(args=["events", "calendar", "2026"])
    assert out.exit_code == 0, out.output
    assert "08:30–12:00, 14:00–17:30" in out.output and "2026 (chinesecalendar 1.11.0)" in out.output
    assert "2026-10-01 – 2026-10-07" in out.output and "2026-01-04; 2026-02-14; 2026-02-28" in out.output
    assert cli.invoke(args=["events", "calendar", "--check"]).exit_code == 0

    clock.set(DECEMBER)
    missing = cli.invoke(args=["events", "calendar", "--check"])
    assert missing.exit_code == 1 and "no holiday arrangement for 2027" in missing.output
    none = cli.invoke(args=["events", "calendar", "2027"])
    assert none.exit_code == 0 and "2027: no data; deadlines count Monday to Friday only." in none.output

    calendar_file({"2027": YEAR_2027})
    loaded = cli.invoke(args=["events", "calendar", "2027", "--check"])
    assert loaded.exit_code == 0, loaded.output
    assert "2027 (GRIDMAP_HOLIDAYS_FILE)" in loaded.output and "2027-02-06 – 2027-02-12" in loaded.output
