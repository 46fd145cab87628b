"""Sessions and remember-me cookies end: on sign-out, a new password, a new role, disabling,
and after REMEMBER_COOKIE_DURATION; every sign-in gets a cookie of its own (issue 20, item 5).

A "captured" cookie is copied into a second client, as someone who stole it would.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.auth_helpers import csrf_from
from tests.conftest import PASSWORD

NEW_PASSWORD = "another-horse-battery"


@pytest.fixture
def desk(db):
    from app.auth import users

    user = users.create("desk1", PASSWORD, "dispatcher", display_name="调度员甲")
    db.session.commit()
    return user


def browser(app, username="desk1", password=PASSWORD, *, remember=True):
    """A client signed in through the real form, ticking "keep me signed in"."""
    c = app.test_client()
    token = csrf_from(c.get("/login").get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    res = c.post("/login", data=data)
    assert res.status_code == 302, res.get_data(as_text=True)
    return c


def captured(app, victim, names=("session", "remember_token")):
    """A client holding copies of ``victim``'s cookies."""
    thief = app.test_client()
    for name in names:
        cookie = victim.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def me(c) -> int:
    return c.get("/api/v1/me").status_code


def sign_out(c):
    token = csrf_from(c.get("/").get_data(as_text=True))
    assert c.post("/logout", data={"csrf_token": token}).status_code == 302


def test_every_sign_in_gets_its_own_short_remember_cookie(app, desk):
    first, second = browser(app), browser(app)
    a, b = first.get_cookie("remember_token"), second.get_cookie("remember_token")
    assert a.value != b.value
    assert first.get_cookie("session").value != second.get_cookie("session").value
    days = app.config["REMEMBER_COOKIE_DURATION"] / 86400
    assert 14 <= days <= 30
    lasts = b.expires - datetime.now(timezone.utc)
    assert timedelta(days=days) - timedelta(minutes=5) < lasts <= timedelta(days=days)
    assert b.http_only
    # The remember-me cookie alone signs its holder in (that is what it is for) ...
    assert me(captured(app, second, names=("remember_token",))) == 200
    # ... and both sign-ins live side by side until one of them signs out.
    assert me(first) == 200 and me(second) == 200


def test_signing_out_ends_a_captured_session_and_remember_cookie(app, desk):
    c = browser(app)
    stolen_session = captured(app, c, names=("session",))
    stolen_remember = captured(app, c, names=("remember_token",))
    assert me(stolen_session) == 200 and me(stolen_remember) == 200
    sign_out(c)
    assert me(c) == 401
    assert me(stolen_session) == 401
    assert me(stolen_remember) == 401
    # Signing in again works, with a new cookie.
    again = browser(app)
    assert me(again) == 200
    assert again.get_cookie("remember_token").value != stolen_remember.get_cookie("remember_token").value


def test_signing_out_leaves_api_tokens_alone(app, db, desk):
    from app.auth import users

    _, secret = users.issue_token(desk, "field app")
    db.session.commit()
    c = browser(app)
    sign_out(c)
    res = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert res.status_code == 200 and res.get_json()["username"] == "desk1"


def test_a_new_password_set_through_the_api_ends_every_session(app, client, desk):
    c = browser(app)
    remembered = captured(app, c, names=("remember_token",))
    res = client.patch(f"/api/v1/users/{desk.id}", json={"password": NEW_PASSWORD})
    assert res.status_code == 200
    assert me(c) == 401 and me(remembered) == 401
    assert me(browser(app, password=NEW_PASSWORD)) == 200


def test_a_new_password_set_on_the_admin_page_keeps_only_the_changers_session(app, db):
    from app.auth import users

    admin = users.create("chief", PASSWORD, "admin")
    users.create("deputy", PASSWORD, "admin")
    db.session.commit()
    here, elsewhere = browser(app, "chief"), browser(app, "chief")
    page = here.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    res = here.post(f"/admin/users/{admin.id}/password",
                    data={"password": NEW_PASSWORD, "csrf_token": csrf_from(page)})
    assert res.status_code == 302
    # The administrator who changed their own password stays signed in here (remember-me too) ...
    assert me(here) == 200
    assert me(captured(app, here, names=("remember_token",))) == 200
    # ... while every other session of theirs has ended.
    assert me(elsewhere) == 401
    assert me(captured(app, elsewhere, names=("remember_token",))) == 401


