"""HTTP Basic on the machine interfaces (/api/, /ogc, /open311/): a password or an API token as the
password, the same permission checks, the same per-name lockout as the sign-in form (issue 17)."""
from __future__ import annotations

import base64

import pytest
from sqlalchemy import select, text

from app.auth import basic
from app.models import AuditEntry, Report
from tests.auth_helpers import csrf_from, sign_in
from tests.conftest import PASSWORD
from tests.open311.conftest import IN_GRID, V2


def basic_header(name: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


@pytest.fixture
def accounts(db):
    from app.auth import users

    basic.forget_all()
    planner = users.create("qgis-planner", PASSWORD, "planner")
    viewer = users.create("qgis-viewer", PASSWORD, "viewer")
    _, planner_token = users.issue_token(planner, "QGIS")
    _, viewer_token = users.issue_token(viewer, "QGIS")
    db.session.commit()
    return {"planner": planner, "viewer": viewer, "planner_token": planner_token, "viewer_token": viewer_token}


def failures(db, name: str) -> int | None:
    return db.session.scalar(text("SELECT failures FROM login_lockout WHERE username = :n"), {"n": name})


def test_a_password_or_a_token_signs_in_on_every_machine_interface(anon, accounts, sample):
    for password in (PASSWORD, accounts["planner_token"]):
        auth = basic_header("qgis-planner", password)
        me = anon.get("/api/v1/me", headers=auth)
        assert me.status_code == 200 and me.get_json()["username"] == "qgis-planner"
        items = anon.get("/ogc/collections/grids-micro/items?limit=2", headers=auth)
        assert items.status_code == 200 and items.get_json()["numberReturned"] == 2
    # User names are matched as the sign-in form matches them.
    assert anon.get("/api/v1/me", headers=basic_header("QGIS-Planner ", PASSWORD)).status_code == 200


def test_basic_writes_pass_the_same_permission_checks_and_need_no_csrf_token(anon, accounts, db):
    body = {"name": "QGIS 调整", "note": "QGIS", "effective_date": "2026-07-01"}
    made = anon.post("/api/v1/drafts", json=body, headers=basic_header("qgis-planner", PASSWORD))
    assert made.status_code == 201, made.get_data(as_text=True)
    refused = anon.post("/api/v1/drafts", json=body, headers=basic_header("qgis-viewer", PASSWORD))
    assert refused.status_code == 403 and refused.get_json()["error"]["details"]["permission"] == "grids:edit"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "draft.open")).one()
    assert (entry.actor, entry.via) == ("qgis-planner", "basic")


def test_open311_takes_basic_instead_of_api_key(anon, accounts, db, sample):
    res = anon.post(f"{V2}/requests.json", headers=basic_header("qgis-planner", accounts["planner_token"]),
                    data={"service_code": "0102", "lat": str(IN_GRID[1]), "long": str(IN_GRID[0])})
    assert res.status_code == 201, res.get_data(as_text=True)
    ticket = res.get_json()[0]["service_request_id"]
    assert db.session.scalars(select(Report).where(Report.ticket == ticket)).one().channel == "resident_app"
    wrong = anon.post(f"{V2}/requests.json", headers=basic_header("qgis-planner", "not-the-password"),
                      data={"service_code": "0102", "lat": str(IN_GRID[1]), "long": str(IN_GRID[0])})
    assert wrong.status_code == 401 and wrong.get_json()[0]["code"] == 401


def test_wrong_credentials_are_a_401_with_the_basic_challenge_even_on_public_endpoints(anon, accounts, db):
    for url in ("/api/v1/me?lang=en", "/api/v1/lookup?lon=113.61&lat=34.75", "/ogc/collections"):
        res = anon.get(url, headers=basic_header("qgis-planner", "wrong-password-1"))
        assert res.status_code == 401, url
        assert res.headers.getlist("WWW-Authenticate") == ['Basic realm="GridMap", charset="UTF-8"',
                                                           'Bearer realm="GridMap"']
        assert "Wrong user name or password" in res.get_data(as_text=True) or "lang=en" not in url
    # Another user's token is no password of this one; an unreadable header is refused too.
    assert anon.get("/api/v1/me", headers=basic_header("qgis-planner", accounts["viewer_token"])).status_code == 401
    assert anon.get("/api/v1/me", headers={"Authorization": "Basic ???"}).status_code == 401
    logged = db.session.scalars(select(AuditEntry.after).where(AuditEntry.action == "auth.login_failed")).all()
    assert {"username": "qgis-planner", "via": "basic"} in logged


