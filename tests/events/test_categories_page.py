"""/admin/categories: administrators edit the rules new events get, in the page (not only the API)."""
from __future__ import annotations

import re

from sqlalchemy import text

from tests.auth_helpers import csrf_from
from tests.events.helpers import act, ok, report


def _form(client, code: str) -> dict:
    html = client.get(f"/admin/categories/{code}?lang=en").get_data(as_text=True)
    value = lambda name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)  # noqa: E731
    selected = lambda name: re.search(  # noqa: E731
        rf'<select[^>]*name="{name}".*?<option selected value="([^"]+)"', html, re.S).group(1)
    return {"csrf_token": csrf_from(html), "row_version": value("row_version"), "time_limit": value("time_limit"),
            "time_unit": selected("time_unit"), "handling_level": selected("handling_level"),
            "duplicate_radius_m": value("duplicate_radius_m"), "color": value("color"), "active": "y"}


def test_the_list_shows_every_category_with_its_rules_in_chinese(people):
    res = people.admin.get("/admin/categories")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert html.count("<tr data-code=") == 23
    row = re.search(r'<tr data-code="0402".*?</tr>', html, re.S).group(0)
    assert "2 工作小时" in row and "网格" in row and "编辑" in row
    assert "事件类别" in html                                            # the navigation link


def test_an_edit_applies_to_events_reported_afterwards(people, anon, clock):
    """0402 (illegal parking): 2 working hours -> 1 working day, handled by the community."""
    before = report(anon)["ticket"]
    form = _form(people.admin, "0402")
    assert (form["time_limit"], form["time_unit"], form["handling_level"]) == ("2", "hours", "grid")
    res = people.admin.post("/admin/categories/0402?lang=en", data={
        **form, "time_limit": "1", "time_unit": "days", "handling_level": "community", "duplicate_radius_m": "80"})
    assert res.status_code == 302 and res.headers["Location"].endswith("/admin/categories")
    page = people.admin.get("/admin/categories?lang=en").get_data(as_text=True)
    assert "Category 0402" in page and "events already filed keep theirs" in page
    assert "1 working days" in re.search(r'<tr data-code="0402".*?</tr>', page, re.S).group(0)

    after = report(anon)["ticket"]
    for ticket in (before, after):
        ok(act(people.dispatcher, ticket, "accept", "reported"))
    old = ok(act(people.dispatcher, before, "dispatch", "accepted", assignee=people.worker.user.id))["report"]
    new = ok(act(people.dispatcher, after, "dispatch", "accepted", assignee=people.worker.user.id))["report"]
    assert old["deadline"] == "2026-11-23T11:00:00+08:00"                  # filed before: 2 working hours
    # Whole working days end with the working day: the next one, at 17:30.
    assert new["deadline"] == "2026-11-24T17:30:00+08:00" and new["level"] == "community"
    audited = people.admin.get("/api/v1/audit?action=category.update").get_json()
    assert audited["entries"][0]["after"]["time_unit"] == "days"


def test_a_bad_value_is_shown_beside_its_field_and_nothing_changes(people, db):
    form = _form(people.admin, "0402")
    for field, value, says in (("time_limit", "0", "time_limit must be a number above 0"),
                               ("time_limit", "两小时", "time_limit must be a number above 0"),
                               ("time_limit", "1.5", "A time limit in working days must be a whole number"),
                               ("duplicate_radius_m", "-5", "duplicate_radius_m must be a whole number of metres"),
                               ("color", "red", "color must be a colour like #1f77b4")):
        data = {**form, field: value, **({"time_unit": "days"} if value == "1.5" else {})}
        res = people.admin.post("/admin/categories/0402?lang=en", data=data)
        assert res.status_code == 422, field
        html = res.get_data(as_text=True)
        assert says in html and f'is-invalid" id="{field}"' in html, (field, value)   # beside its field
    row = db.session.execute(text("SELECT time_limit, time_unit, duplicate_radius_m, color, row_version "
                                  "FROM category WHERE code = '0402'")).one()
    assert (float(row.time_limit), row.time_unit, str(row.duplicate_radius_m), row.color, row.row_version) == \
        (2.0, "hours", form["duplicate_radius_m"], form["color"], 1)


def test_two_administrators_at_once_the_second_is_told_to_reload(people, client_as):
    other = client_as("admin", username="admin-two")
    mine, theirs = _form(people.admin, "0102"), _form(other, "0102")
    assert people.admin.post("/admin/categories/0102", data={**mine, "time_limit": "3"}).status_code == 302
    res = other.post("/admin/categories/0102?lang=en", data={**theirs, "time_limit": "5"})
    assert res.status_code == 422
    assert "Someone else changed this category meanwhile" in res.get_data(as_text=True)
    assert '"3 working hours' not in res.get_data(as_text=True)
    assert _form(people.admin, "0102")["time_limit"] == "3"


