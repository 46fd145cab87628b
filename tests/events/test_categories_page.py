"""/admin/categories: administrators edit the rules new events get, in the page (not only the API)."""
from __future__ import annotations

import re

from sqlalchemy import text

from tests.events.flow import act, ok, report


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _form(client, code: str) -> dict:
    html = client.get(f"/admin/categories/{code}?lang=en").get_data(as_text=True)
    value = lambda name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)  # noqa: E731
    selected = lambda name: re.search(  # noqa: E731
        rf'<select[^>]*name="{name}".*?<option selected value="([^"]+)"', html, re.S).group(1)
    return {"csrf_token": _csrf(html), "row_version": value("row_version"), "time_limit": value("time_limit"),
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
