"""A district's own settings (base map tiles, working calendar) through the API, the CLI and the pages
that use them: who may set them, how a bad value is refused, the audit entry, the maps of a district's
users and their Content-Security-Policy, the deadlines of a district's events."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.districts import settings
from app.models import AuditEntry, District
from tests.city import helpers as city

BEIJING = ZoneInfo("Asia/Shanghai")
#: Monday 23 November 2026 (a working day), Beijing time.
MONDAY = datetime(2026, 11, 23, tzinfo=BEIJING)
ERQI_TILES = {"kind": "xyz", "url": "http://10.9.9.9:8080/erqi/{z}/{x}/{y}.png", "crs": "wgs84",
              "attribution": "二七区政务地图"}
SUMMER = {"hours": [["08:30", "12:00"], ["15:00", "18:00"]], "days_off": ["2026-11-24"]}


@pytest.fixture
def erqi(app, db, sample):
    """District 410103 beside the sample's, a city administrator, Erqi's and Zhongyuan's administrators,
    dispatchers and a grid worker of Erqi (each a client holding an API token)."""
    city.add_erqi(db.session)
    settings.forget()
    clients = {}
    for name, role, district, areas in (
            ("city-admin", "admin", None, ()), ("eq-admin", "admin", city.ERQI, ()),
            ("zy-admin", "admin", city.ZHONGYUAN, ()), ("eq-dispatcher", "dispatcher", city.ERQI, ()),
            ("city-dispatcher", "dispatcher", None, ()), ("eq-worker", "worker", city.ERQI, (city.ERQI_WEST_GRID,)),
            ("eq-viewer", "viewer", city.ERQI, ())):
        user, token = city.make_user(db.session, name, role, district, areas)
        c = app.test_client()
        c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        c.user = user
        clients[name] = c
    yield clients
    settings.forget()


def put(client, code, body):
    return client.put(f"/api/v1/districts/{code}/settings", json=body)


# --- The API: who, what, audit -------------------------------------------------------------------


def test_a_city_admin_sets_a_districts_tiles_and_calendar_and_the_change_is_audited(erqi, db):
    res = put(erqi["city-admin"], city.ERQI, {"tiles": ERQI_TILES, "calendar": SUMMER})
    body = res.get_json()
    assert res.status_code == 200, body
    assert body["settings"] == {"tiles": ERQI_TILES, "calendar": SUMMER}
    assert body["effective"]["tiles"] == {"source": "district", "kind": "xyz", "url": ERQI_TILES["url"],
                                          "hosts": ["http://10.9.9.9:8080"]}
    assert body["effective"]["calendar"]["source"] == "district"
    assert body["effective"]["calendar"]["hours"] == SUMMER["hours"]
    # Another district keeps the deployment's.
    other = erqi["city-admin"].get(f"/api/v1/districts/{city.ZHONGYUAN}/settings").get_json()
    assert other["settings"] == {} and other["effective"]["tiles"]["source"] == "deployment"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "district.settings")).one()
    assert (entry.entity_type, entry.entity_id, entry.district_code) == ("district", city.ERQI, city.ERQI)
    assert entry.before == {} and entry.after == {"tiles": ERQI_TILES, "calendar": SUMMER}
    assert entry.actor == "city-admin"

    # null gives a section back to the deployment; the other section stays.
    res = put(erqi["city-admin"], city.ERQI, {"tiles": None})
    assert res.status_code == 200 and res.get_json()["settings"] == {"calendar": SUMMER}
    assert res.get_json()["effective"]["tiles"]["source"] == "deployment"


def test_other_sections_of_the_document_are_left_as_they_are(erqi, db):
    row = db.session.get(District, city.ERQI)
    row.settings = {"address_prefixes": ["河南省", "郑州市", "二七区"]}
    db.session.commit()
    settings.forget()
    assert put(erqi["eq-admin"], city.ERQI, {"calendar": SUMMER}).status_code == 200
    db.session.expire_all()
    assert db.session.get(District, city.ERQI).settings == {"address_prefixes": ["河南省", "郑州市", "二七区"],
                                                            "calendar": SUMMER}
    # A section this module does not own cannot be written through it.
    res = put(erqi["eq-admin"], city.ERQI, {"address_prefixes": []})
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "address_prefixes"


def test_a_district_admin_sees_and_edits_only_their_district(erqi):
    listed = erqi["eq-admin"].get("/api/v1/districts/settings").get_json()["districts"]
    assert [d["code"] for d in listed] == [city.ERQI]
    assert listed[0]["grids"] == 5 and listed[0]["users"] >= 4
    assert [d["code"] for d in erqi["city-admin"].get("/api/v1/districts/settings").get_json()["districts"]] == [
        city.ZHONGYUAN, city.ERQI]
    assert put(erqi["eq-admin"], city.ERQI, {"calendar": SUMMER}).status_code == 200
    # Another district is "not found" to them, reading and writing.
    assert erqi["eq-admin"].get(f"/api/v1/districts/{city.ZHONGYUAN}/settings").status_code == 404
    assert put(erqi["eq-admin"], city.ZHONGYUAN, {"calendar": SUMMER}).status_code == 404
    assert put(erqi["zy-admin"], city.ERQI, {"calendar": None}).status_code == 404
    # Only administrators.
    assert erqi["eq-dispatcher"].get("/api/v1/districts/settings").status_code == 403
    assert put(erqi["eq-dispatcher"], city.ERQI, {"calendar": None}).status_code == 403
    assert erqi["city-admin"].get("/api/v1/districts/999999/settings").status_code == 404


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"tiles": {"kind": "xyz"}}, "tiles.url", "tiles.url"),
    ({"tiles": {"kind": "xyz", "url": "http://10.1.2.3/t/{z}/{col}/{row}.png"}}, "tiles.url", "{col}"),
    ({"tiles": {"kind": "xyz", "url": "http://10.1.2.3/t/{z}/{x}.png"}}, "tiles.url", "{y}"),
    ({"tiles": {"kind": "xyz", "url": "ftp://10.1.2.3/{z}/{x}/{y}.png"}}, "tiles.url", "http://"),
    ({"tiles": {"kind": "xyz", "url": "http://10.1.2.3/{z}/{x}/{y}.png", "crs": "bd09"}}, "tiles.crs", "gcj02"),
    ({"tiles": {"kind": "wmts", "url": "http://10.1.2.3/wmts"}}, "tiles.layer", "tiles.layer"),
    ({"tiles": {"kind": "wmts", "url": "http://10.1.2.3/wmts", "layer": "l", "matrix_set": "w", "matrix": "m"}},
     "tiles.matrix", "{z}"),
    ({"tiles": {"kind": "google"}}, "tiles.kind", "xyz"),
    ({"tiles": {"kind": "osm", "zoom": 3}}, "tiles.zoom", "tiles.zoom"),
    ({"tiles": "osm"}, "tiles", "null"),
    ({"calendar": {"hours": [["08:30", "12:00"], ["11:00", "18:00"]]}}, "calendar.hours", "overlap"),
    ({"calendar": {"hours": [["18:00", "08:30"]]}}, "calendar.hours", "18:00-08:30"),
    ({"calendar": {"hours": [["8:30", "12:00"]]}}, "calendar.hours", "08:30-12:00"),
    ({"calendar": {"days_off": ["2026-02-30"]}}, "calendar.days_off", "2026-02-30"),
    ({"calendar": {"days_off": ["2026-07-20"], "workdays": ["2026-07-20"]}}, "calendar.workdays", "2026-07-20"),
    ({"calendar": {"holidays": []}}, "calendar.holidays", "days_off"),
])
def test_a_bad_setting_is_refused_naming_the_field_and_the_fix(erqi, english, body, field, words):
    res = erqi["city-admin"].put(f"/api/v1/districts/{city.ERQI}/settings?lang=en", json=body)
    error = res.get_json()["error"]
    assert res.status_code == 422, error
    assert error["details"]["field"] == field
    assert words in error["message"]


def test_errors_are_in_chinese_by_default(erqi):
    error = put(erqi["city-admin"], city.ERQI, {"calendar": {"hours": "08:30-12:00, 11:00-18:00"}}).get_json()["error"]
    assert error["details"]["field"] == "calendar.hours" and "不能重叠" in error["message"]


def test_typed_forms_of_hours_and_days_are_read(erqi):
    res = put(erqi["city-admin"], city.ERQI, {"calendar": {"hours": "08:30 - 12:00，15:00至18:00",
                                                           "days_off": "2026-11-24\n2026-11-23, 2026-11-24"}})
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["settings"]["calendar"] == {"hours": SUMMER["hours"],
                                                      "days_off": ["2026-11-23", "2026-11-24"]}


def test_wmts_tiles_keep_only_what_the_base_map_reads(erqi):
    tiles = {"kind": "wmts", "url": "http://10.1.2.3/geoserver/gwc/service/wmts", "layer": "erqi:base",
             "matrix_set": "EPSG:900913", "matrix": "EPSG:900913:{z}", "subdomains": "123"}
    body = put(erqi["city-admin"], city.ERQI, {"tiles": tiles}).get_json()
    assert "subdomains" not in body["settings"]["tiles"]
    assert "TILEMATRIX=EPSG%3A900913%3A{z}" in body["effective"]["tiles"]["url"]
    assert body["effective"]["tiles"]["hosts"] == ["http://10.1.2.3"]


# --- Maps: the district's tiles, and a policy that lets the browser load them ---------------------


def img_src(res) -> list[str]:
    policy = dict(part.strip().split(" ", 1) for part in res.headers["Content-Security-Policy"].split(";"))
    return policy["img-src"].split()


@pytest.mark.parametrize("path", ["/maps/coverage", "/maps/issues", "/dispatch", "/lookup", "/maps/patrols"])
def test_a_district_users_maps_draw_their_districts_tiles_and_the_policy_allows_them(erqi, path):
    assert put(erqi["city-admin"], city.ERQI, {"tiles": ERQI_TILES}).status_code == 200
    res = erqi["eq-dispatcher"].get(path)
    assert res.status_code == 200
    assert ERQI_TILES["url"] in res.get_data(as_text=True)
    assert "http://10.9.9.9:8080" in img_src(res)
    # A city user gets the deployment's (no base map in tests): neither the URL nor the host.
    res = erqi["city-dispatcher"].get(path)
    assert res.status_code == 200
    assert ERQI_TILES["url"] not in res.get_data(as_text=True) and "http://10.9.9.9:8080" not in img_src(res)


def test_a_workers_phone_map_uses_their_districts_tiles(erqi):
    assert put(erqi["city-admin"], city.ERQI, {"tiles": {"kind": "amap"}}).status_code == 200
    res = erqi["eq-worker"].get("/m/report")
    assert res.status_code == 200
    assert "autonavi.com" in res.get_data(as_text=True)
    assert "https://*.is.autonavi.com" in img_src(res)
    # Pages without a map keep the deployment's policy.
    assert "https://*.is.autonavi.com" not in img_src(erqi["eq-worker"].get("/m/csrf"))


def test_a_change_reaches_the_next_page_without_a_restart(erqi, db):
    assert ERQI_TILES["url"] not in erqi["eq-viewer"].get("/maps/coverage").get_data(as_text=True)
    # Written by another process: this one sees it from its next application context on.
    row = db.session.get(District, city.ERQI)
    row.settings = {"tiles": ERQI_TILES}
    db.session.commit()
    settings.forget()
    assert ERQI_TILES["url"] in erqi["eq-viewer"].get("/maps/coverage").get_data(as_text=True)


# --- Deadlines on the district's calendar ----------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    from app.events import deadlines

    state = {"now": MONDAY.replace(hour=11)}
    monkeypatch.setattr(deadlines, "now", lambda: state["now"])
    return state


def dispatch(erqi, point, when, clock):
    """A report at ``point`` filed, accepted and dispatched to Erqi's grid worker at ``when``."""
    clock["now"] = when
    ticket = city.file_report(erqi["city-dispatcher"], point)["ticket"]
    d = erqi["city-dispatcher"]
    for body in ({"action": "accept", "expected_state": "reported"},
                 {"action": "dispatch", "expected_state": "accepted", "assignee": erqi["eq-worker"].user.id}):
        res = d.post(f"/api/v1/reports/{ticket}/transitions", json=body)
        assert res.status_code == 200, res.get_json()
    return ticket, d


