"""Signing in and out through the real form; CSRF on cookie-session writes; tokens."""
from __future__ import annotations

import pytest

from tests.auth_helpers import csrf_from, sign_in
from tests.conftest import PASSWORD


@pytest.fixture
def dispatcher(db):
    from app.auth import users

    user = users.create("desk1", PASSWORD, "dispatcher", display_name="调度员甲")
    db.session.commit()
    return user


def test_sign_in_page_is_chinese_and_carries_a_csrf_token(anon):
    html = anon.get("/login").get_data(as_text=True)
    assert "登录网格地图" in html and "用户名" in html and "密码" in html
    assert csrf_from(html)


def test_sign_in_then_pages_then_sign_out(app, dispatcher):
    c = app.test_client()
    res = sign_in(c, "DESK1", PASSWORD, next_url="/maps/issues")  # usernames ignore case
    assert res.status_code == 302 and res.headers["Location"] == "/maps/issues"
    page = c.get("/").get_data(as_text=True)
    assert "调度员甲" in page and "调度员" in page and "退出" in page
    me = c.get("/api/v1/me").get_json()
    assert me["username"] == "desk1" and "reports:act" in me["permissions"]
    out = c.post("/logout", data={"csrf_token": csrf_from(page)})
    assert out.status_code == 302
    assert c.get("/api/v1/me").status_code == 401


def test_wrong_password_is_refused_in_the_page(app, dispatcher):
    c = app.test_client()
    res = sign_in(c, "desk1", "not-the-password")
    assert res.status_code == 422
    assert "用户名或密码错误" in res.get_data(as_text=True)
    assert c.get("/api/v1/me").status_code == 401


def test_disabled_accounts_cannot_sign_in(app, db, dispatcher):
    from app.auth import users

    users.update(dispatcher, active=False)
    db.session.commit()
    assert sign_in(app.test_client(), "desk1", PASSWORD).status_code == 422


def test_sign_in_without_csrf_token_is_refused(app, dispatcher):
    res = app.test_client().post("/login", data={"username": "desk1", "password": PASSWORD})
    assert res.status_code == 422 and "表单已过期" in res.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_next_never_leaves_the_site(app, dispatcher, target):
    res = sign_in(app.test_client(), "desk1", PASSWORD, next_url=target)
    assert res.status_code == 302 and res.headers["Location"] == "/"


def test_cookie_session_writes_need_the_csrf_header(app, sample, dispatcher):
    c = app.test_client()
    sign_in(c, "desk1", PASSWORD)
    body = {"category": "0102", "description": "楼道堆物", "lon": 113.605, "lat": 34.745}
    refused = c.post("/api/v1/reports", json=body)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    token = csrf_from(c.get("/").get_data(as_text=True))
    accepted = c.post("/api/v1/reports", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_bearer_tokens_need_no_csrf_and_die_with_revocation(app, client, db, dispatcher):
    made = client.post(f"/api/v1/users/{dispatcher.id}/tokens", json={"name": "12345 bridge"})
    assert made.status_code == 201
    secret = made.get_json()["token"]
    assert secret.startswith("gm_")
    c = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert c.get("/api/v1/me", headers=headers).get_json()["username"] == "desk1"
    # Only the hash is stored.
    from app.models import ApiToken

    row = db.session.get(ApiToken, made.get_json()["id"])
    assert secret not in (row.token_hash, row.prefix) and row.last_used_at is not None
    assert client.delete(f"/api/v1/users/{dispatcher.id}/tokens/{row.id}").status_code == 204
    assert c.get("/api/v1/me", headers=headers).status_code == 401
    assert c.get("/api/v1/me", headers={"Authorization": "Bearer gm_made-up"}).status_code == 401


def test_a_disabled_users_tokens_stop_working(app, client, dispatcher):
    secret = client.post(f"/api/v1/users/{dispatcher.id}/tokens", json={"name": "app"}).get_json()["token"]
    client.patch(f"/api/v1/users/{dispatcher.id}", json={"active": False})
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_passwords_are_stored_as_argon2id(dispatcher):
    assert dispatcher.password_hash.startswith("$argon2id$") and PASSWORD not in dispatcher.password_hash
