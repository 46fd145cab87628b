"""A user name is locked after repeated failed sign-ins, with back-off; the lock says nothing
about which names exist; an administrator can lift it (issue 20, item 9)."""
from __future__ import annotations

import doctest
import itertools
import re

import pytest
from sqlalchemy import text

from tests.auth_helpers import csrf_from
from tests.conftest import PASSWORD

_addresses = itertools.count(1)


@pytest.fixture
def desk(db):
    from app.auth import users

    user = users.create("desk1", PASSWORD, "dispatcher")
    db.session.commit()
    return user


def attempt(app, username, password):
    """One sign-in through the real form, each from an address of its own (so the
    per-address rate limit, tested elsewhere, stays out of the way)."""
    c = app.test_client()
    n = next(_addresses)
    c.environ_base["REMOTE_ADDR"] = f"10.9.{n // 250}.{n % 250 + 1}"
    token = csrf_from(c.get("/login").get_data(as_text=True))
    res = c.post("/login", data={"username": username, "password": password, "csrf_token": token})
    res.client = c
    return res


def lock_row(db, name):
    return db.session.execute(text("SELECT failures, locked_until - now() AS left FROM login_lockout "
                                   "WHERE username = :n"), {"n": name}).first()


def test_the_fifth_failure_locks_the_name_and_the_page_says_until_when(app, db, desk):
    for _ in range(4):
        res = attempt(app, "desk1", "wrong-password-1")
        assert res.status_code == 422 and "用户名或密码错误" in res.get_data(as_text=True)
    res = attempt(app, "Desk1 ", "wrong-password-1")  # the same name, however typed
    html = res.get_data(as_text=True)
    assert res.status_code == 429
    assert "暂时锁定" in html and "1 分钟后" in html and "北京时间" in html
    assert re.search(r"北京时间 \d\d:\d\d", html)
    assert 0 < int(res.headers["Retry-After"]) <= 60
    # The right password is refused while the lock lasts, unchecked.
    right = attempt(app, "desk1", PASSWORD)
    assert right.status_code == 429 and "暂时锁定" in right.get_data(as_text=True)
    assert right.client.get("/api/v1/me").status_code == 401
    row = lock_row(db, "desk1")
    assert row.failures == 5 and 55 <= row.left.total_seconds() <= 60
    logged = db.session.execute(text("SELECT after FROM audit_entry WHERE action = 'auth.lockout'")).scalars().all()
    assert logged == [{"username": "desk1", "failures": 5, "seconds": 60, "until": logged[0]["until"]}]


def test_each_further_failure_doubles_the_lock_up_to_the_cap(app, db, desk):
    for _ in range(5):
        attempt(app, "desk1", "wrong-password-1")
    seen = []
    for _ in range(7):
        # Let the lock run out (the database's clock moves it into the past), then fail once more.
        db.session.execute(text("UPDATE login_lockout SET locked_until = now() - interval '1 second'"))
        db.session.commit()
        res = attempt(app, "desk1", "wrong-password-1")
        assert res.status_code == 429
        seen.append(round(lock_row(db, "desk1").left.total_seconds() / 60))
    assert seen == [2, 4, 8, 16, 32, 60, 60]
    assert "60 分钟后" in res.get_data(as_text=True)


def test_attempts_while_locked_do_not_count(app, db, desk):
    for _ in range(5):
        attempt(app, "desk1", "wrong-password-1")
    for _ in range(3):
        assert attempt(app, "desk1", "wrong-password-1").status_code == 429
    assert lock_row(db, "desk1").failures == 5