def test_deadlines_of_a_districts_events_count_on_its_own_hours_and_days(erqi, clock):
    # Parking (0402): 2 working hours. Nationally Monday 11:00 + 2 h = 15:00 (12:00-14:00 off).
    ticket, d = dispatch(erqi, city.IN_ERQI, MONDAY.replace(hour=11), clock)
    r = d.get(f"/api/v1/reports/{ticket}").get_json()
    assert r["deadline"] == "2026-11-23T15:00:00+08:00"

    assert put(erqi["city-admin"], city.ERQI, {"calendar": SUMMER}).status_code == 200
    # On Erqi's summer hours (12:00-15:00 off): 16:00, due soon from 15:36 (80 % of the allowance).
    ticket, d = dispatch(erqi, city.IN_ERQI, MONDAY.replace(hour=11), clock)
    r = d.get(f"/api/v1/reports/{ticket}").get_json()
    assert r["deadline"] == "2026-11-23T16:00:00+08:00"
    from app.models import Report
    from app.extensions import db
    row = db.session.scalars(select(Report).where(Report.ticket == ticket)).one()
    assert row.warn_at.astimezone(BEIJING) == MONDAY.replace(hour=15, minute=36)
    # Tuesday is Erqi's own day off: Monday 17:00 + 2 h runs 17:00-18:00, then Wednesday 08:30-09:30.
    ticket, d = dispatch(erqi, city.IN_ERQI, MONDAY.replace(hour=17), clock)
    assert d.get(f"/api/v1/reports/{ticket}").get_json()["deadline"] == "2026-11-25T09:30:00+08:00"


