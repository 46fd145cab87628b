"""The demo gives one account per role; the worker account sees its own grid."""
from __future__ import annotations

from app.demo.accounts import ACCOUNTS, PASSWORD
from tests.auth_helpers import sign_in


def test_demo_accounts_sign_in_with_their_roles(app, cli, db):
    res = cli.invoke(args=["demo", "load", "--scale", "0.02", "--seed", "7"])
    assert res.exit_code == 0, res.output
    assert "gridmap-demo" in res.output
    from app.auth import users

    for username, role, _ in ACCOUNTS:
        user = users.by_username(username)
        assert user is not None and user.role == role
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
