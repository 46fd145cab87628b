"""The demo gives one account per role, a city dispatcher and a dispatcher per district; the worker account
sees its own grid."""
from __future__ import annotations

from app.demo.accounts import ACCOUNTS, PASSWORD
from tests.auth_helpers import sign_in


def test_demo_accounts_sign_in_with_their_roles(app, cli, db):
    # `make run` on 127.0.0.1 asks for the password of the README.
    res = cli.invoke(args=["demo", "load", "--scale", "0.02", "--seed", "7", "--published-password"])
    assert res.exit_code == 0, res.output
    assert "gridmap-demo" in res.output
    from app.auth import users

    for username, role, _ in ACCOUNTS:
        user = users.by_username(username)
        assert user is not None and user.role == role
    # The city's dispatcher belongs to no district; each district has its own.
    dispatchers = {u: (users.by_username(u).role, users.by_username(u).district_code, users.by_username(u).display_name)
                   for u in ("city-dispatcher", "zhongyuan-dispatcher", "erqi-dispatcher")}
    assert dispatchers == {"city-dispatcher": ("dispatcher", None, "市级调度员"),
                           "zhongyuan-dispatcher": ("dispatcher", "410102", "中原区调度员"),
                           "erqi-dispatcher": ("dispatcher", "410103", "二七区调度员")}
    assert sign_in(app.test_client(), "erqi-dispatcher", PASSWORD).status_code == 302
    worker = users.by_username("worker")
    assert len(worker.area_codes) == 1 and worker.staff_id is not None
    c = app.test_client()
    assert sign_in(c, "worker", PASSWORD).status_code == 302
    assert c.get("/api/v1/me").get_json()["areas"] == worker.area_codes
    # The accounts are made before the demo tracks, so the worker has patrols of its own to look at.
    from sqlalchemy import func, select
    from app.models import PatrolFix
    assert db.session.scalar(select(func.count()).select_from(PatrolFix).where(PatrolFix.worker_id == worker.id)) > 0
    # Its grid holds household addresses, so its KPI page has households to visit (not 0/0).
    from sqlalchemy import text
    assert db.session.scalar(text(
        "SELECT count(*) FROM household_address h JOIN grid mg ON mg.id = h.grid_id "
        "JOIN grid g ON g.id = ANY(mg.lineage) WHERE g.code = :code AND g.generation_high IS NULL"),
        {"code": worker.area_codes[0]}) > 0
    again = cli.invoke(args=["demo", "accounts"])
    assert again.exit_code == 0 and "exist already" in again.output
    _one_account_per_person(db, worker)
    # Reloading the demo keeps the accounts, and still gives nobody a second one.
    assert cli.invoke(args=["demo", "load", "--scale", "0.02", "--seed", "7", "--force"]).exit_code == 0
    assert users.by_username("admin") is not None
    worker = users.by_username("worker")
    db.session.refresh(worker)
    assert worker.staff_id is not None
    _one_account_per_person(db, worker)


def _one_account_per_person(db, worker):
    """The sign-in worker is their grid's worker: no demo-<grid> twin for them (the picker and the KPI
    ranking once showed "王国 (demo-410102001001003)" beside "王国 (worker)")."""
    from sqlalchemy import text

    twins = db.session.execute(text(
        "SELECT staff_id, array_agg(username) FROM app_user WHERE role = 'worker' AND active AND staff_id IS NOT NULL "
        "GROUP BY staff_id HAVING count(*) > 1")).all()
    assert twins == []
    assert db.session.execute(text("SELECT count(*) FROM app_user WHERE username = :u AND active"),
                              {"u": f"demo-{worker.area_codes[0]}"}).scalar_one() == 0
    # Events of the worker's grid went to the worker account itself.
    assert db.session.execute(text("SELECT count(*) FROM report WHERE assignee_id = :id"),
                              {"id": worker.id}).scalar_one() > 0


def _printed_passwords(output: str) -> dict[str, str]:
    import re

    return dict(re.findall(r"^  ([\w-]+) +(\S+)$", output, re.M))


def test_demo_accounts_get_random_passwords_unless_asked_for_the_published_one(app, cli, db):
    """Issue 20: a deployment (docker, make run HOST=0.0.0.0, a plain `flask demo load`) creates no
    account with the README's password; each gets its own, printed once."""
    res = cli.invoke(args=["demo", "accounts"])
    assert res.exit_code == 0, res.output
    assert PASSWORD not in res.output and "only this once" in res.output
    printed = _printed_passwords(res.output)
    # No grid worker in an empty database, and only the district of the configuration (410102) exists.
    assert set(printed) == {"admin", "planner", "dispatcher", "viewer", "city-dispatcher", "zhongyuan-dispatcher"}
    assert len(set(printed.values())) == 6 and all(len(p) >= 16 for p in printed.values())
    c = app.test_client()
    assert sign_in(c, "admin", PASSWORD).status_code == 422
    assert sign_in(c, "admin", printed["admin"]).status_code == 302
    assert c.get("/api/v1/me").get_json()["role"] == "admin"


def test_new_passwords_replace_the_published_one_before_serving_beyond_this_machine(app, cli, db):
    from app.auth import users

    assert cli.invoke(args=["demo", "accounts", "--published-password"]).exit_code == 0
    users.create("viewer2", PASSWORD, "viewer")  # not a demo account: left alone
    res = cli.invoke(args=["demo", "new-passwords"])
    assert res.exit_code == 0, res.output
    replaced = _printed_passwords(res.output)
    assert set(replaced) == {"admin", "planner", "dispatcher", "viewer", "city-dispatcher", "zhongyuan-dispatcher"}
    from app.auth.passwords import verify_password

    for username, password in replaced.items():
        stored = users.by_username(username).password_hash
        assert verify_password(stored, password) and not verify_password(stored, PASSWORD), username
    assert sign_in(app.test_client(), "admin", PASSWORD).status_code == 422
    assert sign_in(app.test_client(), "admin", replaced["admin"]).status_code == 302
    assert verify_password(users.by_username("viewer2").password_hash, PASSWORD)
    # Nothing left to replace: silent.
    again = cli.invoke(args=["demo", "new-passwords"])
    assert again.exit_code == 0 and again.output.strip() == ""
