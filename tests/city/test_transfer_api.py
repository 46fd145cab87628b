"""Issue 19: 交办 and 转办 move an event to another district, keeping its id, ticket and history."""
from __future__ import annotations

from sqlalchemy import text

from tests.city import helpers as city


def _move(client, ticket, district, reason=None, **extra):
    body = {"district_code": district, **extra}
    if reason is not None:
        body["reason"] = reason
    return client.post(f"/api/v1/reports/{ticket}/district", json=body)


def test_transfer_keeps_id_ticket_and_history(two_districts, db):
    t, c = two_districts.tickets, two_districts.clients
    ticket = t["zhongyuan"]
    before = c["zy"].get(f"/api/v1/reports/{ticket}").get_json()
    accepted = c["zy"].post(f"/api/v1/reports/{ticket}/transitions",
                            json={"action": "accept", "expected_state": "reported", "note": "已立案"})
    assert accepted.status_code == 200
    history_before = c["zy"].get(f"/api/v1/reports/{ticket}/history").get_json()["history"]

    res = _move(c["zy"], ticket, city.ERQI, "地址在二七区，报错了区")
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["report"]["id"] == before["id"] and body["report"]["ticket"] == ticket
    assert body["report"]["district_code"] == city.ERQI and body["report"]["status"] == "accepted"
    assert body["transition"]["action"] == "transfer" and body["transition"]["note"] == "地址在二七区，报错了区"
    assert body["transition"]["details"]["from_district"] == city.ZHONGYUAN
    assert body["transition"]["details"]["kind"] == "transfer"

    # The old district no longer sees it; the new one sees it with its whole history.
    assert c["zy"].get(f"/api/v1/reports/{ticket}").status_code == 404
    assert ticket not in {r["ticket"] for r in c["zy"].get("/api/v1/reports").get_json()["reports"]}
    history = c["eq"].get(f"/api/v1/reports/{ticket}/history").get_json()["history"]
    assert [h["action"] for h in history] == [h["action"] for h in history_before] + ["transfer"]
    assert history[:-1] == history_before
    assert ticket in {r["ticket"] for r in c["eq"].get("/api/v1/reports").get_json()["reports"]}
    # Every history row of the report's id, whatever its district (a join on the id alone is one Citus
    # refuses: the id is not the distribution column).
    rows = db.session.execute(text("SELECT DISTINCT rt.district_code FROM report_transition rt WHERE rt.report_id = "
                                   "(SELECT r.id FROM report r WHERE r.ticket = :t)"), {"t": ticket})
    assert rows.scalars().all() == [city.ERQI]
    audit = db.session.execute(text("SELECT action, before, after FROM audit_entry WHERE entity_id = :t "
                                    "AND action = 'report.transfer'"), {"t": ticket}).one()
    assert audit.before["district_code"] == city.ZHONGYUAN and audit.after["district_code"] == city.ERQI
    # The new district's dispatcher carries on with it.
    res = c["eq"].post(f"/api/v1/reports/{ticket}/transitions",
                       json={"action": "cancel", "expected_state": "accepted", "note": "重复"})
    assert res.status_code == 200, res.get_json()


def test_city_hands_an_outside_event_to_a_district(two_districts):
    t, c = two_districts.tickets, two_districts.clients
    # No reason needed for 交办; the district sees it afterwards.
    res = _move(c["city"], t["outside"], city.ERQI)
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["transition"]["details"]["kind"] == "handover"
    assert t["outside"] in {r["ticket"] for r in c["eq"].get("/api/v1/reports").get_json()["reports"]}