def test_browsers_are_never_challenged_for_basic(anon, accounts):
    # A map page's background fetch after its session ended: no browser password dialog.
    res = anon.get("/api/v1/grids", headers={"Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "same-origin"})
    assert res.status_code == 401 and res.headers.getlist("WWW-Authenticate") == ['Bearer realm="GridMap"']
    # Pages do not take Basic at all: the browser is sent to the sign-in form.
    page = anon.get("/dispatch", headers=basic_header("qgis-planner", PASSWORD) | {"Accept": "text/html"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_a_browser_sending_basic_by_itself_needs_the_csrf_token_to_write(anon, accounts):
    # Browsers replay Basic credentials on cross-site requests, as they do cookies.
    body = {"name": "跨站", "note": "QGIS", "effective_date": "2026-07-01"}
    res = anon.post("/api/v1/drafts", json=body, headers=basic_header("qgis-planner", PASSWORD)
                    | {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "cross-site"})
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "csrf_failed"


def test_basic_failures_and_sign_in_failures_count_against_one_lock(app, anon, accounts, db):
    for _ in range(3):
        assert anon.get("/api/v1/me", headers=basic_header("qgis-planner", "wrong-password-1")).status_code == 401
    form = app.test_client()
    form.environ_base["REMOTE_ADDR"] = "10.8.0.1"
    for _ in range(2):
        res = form.post("/login", data={"username": "qgis-planner", "password": "wrong-password-1",
                                        "csrf_token": csrf_from(form.get("/login").get_data(as_text=True))})
    assert res.status_code == 429  # the fifth failure in a row, two of them on the form
    assert failures(db, "qgis-planner") == 5
    locked = anon.get("/api/v1/me?lang=en", headers=basic_header("qgis-planner", PASSWORD))
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 60
    assert "locked" in locked.get_json()["error"]["message"]
    assert failures(db, "qgis-planner") == 5  # refused unchecked: not counted
    # An API token is no guessable password: the lock does not stop it.
    assert anon.get("/api/v1/me", headers=basic_header("qgis-planner", accounts["planner_token"])).status_code == 200


def test_a_good_basic_password_clears_the_failures(anon, accounts, db):
    anon.get("/api/v1/me", headers=basic_header("qgis-planner", "wrong-password-1"))
    assert failures(db, "qgis-planner") == 1
    assert anon.get("/api/v1/me", headers=basic_header("qgis-planner", PASSWORD)).status_code == 200
    assert failures(db, "qgis-planner") is None


def test_a_verified_password_is_not_hashed_again_until_it_changes(anon, accounts, monkeypatch):
    from app.auth import passwords, users

    checks = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: checks.append(p) or real(h, p))
    auth = basic_header("qgis-planner", PASSWORD)
    for _ in range(5):
        assert anon.get("/ogc/collections", headers=auth).status_code == 200
    assert len(checks) == 1  # GDAL's hundreds of page requests cost one argon2 check
    users.set_password(accounts["planner"], "a-new-password-42")
    from app.extensions import db
    db.session.commit()
    assert anon.get("/ogc/collections", headers=auth).status_code == 401
    assert anon.get("/ogc/collections", headers=basic_header("qgis-planner", "a-new-password-42")).status_code == 200


def test_password_checks_are_limited_per_address(app, anon, accounts):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    try:
        codes = [anon.get("/api/v1/me", headers=basic_header(f"nobody-{i}", "wrong-password-1")).status_code
                 for i in range(4)]
    finally:
        app.config["RATELIMIT_LOGIN"] = "10 per minute"
    assert codes == [401, 401, 401, 429]


def test_a_session_cookie_still_needs_its_csrf_token(app, accounts):
    # Basic changes nothing for the browser's own sign-in.
    c = app.test_client()
    assert sign_in(c, "qgis-planner", PASSWORD).status_code == 302
    res = c.post("/api/v1/drafts", json={"name": "x", "note": "QGIS", "effective_date": "2026-07-01"})
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "csrf_failed"
