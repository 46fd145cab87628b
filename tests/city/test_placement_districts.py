"""Issue 19 gap: a report placed by hand at a point in another district's grids belongs to that district."""
from __future__ import annotations

from sqlalchemy import text

from tests.city import helpers as city


def _unplaced(client) -> dict:
    res = client.post("/api/v1/reports", json={"category": "0402", "description": "楼道堆放杂物",
                                               "address": "不存在路999号", "channel": "hotline_12345"})
    body = res.get_json()
    assert res.status_code == 201 and body["needs_placement"] is True, body
    return body


def _place(client, ticket, point, **extra):
    return client.post(f"/api/v1/reports/{ticket}/placement", json={"lon": point[0], "lat": point[1], **extra})


def test_a_city_dispatcher_placing_in_another_district_hands_the_event_over(two_districts, db):
    c = two_districts.clients
    waiting = _unplaced(c["city"])
    assert waiting["district_code"] == city.ZHONGYUAN   # no point: the default district

    res = _place(c["city"], waiting["ticket"], city.IN_ERQI, row_version=waiting["row_version"], note="来电补充")
    assert res.status_code == 200, res.get_json()
    placed = res.get_json()["report"]
    assert placed["id"] == waiting["id"] and placed["ticket"] == waiting["ticket"]
    assert placed["district_code"] == city.ERQI and placed["needs_placement"] is False
    assert placed["grid"]["code"] == city.ERQI_WEST_GRID and placed["out_of_coverage"] is False

    history = c["eq"].get(f"/api/v1/reports/{waiting['ticket']}/history").get_json()["history"]
    assert [h["action"] for h in history] == ["report", "transfer", "place"]
    moved = history[1]["details"]
    assert moved["kind"] == "handover" and moved["by"] == "placement"
    assert moved["from_district"] == city.ZHONGYUAN and moved["to_district"] == city.ERQI
    assert history[2]["details"]["grid_code"] == city.ERQI_WEST_GRID and history[2]["note"] == "来电补充"
    # 中原区 no longer sees it; 二七区 does, and may work on it.
    assert c["zy"].get(f"/api/v1/reports/{waiting['ticket']}").status_code == 404
    assert c["eq"].post(f"/api/v1/reports/{waiting['ticket']}/transitions",
                        json={"action": "accept", "expected_state": "reported"}).status_code == 200
    rows = db.session.execute(text("SELECT DISTINCT t.district_code FROM report_transition t JOIN report r "
                                   "ON r.district_code = t.district_code AND r.id = t.report_id WHERE r.ticket = :t"), {"t": waiting["ticket"]})
    assert rows.scalars().all() == [city.ERQI]


def test_a_district_dispatcher_is_told_to_transfer_instead(two_districts):
    c = two_districts.clients
    waiting = _unplaced(c["city"])
    res = _place(c["zy"], waiting["ticket"], city.IN_ERQI)
    assert res.status_code == 422, res.get_json()
    err = res.get_json()["error"]
    assert err["code"] == "other_district" and err["details"]["district_code"] == city.ERQI
    assert "二七区" in err["message"] and "转办到" in err["message"] and "网格内" in err["message"]
    # Nothing changed: still unplaced in 中原区; a point of its own district is placed as before.
    assert c["zy"].get(f"/api/v1/reports/{waiting['ticket']}").get_json()["needs_placement"] is True
    res = _place(c["zy"], waiting["ticket"], city.IN_ZHONGYUAN)
    assert res.status_code == 200 and res.get_json()["report"]["district_code"] == city.ZHONGYUAN


def test_outside_every_district_it_stays_flagged(two_districts):
    c = two_districts.clients
    waiting = _unplaced(c["city"])
    res = _place(c["city"], waiting["ticket"], city.OUTSIDE)
    assert res.status_code == 200
    placed = res.get_json()["report"]
    assert placed["district_code"] == city.ZHONGYUAN and placed["out_of_coverage"] is True
