"""The database going away: 503 within a bounded time, recovery without a restart, nothing lost.

Runs against a private cluster of its own (stopping the shared test cluster
would break every other test).
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from tests.auth_helpers import sign_in


@pytest.fixture
def own_cluster(monkeypatch):
    from app import pgcluster

    base = Path(tempfile.mkdtemp(prefix="gridmap-outage-"))
    base.chmod(0o755)
    monkeypatch.setenv("GRIDMAP_INSTANCE_DIR", str(base / "instance"))
    url = pgcluster.start()
    try:
        yield pgcluster, url
    finally:
        pgcluster.stop()
        shutil.rmtree(base, ignore_errors=True)



def test_outage_gives_503_then_recovers(own_cluster):
    from flask_migrate import upgrade

    from app import create_app
    from tests.samples import load_sample

    pgcluster, url = own_cluster
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        load_sample()
        from app.auth import users
        from app.extensions import db

        users.create("duty-officer", "correct-horse-battery", "dispatcher")
        db.session.commit()
    client = app.test_client()
    # A signed-in dispatcher's pages need the database for the session's user too.
    desk = app.test_client()
    assert sign_in(desk, "duty-officer", "correct-horse-battery").status_code == 302
    body = {"category": "0102", "description": "垃圾", "lon": 113.615, "lat": 34.7525}
    assert client.get("/healthz").status_code == 200

    pgcluster.stop()
    started = time.monotonic()
    down = client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": "retry-1"})
    assert down.status_code == 503
    assert down.get_json()["error"]["code"] == "database_unavailable"
    assert down.headers["Retry-After"]
    assert client.get("/api/v1/lookup?lon=113.615&lat=34.7525").status_code == 503
    page = desk.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 503 and "text/html" in page.content_type
    assert time.monotonic() - started < 15

    pgcluster.start()
    # The client retries with the same key: stored once, no restart of the app needed.
    first = client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": "retry-1"})
    assert first.status_code == 201
    retry = client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": "retry-1"})
    assert retry.status_code == 200 and retry.get_json()["ticket"] == first.get_json()["ticket"]
    with app.app_context():
        from sqlalchemy import text

        from app.extensions import db
        assert db.session.execute(text("SELECT count(*) FROM report")).scalar() == 1
        db.engine.dispose()
