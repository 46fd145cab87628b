"""The category table: seeded, served publicly, edited by administrators (for new events only)."""
from __future__ import annotations

from sqlalchemy import select, text

from app.models import AuditEntry, Category
from app.reports.categories import CATEGORIES
from tests.events.helpers import act, ok, report

#: The classes the events issue names, by label: each must be in the table.
ISSUE_CLASSES = ["Garbage sorting", "Fire safety hazard", "Gas safety hazard", "Illegal parking",
                 "Non-motor vehicles", "Noise dispute", "Construction noise", "Illegal structure",
                 "Damaged public ads", "Neighbour dispute", "Help for the elderly and special groups",
                 "Enterprise request", "Exposed garbage", "Muck and debris", "Small illegal ads",
                 "Road occupation", "Street vending", "Pipe burst", "Road collapse", "Waterlogging",
                 "Construction dust", "Road cleaning", "Green-space care"]


def categories(client):
    res = client.get("/api/v1/categories?lang=en")
    assert res.status_code == 200
    return {c["code"]: c for c in res.get_json()["categories"]}


def test_the_table_is_seeded_with_the_codes_labels_and_colours_of_the_seed_list(db, anon):
    rows = {c.code: c for c in db.session.scalars(select(Category))}
    assert set(rows) == {c.code for c in CATEGORIES}
    for seed in CATEGORIES:
        row = rows[seed.code]
        assert row.label == seed.label._args[0] and row.color == seed.color
        assert row.big_class + row.small_class == row.code
    served = categories(anon)
    assert {c["label"] for c in served.values()} >= set(ISSUE_CLASSES)
    # Examples of local time limits (DOMAIN.md): exposed garbage 4 h, green-space care 5 working days,
    # stopping illegal construction 4 working hours.
    assert (served["0102"]["time_limit"], served["0102"]["time_unit"]) == (4, "hours")
    assert (served["0106"]["time_limit"], served["0106"]["time_unit"]) == (5, "days")
    assert (served["0101"]["time_limit"], served["0101"]["time_unit"]) == (4, "hours")
    assert served["0501"]["handling_level"] == "department" and served["0402"]["duplicate_radius_m"] == 30
    assert set(served["0402"]) == {
        "code", "label", "big_class", "color", "big_class_code", "small_class_code", "time_limit", "time_unit",
        "handling_level", "duplicate_radius_m", "active", "row_version"}
    # Labels in the request language.
    zh = {c["code"]: c for c in anon.get("/api/v1/categories?lang=zh").get_json()["categories"]}
    assert zh["0402"]["label"] != "Illegal parking"


def test_an_administrator_edits_a_category_and_it_is_audited(people, db):
    res = people.admin.patch("/api/v1/categories/0402", json={
        "time_limit": 1.5, "handling_level": "community", "duplicate_radius_m": 80, "color": "#123ABC",
        "row_version": 1})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert (body["time_limit"], body["time_unit"], body["handling_level"], body["duplicate_radius_m"],
            body["color"], body["row_version"]) == (1.5, "hours", "community", 80, "#123abc", 2)
    assert categories(people.admin)["0402"]["handling_level"] == "community"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "category.update")).one()
    assert entry.entity_id == "0402" and entry.actor == "ops-admin"
    assert entry.before["handling_level"] == "grid" and entry.after["handling_level"] == "community"
    assert entry.before["time_limit"] == 2 and entry.after["time_limit"] == 1.5
    # The same edit from a stale form: 409 with the current version.
    res = people.admin.patch("/api/v1/categories/0402", json={"time_limit": 3, "row_version": 1})
    assert res.status_code == 409 and res.get_json()["error"]["details"]["current"] == 2
    # An edit that changes nothing writes nothing.
    ok(people.admin.patch("/api/v1/categories/0402", json={"handling_level": "community"}))
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "category.update")).all()) == 1


def test_an_edit_applies_to_new_events_only(people, anon, clock):
    old = report(anon)["ticket"]  # filed under 2 working hours, grid level
    ok(people.admin.patch("/api/v1/categories/0402", json={"time_limit": 3, "handling_level": "community"}))
    new = report(anon)
    assert new["level"] == "community"
    for ticket in (old, new["ticket"]):
        ok(act(people.dispatcher, ticket, "accept", "reported"))
        ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id))
    old_r = people.dispatcher.get(f"/api/v1/reports/{old}").get_json()
    new_r = people.dispatcher.get(f"/api/v1/reports/{new['ticket']}").get_json()
    assert (old_r["level"], old_r["deadline"]) == ("grid", "2026-11-23T11:00:00+08:00")
    assert new_r["deadline"] == "2026-11-23T12:00:00+08:00"