def test_a_districts_own_working_day_overrides_the_national_calendar(app, erqi):
    from app.events import deadlines

    # 2026-10-01 is a national holiday; Erqi works through it (08:30-12:00, 14:00-17:30).
    assert put(erqi["city-admin"], city.ERQI, {"calendar": {"workdays": ["2026-10-01"]}}).status_code == 200
    start = datetime(2026, 10, 1, 9, 0, tzinfo=BEIJING)
    assert deadlines.deadline_for(start, 2, "hours", city.ERQI) == start + timedelta(hours=2)
    assert deadlines.deadline_for(start, 2, "hours", city.ZHONGYUAN) > datetime(2026, 10, 8, tzinfo=BEIJING)
    assert deadlines.deadline_for(start, 2, "hours") == deadlines.deadline_for(start, 2, "hours", city.ZHONGYUAN)


def test_escalation_reaches_every_districts_overdue_events(erqi, clock):
    from app.events.escalation import escalate_overdue

    ticket, d = dispatch(erqi, city.IN_ERQI, MONDAY.replace(hour=9), clock)
    result = escalate_overdue(MONDAY.replace(hour=11, minute=1), commit=False)
    assert [e["ticket"] for e in result.escalated] == [ticket]
    assert escalate_overdue(MONDAY.replace(hour=11, minute=1), commit=False, district_code=city.ZHONGYUAN
                            ).escalated == []