def test_an_unknown_name_is_locked_the_same_way(app, db, desk):
    known = [attempt(app, "desk1", "wrong-password-1") for _ in range(6)]
    unknown = [attempt(app, "nobody-here", "wrong-password-1") for _ in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [422] * 4 + [429] * 2

    def message(res):
        return re.sub(r"\d+", "#", re.search(r'<div class="invalid-feedback">([^<]*)</div>',
                                              res.get_data(as_text=True)).group(1))

    assert [message(r) for r in known] == [message(r) for r in unknown]


def test_a_successful_sign_in_forgets_earlier_failures(app, db, desk):
    for _ in range(4):
        attempt(app, "desk1", "wrong-password-1")
    assert attempt(app, "desk1", PASSWORD).status_code == 302
    assert lock_row(db, "desk1") is None
    for _ in range(4):
        assert attempt(app, "desk1", "wrong-password-1").status_code == 422


def test_failures_long_ago_are_forgotten(app, db, desk):
    for _ in range(4):
        attempt(app, "desk1", "wrong-password-1")
    db.session.execute(text("UPDATE login_lockout SET last_failure_at = now() - interval '2 days'"))
    db.session.commit()
    assert attempt(app, "desk1", "wrong-password-1").status_code == 422
    assert lock_row(db, "desk1").failures == 1


def test_an_administrator_unlocks_through_the_api(app, client, db, desk):
    for _ in range(5):
        attempt(app, "desk1", "wrong-password-1")
    assert client.delete(f"/api/v1/users/{desk.id}/lockout").status_code == 204
    assert attempt(app, "desk1", PASSWORD).status_code == 302
    entry = db.session.execute(text("SELECT actor, entity_id, before FROM audit_entry "
                                    "WHERE action = 'auth.unlock'")).one()
    assert entry.actor == "test-admin" and entry.entity_id == str(desk.id)
    assert entry.before["failures"] == 5
    # Nothing to lift: still 204, nothing logged.
    assert client.delete(f"/api/v1/users/{desk.id}/lockout").status_code == 204
    assert client.delete("/api/v1/users/999999/lockout").status_code == 404


def test_only_administrators_may_unlock(app, client_as, desk):
    dispatcher = client_as("dispatcher")
    assert dispatcher.delete(f"/api/v1/users/{desk.id}/lockout").status_code == 403
    assert app.test_client().delete(f"/api/v1/users/{desk.id}/lockout").status_code == 401


def test_an_administrator_sees_the_lock_and_lifts_it_on_the_users_page(app, db, desk):
    from app.auth import users

    users.create("chief", PASSWORD, "admin")
    db.session.commit()
    admin = attempt(app, "chief", PASSWORD).client
    assert "gm-lockout" not in admin.get(f"/admin/users/{desk.id}").get_data(as_text=True)
    for _ in range(5):
        attempt(app, "desk1", "wrong-password-1")
    page = admin.get(f"/admin/users/{desk.id}").get_data(as_text=True)
    assert "gm-lockout" in page and "5 次" in page and "北京时间" in page
    res = admin.post(f"/admin/users/{desk.id}/unlock", data={"csrf_token": csrf_from(page)})
    assert res.status_code == 302
    assert "已解除" in admin.get(f"/admin/users/{desk.id}").get_data(as_text=True)
    assert attempt(app, "desk1", PASSWORD).status_code == 302


def test_the_cli_unlocks(app, cli, db, desk):
    for _ in range(5):
        attempt(app, "desk1", "wrong-password-1")
    result = cli.invoke(args=["users", "unlock", "desk1"])
    assert result.exit_code == 0 and "lifted" in result.output
    assert attempt(app, "desk1", PASSWORD).status_code == 302
    again = cli.invoke(args=["users", "unlock", "desk1"])
    assert again.exit_code == 0 and "not locked" in again.output


@pytest.mark.parametrize("raw_name", ["desk%001", "desk%ED%A0%801", "%00"])
def test_unstorable_names_are_refused_like_wrong_ones_never_a_500(app, db, desk, raw_name):
    # A NUL or a broken UTF-8 sequence in the name, as bytes on the wire. A NUL is refused by the
    # check every route shares (app.api), with a page naming the field, before a user is looked up
    # (no such name can exist, so this tells nothing about which names do); bytes that are not
    # UTF-8 stay as typed (werkzeug keeps the %-escapes) and are just a wrong name.
    c = app.test_client()
    token = csrf_from(c.get("/login").get_data(as_text=True))
    res = c.post("/login", data=f"username={raw_name}&password=wrong-password-1&csrf_token={token}",
                 content_type="application/x-www-form-urlencoded", headers={"Accept": "text/html"})
    page = res.get_data(as_text=True)
    assert res.status_code == 422 and res.mimetype == "text/html"
    if "%00" in raw_name:
        assert "username" in page and "NUL" in page
    else:
        assert "用户名或密码错误" in page


def test_lock_rules_doctests():
    from app.auth import lockout

    result = doctest.testmod(lockout)
    assert result.attempted >= 2 and result.failed == 0


def test_guesses_sent_at_once_get_no_more_tries(app, committed_db, live_server):
    """Twelve wrong passwords for one name at the same moment: still only five are checked."""
    import threading

    import requests

    from app.auth import users

    users.create("desk1", PASSWORD, "dispatcher")
    committed_db.session.commit()
    previous = app.config["RATELIMIT_LOGIN"]
    app.config["RATELIMIT_LOGIN"] = "100 per minute"  # all from 127.0.0.1: the per-address limit is not the point
    sessions = []
    for _ in range(12):
        s = requests.Session()
        token = csrf_from(s.get(f"{live_server}/login", timeout=30).text)
        sessions.append((s, token))
    start, statuses = threading.Barrier(len(sessions)), []

    def guess(s, token):
        start.wait()
        statuses.append(s.post(f"{live_server}/login", data={"username": "desk1", "password": "wrong-password-1",
                                                              "csrf_token": token}, timeout=60).status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in sessions]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        app.config["RATELIMIT_LOGIN"] = previous
    assert sorted(statuses) == [422] * 4 + [429] * 8
    assert committed_db.session.execute(text("SELECT failures FROM login_lockout WHERE username = 'desk1'")) \
        .scalar() == 5