def test_only_administrators_edit_categories(people, anon):
    for client in (people.dispatcher, people.worker):
        assert client.get("/admin/categories").status_code == 403
        assert client.post("/admin/categories/0402", data={"time_limit": "9"}).status_code in (400, 403)
    signin = anon.get("/admin/categories", headers={"Accept": "text/html"})
    assert signin.status_code == 302 and "/login" in signin.headers["Location"]
    assert people.admin.get("/admin/categories/9999").status_code == 404


def test_an_administrator_adds_a_category_that_new_events_can_use(people, anon, clock):
    body = {"big_class": "04", "small_class": "09", "label": "共享单车乱停放", "time_limit": 4,
            "time_unit": "hours", "handling_level": "community", "duplicate_radius_m": 40}
    res = people.admin.post("/api/v1/categories", json=body)
    assert res.status_code == 201, res.get_json()
    made = res.get_json()
    assert (made["code"], made["label"], made["big_class"], made["color"], made["active"]) == \
        ("0409", "共享单车乱停放", "街面秩序", "#1f77b4", True)              # the big class keeps its name
    assert any(c["code"] == "0409" for c in anon.get("/api/v1/categories").get_json()["categories"])
    ticket = report(anon, category="0409", description="单车堵住盲道")["ticket"]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    r = ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id))["report"]
    assert r["deadline"] == "2026-11-23T15:00:00+08:00" and r["level"] == "community"   # 4 working hours
    again = people.admin.post("/api/v1/categories", json=body)
    assert again.status_code == 409 and again.get_json()["error"]["details"]["field"] == "small_class"


def test_a_new_category_is_checked_field_by_field(people):
    base = {"big_class": "30", "small_class": "01", "label": "无人机违规飞行", "big_class_label": "低空安全",
            "time_limit": 1, "time_unit": "days"}
    for change, field in (({"big_class": "3"}, "big_class"), ({"small_class": "00"}, "small_class"),
                          ({"label": " "}, "label"), ({"big_class_label": None}, "big_class_label"),
                          ({"time_limit": None}, "time_limit"), ({"time_limit": 1.5}, "time_limit"),
                          ({"handling_level": "city"}, "handling_level"), ({"color": "blue"}, "color"),
                          ({"code": "3001"}, "code")):
        res = people.admin.post("/api/v1/categories", json={**base, **change})
        assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == field, (change, res.get_json())
    res = people.admin.post("/api/v1/categories", json=base)
    assert res.status_code == 201 and res.get_json()["big_class"] == "低空安全"
    assert people.dispatcher.post("/api/v1/categories", json={**base, "small_class": "02"}).status_code == 403


def test_the_page_adds_a_category_or_shows_what_is_wrong(people):
    html = people.admin.get("/admin/categories?lang=en").get_data(as_text=True)
    form = {"csrf_token": csrf_from(html), "big_class": "04", "small_class": "10", "label": "门前杂物堆放",
            "big_class_label": "", "time_limit": "1", "time_unit": "days", "handling_level": "grid",
            "duplicate_radius_m": "30", "color": "#336699", "active": "y"}
    bad = people.admin.post("/admin/categories?lang=en", data={**form, "big_class": "99"})
    assert bad.status_code == 422
    assert 'is-invalid" id="big_class_label"' in bad.get_data(as_text=True)   # a new big class needs a name
    res = people.admin.post("/admin/categories?lang=en", data=form)
    assert res.status_code == 302
    page = people.admin.get("/admin/categories?lang=en").get_data(as_text=True)
    assert "Category 0410 门前杂物堆放 added" in page and '<tr data-code="0410"' in page


def test_a_code_taken_between_the_check_and_the_insert_is_a_409_not_a_500(people, monkeypatch):
    """Two administrators adding 0402 at once: the second passes the existence check, then meets the key."""
    from app.extensions import db
    from app.models import Category

    real_get = db.session.get
    monkeypatch.setattr(db.session, "get", lambda model, key, *a, **k:
                        None if model is Category else real_get(model, key, *a, **k))
    res = people.admin.post("/api/v1/categories", json={"big_class": "04", "small_class": "02", "label": "重复",
                                                        "time_limit": 2, "time_unit": "hours"})
    assert res.status_code == 409 and res.get_json()["error"]["details"]["code"] == "0402"
    monkeypatch.undo()
    assert people.admin.get("/api/v1/categories").status_code == 200        # the session is usable again
