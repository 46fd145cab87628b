"""Two dispatchers act on one event at the same moment: one wins, the other gets 409.

Real concurrency: the data is committed (``committed_db``) and each request
runs in its own thread with its own database connection. A third connection
holds the event's row lock until both requests are waiting on it, so they
really overlap; then it lets go.
"""
from __future__ import annotations

import threading
import time

from sqlalchemy import create_engine, text

from tests.auth_helpers import token_client
from tests.events.helpers import GRID, IN_GRID, PASSWORD



def _waiting_on_locks(conn) -> int:
    return conn.execute(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )).scalar_one()


def test_two_dispatchers_at_once_one_wins_the_other_gets_409(app, committed_db, clock):
    from app.auth import users
    from tests.samples import load_sample

    load_sample()
    tokens = {}
    for name, role, areas in (("desk-a", "dispatcher", []), ("desk-b", "dispatcher", []),
                              ("wang", "worker", [GRID])):
        user = users.create(name, PASSWORD, role, areas=areas)
        tokens[name] = (user.id, users.issue_token(user, "tests")[1])
    committed_db.session.commit()
    a, b = token_client(app, tokens["desk-a"][1]), token_client(app, tokens["desk-b"][1])
    res = a.post("/api/v1/reports", json={"category": "0402", "description": "违停", "lon": IN_GRID[0],
                                          "lat": IN_GRID[1]})
    ticket = res.get_json()["ticket"]
    assert a.post(f"/api/v1/reports/{ticket}/transitions",
                  json={"action": "accept", "expected_state": "reported"}).status_code == 200

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    results: dict[str, object] = {}
    try:
        with engine.connect() as holder, engine.connect() as watcher:
            # Locked by district and ticket (one shard: Citus refuses FOR UPDATE over every shard).
            district = holder.execute(text("SELECT district_code FROM report WHERE ticket = :t"), {"t": ticket}).scalar()
            holder.execute(text("SELECT id FROM report WHERE district_code = :d AND ticket = :t FOR UPDATE"),
                           {"d": district, "t": ticket})

            def dispatch(name, client):
                # Both saw "accepted"; each routes it to the grid's worker.
                results[name] = client.post(f"/api/v1/reports/{ticket}/transitions", json={
                    "action": "dispatch", "expected_state": "accepted", "assignee": tokens["wang"][0],
                    "note": f"派给王 ({name})"})

            threads = [threading.Thread(target=dispatch, args=(n, c)) for n, c in (("desk-a", a), ("desk-b", b))]
            for t in threads:
                t.start()
            # Wait until both requests queue on the lock. On a heavily loaded
            # machine they may still be on their way when the wait ends: the
            # outcome (one 200, one 409) must be the same either way.
            deadline = time.monotonic() + 30
            while _waiting_on_locks(watcher) < 2 and time.monotonic() < deadline:
                assert any(t.is_alive() for t in threads), \
                    {n: (r.status_code, r.get_json()) for n, r in results.items()}
                time.sleep(0.05)
            holder.rollback()  # let go: the two requests now race for the row
            for t in threads:
                t.join(timeout=30)
    finally:
        engine.dispose()

    codes = sorted(r.status_code for r in results.values())
    assert codes == [200, 409], {n: r.get_json() for n, r in results.items()}
    loser = next(r for r in results.values() if r.status_code == 409).get_json()["error"]
    assert loser["code"] == "stale_state" and loser["details"]["current_state"] == "dispatched"
    winner = next(n for n, r in results.items() if r.status_code == 200)

    history = a.get(f"/api/v1/reports/{ticket}/history").get_json()["history"]
    assert [s["action"] for s in history] == ["report", "accept", "dispatch"]
    assert history[-1]["actor"] == winner
    audited = committed_db.session.execute(text(
        "SELECT actor FROM audit_entry WHERE action = 'report.dispatch' AND entity_id = :t"), {"t": ticket}).all()
    assert [row.actor for row in audited] == [winner]
    assert a.get(f"/api/v1/reports/{ticket}").get_json()["row_version"] == 3
