"""Demo patrols: accounts without passwords, key places, tracks through the real ingest path."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text

from app.demo.patrols import load_patrols

NOW = datetime(2026, 5, 12, 8, 0, tzinfo=timezone.utc)   # 16:00 in Beijing, a Tuesday


def test_demo_patrols(db, sample, client, client_as):
    signed_in_worker = client_as("worker", areas=["410102002001001"], username="worker")
    first = load_patrols("410102", now=NOW, workers=3, seed=1)
    db.session.commit()
    assert first["workers"] == 4 and first["places"] == 4 and first["fixes"] > 1000
    users = db.session.execute(text(
        "SELECT u.username, u.role, u.staff_id, ua.grid_code FROM app_user u JOIN user_area ua ON ua.user_id = u.id "
        "WHERE u.username LIKE 'demo-%' ORDER BY 1")).all()
    assert len(users) == 3 and all(u.role == "worker" and u.staff_id and u.username == f"demo-{u.grid_code}"
                                   for u in users)
    # No known password: the demo accounts cannot sign in until an administrator sets one.
    from app.auth.passwords import verify_password

    hashes = db.session.execute(text("SELECT password_hash FROM app_user WHERE username LIKE 'demo-%'")).scalars()
    assert not any(verify_password(h, "") or verify_password(h, "demo") for h in hashes)
    # Figures come out of it (yesterday and today, Beijing).
    body = client.get("/api/v1/patrols/workers?from=2026-05-11&to=2026-05-12").get_json()
    demo = [w for w in body["workers"] if w["username"].startswith("demo-")]
    assert len(demo) == 3 and all(w["fixes"] > 0 and w["area_seconds"] > 0 for w in demo)
    # An account made elsewhere (the demo sign-in worker) patrols too and sees its own track.
    own = signed_in_worker.get("/api/v1/patrols/track?date=2026-05-12").get_json()
    assert own["worker"]["username"] == "worker" and own["features"]
    # Loading again adds nothing twice.
    again = load_patrols("410102", now=NOW, workers=3, seed=1)
    db.session.commit()
    assert again["fixes"] == 0 and again["places"] == 0
    assert db.session.execute(text("SELECT count(*) FROM app_user WHERE username LIKE 'demo-%'")).scalar() == 3