# --- The CLI --------------------------------------------------------------------------------------


def test_flask_districts_set_show_list_and_the_calendar_per_district(cli, erqi, db):
    res = cli.invoke(args=["districts", "set", city.ERQI, "calendar", json.dumps(SUMMER)])
    assert res.exit_code == 0, res.output
    assert "saved" in res.output
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "district.settings")).one()
    assert entry.via == "cli"
    shown = json.loads(cli.invoke(args=["districts", "show", city.ERQI]).output)
    assert shown["settings"] == {"calendar": SUMMER} and shown["effective"]["tiles"]["source"] == "deployment"
    listed = cli.invoke(args=["districts", "list"]).output
    assert "410103" in listed and "calendar" in listed

    out = cli.invoke(args=["events", "calendar", "2026", "--district", city.ERQI]).output
    assert "08:30–12:00, 15:00–18:00" in out and "District's own days off: 2026-11-24" in out
    out = cli.invoke(args=["events", "calendar", "--district", city.ZHONGYUAN]).output
    assert "08:30–12:00, 14:00–17:30" in out and "the deployment's calendar" in out

    res = cli.invoke(args=["districts", "set", city.ERQI, "tiles", '{"kind": "xyz"}'])
    assert res.exit_code == 1 and "tiles.url" in res.output
    res = cli.invoke(args=["districts", "set", city.ERQI, "tiles", "{not json"])
    assert res.exit_code == 1 and "not valid JSON" in res.output
    res = cli.invoke(args=["events", "calendar", "--district", "999999"])
    assert res.exit_code == 1 and "no district 999999" in res.output
    res = cli.invoke(args=["districts", "set", city.ERQI, "calendar", "null"])
    assert res.exit_code == 0 and json.loads(res.output.split("\n", 1)[1]) == {}


# --- The page ------------------------------------------------------------------------------------


