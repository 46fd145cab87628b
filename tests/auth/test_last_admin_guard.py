"""The last active administrator can be neither demoted nor disabled, through the API, the
admin page or the CLI; two administrators demoting themselves at once leave one (issue 20, item 10)."""
from __future__ import annotations

import threading
import time

import pytest
import requests
from sqlalchemy import text

from tests.auth_helpers import csrf_from, sign_in
from tests.conftest import PASSWORD


def admins(db) -> list[str]:
    return list(db.session.execute(text("SELECT username FROM app_user WHERE role = 'admin' AND active "
                                        "ORDER BY username")).scalars())


@pytest.mark.parametrize("change", [{"role": "planner"}, {"active": False}, {"role": "viewer", "active": False}])
def test_the_api_refuses_to_leave_no_administrator(client, db, change):
    me = client.user
    res = client.patch(f"/api/v1/users/{me.id}", json=change)
    assert res.status_code == 409
    error = res.get_json()["error"]
    assert error["code"] == "last_admin"
    assert "最后一名在用的管理员" in error["message"] and "test-admin" in error["message"]
    assert error["details"]["field"] in change
    assert admins(db) == ["test-admin"]
    # The refused request changed nothing, not even the row version.
    assert client.get(f"/api/v1/users/{me.id}").get_json()["row_version"] == 1


def test_with_a_second_administrator_one_may_step_down(client, client_as, db):
    other = client_as("admin", username="second-admin").user
    assert client.patch(f"/api/v1/users/{other.id}", json={"role": "planner"}).status_code == 200
    # Now test-admin is the last one again.
    assert client.patch(f"/api/v1/users/{client.user.id}", json={"active": False}).status_code == 409
    assert admins(db) == ["test-admin"]


def test_other_changes_to_the_last_administrator_go_through(client, db):
    res = client.patch(f"/api/v1/users/{client.user.id}", json={"role": "admin", "active": True,
                                                                "display_name": "区管理员"})
    assert res.status_code == 200 and res.get_json()["display_name"] == "区管理员"


def test_a_disabled_administrator_does_not_count(client, client_as, db):
    from app.auth import users

    other = client_as("admin", username="second-admin").user
    users.update(other, active=False)
    db.session.commit()
    assert client.patch(f"/api/v1/users/{client.user.id}", json={"role": "planner"}).status_code == 409


def test_the_admin_page_refuses_with_the_message_beside_the_field(app, db):
    from app.auth import users

    chief = users.create("chief", PASSWORD, "admin")
    db.session.commit()
    c = app.test_client()
    assert sign_in(c, "chief", PASSWORD).status_code == 302
    page = c.get(f"/admin/users/{chief.id}").get_data(as_text=True)
    res = c.post(f"/admin/users/{chief.id}", data={"csrf_token": csrf_from(page), "role": "dispatcher",
                                                   "display_name": "", "phone": "", "areas": "", "active": "y",
                                                   "row_version": "1"})
    assert res.status_code == 409
    assert "最后一名在用的管理员" in res.get_data(as_text=True)
    # Unticking "active" is refused the same way.
    res = c.post(f"/admin/users/{chief.id}", data={"csrf_token": csrf_from(page), "role": "admin",
                                                   "display_name": "", "phone": "", "areas": "", "row_version": "1"})
    assert res.status_code == 409 and "最后一名在用的管理员" in res.get_data(as_text=True)
    assert admins(db) == ["chief"]
    assert c.get("/api/v1/me").status_code == 200  # still signed in: nothing changed


def test_the_cli_refuses_to_disable_the_last_administrator(cli, client_as, db):
    client_as("admin", username="only-admin")
    result = cli.invoke(args=["users", "disable", "only-admin"])
    assert result.exit_code == 1
    assert "last active administrator" in result.output and "Traceback" not in result.output
    assert admins(db) == ["only-admin"]
    client_as("admin", username="another-admin")
    assert cli.invoke(args=["users", "disable", "only-admin"]).exit_code == 0
    assert admins(db) == ["another-admin"]


def test_two_administrators_stepping_down_at_once_leave_one(app, committed_db, live_server):
    from app.auth import users

    tokens = {}
    for name in ("admin-a", "admin-b"):
        user = users.create(name, PASSWORD, "admin")
        tokens[name] = (user.id, users.issue_token(user, "tests")[1])
    committed_db.session.commit()
    first_id = min(user_id for user_id, _ in tokens.values())

    # Hold the first administrator's row so both requests queue behind it at the same point, then let go.
    blocker = committed_db.engine.connect()
    hold = blocker.begin()
    blocker.execute(text("SELECT id FROM app_user WHERE id = :id FOR UPDATE"), {"id": first_id})
    answers = {}

    def step_down(name):
        user_id, secret = tokens[name]
        answers[name] = requests.patch(f"{live_server}/api/v1/users/{user_id}", json={"role": "planner"},
                                       headers={"Authorization": f"Bearer {secret}"}, timeout=30)

    threads = [threading.Thread(target=step_down, args=(name,)) for name in tokens]
    for t in threads:
        t.start()
    try:
        # (Watched from a connection of its own: pg_stat_activity is a snapshot per transaction.)
        with committed_db.engine.connect() as watcher:
            deadline = time.monotonic() + 20
            while watcher.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                       "AND datname = current_database()")).scalar() < 2:
                assert time.monotonic() < deadline, "both requests should be waiting for the administrators' rows"
                watcher.rollback()
                time.sleep(0.05)
    finally:
        hold.rollback()
        blocker.close()
    for t in threads:
        t.join(timeout=30)
    assert sorted(r.status_code for r in answers.values()) == [200, 409]
    refused = next(r for r in answers.values() if r.status_code == 409)
    assert refused.json()["error"]["code"] == "last_admin"
    committed_db.session.remove()
    assert len(admins(committed_db)) == 1
