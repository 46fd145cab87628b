"""Two planners edit the same published grid in two drafts at the same moment.

Drafts share the published rows (copy-on-write): each edit marks the rows it
ends in that draft. Every change of boundary rows first takes one advisory
lock (``app.grids.versions.lock_boundaries``), so such edits queue one after
the other instead of locking shared rows in different orders and
deadlocking. Real concurrency, as in tests/events/test_api_concurrency.py:
committed data, one thread and database connection per request, and a third
connection holding the lock until both requests wait on it.
"""
from __future__ import annotations

import threading
import time

import pytest
from shapely.geometry import shape
from sqlalchemy import create_engine, text

from app.grids.versions import BOUNDARY_LOCK_KEY
from tests.auth_helpers import token_client
from tests.plan.conftest import EAST, WEST, box



def _waiting_for_the_boundary_lock(conn) -> int:
    return conn.execute(text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = :key"),
        {"key": BOUNDARY_LOCK_KEY}).scalar_one()


def test_two_drafts_reshaping_one_published_grid_queue_and_both_succeed(app, committed_db):
    from app.auth import users
    from tests.samples import load_sample

    load_sample()
    planners = {}
    for name in ("plan-a", "plan-b"):
        user = users.create(name, "correct-horse-battery", "planner")
        planners[name] = token_client(app, users.issue_token(user, "tests")[1])
    committed_db.session.commit()
    drafts = {}
    for name, c in planners.items():
        res = c.post("/api/v1/drafts", json={"note": name, "effective_date": "2026-07-01"})
        assert res.status_code == 201, res.get_json()
        drafts[name] = res.get_json()
    # Both take area from EAST: each draft ends the same two published rows.
    shapes = {"plan-a": box(113.60, 34.75, 113.614, 34.76), "plan-b": box(113.60, 34.75, 113.612, 34.76)}

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    results: dict[str, object] = {}
    try:
        with engine.connect() as holder, engine.connect() as watcher:
            holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BOUNDARY_LOCK_KEY})

            def reshape(name):
                draft = drafts[name]
                results[name] = planners[name].post(f"/api/v1/drafts/{draft['id']}/reshape", json={
                    "row_version": draft["row_version"], "code": WEST, "geometry": shapes[name]})

            threads = [threading.Thread(target=reshape, args=(n,)) for n in planners]
            for t in threads:
                t.start()
            deadline = time.monotonic() + 30
            while _waiting_for_the_boundary_lock(watcher) < 2 and time.monotonic() < deadline:
                assert all(t.is_alive() for t in threads), {n: r.get_json() for n, r in results.items()}
                time.sleep(0.05)
            assert _waiting_for_the_boundary_lock(watcher) == 2 and not results   # both queued, neither done
            holder.rollback()   # let go: they now run one after the other
            for t in threads:
                t.join(timeout=60)
    finally:
        engine.dispose()

    assert {n: r.status_code for n, r in results.items()} == {"plan-a": 200, "plan-b": 200}, \
        {n: r.get_json() for n, r in results.items()}
    for name, client in planners.items():
        feats = client.get(f"/api/v1/grids?version={drafts[name]['id']}").get_json()["features"]
        east = next(f for f in feats if f["properties"]["code"] == EAST)
        assert shape(east["geometry"]).bounds[0] == pytest.approx(shape(shapes[name]).bounds[2])  # its own edit
    ended = committed_db.session.execute(text(
        "SELECT code, ended_in_drafts FROM grid WHERE draft_id IS NULL AND code IN (:w, :e) ORDER BY code"),
        {"w": WEST, "e": EAST}).all()
    ids = sorted(d["id"] for d in drafts.values())
    assert [(code, sorted(e)) for code, e in ended] == [(WEST, ids), (EAST, ids)]
    # The published version is untouched by either draft.
    published = {f["properties"]["code"]: f for f in planners["plan-a"].get("/api/v1/grids").get_json()["features"]}
    assert shape(published[EAST]["geometry"]).bounds[0] == pytest.approx(113.61)