def test_an_administrator_setting_someone_elses_password_on_the_page_ends_their_sessions(app, db, desk):
    from app.auth import users

    users.create("chief", PASSWORD, "admin")
    db.session.commit()
    admin, worker_browser = browser(app, "chief"), browser(app)
    page = admin.get(f"/admin/users/{desk.id}").get_data(as_text=True)
    res = admin.post(f"/admin/users/{desk.id}/password", data={"password": NEW_PASSWORD,
                                                               "csrf_token": csrf_from(page)})
    assert res.status_code == 302
    assert me(worker_browser) == 401 and me(admin) == 200


def test_a_new_password_set_on_the_command_line_ends_every_session(app, cli, desk):
    c = browser(app)
    result = cli.invoke(args=["users", "set-password", "desk1", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert me(c) == 401 and me(captured(app, c, names=("remember_token",))) == 401


def test_a_new_role_ends_sessions_other_changes_do_not(app, client, desk):
    c = browser(app)
    assert client.patch(f"/api/v1/users/{desk.id}", json={"display_name": "调度员乙"}).status_code == 200
    assert me(c) == 200
    assert client.patch(f"/api/v1/users/{desk.id}", json={"role": "viewer"}).status_code == 200
    assert me(c) == 401
    assert me(captured(app, c, names=("remember_token",))) == 401
    # The next sign-in carries the new role.
    assert browser(app).get("/api/v1/me").get_json()["role"] == "viewer"


def test_disabling_ends_sessions_and_tokens_and_enabling_revives_neither(app, client, db, desk):
    from app.auth import users

    _, secret = users.issue_token(desk, "field app")
    db.session.commit()
    c = browser(app)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    assert client.patch(f"/api/v1/users/{desk.id}", json={"active": False}).status_code == 200
    assert me(c) == 401
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert client.patch(f"/api/v1/users/{desk.id}", json={"active": True}).status_code == 200
    # The old sessions stay ended; the token (not a session) works again with the account.
    assert me(c) == 401
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200


def test_a_remembered_sign_in_ends_after_its_duration_on_the_server_too(app, desk):
    previous = app.config["REMEMBER_COOKIE_DURATION"]
    app.config["REMEMBER_COOKIE_DURATION"] = 2
    try:
        c = browser(app)
        remembered = captured(app, c, names=("remember_token",))
        assert me(c) == 200 and me(remembered) == 200
        time.sleep(3.1)
        # The browser would have dropped the cookie by now; a copy kept and replayed is refused too.
        assert me(c) == 401 and me(remembered) == 401
    finally:
        app.config["REMEMBER_COOKIE_DURATION"] = previous


def test_a_session_of_the_old_form_is_signed_out(app, desk):
    # Before migration 0020 a session held only the user id; such cookies no longer sign anyone in.
    signer = app.session_interface.get_signing_serializer(app)
    c = app.test_client()
    c.set_cookie("session", signer.dumps({"_user_id": str(desk.id), "_fresh": True}))
    assert me(c) == 401


def test_a_changed_version_in_a_forged_id_does_not_help(app, desk):
    # Pieces of a real id with another version (an attacker guessing the next one) are refused.
    c = browser(app, remember=False)
    signer = app.session_interface.get_signing_serializer(app)
    session = signer.loads(c.get_cookie("session").value)
    user_id, version, stamp = session["_user_id"].split(":")
    session["_user_id"] = f"{user_id}:{int(version) + 1}:{stamp}"
    forged = app.test_client()
    forged.set_cookie("session", signer.dumps(session))
    assert me(forged) == 401 and me(c) == 200
