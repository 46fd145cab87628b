"""Issue 19: users belong to a district or the city: the admin page, the API and `flask users`."""
from __future__ import annotations

from sqlalchemy import select

from tests.auth_helpers import csrf_from, sign_in
from tests.city import helpers as city


def test_admin_page_sets_the_district_or_the_city(app, db, sample):
    from app.auth import users
    from app.models import User

    city.add_erqi(db.session)
    users.create("root", city.PASSWORD, "admin")
    db.session.commit()
    c = app.test_client()
    sign_in(c, "root", city.PASSWORD)
    page = c.get("/admin/users").get_data(as_text=True)
    assert 'name="district"' in page and "市级（全部区县）" in page and "二七区（410103）" in page
    res = c.post("/admin/users", data={"csrf_token": csrf_from(page), "username": "shi", "role": "dispatcher",
                                       "district": "city", "password": "long-enough-pw"})
    assert res.status_code == 302
    shi = db.session.scalars(select(User).where(User.username == "shi")).one()
    assert shi.district_code is None
    listing = c.get("/admin/users").get_data(as_text=True)
    assert "市级调度员" in listing and "全市" in listing
    edit = c.get(f"/admin/users/{shi.id}").get_data(as_text=True)
    assert '<option selected value="city">' in edit or 'value="city" selected' in edit
    res = c.post(f"/admin/users/{shi.id}", data={"csrf_token": csrf_from(edit), "row_version": "1",
                                                 "role": "dispatcher", "district": city.ERQI, "active": "y"})
    assert res.status_code == 302
    db.session.refresh(shi)
    assert shi.district_code == city.ERQI
    # A grid worker belongs to a district.
    res = c.post("/admin/users", data={"csrf_token": csrf_from(page), "username": "wang", "role": "worker",
                                       "areas": "410102001001001", "district": "city", "password": "long-enough-pw"})
    assert res.status_code == 422 and "网格员属于某个区县" in res.get_data(as_text=True)


def test_api_and_cli(app, db, sample, client, cli):
    city.add_erqi(db.session)
    body = {"username": "city-view", "password": "long-enough-pw", "role": "viewer", "district_code": None}
    res = client.post("/api/v1/users", json=body)
    assert res.status_code == 201 and res.get_json()["district_code"] is None
    res = client.post("/api/v1/users", json=body | {"username": "eq-view", "district_code": city.ERQI})
    assert res.get_json()["district_code"] == city.ERQI
    res = client.post("/api/v1/users", json={"username": "default-view", "password": "long-enough-pw",
                                             "role": "viewer"})
    assert res.get_json()["district_code"] == app.config["DISTRICT_CODE"]
    bad = client.post("/api/v1/users", json=body | {"username": "x-view", "district_code": "999999"})
    assert bad.status_code == 422 and bad.get_json()["error"]["details"]["field"] == "district_code"

    out = cli.invoke(args=["users", "create", "city-disp", "--role", "dispatcher", "--city",
                           "--password", "long-enough-pw"])
    assert out.exit_code == 0, out.output
    assert "City dispatcher" in out.output
    out = cli.invoke(args=["users", "create", "eq-disp", "--role", "dispatcher", "--district", city.ERQI,
                           "--password", "long-enough-pw"])
    assert out.exit_code == 0 and "Dispatcher" in out.output
    out = cli.invoke(args=["users", "set-district", "eq-disp", "--city"])
    assert out.exit_code == 0 and "City dispatcher" in out.output
    listing = cli.invoke(args=["users", "list"]).output
    assert any(line.startswith("eq-disp\tdispatcher\t") and line.endswith("\tcity") for line in listing.splitlines())
    out = cli.invoke(args=["users", "create", "wk", "--role", "worker", "--grids", "410102001001001", "--city",
                           "--password", "long-enough-pw"])
    assert out.exit_code != 0 and "belongs to a district" in out.output
