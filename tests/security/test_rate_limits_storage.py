"""The database storage behind the rate limits (app.rate_limits): atomic counts, fixed
windows on the database's clock, its own connections, and a reset the tests can rely on."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

LOOKUP = "/api/v1/lookup?lon=113.605&lat=34.745"


@pytest.fixture
def storage(app, db):
    from app.rate_limits import DatabaseStorage

    return DatabaseStorage("database://")


@pytest.fixture
def tight_limit(app):
    previous = app.config["RATELIMIT_PUBLIC"]
    app.config["RATELIMIT_PUBLIC"] = "3 per minute"
    yield
    app.config["RATELIMIT_PUBLIC"] = previous


def test_the_app_counts_in_its_database_by_default(app, db):
    from app.extensions import limiter
    from app.rate_limits import DatabaseStorage

    assert app.config["RATELIMIT_STORAGE_URI"] == "database://"
    assert isinstance(limiter.storage, DatabaseStorage) and limiter.storage.check()


def test_the_other_storages_are_still_there():
    from limits.storage import MemoryStorage, storage_from_string

    from app.rate_limits import DatabaseStorage

    assert isinstance(storage_from_string("memory://"), MemoryStorage)
    assert isinstance(storage_from_string("postgresql://gridmap@/other"), DatabaseStorage)


def test_concurrent_hits_are_each_counted_once(app, storage):
    def hits(_):
        with app.app_context():
            return [storage.incr("test/concurrent", 60) for _ in range(40)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        seen = [n for batch in pool.map(hits, range(6)) for n in batch]
    # Every hit saw a count of its own: none lost, none doubled.
    assert sorted(seen) == list(range(1, 241))
    assert storage.get("test/concurrent") == 240


def test_a_window_starts_at_the_first_hit_and_ends_by_the_database_clock(storage, db):
    now = db.session.execute(text("SELECT extract(epoch FROM clock_timestamp())")).scalar()
    assert storage.incr("test/window", 2) == 1
    assert storage.incr("test/window", 2, amount=3) == 4
    assert float(now) + 1.5 < storage.get_expiry("test/window") < float(now) + 3
    time.sleep(2.2)
    assert storage.get("test/window") == 0
    assert storage.incr("test/window", 2) == 1  # a new window, not the old count
    assert storage.get("nobody/ever") == 0
    assert abs(storage.get_expiry("nobody/ever") - time.time()) < 5


def test_clear_and_forgetting_expired_counters(storage, db):
    storage.incr("test/a", 60)
    storage.incr("test/b", 60)
    storage.clear("test/a")
    assert storage.get("test/a") == 0 and storage.get("test/b") == 1
    storage.incr("test/old", 60)
    with storage._engine().connect() as conn:
        conn.execute(text("UPDATE rate_limit_counter SET expires_at = now() - interval '2 minutes' "
                          "WHERE key = 'test/old'"))
    assert storage.forget_expired() == 1
    assert storage.get("test/b") == 1


def test_a_request_that_rolls_back_still_counts(anon, sample, tight_limit, db):
    # Three refused reports (nothing stored, their transactions rolled back) use up the allowance.
    for _ in range(3):
        assert anon.post("/api/v1/reports", json={"category": "0102"}).status_code == 422
    res = anon.post("/api/v1/reports", json={"category": "0102", "description": "垃圾",
                                              "lon": 113.605, "lat": 34.745})
    assert res.status_code == 429
    assert res.headers["X-RateLimit-Limit"] == "3" and res.headers["X-RateLimit-Remaining"] == "0"


def test_counts_live_outside_the_test_transaction(anon, sample, tight_limit, app, database_url):
    from sqlalchemy import create_engine

    anon.get(LOOKUP)
    anon.get(LOOKUP)
    # Another connection (another worker) sees the count: it is committed at once.
    other = create_engine(database_url)
    try:
        with other.connect() as conn:
            hits = conn.execute(text("SELECT hits FROM rate_limit_counter WHERE key LIKE '%lookup%'")).scalar()
    finally:
        other.dispose()
    assert hits == 2


def test_limiter_reset_clears_the_counts_with_or_without_an_app_context(anon, sample, tight_limit):
    from app.extensions import limiter

    codes = [anon.get(LOOKUP).status_code for _ in range(4)]
    assert codes[-1] == 429
    limiter.reset()
    assert anon.get(LOOKUP).status_code != 429
    for _ in range(3):
        anon.get(LOOKUP)
    assert anon.get(LOOKUP).status_code == 429
    # The per-test reset of tests/conftest.py runs after the app context has gone.
    outside = threading.Thread(target=limiter.reset)
    outside.start()
    outside.join()
    assert anon.get(LOOKUP).status_code != 429


def test_a_count_survives_the_server_dropping_the_counters_connections(app, storage, db):
    """The counting statement runs prepared on pooled connections without a pre-ping: a connection the
    server ended (a restart, an administrator's pg_terminate_backend) fails once, leaves the pool, and the
    hit is counted on a fresh connection, prepared again there."""
    with app.app_context():
        assert [storage.incr("test/dropped", 60) for _ in range(3)] == [1, 2, 3]
    ended = db.session.execute(text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = 'gridmap-limits' AND datname = current_database()")).scalar()
    assert ended >= 1
    with app.app_context():
        assert storage.incr("test/dropped", 60) == 4
        assert storage.incr("test/dropped", 60) == 5
