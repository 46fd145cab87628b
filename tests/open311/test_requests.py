"""GET requests and a single request: fields, filters, status mapping, dates, no personal data."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from tests.open311.conftest import IN_GRID, V2, json_errors, xml_items

FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
          "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
          "address", "address_id", "zipcode", "lat", "long", "media_url"]
NAME, PHONE, EMAIL = "张三丰", "13812345678", "zhangsanfeng@example.com"


def report(client, category="0102", point=IN_GRID, description="小区门口垃圾堆放", **extra) -> str:
    res = client.post("/api/v1/reports", json={"category": category, "description": description,
                                               "lon": point[0], "lat": point[1], "address": "建设路12号",
                                               "reporter": {"name": NAME, "phone": PHONE}, **extra})
    assert res.status_code == 201, res.get_json()
    return res.get_json()["ticket"]


def act(client, ticket, action, expected, **fields):
    res = client.post(f"/api/v1/reports/{ticket}/transitions",
                      json={"action": action, "expected_state": expected, **fields})
    assert res.status_code == 200, res.get_json()


def age(db, ticket: str, days: int) -> None:
    db.session.execute(text("UPDATE report SET created_at = now() - make_interval(days => :d) WHERE ticket = :t"),
                       {"d": days, "t": ticket})
    db.session.commit()


def test_a_request_has_every_georeport_field(client, anon, sample):
    ticket = report(client)
    [item] = anon.get(f"{V2}/requests.json").get_json()
    assert list(item) == FIELDS
    assert item["service_request_id"] == ticket
    assert item["status"] == "open" and item["status_notes"] == "已上报"
    assert item["service_code"] == "0102" and item["service_name"] == "暴露垃圾"
    assert item["description"] == "小区门口垃圾堆放" and item["address"] == "建设路12号"
    # Handled by its grid (level "grid" by default): the grid's name, not the micro-grid's.
    assert item["agency_responsible"] == "第2网格"
    assert (item["long"], item["lat"]) == pytest.approx(IN_GRID)   # WGS-84, as stored
    assert item["requested_datetime"].endswith("+08:00")
    datetime.fromisoformat(item["requested_datetime"])
    assert item["expected_datetime"] is None    # no deadline before dispatch
    assert item["media_url"] is None and item["zipcode"] is None
    assert item["service_notice"] == "由第2网格处置。"


def test_the_notice_says_when_a_person_must_place_or_route_the_request(client, anon, sample):
    outside = report(client, point=(113.9, 34.7525))
    res = client.post("/api/v1/reports", json={"category": "0102", "description": "无法定位",
                                               "address": "不存在路999号"})
    assert res.status_code == 201 and res.get_json()["needs_placement"]
    unplaced = res.get_json()["ticket"]
    notices = {i["service_request_id"]: i["service_notice"] for i in anon.get(f"{V2}/requests.json").get_json()}
    assert notices[outside] == "已收到。该位置不在本区任何网格范围内，将由城运中心分派。"
    assert notices[unplaced] == "已收到。该地址无法在地图上准确定位，将由城运中心人工定位。"
    xml = anon.get(f"{V2}/requests/{unplaced}.xml").get_data(as_text=True)
    assert f"<service_notice>{notices[unplaced]}</service_notice>" in xml


def test_no_personal_data_in_either_format(client, anon, sample):
    # The reporter also typed their name, number and email into the text, and a neighbour's mobile.
    ticket = report(client, description=f"我是{NAME}，电话{PHONE}，邮箱{EMAIL}，邻居13900001111也看到了",
                    reporter_email=EMAIL, reporter_device="dev-77")
    for fmt in ("json", "xml"):
        for url in (f"{V2}/requests.{fmt}", f"{V2}/requests/{ticket}.{fmt}"):
            body = anon.get(url).get_data(as_text=True)
            assert ticket in body
            assert NAME not in body and PHONE not in body and "13900001111" not in body, url
            assert EMAIL not in body and "dev-77" not in body, url
            assert "5678" in body and "139****1111" in body   # masked, not dropped
    [item] = anon.get(f"{V2}/requests/{ticket}.json").get_json()
    assert item["description"] == "我是张**，电话138****5678，邮箱z***@example.com，邻居139****1111也看到了"


def test_media_url_is_the_first_photo_in_both_formats(client, anon, sample):
    photos = ["https://img.example.cn/1.jpg?a=1&b=2", "https://img.example.cn/2.jpg"]
    ticket = report(client, media_urls=photos)
    [item] = anon.get(f"{V2}/requests/{ticket}.json").get_json()
    assert item["media_url"] == photos[0]
    [as_xml] = xml_items(anon.get(f"{V2}/requests.xml"), "request")
    assert as_xml["media_url"] == photos[0]


def test_single_request_in_both_formats_and_404(client, anon, sample):
    ticket = report(client)
    as_json = anon.get(f"{V2}/requests/{ticket}.json").get_json()
    assert isinstance(as_json, list) and as_json[0]["service_request_id"] == ticket
    [as_xml] = xml_items(anon.get(f"{V2}/requests/{ticket}.xml"), "request")
    assert list(as_xml) == FIELDS
    assert as_xml["service_request_id"] == ticket and as_xml["status"] == "open"
    assert float(as_xml["lat"]) == pytest.approx(IN_GRID[1]) and as_xml["media_url"] == ""
    [error] = json_errors(anon.get(f"{V2}/requests/GM0000.json?lang=en"), 404)
    assert "GM0000" in error["description"]


def test_status_maps_the_closed_loop_to_open_and_closed(client, client_as, anon, sample):
    cancelled = report(client)
    act(client, cancelled, "cancel", "reported", note="重复上报")
    dispatched = report(client)
    worker = client_as("worker", areas=["410102001001002"])
    act(client, dispatched, "accept", "reported")
    act(client, dispatched, "dispatch", "accepted", assignee=worker.user.id)
    fresh = report(client)

    def ids(query):
        return [r["service_request_id"] for r in anon.get(f"{V2}/requests.json{query}").get_json()]

    assert ids("?status=closed") == [cancelled]
    assert ids("?status=open") == [fresh, dispatched]
    assert ids("?status=open,closed") == ids("") == [fresh, dispatched, cancelled]
    [item] = anon.get(f"{V2}/requests/{dispatched}.json?lang=en").get_json()
    assert item["status_notes"] == "Dispatched"
    # The deadline is the expected time, in Beijing time.
    assert item["expected_datetime"].endswith("+08:00")
    assert datetime.fromisoformat(item["expected_datetime"]) > datetime.fromisoformat(item["requested_datetime"])
    assert item["updated_datetime"] >= item["requested_datetime"]


def test_filters_by_id_and_service_code(client, anon, sample):
    garbage, parking = report(client, "0102"), report(client, "0402")
    rows = anon.get(f"{V2}/requests.json?service_code=0402").get_json()
    assert [r["service_request_id"] for r in rows] == [parking]
    rows = anon.get(f"{V2}/requests.json?service_code=0102,0402").get_json()
    assert {r["service_request_id"] for r in rows} == {garbage, parking}
    # service_request_id overrides every other filter (GeoReport v2).
    rows = anon.get(f"{V2}/requests.json?service_request_id={garbage},{parking},GM404&service_code=0101").get_json()
    assert {r["service_request_id"] for r in rows} == {garbage, parking}


def test_dates_default_to_the_last_90_days(client, db, anon, sample):
    old, recent = report(client), report(client)
    age(db, old, 100)
    age(db, recent, 10)
    assert [r["service_request_id"] for r in anon.get(f"{V2}/requests.json").get_json()] == [recent]
    now = datetime.now(timezone.utc)
    start = (now - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = anon.get(f"{V2}/requests.json", query_string={"start_date": start, "end_date": end}).get_json()
    assert [r["service_request_id"] for r in rows] == [old]
    # start only: the 90 days from it; end only: the 90 days up to it.
    rows = anon.get(f"{V2}/requests.json", query_string={"start_date": start}).get_json()
    assert [r["service_request_id"] for r in rows] == [old]
    rows = anon.get(f"{V2}/requests.json", query_string={"end_date": end}).get_json()
    assert [r["service_request_id"] for r in rows] == [old]
    # A zone offset other than UTC counts too.
    local = (now - timedelta(days=20)).astimezone(timezone(timedelta(hours=8))).isoformat(timespec="seconds")
    rows = anon.get(f"{V2}/requests.json", query_string={"start_date": local}).get_json()
    assert [r["service_request_id"] for r in rows] == [recent]


@pytest.mark.parametrize("query,field", [
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2026-13-01T00:00:00Z"}, "end_date"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2025-12-01T00:00:00Z"}, "end_date"),
    ({"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"}, "90 days"),
    ({"start_date": "9999-12-31T00:00:00Z"}, "start_date"),
    ({"end_date": "0001-01-02T00:00:00Z"}, "end_date"),
    ({"service_request_id": ",".join(f"GM{i}" for i in range(101))}, "service_request_id"),
    ({"status": "pending"}, "status"),
    ({"service_code": "0102,9999"}, "service_code"),
])
def test_bad_filters_are_400_naming_the_field(anon, db, query, field):
    for fmt in ("json", "xml"):
        res = anon.get(f"{V2}/requests.{fmt}", query_string={**query, "lang": "en"})
        assert res.status_code == 400
        if fmt == "json":
            [error] = json_errors(res, 400)
            assert field in error["description"]
        else:
            assert xml_items(res, "error")[0]["code"] == "400"


def test_xml_list_and_json_list_agree(client, anon, sample):
    tickets = [report(client), report(client, "0402")]
    as_json = anon.get(f"{V2}/requests.json").get_json()
    as_xml = xml_items(anon.get(f"{V2}/requests.xml"), "request")
    assert [r["service_request_id"] for r in as_xml] == [r["service_request_id"] for r in as_json] \
        == list(reversed(tickets))
    assert json.dumps(as_json, ensure_ascii=False).count("service_request_id") == 2


def test_at_most_1000_requests(client, db, anon, sample):
    report(client)
    db.session.execute(text(
        "INSERT INTO report (district_code, category, channel, description, location, status) "
        "SELECT '410102', '0102', 'worker_app', 'x' || i, ST_SetSRID(ST_MakePoint(113.615, 34.7525), 4326), "
        "'reported' FROM generate_series(1, 1005) i"))
    db.session.commit()
    first = anon.get(f"{V2}/requests.json").get_json()
    assert len(first) == 1000
    # The rest is on the next page (the page/page_size extension), nothing twice, nothing lost.
    rest = anon.get(f"{V2}/requests.json?page=2").get_json()
    assert len(rest) == 6
    assert not {r["service_request_id"] for r in first} & {r["service_request_id"] for r in rest}
    assert len(anon.get(f"{V2}/requests.json?page=3").get_json()) == 0


def test_a_merged_duplicate_is_closed_and_points_to_the_original(client, anon, sample):
    original, duplicate = report(client), report(client)
    act(client, duplicate, "merge", "reported", duplicate_of=original, note="同一堆垃圾")
    [item] = anon.get(f"{V2}/requests/{duplicate}.json?lang=en").get_json()
    assert item["status"] == "closed"
    assert item["status_notes"] == f"Merged into {original}, which is handled instead."
