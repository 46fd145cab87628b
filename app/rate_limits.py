"""Rate-limit counters in PostgreSQL, shared by every gunicorn worker.

Flask-Limiter's default storage counts in the memory of one process: with two
workers a caller got twice the advertised limit. This storage (scheme
``database://``: the app's own database; or an explicit ``postgresql://...``)
keeps the counters in the UNLOGGED table ``rate_limit_counter`` (migration
0020), so one caller has one count however many workers or machines serve it,
with no extra service to run.

Strategy: fixed window, starting at a caller's first request (as limits'
memory and redis storages do). One atomic ``INSERT ... ON CONFLICT DO
UPDATE`` counts a hit and restarts an expired window, so concurrent workers
never lose or double a hit, and the database's clock is the one clock. A
fixed window lets a caller spend up to twice the limit across a window's edge;
the moving window would need one row per hit and is not offered.

The counters use their own small connection pool in autocommit mode, never
the request's session: a request that rolls back must still have counted.
Engines are made per database URL and per process (gunicorn forks), and the
app's URL is read per call, so several apps in one process (tests) each count
in their own database.
"""
from __future__ import annotations

import os
import random
import threading

from flask import g, has_request_context
from limits.storage import Storage
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

_HIT = text("""
INSERT INTO rate_limit_counter AS c (key, hits, expires_at)
VALUES (:key, :amount, now() + make_interval(secs => :expiry))
ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN c.expires_at <= now() THEN EXCLUDED.hits ELSE c.hits + EXCLUDED.hits END,
  expires_at = CASE WHEN c.expires_at <= now() THEN EXCLUDED.expires_at ELSE c.expires_at END
RETURNING hits, extract(epoch FROM expires_at) AS expires""")
#: _HIT as a prepared statement (its parameters: key, amount, expiry in seconds).
_PREPARE_HIT = ("PREPARE gridmap_rate_hit (text, integer, float8) AS "
                + _HIT.text.replace(":key", "$1").replace(":amount", "$2").replace(":expiry", "$3"))
_GET = text("SELECT hits FROM rate_limit_counter WHERE key = :key AND expires_at > now()")
_EXPIRY = text("SELECT extract(epoch FROM coalesce("
               "(SELECT expires_at FROM rate_limit_counter WHERE key = :key AND expires_at > now()), now()))")
_FORGET_EXPIRED = text("DELETE FROM rate_limit_counter WHERE expires_at < now() - interval '1 minute'")

#: One hit in this many also deletes the expired counters (callers who went away).
SWEEP_EVERY = 500

_engines: dict[tuple[int, str], Engine] = {}
_engines_lock = threading.Lock()


def _engine_for(url: str) -> Engine:
    key = (os.getpid(), url)
    engine = _engines.get(key)
    if engine is None:
        with _engines_lock:
            engine = _engines.get(key)
            if engine is None:
                # Small: a hit holds a connection for one statement. No pre-ping (one more round
                # trip on every request): a connection the server dropped fails its statement,
                # which invalidates the pool, and _connected runs it again on a fresh one. The
                # timeouts keep a dead server from hanging requests.
                # reset_on_return None: in autocommit there is no transaction to roll back, and the
                # ROLLBACK sent on every return would be one more round trip per request.
                engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=4,
                                       pool_timeout=5, pool_reset_on_return=None,
                                       connect_args={"connect_timeout": 5, "application_name": "gridmap-limits"})
                _engines[key] = engine
    return engine


