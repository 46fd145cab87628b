"""Managing users (API, admin pages, CLI) and the audit log of every change."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.models import AuditEntry, User
from tests.auth_helpers import csrf_from, sign_in
from tests.conftest import PASSWORD


def _entries(db, action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def test_create_and_change_a_user_through_the_api_with_before_and_after(client, db, sample):
    res = client.post("/api/v1/users", json={"username": "wang", "password": "long-enough-pw", "role": "worker",
                                             "display_name": "王网格", "areas": ["410102001001001"]})
    assert res.status_code == 201, res.get_json()
    user = res.get_json()
    assert user["areas"] == ["410102001001001"] and user["row_version"] == 1
    changed = client.patch(f"/api/v1/users/{user['id']}", json={"role": "dispatcher", "areas": [], "row_version": 1})
    assert changed.status_code == 200 and changed.get_json()["row_version"] == 2
    create, update = _entries(db, "user.create")[-1], _entries(db, "user.update")[-1]
    assert create.actor == "test-admin" and create.via == "token" and create.after["role"] == "worker"
    assert update.before["role"] == "worker" and update.after["role"] == "dispatcher"
    assert update.before["areas"] == ["410102001001001"] and update.after["areas"] == []
    assert "password" not in str(create.after) and "long-enough-pw" not in str(create.after)


def test_areas_changed_keeping_one_of_them(client, db, sample):
    """A worker given a second grid keeps the first: the kept area is not inserted again (that broke the
    unique (user, grid) key with a 500)."""
    res = client.post("/api/v1/users", json={"username": "li", "password": "long-enough-pw", "role": "worker",
                                             "areas": ["410102001001001"]})
    assert res.status_code == 201, res.get_json()
    user = res.get_json()
    both = ["410102001001001", "410102001001002"]
    changed = client.patch(f"/api/v1/users/{user['id']}", json={"areas": both, "row_version": 1})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["areas"] == both
    swapped = client.patch(f"/api/v1/users/{user['id']}", json={"areas": ["410102001001002"], "row_version": 2})
    assert swapped.status_code == 200, swapped.get_json()
    assert client.get(f"/api/v1/users/{user['id']}").get_json()["areas"] == ["410102001001002"]


def test_a_stale_edit_gets_409_and_changes_nothing(client, db, sample):
    uid = client.post("/api/v1/users", json={"username": "li", "password": "long-enough-pw",
                                             "role": "viewer"}).get_json()["id"]
    assert client.patch(f"/api/v1/users/{uid}", json={"display_name": "李一", "row_version": 1}).status_code == 200
    stale = client.patch(f"/api/v1/users/{uid}", json={"display_name": "李二", "row_version": 1})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["details"]["current"] == 2
    assert db.session.get(User, uid).display_name == "李一"


@pytest.mark.parametrize("body,field", [
    ({"username": "x", "password": "long-enough-pw", "role": "viewer"}, "username"),
    ({"username": "ok-name", "password": "short", "role": "viewer"}, "password"),
    ({"username": "ok-name", "password": "long-enough-pw", "role": "king"}, "role"),
    ({"username": "ok-name", "password": "long-enough-pw", "role": "worker", "areas": ["999"]}, "areas"),
    ({"username": "ok-name", "password": "long-enough-pw", "role": "viewer", "admin": True}, "admin"),
    ({"username": "<script>", "password": "long-enough-pw", "role": "viewer"}, "username"),
])
def test_bad_user_input_names_the_field(client, db, sample, body, field):
    before = db.session.scalar(select(text("count(*)")).select_from(User))
    res = client.post("/api/v1/users", json=body)
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == field
    assert db.session.scalar(select(text("count(*)")).select_from(User)) == before


def test_taken_username_is_a_conflict(client, sample):
    body = {"username": "zhao", "password": "long-enough-pw", "role": "viewer"}
    assert client.post("/api/v1/users", json=body).status_code == 201
    assert client.post("/api/v1/users", json=body | {"username": "ZHAO"}).status_code == 409


def test_admin_pages_create_edit_and_issue_a_token_shown_once(app, client, db, sample):
    from app.auth import users

    users.create("root", PASSWORD, "admin")
    db.session.commit()
    c = app.test_client()
    sign_in(c, "root", PASSWORD)
    page = c.get("/admin/users").get_data(as_text=True)
    assert "新建用户" in page and "root" in page
    res = c.post("/admin/users", data={"csrf_token": csrf_from(page), "username": "sun", "display_name": "孙网格",
                                       "role": "worker", "areas": "410102001001001, 410102001001002",
                                       "password": "long-enough-pw"})
    assert res.status_code == 302
    sun = db.session.scalars(select(User).where(User.username == "sun")).one()
    assert sun.area_codes == ["410102001001001", "410102001001002"]
    edit = c.get(f"/admin/users/{sun.id}").get_data(as_text=True)
    # A bad grid code is shown beside the field; nothing changes.
    bad = c.post(f"/admin/users/{sun.id}", data={"csrf_token": csrf_from(edit), "row_version": "1", "role": "worker",
                                                 "areas": "410102001001001 123", "active": "y"})
    assert bad.status_code == 422 and "未知编码 123" in bad.get_data(as_text=True)
    db.session.refresh(sun)
    assert len(sun.area_codes) == 2
    token_page = c.post(f"/admin/users/{sun.id}/tokens", data={"csrf_token": csrf_from(edit), "name": "巡查APP"})
    assert token_page.status_code == 201
    html = token_page.get_data(as_text=True)
    assert "只显示这一次" in html and "gm_" in html
    assert "gm_" not in c.get(f"/admin/users/{sun.id}").get_data(as_text=True).split("<code>")[0][-5:]
    # Forms without the CSRF token are refused.
    assert c.post(f"/admin/users/{sun.id}/tokens", data={"name": "x"}).status_code in (400, 422)


def test_admin_user_list_filters_and_pages(app, db, sample, monkeypatch):
    from app.admin import pages
    from app.auth import users

    users.create("root3", PASSWORD, "admin")
    for i in range(5):
        users.create(f"worker{i}", PASSWORD, "worker", display_name=f"网格员{i}", areas=["410102001001001"],
                     phone=f"1380000000{i}")
    users.create("kong", PASSWORD, "viewer", display_name="孔只读")
    db.session.commit()
    monkeypatch.setattr(pages, "USERS_PAGE", 2)
    c = app.test_client()
    sign_in(c, "root3", PASSWORD)

    def names(html):
        return re.findall(r"<tr>\s*<td>([^<]+)</td>", html)

    first = c.get("/admin/users?role=worker").get_data(as_text=True)
    count = re.search(r'id="gm-user-count">([^<]*)<', first).group(1)
    assert names(first) == ["worker0", "worker1"] and re.search(r"1–2\D+5", count)
    last = c.get("/admin/users?role=worker&page=3").get_data(as_text=True)
    assert names(last) == ["worker4"]
    assert "page=2" in last and "page=4" not in last               # previous, no next
    # By name, phone or grid code; % and _ are plain characters.
    assert names(c.get("/admin/users?q=孔").get_data(as_text=True)) == ["kong"]
    assert names(c.get("/admin/users?q=13800000003").get_data(as_text=True)) == ["worker3"]
    assert len(names(c.get("/admin/users?q=410102001001001&page=1").get_data(as_text=True))) == 2
    assert names(c.get("/admin/users?q=%25").get_data(as_text=True)) == []
    # A bad page number is a message, not a 500; an unknown role is no filter.
    assert c.get("/admin/users?page=abc").status_code == 422
    assert c.get("/admin/users?role=king").status_code == 200


def test_user_names_are_escaped_in_pages(app, client, db, sample):
    from app.auth import users

    users.create("root2", PASSWORD, "admin", display_name='<img src=x onerror="alert(1)">')
    db.session.commit()
    c = app.test_client()
    sign_in(c, "root2", PASSWORD)
    html = c.get("/admin/users").get_data(as_text=True)
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html


def test_cli_creates_users_and_tokens(cli, db, sample):
    res = cli.invoke(args=["users", "create", "zhou", "--role", "worker", "--grids", "410102001001001",
                           "--name", "周网格", "--password", "long-enough-pw"])
    assert res.exit_code == 0, res.output
    assert "zhou" in res.output
    token = cli.invoke(args=["users", "token", "zhou", "--name", "phone"])
    assert token.exit_code == 0 and token.output.strip().startswith("gm_")
    listed = cli.invoke(args=["users", "list"]).output
    assert "zhou\tworker\tactive\t410102001001001" in listed
    bad = cli.invoke(args=["users", "create", "wu", "--role", "worker", "--password", "long-enough-pw"])
    assert bad.exit_code != 0 and "at least one grid" in bad.output
    assert cli.invoke(args=["users", "disable", "zhou"]).exit_code == 0
    entry = _entries(db, "user.update")[-1]
    assert entry.actor.startswith("cli:") and entry.via == "cli" and entry.after["active"] is False


def test_changes_to_boundaries_and_events_are_audited(client, anon, db, sample):
    res = anon.post("/api/v1/reports", json={"category": "0102", "description": "垃圾", "lon": 113.605,
                                             "lat": 34.745, "reporter_phone": "13800000000"})
    ticket = res.get_json()["ticket"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == ticket)).one()
    assert (entry.action, entry.actor, entry.via) == ("report.create", "anonymous", "anonymous")
    assert entry.after["grid_id"] is not None and "13800000000" not in str(entry.after)
    grids = _entries(db, "grid.import")
    assert grids and "410102" in grids[0].after["codes"]


def test_a_refused_change_leaves_no_audit_entry(client, db, sample):
    before = db.session.scalar(text("SELECT count(*) FROM audit_entry"))
    res = client.post("/api/v1/grids/import", json={"type": "FeatureCollection", "features": [{"type": "Feature"}]})
    assert res.status_code == 422
    assert db.session.scalar(text("SELECT count(*) FROM audit_entry")) == before


def test_sign_ins_and_failures_are_logged(app, db, sample):
    from app.auth import users

    users.create("qian", PASSWORD, "viewer")
    db.session.commit()
    sign_in(app.test_client(), "qian", "wrong-password")
    sign_in(app.test_client(), "qian", PASSWORD)
    assert _entries(db, "auth.login_failed")[-1].after == {"username": "qian"}
    assert _entries(db, "auth.login")[-1].actor_id is not None


def test_the_audit_log_is_append_only(db, client, sample):
    db.session.execute(text("SAVEPOINT before_tamper"))
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE audit_entry SET actor = 'someone else'"))
    db.session.execute(text("ROLLBACK TO SAVEPOINT before_tamper"))
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_entry"))
    db.session.execute(text("ROLLBACK TO SAVEPOINT before_tamper"))


def test_administrators_read_the_audit_log_by_api_and_page(app, client, client_as, db, sample):
    client.post("/api/v1/users", json={"username": "feng", "password": "long-enough-pw", "role": "viewer"})
    body = client.get("/api/v1/audit", query_string={"entity_type": "user"}).get_json()
    assert body["entries"][0]["action"] == "user.create" and body["entries"][0]["after"]["username"] == "feng"
    assert client.get("/api/v1/audit", query_string={"from": "yesterday"}).status_code == 422
    assert client_as("dispatcher").get("/api/v1/audit").status_code == 403
    from app.auth import users

    users.create("root3", PASSWORD, "admin")
    db.session.commit()
    c = app.test_client()
    sign_in(c, "root3", PASSWORD)
    html = c.get("/admin/audit", query_string={"action": "user."}).get_data(as_text=True)
    assert "审计日志" in html and "user.create" in html and "feng" in html
