"""POST /api/v1/patrols/fixes: per-fix verdicts, idempotent retries, GCJ-02, partitions, access."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from geo import gcj
from geo.crs import distance_m
from tests.patrols.helpers import at, make_worker

URL = "/api/v1/patrols/fixes"


_BASE: list[datetime] = []


@pytest.fixture(autouse=True)
def _clock():
    """One "now" per test, so two fixes built for the same second are the same instant."""
    _BASE[:] = [datetime.now(timezone.utc).replace(microsecond=0)]


def recent(seconds_ago: float) -> datetime:
    return _BASE[0] - timedelta(seconds=seconds_ago)


def fix(seconds_ago: float, east_m: float = 0.0, accuracy=8.0, **extra) -> dict:
    lon, lat = at(east_m)
    return {"time": recent(seconds_ago).isoformat(), "lon": lon, "lat": lat, "accuracy": accuracy, **extra}


@pytest.fixture
def worker(client_as, sample):
    return client_as("worker", areas=["410102001001001"], username="patrol-w1")


def stored(db, worker_id: int) -> list:
    return db.session.execute(text(
        "SELECT time, ST_X(geom) AS lon, ST_Y(geom) AS lat, accuracy FROM patrol_fix WHERE worker_id = :w "
        "ORDER BY time"), {"w": worker_id}).all()


def rejected(db, worker_id: int) -> list:
    return db.session.execute(text(
        "SELECT reason, params, sent FROM patrol_fix_rejected WHERE worker_id = :w ORDER BY id"),
        {"w": worker_id}).all()


def test_worker_posts_own_batch_and_bad_fixes_are_reported_and_kept(worker, db):
    batch = [fix(600), fix(590, 10), fix(580, 20, accuracy=80.0), fix(570, 30), fix(560, 5000),
             fix(-3600), {"time": "yesterday", "lon": 113.6, "lat": 34.7}, "not a fix",
             fix(550, 40, crs="mars"), fix(590, 10)]
    resp = worker.post(URL, json={"fixes": batch})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    codes = [v["code"] for v in body["verdicts"]]
    assert codes == ["stored", "stored", "poor_accuracy", "stored", "speed_jump", "future_time", "bad_time",
                     "bad_fix", "bad_coordinate", "duplicate"]
    assert [v["index"] for v in body["verdicts"]] == list(range(10))
    assert body["stored"] == 3 and body["rejected"] == 7 and body["received"] == 10
    assert body["by_reason"]["speed_jump"] == 1
    speed = body["verdicts"][4]
    assert speed["params"]["previous_index"] == 3 and speed["params"]["limit_mps"] == 40.0
    assert speed["message"] and "40" in speed["message"]
    assert body["verdicts"][9]["params"] == {"first_index": 1}
    assert body["verdicts"][0]["message"] is None
    assert len(stored(db, worker.user.id)) == 3
    kept = rejected(db, worker.user.id)
    assert sorted(r.reason for r in kept) == sorted(["poor_accuracy", "speed_jump", "future_time", "bad_time",
                                                     "bad_fix", "bad_coordinate", "duplicate"])
    poor = next(r for r in kept if r.reason == "poor_accuracy")
    assert poor.params == {"accuracy_m": 80.0, "limit_m": 50.0} and poor.sent["accuracy"] == 80.0


def test_a_retried_batch_stores_nothing_twice(worker, db):
    batch = {"fixes": [fix(300), fix(290, 10), fix(280, 20, accuracy=99.0)]}
    first = worker.post(URL, json=batch).get_json()
    assert (first["stored"], first["already_stored"], first["rejected"]) == (2, 0, 1)
    again = worker.post(URL, json=batch).get_json()
    assert (again["stored"], again["already_stored"], again["rejected"]) == (0, 2, 1)
    assert [v["code"] for v in again["verdicts"]] == ["already_stored", "already_stored", "poor_accuracy"]
    assert len(stored(db, worker.user.id)) == 2
    assert len(rejected(db, worker.user.id)) == 1


def test_gcj02_fix_is_stored_in_wgs84(worker, db):
    lon, lat = at(0)
    glon, glat = (float(v) for v in gcj.wgs84_to_gcj02(lon, lat))
    resp = worker.post(URL, json={"fixes": [
        {"time": recent(100).isoformat(), "lon": glon, "lat": glat, "accuracy": 5, "crs": "gcj02"},
        {"time": recent(90).isoformat(), "lon": lon, "lat": lat, "accuracy": 5}]})
    body = resp.get_json()
    # ~570 m apart as raw numbers, the same spot once converted: no speed jump.
    assert [v["code"] for v in body["verdicts"]] == ["stored", "stored"]
    rows = stored(db, worker.user.id)
    assert distance_m(rows[0].lon, rows[0].lat, lon, lat) < 1.0


def test_the_last_stored_fix_is_the_reference_for_the_next_batch(worker, db):
    assert worker.post(URL, json={"fixes": [fix(120)]}).get_json()["stored"] == 1
    body = worker.post(URL, json={"fixes": [fix(110, 2000), fix(100, 10)]}).get_json()
    assert [v["code"] for v in body["verdicts"]] == ["speed_jump", "stored"]
    assert body["verdicts"][0]["params"]["previous_index"] is None


def test_too_old_fix_is_rejected(worker, app):
    old = datetime.now(timezone.utc) - timedelta(days=app.config["PATROL_MAX_AGE_DAYS"] + 1)
    body = worker.post(URL, json={"fixes": [{"time": old.isoformat(), "lon": 113.605, "lat": 34.755}]}).get_json()
    assert body["verdicts"][0]["code"] == "too_old" and body["verdicts"][0]["params"]["limit_days"] == 31


def test_partitions_are_created_for_every_day_a_batch_touches(worker, db):
    # Beijing midnight between the two fixes: two daily partitions.
    today = datetime.now(timezone(timedelta(hours=8))).replace(hour=0, minute=0, second=0, microsecond=0)
    t1, t2 = today - timedelta(seconds=30), today + timedelta(seconds=30)
    if t2 > datetime.now(timezone.utc):
        pytest.skip("too close to midnight")
    lon, lat = at(0)
    body = worker.post(URL, json={"fixes": [{"time": t.isoformat(), "lon": lon, "lat": lat} for t in (t1, t2)]})
    assert body.get_json()["stored"] == 2
    names = {f"patrol_fix_p{d:%Y%m%d}" for d in (t1, t2)}
    assert len(names) == 2
    found = db.session.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'patrol_fix'::regclass")).scalars().all()
    assert names <= set(found)
    per_part = db.session.execute(text(
        # On Citus tableoid names the partition's shard (patrol_fix_p20240506_102008): the partition's name.
        "SELECT regexp_replace(tableoid::regclass::text, '_[0-9]+$', ''), count(*) FROM patrol_fix "
        "WHERE worker_id = :w GROUP BY 1"),
        {"w": worker.user.id}).all()
    assert {name for name, n in per_part} == names


def test_batch_limits_and_bad_bodies(worker, app):
    app.config["PATROL_MAX_BATCH"], old = 3, app.config["PATROL_MAX_BATCH"]
    try:
        resp = worker.post(URL, json={"fixes": [fix(10 * i) for i in range(4)]})
    finally:
        app.config["PATROL_MAX_BATCH"] = old
    assert resp.status_code == 413
    assert resp.get_json()["error"]["code"] == "batch_too_large"
    assert resp.get_json()["error"]["details"] == {"field": "fixes", "limit": 3}
    for body in ({"fixes": []}, {"fixes": "x"}, [1, 2]):
        resp = worker.post(URL, json=body)
        assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] in ("fixes", "body")
    assert worker.post(URL, data="nope", content_type="application/json").status_code == 422


def test_access(worker, client, client_as, anon, db):
    batch = {"fixes": [fix(60)]}
    assert anon.post(URL, json=batch).status_code == 401
    assert client_as("viewer").post(URL, json=batch).status_code == 403
    assert client_as("dispatcher").post(URL, json=batch).status_code == 403
    # A worker cannot send for someone else ...
    other = make_worker("patrol-w2")
    db.session.commit()
    resp = worker.post(URL, json={**batch, "worker": other.id})
    assert resp.status_code == 403 and resp.get_json()["error"]["details"]["field"] == "worker"
    # ... an administrator can, by id or username, and it is audited.
    resp = client.post(URL, json={**batch, "worker": "patrol-w2"})
    assert resp.status_code == 200 and resp.get_json()["worker"]["id"] == other.id
    assert len(stored(db, other.id)) == 1
    entry = db.session.execute(text(
        "SELECT action, entity_id, after FROM audit_entry WHERE action = 'patrol.fixes_for_worker'")).one()
    assert entry.entity_id == str(other.id) and entry.after["stored"] == 1
    # Only to a worker account.
    resp = client.post(URL, json={**batch, "worker": worker.user.id + 10_000})
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "worker"


@pytest.mark.parametrize("batch", [
    {"fixes": [{"time": "2026-05-12T09:00:00+08:00", "lon": 10**400, "lat": 0, "accuracy": 10**400}]},
    {"fixes": [{"time": "2026-05-12T09:00:00+99:99", "lon": 113.6, "lat": 34.7}]},
    {"fixes": [{"time": None, "lon": None, "lat": [], "accuracy": {}, "crs": {"a": 1}}]},
    {"fixes": [{"time": "2026-05-12T09:00:00+08:00", "lon": 113.6, "lat": 34.7}], "worker": 2**63},
    {"fixes": [{"time": "2026-05-12T09:00:00+08:00", "lon": 113.6, "lat": 34.7}], "worker": -1},
    {"fixes": [{"time": "2026-05-12T09:00:00+08:00", "lon": 113.6, "lat": 34.7}], "worker": ["x"]},
    {"fixes": [{"time": "0001-01-01T00:00:00", "lon": 113.6, "lat": 34.7}, {"time": "9999-12-31T23:59:59"}]},
])
def test_hostile_batches_get_answers_not_errors(client, sample, db, batch):
    resp = client.post(URL, json=batch)
    assert resp.status_code in (200, 422), resp.get_json()
    # The transaction is still usable afterwards.
    assert db.session.execute(text("SELECT 1")).scalar() == 1