class DatabaseStorage(Storage):
    """limits storage over PostgreSQL (fixed window only)."""

    STORAGE_SCHEME = ["database", "postgresql", "postgresql+psycopg2"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._url = None if not uri or uri.startswith("database:") else uri

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def _engine(self) -> Engine:
        if self._url:
            return _engine_for(self._url)
        from flask import current_app

        return _engine_for(current_app.config["SQLALCHEMY_DATABASE_URI"])

    def _connected(self, statement, params: dict, take):
        """``take(result)`` of ``statement`` run in autocommit; once more on a fresh connection when the
        pooled one turns out dropped (a restarted server: the statement never ran on it)."""
        for attempt in (1, 2):
            try:
                with self._engine().connect() as conn:
                    return take(conn.execute(statement, params))
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise

    def _run(self, statement, **params):
        """The first column of the first row (None: no row)."""
        return self._connected(statement, params, lambda result: result.scalar())

    def _execute(self, statement, **params) -> int:
        """A statement returning no rows; how many it changed."""
        return self._connected(statement, params, lambda result: result.rowcount)

    def _hit(self, key: str, expiry: int, amount: int) -> tuple[int, float]:
        """The counting statement on a pooled DBAPI connection, prepared once per connection: it runs on
        every limited request (a lookup's third of a millisecond went to SQLAlchemy's connection and result
        wrappers and to planning it). Errors reach the caller as SQLAlchemy's, as from any other query
        (a database that is down: the app's 503)."""
        engine = self._engine()
        dbapi_error = engine.dialect.loaded_dbapi.Error
        params = (key, amount, float(expiry))
        for attempt in (1, 2):
            try:
                conn = engine.raw_connection()
            except dbapi_error as exc:
                raise DBAPIError.instance(None, None, exc, dbapi_error, dialect=engine.dialect) from exc
            try:
                cursor = conn.cursor()
                try:
                    if not conn.info.get("gridmap_hit_prepared"):
                        cursor.execute(_PREPARE_HIT)
                        conn.info["gridmap_hit_prepared"] = True
                    cursor.execute("EXECUTE gridmap_rate_hit (%s, %s, %s)", params)
                    hits, expires = cursor.fetchone()
                finally:
                    cursor.close()
                return int(hits), float(expires)
            except dbapi_error as exc:
                # A connection the server dropped (a restart): the pool's others are likely gone too, so the
                # pool starts afresh (as SQLAlchemy does on a disconnect) and the hit runs once more.
                dropped = engine.dialect.is_disconnect(exc, conn.dbapi_connection, None)
                if dropped:
                    conn.invalidate(exc)
                    engine.dispose()
                if attempt == 2 or not dropped:
                    raise DBAPIError.instance(_HIT.text, params, exc, dbapi_error, dialect=engine.dialect,
                                              connection_invalidated=dropped) from exc
            finally:
                conn.close()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        hits, expires = self._hit(key, expiry, amount)
        if has_request_context():
            # The response headers ask for the same counter's hits and expiry right after the hit
            # (two more round trips); the hit's own answer is the count as of this request.
            g.setdefault("_rate_limit_seen", {})[key] = (int(hits), float(expires))
        if random.randrange(SWEEP_EVERY) == 0:
            self.forget_expired()
        return int(hits)

    @staticmethod
    def _seen(key: str) -> tuple[int, float] | None:
        return g.get("_rate_limit_seen", {}).get(key) if has_request_context() else None

    def forget_expired(self) -> int:
        """Delete the counters of windows that ended (a row past its expiry counts as zero anyway)."""
        return self._execute(_FORGET_EXPIRED)

    def get(self, key: str) -> int:
        seen = self._seen(key)
        return seen[0] if seen else int(self._run(_GET, key=key) or 0)

    def get_expiry(self, key: str) -> float:
        seen = self._seen(key)
        return seen[1] if seen else float(self._run(_EXPIRY, key=key))

    def check(self) -> bool:
        try:
            return self._run(text("SELECT true")) is True
        except (SQLAlchemyError, RuntimeError):  # RuntimeError: no app, so no database to ask
            return False

    def clear(self, key: str) -> None:
        if has_request_context():
            g.get("_rate_limit_seen", {}).pop(key, None)
        self._execute(text("DELETE FROM rate_limit_counter WHERE key = :key"), key=key)

    def reset(self) -> int | None:
        """Forget every counter: of the app's database inside an app context, else of
        every database this process has counted in (the tests reset between tests)."""
        from flask import has_app_context

        if self._url or has_app_context():
            return self._execute(text("DELETE FROM rate_limit_counter"))
        cleared = 0
        for key, engine in list(_engines.items()):
            if key[0] != os.getpid():
                continue
            try:
                with engine.connect() as conn:
                    cleared += conn.execute(text("DELETE FROM rate_limit_counter")).rowcount
            except SQLAlchemyError:
                # A scratch database dropped since (or taken below migration 0020): nothing to reset.
                _engines.pop(key, None)
                engine.dispose()
        return cleared