def test_an_inactive_category_is_refused_for_new_reports_but_old_ones_keep_it(people, anon):
    old = report(anon)["ticket"]
    ok(people.admin.patch("/api/v1/categories/0402", json={"active": False}))
    res = anon.post("/api/v1/reports", json={"category": "0402", "description": "x", "lon": 113.607,
                                              "lat": 34.758})
    assert res.status_code == 422
    assert [e["field"] for e in res.get_json()["error"]["details"]["errors"]] == ["category"]
    assert people.dispatcher.get(f"/api/v1/reports/{old}").get_json()["category"] == "0402"
    assert categories(anon)["0402"]["active"] is False
    # Lists may still filter by it.
    assert people.dispatcher.get("/api/v1/reports?category=0402").get_json()["count"] == 1


def test_a_new_colour_shows_in_lists(people, anon):
    report(anon)
    ok(people.admin.patch("/api/v1/categories/0402", json={"color": "#00ff00"}))
    assert people.dispatcher.get("/api/v1/reports").get_json()["reports"][0]["color"] == "#00ff00"


def test_bad_edits_name_the_field(people):
    cases = [
        ({"time_limit": 0}, "time_limit"), ({"time_limit": -2}, "time_limit"), ({"time_limit": "x"}, "time_limit"),
        ({"time_limit": 1.234}, "time_limit"), ({"time_limit": 1e9}, "time_limit"),
        ({"time_limit": True}, "time_limit"), ({"time_unit": "weeks"}, "time_unit"),
        ({"time_unit": "days"}, "time_limit"),  # 0402's 2 hours would become 2 days: fine; 1.5 is not
        ({"handling_level": "city"}, "handling_level"), ({"duplicate_radius_m": -1}, "duplicate_radius_m"),
        ({"duplicate_radius_m": 1.5}, "duplicate_radius_m"), ({"duplicate_radius_m": 99999}, "duplicate_radius_m"),
        ({"color": "red"}, "color"), ({"active": "yes"}, "active"), ({"code": "9999"}, "code"),
        ({"row_version": "1"}, "row_version"),
    ]
    ok(people.admin.patch("/api/v1/categories/0402", json={"time_limit": 1.5}))
    for body, field in cases:
        res = people.admin.patch("/api/v1/categories/0402", json=body)
        assert res.status_code == 422, (body, res.get_json())
        assert res.get_json()["error"]["details"]["field"] == field, body
    assert people.admin.patch("/api/v1/categories/0402", data="x").status_code == 422
    assert people.admin.patch("/api/v1/categories/9999", json={"active": False}).status_code == 404


def test_only_administrators_edit_categories(people, anon):
    for who in ("dispatcher", "planner", "worker", "viewer"):
        res = getattr(people, who).patch("/api/v1/categories/0402", json={"active": False})
        assert res.status_code == 403 and res.get_json()["error"]["details"]["permission"] == "categories:edit"
    assert anon.patch("/api/v1/categories/0402", json={"active": False}).status_code == 401
    assert categories(anon)["0402"]["active"] is True


def _stored(db) -> int:
    return db.session.execute(text("SELECT count(*) FROM report")).scalar()


def test_a_category_switched_off_by_another_process_is_refused_at_once(people, anon, db):
    # This process has read 0402 as active (intake checks against its copy of the codes; the store
    # confirms the category as it writes, so the copy cannot let a switched-off category through).
    report(anon)
    db.session.execute(text("UPDATE category SET active = false WHERE code = '0402'"))  # not through this app
    before = _stored(db)
    audits = db.session.execute(text("SELECT count(*) FROM audit_entry WHERE action = 'report.create'")).scalar()
    res = anon.post("/api/v1/reports", json={"category": "0402", "description": "x", "lon": 113.607, "lat": 34.758},
                    headers={"Idempotency-Key": "switched-off-1"})
    assert res.status_code == 422, res.get_json()
    assert [e["field"] for e in res.get_json()["error"]["details"]["errors"]] == ["category"]
    assert _stored(db) == before
    assert db.session.execute(text("SELECT count(*) FROM audit_entry WHERE action = 'report.create'")).scalar() \
        == audits
    # Sent again once the category is back, the same key files the report.
    db.session.execute(text("UPDATE category SET active = true WHERE code = '0402'"))
    res = anon.post("/api/v1/reports", json={"category": "0402", "description": "x", "lon": 113.607, "lat": 34.758},
                    headers={"Idempotency-Key": "switched-off-1"})
    assert res.status_code == 201, res.get_json()
    assert _stored(db) == before + 1


def test_a_category_switched_on_by_another_process_is_accepted_at_once(people, anon, db):
    db.session.execute(text("UPDATE category SET active = false WHERE code = '0402'"))
    res = anon.post("/api/v1/reports", json={"category": "0402", "description": "x", "lon": 113.607, "lat": 34.758})
    assert res.status_code == 422  # this process's copy of the codes now lacks 0402
    db.session.execute(text("UPDATE category SET active = true WHERE code = '0402'"))
    body = report(anon)
    assert body["category"] == "0402" and body["category_label"]