def test_transfer_refusals_in_chinese(two_districts):
    t, c = two_districts.tickets, two_districts.clients
    # Another district's event: not found, in Chinese.
    res = _move(c["zy"], t["erqi"], city.ZHONGYUAN, "不是我们的")
    assert res.status_code == 404 and "GM" in res.get_json()["error"]["message"]
    assert "没有" in res.get_json()["error"]["message"]
    # A district dispatcher must say why.
    res = _move(c["eq"], t["erqi"], city.ZHONGYUAN)
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "reason"
    assert "原因" in res.get_json()["error"]["message"]
    # The same district, an unknown one.
    res = _move(c["eq"], t["erqi"], city.ERQI, "x")
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "district_code"
    res = _move(c["eq"], t["erqi"], "999999", "x")
    assert res.status_code == 422
    # A viewer may not.
    res = _move(c["eqview"], t["erqi"], city.ZHONGYUAN, "x")
    assert res.status_code == 403
    # An event being worked on is recalled first.
    ticket = t["erqi"]
    for action, state in (("accept", "reported"),):
        assert c["eq"].post(f"/api/v1/reports/{ticket}/transitions",
                            json={"action": action, "expected_state": state}).status_code == 200
    ok = c["eq"].post(f"/api/v1/reports/{ticket}/transitions",
                      json={"action": "cancel", "expected_state": "accepted", "note": "作废"})
    assert ok.status_code == 200
    res = _move(c["eq"], ticket, city.ZHONGYUAN, "x")
    assert res.status_code == 409 and "撤回" in res.get_json()["error"]["message"]


def test_districts_list(two_districts):
    body = two_districts.clients["eq"].get("/api/v1/districts").get_json()
    assert [d["code"] for d in body["districts"]] == [city.ZHONGYUAN, city.ERQI]


def test_the_old_districts_feed_drops_a_moved_event(two_districts):
    t, c = two_districts.tickets, two_districts.clients
    first = c["zy"].get("/api/v1/reports/changes").get_json()
    assert t["zhongyuan"] in {f["properties"]["ticket"] for f in first["features"]}
    assert _move(c["zy"], t["zhongyuan"], city.ERQI, "报错了区").status_code == 200
    later = c["zy"].get("/api/v1/reports/changes", query_string={"since": first["cursor"]}).get_json()
    assert t["zhongyuan"] in later["unmatched"]
    assert t["zhongyuan"] not in {f["properties"]["ticket"] for f in later["features"]}


def test_merged_duplicates_follow_their_event(two_districts, db):
    """Issue 19 gap: a duplicate's link is a key (district_code, duplicate_of); its event moving district
    takes the duplicates along (each with a history row naming the event), so the link holds."""
    t, c = two_districts.tickets, two_districts.clients
    main = t["zhongyuan"]
    dup = city.file_report(c["city"], city.IN_ZHONGYUAN, description="同一盏路灯")["ticket"]
    city.settle_district(db.session, dup, city.ZHONGYUAN)
    res = c["zy"].post(f"/api/v1/reports/{dup}/transitions",
                       json={"action": "merge", "expected_state": "reported", "duplicate_of": main, "note": "重复"})
    assert res.status_code == 200, res.get_json()

    res = _move(c["zy"], main, city.ERQI, "地址在二七区")
    assert res.status_code == 200, res.get_json()

    moved = c["eq"].get(f"/api/v1/reports/{dup}").get_json()
    assert moved["district_code"] == city.ERQI and moved["duplicate_of"] == main
    assert c["zy"].get(f"/api/v1/reports/{dup}").status_code == 404
    history = c["eq"].get(f"/api/v1/reports/{dup}/history").get_json()["history"]
    assert [h["action"] for h in history] == ["report", "merge", "transfer"]
    assert history[-1]["details"]["kind"] == "with_event" and history[-1]["details"]["event"] == main
    assert history[-1]["details"]["to_district_name"] == "二七区"
    # Two single-table reads: Citus plans no join of report with itself on anything but the key.
    main_id = db.session.execute(text("SELECT id FROM report WHERE ticket = :m"), {"m": main}).scalar_one()
    link = db.session.execute(text("SELECT district_code, duplicate_of FROM report WHERE ticket = :d"),
                              {"d": dup}).one()
    assert tuple(link) == (city.ERQI, main_id)
