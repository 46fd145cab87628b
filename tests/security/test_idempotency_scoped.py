"""An Idempotency-Key belongs to its caller (issue 20, item 11): the token's or session's user,
else the client address. Someone else who knows the key neither replays nor reads the first
caller's report, and files their own."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.models import Report
from tests.auth_helpers import csrf_from, sign_in
from tests.conftest import PASSWORD

BODY = {"category": "0402", "description": "占道停车", "lon": 113.615, "lat": 34.7525}


def post(c, key, body=BODY, **kw):
    return c.post("/api/v1/reports", json=body, headers={"Idempotency-Key": key, **kw.pop("headers", {})}, **kw)


def own_part(res) -> str:
    """The response without its list of nearby open events (a feature of its own, app.events)."""
    import json

    body = res.get_json()
    body.pop("possible_duplicates", None)
    return json.dumps(body, ensure_ascii=False)


def count(db):
    return db.session.scalar(select(func.count()).select_from(Report))


def test_another_token_user_with_the_same_key_files_their_own_report(client_as, db, sample):
    alice, bob = client_as("dispatcher", username="alice"), client_as("dispatcher", username="bob")
    first = post(alice, "app-42-0001")
    assert first.status_code == 201
    theirs = post(bob, "app-42-0001")
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["ticket"] != first.get_json()["ticket"]
    assert first.get_json()["ticket"] not in own_part(theirs)
    # Each caller's retry returns their own report.
    assert post(alice, "app-42-0001").get_json()["ticket"] == first.get_json()["ticket"]
    again = post(bob, "app-42-0001")
    assert again.status_code == 200 and again.get_json()["ticket"] == theirs.get_json()["ticket"]
    assert count(db) == 2


def test_a_key_known_to_someone_else_does_not_reveal_the_report_it_filed(client_as, db, sample):
    alice, mallory = client_as("dispatcher", username="alice"), client_as("viewer", username="mallory")
    first = post(alice, "k-1")
    # Before: a different body under Alice's key answered 422 naming her ticket.
    probe = post(mallory, "k-1", body={**BODY, "description": "别的事"})
    assert probe.status_code == 201
    assert first.get_json()["ticket"] not in own_part(probe)
    # Alice reusing her own key for something else is still refused.
    assert post(alice, "k-1", body={**BODY, "description": "别的事"}).get_json()["error"]["code"] \
        == "idempotency_key_reused"


def test_anonymous_callers_are_told_apart_by_address(app, db, sample):
    here, there = app.test_client(), app.test_client()
    here.environ_base["REMOTE_ADDR"] = "10.1.0.1"
    there.environ_base["REMOTE_ADDR"] = "10.1.0.2"
    mine = post(here, "phone-7")
    yours = post(there, "phone-7")
    assert mine.status_code == yours.status_code == 201
    assert mine.get_json()["ticket"] != yours.get_json()["ticket"]
    retry = post(here, "phone-7")
    assert retry.status_code == 200 and retry.get_json()["ticket"] == mine.get_json()["ticket"]
    assert count(db) == 2


def test_an_anonymous_caller_cannot_replay_a_signed_in_users_key(app, client_as, db, sample):
    desk = client_as("dispatcher", username="desk")
    signed = post(desk, "shared")
    anon = post(app.test_client(), "shared")  # the same address (127.0.0.1), no token
    assert anon.status_code == 201 and anon.get_json()["ticket"] != signed.get_json()["ticket"]


def test_a_user_is_one_caller_by_token_or_by_session(app, client_as, db, sample):
    desk = client_as("dispatcher", username="desk")
    by_token = post(desk, "both-ways")
    browser = app.test_client()
    assert sign_in(browser, "desk", PASSWORD).status_code == 302
    token = csrf_from(browser.get("/").get_data(as_text=True))
    by_session = post(browser, "both-ways", headers={"X-CSRFToken": token})
    assert by_session.status_code == 200 and by_session.headers["Idempotent-Replayed"] == "true"
    assert by_session.get_json()["ticket"] == by_token.get_json()["ticket"]


def test_the_key_is_stored_with_its_caller(client_as, db, sample):
    desk = client_as("dispatcher", username="desk")
    post(desk, "stored")
    scope = db.session.execute(text("SELECT idempotency_scope FROM report WHERE idempotency_key = 'stored'")).scalar()
    assert scope == f"user:{desk.user.id}"


@pytest.fixture
def at_0018(scratch_db):
    scratch_db.upgrade("0018_move_buildings")
    return scratch_db


def test_migration_0020_keeps_old_keys_out_of_everyones_way_and_comes_down_cleanly(at_0018):
    insert = text("INSERT INTO report (district_code, category, channel, description, idempotency_key, "
                  "request_hash) VALUES ('410102', '0402', 'hotline_12345', :d, :k, 'h')")
    with at_0018.begin() as conn:
        conn.execute(insert, {"d": "旧", "k": "old-key"})
    at_0018.upgrade("0020_auth_sessions")
    with at_0018.begin() as conn:
        assert conn.execute(text("SELECT idempotency_scope FROM report")).scalar() == "legacy"
        # Two callers may now use one key ...
        conn.execute(text("INSERT INTO report (district_code, category, channel, description, idempotency_key,"
                          " idempotency_scope) VALUES ('410102', '0402', 'hotline_12345', '新', 'old-key',"
                          " 'addr:10.0.0.9')"))
        assert conn.execute(text("SELECT session_version FROM app_user LIMIT 1")).first() is None
    at_0018.downgrade("0018_move_buildings")
    with at_0018.begin() as conn:
        # ... and going down keeps both reports; the older one keeps the key.
        rows = conn.execute(text("SELECT description, idempotency_key FROM report ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("旧", "old-key"), ("新", None)]
        assert conn.execute(text("SELECT to_regclass('login_lockout'), to_regclass('rate_limit_counter')")).one() \
            == (None, None)
    at_0018.upgrade("0020_auth_sessions")