def test_the_page_saves_a_districts_settings_and_shows_errors_beside_the_field(app, erqi, db):
    from tests.auth_helpers import csrf_from, sign_in

    browser = app.test_client()
    assert sign_in(browser, "city-admin", city.PASSWORD).status_code == 302
    page = browser.get("/admin/districts")
    assert page.status_code == 200 and "二七区" in page.get_data(as_text=True)
    page = browser.get(f"/admin/districts/{city.ERQI}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "工作时间" in text and "底图" in text
    token = csrf_from(text)
    form = {"csrf_token": token, "tiles_kind": "xyz", "tiles_url": "http://10.1.2.3/t/{z}/{x}.png",
            "tiles_crs": "wgs84", "calendar_hours": "08:30-12:00, 15:00-18:00", "calendar_days_off": "",
            "calendar_workdays": ""}
    res = browser.post(f"/admin/districts/{city.ERQI}", data=form)
    assert res.status_code == 422
    assert "必须包含 {z}、{x} 和 {y}" in res.get_data(as_text=True)
    assert db.session.get(District, city.ERQI).settings == {}
    res = browser.post(f"/admin/districts/{city.ERQI}", data={**form, "tiles_url": ERQI_TILES["url"]})
    assert res.status_code == 302
    db.session.expire_all()
    assert db.session.get(District, city.ERQI).settings == {
        "tiles": {"kind": "xyz", "url": ERQI_TILES["url"], "crs": "wgs84"}, "calendar": {"hours": SUMMER["hours"]}}
    # A district's administrator does not reach another district's page.
    other = app.test_client()
    assert sign_in(other, "eq-admin", city.PASSWORD).status_code == 302
    assert other.get(f"/admin/districts/{city.ZHONGYUAN}").status_code == 404
    assert other.get(f"/admin/districts/{city.ERQI}").status_code == 200


def test_a_setting_written_past_the_checks_leaves_the_deployments_in_use(erqi, db):
    from app.events import deadlines

    row = db.session.get(District, city.ERQI)
    row.settings = {"tiles": {"kind": "xyz", "url": "ftp://nowhere/{z}"}, "calendar": {"hours": [["18:00", "08:00"]]}}
    db.session.commit()
    settings.forget()
    res = erqi["eq-viewer"].get("/maps/coverage")
    assert res.status_code == 200 and "ftp://nowhere" not in res.get_data(as_text=True)
    start = MONDAY.replace(hour=11)
    assert deadlines.deadline_for(start, 2, "hours", city.ERQI) == deadlines.deadline_for(start, 2, "hours")


def test_a_city_planner_edits_a_districts_draft_on_that_districts_tiles(erqi, client_as):
    assert put(erqi["city-admin"], city.ERQI, {"tiles": ERQI_TILES}).status_code == 200
    res = erqi["city-admin"].post("/api/v1/drafts", json={"note": "二七区调整", "effective_date": "2027-01-01",
                                                          "district_code": city.ERQI})
    assert res.status_code == 201, res.get_json()
    page = erqi["city-admin"].get(f"/plan/drafts/{res.get_json()['id']}")
    assert page.status_code == 200
    assert ERQI_TILES["url"] in page.get_data(as_text=True) and "http://10.9.9.9:8080" in img_src(page)


def test_a_summer_schedule_applies_from_its_first_to_its_last_day_every_year(erqi, cli):
    from app.events import deadlines

    res = put(erqi["city-admin"], city.ERQI, {"calendar": {"seasons": "5月1日至9月30日 08:30-12:00, 15:00-18:00"}})
    assert res.status_code == 200, res.get_json()
    summer = {"from": "05-01", "to": "09-30", "hours": [["08:30", "12:00"], ["15:00", "18:00"]]}
    assert res.get_json()["settings"]["calendar"] == {"seasons": [summer]}
    assert res.get_json()["effective"]["calendar"]["seasons"] == [summer]
    # 2 working hours from 11:00: 16:00 in the summer (Thursday 2027-05-06), 15:00 outside (Thursday 2027-04-29)
    # and on the national calendar.
    for day, due in (("2027-05-06", 16), ("2027-09-30", 16), ("2027-04-29", 15), ("2027-10-08", 15)):
        start = datetime.fromisoformat(day).replace(hour=11, tzinfo=BEIJING)
        assert deadlines.deadline_for(start, 2, "hours", city.ERQI).hour == due, day
        assert deadlines.deadline_for(start, 2, "hours", city.ZHONGYUAN).hour == 15
    out = cli.invoke(args=["events", "calendar", "--district", city.ERQI]).output
    assert "From 05-01 to 09-30 every year: 08:30–12:00, 15:00–18:00." in out

    error = put(erqi["city-admin"], city.ERQI, {"calendar": {"seasons": [{"from": "02-30", "to": "03-01",
                                                                          "hours": [["08:30", "12:00"]]}]}})
    assert error.status_code == 422 and error.get_json()["error"]["details"]["field"] == "calendar.seasons"
    error = put(erqi["city-admin"], city.ERQI, {"calendar": {"seasons": "夏天 08:30-12:00"}})
    assert error.status_code == 422 and "05-01~09-30" in error.get_json()["error"]["message"]
