"""Security issue 20, item 6: contact details typed into descriptions and notes are masked.

A resident writes "请回电 13812345678" and a worker notes a landline: roles
without reports:personal (viewer, planner, anonymous callers, Open311) see
them masked in every output -- the report, the list and its GeoJSON, the
dispatch feed (which the maps and the desk page draw), the history, Open311
-- and the roles that call back see them whole. The rule is one SQL function
(migration 0021); its cases are below, then each output through HTTP.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import text

IN_GRID = (113.607, 34.758)          # grid 410102001001001 (north micro-grid)
OTHER_GRID = (113.63, 34.745)        # subdistrict 002
GRID = "410102001001001"
NAME, PHONE, EMAIL = "张三丰", "13700001111", "sanfeng@example.com"

CASES = [
    ("请回电 13812345678", "请回电 138****5678"),
    ("+8613812345678", "138****5678"),
    ("8613812345678", "138****5678"),
    ("008613812345678", "138****5678"),
    ("(+86)13812345678", "138****5678"),
    ("138-1234-5678", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("１３８１２３４５６７８", "１３８****５６７８"),
    ("＋８６ １３８－１２３４－５６７８", "１３８****５６７８"),
    ("电话:13812345678,13987654321", "电话:138****5678,139****4321"),
    ("0371-67891234", "0371-****1234"),
    ("(0371)67891234", "0371-****1234"),
    ("（0371）6789-1234", "0371-****1234"),
    ("037167891234", "0371-****1234"),
    ("010-62345678", "010-****5678"),
    ("+86 371 6789 1234", "0371-****1234"),
    ("座机0371 6789 1234转8", "座机0371-****1234转8"),
    ("身份证410102199001011234", "身份证410102********1234"),
    ("41010219900101123X号", "410102********123X号"),
    ("４１０１０２１９９００１０１１２３４", "４１０１０２********１２３４"),
    ("邮箱 zhang.san@example.com 谢谢", "邮箱 z***@example.com 谢谢"),
    # Not contact details: left alone.
    ("2024-05-06 12:30 建设路12号3单元501", "2024-05-06 12:30 建设路12号3单元501"),
    ("订单号213812345678，金额12345678901234567890元", "订单号213812345678，金额12345678901234567890元"),
    ("编号20241123001，3号楼 2单元 1201室", "编号20241123001，3号楼 2单元 1201室"),
    ("1381234567 与 138123456789", "1381234567 与 138123456789"),
    ("", ""),
    (None, None),
]


@pytest.mark.parametrize(("raw", "masked"), CASES, ids=[repr(c[0])[:30] for c in CASES])
def test_contacts_in_free_text_are_masked_by_one_sql_rule(db, raw, masked):
    assert db.session.execute(text("SELECT gridmap_mask_contacts(:t)"), {"t": raw}).scalar() == masked


def test_the_reporters_own_details_are_masked_wherever_they_appear(db):
    masked = db.session.execute(text("SELECT gridmap_mask_free_text(:t, :n, :p, :e)"), {
        "t": "张三丰家门口，打 137 0000 1111 或 13700001111，sanfeng@example.com，张三", "n": NAME, "p": PHONE,
        "e": EMAIL}).scalar()
    assert masked == "张**家门口，打 137****1111 或 137****1111，s***@example.com，张三"
    # A one-letter name would mask every such character in the text: only names of two or more.
    assert db.session.execute(text("SELECT gridmap_mask_free_text('王府井', '王', NULL, NULL)")).scalar() == "王府井"


def test_the_functions_say_what_they_are(db):
    comments = dict(db.session.execute(text(
        "SELECT p.proname, obj_description(p.oid, 'pg_proc') FROM pg_proc p "
        "WHERE p.proname IN ('gridmap_mask_contacts', 'gridmap_mask_free_text')")).all())
    assert set(comments) == {"gridmap_mask_contacts", "gridmap_mask_free_text"} and all(comments.values())
    volatility = set(db.session.execute(text(
        "SELECT provolatile FROM pg_proc WHERE proname IN ('gridmap_mask_contacts', 'gridmap_mask_free_text')"))
        .scalars())
    assert volatility == {"i"}


# ------------------------------------------------------------------ every output


DESCRIPTION = "请回电 13812345678，或 +86 139-8765-4321，座机0371-67891234，身份证410102199001011234，张三丰留"
DESCRIPTION_MASKED = "请回电 138****5678，或 139****4321，座机0371-****1234，身份证410102********1234，张**留"
NOTE = "已联系居民，电话 138 1234 5678，邮箱 zhang.san@example.com"
NOTE_MASKED = "已联系居民，电话 138****5678，邮箱 z***@example.com"


@pytest.fixture
def event(anon, client_as, sample):
    """A report with contact details in its text, accepted by a dispatcher with a note holding more."""
    res = anon.post("/api/v1/reports", json={
        "category": "0402", "description": DESCRIPTION, "lon": IN_GRID[0], "lat": IN_GRID[1],
        "reporter": {"name": NAME, "phone": PHONE, "email": EMAIL}})
    assert res.status_code == 201, res.get_json()
    # The anonymous reporter's own answer is masked too: whoever holds the ticket is not known to be them.
    assert res.get_json()["description"] == DESCRIPTION_MASKED
    ticket = res.get_json()["ticket"]
    dispatcher = client_as("dispatcher")
    res = dispatcher.post(f"/api/v1/reports/{ticket}/transitions",
                          json={"action": "accept", "expected_state": "reported", "note": NOTE})
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["transition"]["note"] == NOTE and res.get_json()["report"]["description"] == DESCRIPTION
    return ticket, dispatcher


@pytest.fixture
def callers(client_as, event):
    _ticket, dispatcher = event
    return {"viewer": client_as("viewer"), "planner": client_as("planner"), "dispatcher": dispatcher,
            "worker": client_as("worker", areas=[GRID]), "admin": client_as("admin")}


SEE_WHOLE = {"dispatcher", "worker", "admin"}


@pytest.mark.parametrize("role", ["viewer", "planner", "dispatcher", "worker", "admin"])
def test_the_report_list_geojson_feed_and_history(callers, event, role):
    ticket, _ = event
    c = callers[role]
    description, note = (DESCRIPTION, NOTE) if role in SEE_WHOLE else (DESCRIPTION_MASKED, NOTE_MASKED)
    assert c.get(f"/api/v1/reports/{ticket}").get_json()["description"] == description
    [listed] = c.get("/api/v1/reports").get_json()["reports"]
    assert listed["description"] == description
    [feature] = c.get("/api/v1/reports?format=geojson").get_json()["features"]
    assert feature["properties"]["description"] == description
    # The dispatch feed: what the desk page and the maps' popups show.
    [fed] = c.get("/api/v1/reports/changes").get_json()["features"]
    assert fed["properties"]["description"] == description
    history = c.get(f"/api/v1/reports/{ticket}/history").get_json()["history"]
    assert [h["note"] for h in history if h["action"] == "accept"] == [note]
    # Nothing of the raw numbers anywhere in the masked answers.
    if role not in SEE_WHOLE:
        for url in (f"/api/v1/reports/{ticket}", "/api/v1/reports", f"/api/v1/reports/{ticket}/history",
                    "/api/v1/reports/changes"):
            body = c.get(url).get_data(as_text=True)
            for secret in ("13812345678", "8765", "67891234", "19900101", "zhang.san", "三丰"):
                assert secret not in body, (url, secret)


def test_open311_masks_every_form_for_everyone(app, anon, event, monkeypatch):
    ticket, _ = event
    monkeypatch.setitem(app.config, "OPEN311_PUBLIC_READ", True)
    [item] = anon.get("/open311/v2/requests.json").get_json()
    assert item["description"] == DESCRIPTION_MASKED
    [item] = anon.get(f"/open311/v2/requests/{ticket}.json").get_json()
    assert item["description"] == DESCRIPTION_MASKED
    root = ET.fromstring(anon.get("/open311/v2/requests.xml").get_data())
    assert root.find("request/description").text == DESCRIPTION_MASKED


# ------------------------------------------------------------------ Open311 reading is a setting


def test_open311_reading_is_closed_unless_the_district_publishes_its_events(app, anon, event):
    ticket, _ = event
    assert app.config["OPEN311_PUBLIC_READ"] is False   # the default
    for url in ("/open311/v2/requests.json", f"/open311/v2/requests/{ticket}.json"):
        res = anon.get(url)
        assert res.status_code == 401 and res.content_type.startswith("application/json")
        [error] = res.get_json()
        assert error["code"] == 401 and "Bearer" in error["description"]
    res = anon.get("/open311/v2/requests.xml")
    assert res.status_code == 401 and ET.fromstring(res.get_data()).tag == "errors"
    # What a client needs to file requests stays public.
    for url in ("/open311/v2/discovery.json", "/open311/v2/services.json", "/open311/v2/services/0402.xml"):
        assert anon.get(url).status_code == 200, url


def test_open311_readers_with_a_token_see_their_area_masked(client_as, event, anon, sample):
    ticket, _ = event
    elsewhere = anon.post("/api/v1/reports", json={"category": "0402", "description": "别处 13812345678",
                                                   "lon": OTHER_GRID[0], "lat": OTHER_GRID[1]})
    assert elsewhere.status_code == 201
    viewer = client_as("viewer")
    items = viewer.get("/open311/v2/requests.json").get_json()
    assert {i["description"] for i in items} == {DESCRIPTION_MASKED, "别处 138****5678"}
    worker = client_as("worker", areas=[GRID])
    assert [i["service_request_id"] for i in worker.get("/open311/v2/requests.json").get_json()] == [ticket]
    assert worker.get(f"/open311/v2/requests/{elsewhere.get_json()['ticket']}.json").status_code == 404


def test_migration_0021_goes_down_and_up(scratch_db):
    def functions(conn) -> list:
        return [conn.execute(text(f"SELECT to_regprocedure('{f}')")).scalar_one()
                for f in ("gridmap_mask_contacts(text)", "gridmap_mask_free_text(text,text,text,text)")]

    scratch_db.upgrade("0021_free_text_masking")
    with scratch_db.begin() as conn:
        assert all(functions(conn))
    scratch_db.downgrade("0018_move_buildings")
    with scratch_db.begin() as conn:
        assert not any(functions(conn))
    scratch_db.upgrade("0021_free_text_masking")
    with scratch_db.begin() as conn:
        assert conn.execute(text("SELECT gridmap_mask_free_text('请回电 13812345678', NULL, NULL, NULL)")) \
            .scalar_one() == "请回电 138****5678"
