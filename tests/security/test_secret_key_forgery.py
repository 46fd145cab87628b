"""Issue 20, item 1: nobody can sign a session cookie, because GridMap never runs with a known key.

The probe signed ``{"_user_id": "1", "_fresh": true}`` with the old default key and got 200 on
/api/v1/me and /api/v1/audit. Now an unset key is generated into instance/ (mode 600) and a
known or short one stops start-up, in the app factory and in gunicorn alike.
"""
from __future__ import annotations

import re
import stat

import pytest
import requests
from flask.sessions import SecureCookieSessionInterface

from app.config import ConfigError
from tests.auth_helpers import csrf_from, sign_in
from tests.conftest import PASSWORD
from tests.security.live_gunicorn import LiveGunicorn

OLD_DEFAULTS = ("dev-only-change-me", "change-me")


def _signed(app, payload: dict, key: str) -> str:
    """``payload`` as a session cookie signed with ``key`` the way Flask signs it."""
    app_with_key = type("Keyed", (), {"secret_key": key, "config": app.config})()
    return SecureCookieSessionInterface().get_signing_serializer(app_with_key).dumps(payload)


@pytest.fixture
def generated_key_app(app, db, tmp_path, monkeypatch):
    """GridMap as deployed: no SECRET_KEY anywhere, not TESTING; instance/ in a temporary directory."""
    from app import create_app

    monkeypatch.setenv("GRIDMAP_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("GRIDMAP_SECRET_KEY", raising=False)
    return create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


def test_a_cookie_signed_with_an_old_default_key_signs_nobody_in(generated_key_app, db, tmp_path):
    from app.auth import users

    admin = users.create("forge-target", PASSWORD, "admin")
    db.session.commit()
    client = generated_key_app.test_client()
    assert sign_in(client, "forge-target", PASSWORD).status_code == 302
    assert client.get("/api/v1/me").status_code == 200

    # The real session, read with the generated key, then signed again with each published key.
    real = client.get_cookie("session").value
    payload = SecureCookieSessionInterface().get_signing_serializer(generated_key_app).loads(real)
    # The session id is "<user id>:<session version>:<signed-in token>" (app.auth sessions).
    assert payload["_user_id"].split(":")[0] == str(admin.id)
    for key in OLD_DEFAULTS:
        for forged in (payload, {"_user_id": str(admin.id), "_fresh": True}):
            attacker = generated_key_app.test_client()
            attacker.set_cookie("session", _signed(generated_key_app, forged, key))
            assert attacker.get("/api/v1/me").status_code == 401, key
            assert attacker.get("/api/v1/audit").status_code == 401, key

    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert generated_key_app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert generated_key_app.config["SECRET_KEY"] not in OLD_DEFAULTS and len(key_file.read_text().strip()) >= 32


@pytest.mark.parametrize("key", [*OLD_DEFAULTS, "secret", "dev", "short-but-not-known"])
def test_known_or_short_keys_stop_the_app_factory(app, key, monkeypatch):
    from app import create_app

    monkeypatch.setenv("GRIDMAP_SECRET_KEY", key)
    with pytest.raises(ConfigError, match="GRIDMAP_SECRET_KEY") as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert "secrets.token_urlsafe" in str(refused.value)


def test_gunicorn_refuses_to_serve_with_a_known_key(database_url, tmp_path):
    server = LiveGunicorn(database_url, "--workers", "1",
                          env={"GRIDMAP_SECRET_KEY": "change-me", "GRIDMAP_INSTANCE_DIR": str(tmp_path)})
    try:
        server.start(healthy=False)
        assert server.proc.wait(timeout=60) != 0
        log = server.log_text()
        assert "GRIDMAP_SECRET_KEY is a published value" in log, log[-2000:]
        assert "Listening at" in log and "Worker failed to boot" in log
    finally:
        server.close()


def test_gunicorn_workers_share_the_generated_key_across_restarts(database_url, committed_db, tmp_path):
    """Three workers generate the key at the same moment: all sign with the same one, and a
    session survives a restart of gunicorn."""
    from app.auth import users

    users.create("shared-key", PASSWORD, "viewer")
    committed_db.session.commit()
    env = {"GRIDMAP_INSTANCE_DIR": str(tmp_path)}
    with LiveGunicorn(database_url, "--workers", "3", env=env) as server:
        browser = requests.Session()
        token = csrf_from(browser.get(server.base + "/login").text)
        res = browser.post(server.base + "/login", data={"username": "shared-key", "password": PASSWORD,
                                                         "csrf_token": token}, allow_redirects=False)
        assert res.status_code == 302, res.text[:500]
        cookie = browser.cookies.get("session")
        # A new connection each time: the requests land on all three workers.
        answers = [requests.get(server.base + "/api/v1/me", cookies={"session": cookie}, timeout=10)
                   for _ in range(15)]
        assert {a.status_code for a in answers} == {200}
        booted = set(re.findall(r"Booting worker with pid: (\d+)", server.log_text()))
        assert len(booted) == 3
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".secret_key-*")), "no temporary key files are left behind"
    with LiveGunicorn(database_url, "--workers", "2", env=env) as again:
        me = requests.get(again.base + "/api/v1/me", cookies={"session": cookie}, timeout=10)
        assert me.status_code == 200 and me.json()["username"] == "shared-key"
