"""Fixtures over a real, throwaway PostGIS database.

The session creates its own database (``gridmap_test_<pid>``) in the embedded
cluster under ``instance/`` (or on the server of ``DATABASE_URL`` when set),
runs the migrations, and drops it at the end. Each test using ``db`` runs in
one transaction that is rolled back afterwards: every session of the app,
including the ones test-client requests open, is pinned to that connection,
and their commits become savepoints.
"""
from __future__ import annotations

import os

import pytest
from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.extensions import GridMapSession, db as _db
from tests.live import serving

# Headless-chromium fixtures (browser, blank_page, page, map_data): one browser for the whole run.
pytest_plugins = ["tests.browser", "tests.api.conformance"]

#: The password every test user gets.
PASSWORD = "correct-horse-battery"


def _citus() -> bool:
    """GRIDMAP_TEST_CITUS=1 (make test-citus): the test database lives on the three-node Citus
    cluster of app.citus_cluster (coordinator + two workers), distributed by migration 0035."""
    return os.environ.get("GRIDMAP_TEST_CITUS") == "1"


def _server_url():
    if _citus():
        from app import citus_cluster

        return make_url(citus_cluster.start())
    url = os.environ.get("DATABASE_URL")
    if url:
        return make_url(url.replace("postgres://", "postgresql://", 1))
    from app import pgcluster

    return make_url(pgcluster.start())


@pytest.fixture(scope="session")
def database_url():
    server = _server_url()
    name = f"gridmap_test_{os.getpid()}"
    if _citus():
        from app import citus_cluster

        citus_cluster.drop_database(name)
        citus_cluster.create_database(name)
        yield server.set(database=name).render_as_string(hide_password=False)
        citus_cluster.drop_database(name)
        return
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    # Patrol figures current on every read, computed by the reader: tests post fixes and read at once
    # (the allowed lag and the background refresh have their own tests in tests/patrols/test_rollups.py
    # and test_rollup_jobs.py).
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test",
                      "PATROL_FIGURES_MAX_LAG_S": 0, "PATROL_FIGURES_REFRESH": "inline"})
    with app.app_context():
        from flask_migrate import upgrade

        # "heads": features developed side by side may add sibling migrations until merged.
        upgrade(revision="heads")
    return app


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Rate-limit counters start at zero in every test (the app lives for the session)."""
    yield
    if "app" in request.fixturenames:
        from app.extensions import limiter

        limiter.reset()


@pytest.fixture
def db(app):
    """The app's database inside a transaction rolled back after the test."""
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        # A job's thread could not share this one connection: jobs run in the request (app.jobs.runner).
        app.config["JOBS_INLINE"] = True
        _db.session = scoped_session(
            sessionmaker(class_=GridMapSession, db=_db, bind=connection,
                         join_transaction_mode="create_savepoint"),
            scopefunc=original.registry.scopefunc,
        )
        try:
            yield _db
        finally:
            app.config["JOBS_INLINE"] = False
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def anon(app, db):
    """A client that is not signed in (a resident, a public caller)."""
    return app.test_client()


@pytest.fixture
def client_as(app, db):
    """``client_as(role, areas=())``: a client holding an API token of a new user with that role."""
    from app.auth import users

    made = {}

    def make(role: str, areas=(), username: str | None = None):
        username = username or f"{role}-{len(made) + 1}"
        user = users.create(username, PASSWORD, role, display_name=username, areas=list(areas))
        _, token = users.issue_token(user, "tests")
        db.session.commit()
        c = app.test_client()
        c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        c.user = user
        made[username] = c
        return c

    return make


@pytest.fixture
def client(client_as):
    """A client with an administrator's API token: most tests are about
    behaviour, not access (tests/auth checks every role against every endpoint)."""
    return client_as("admin", username="test-admin")


@pytest.fixture
def english(app, db, monkeypatch):
    """Messages outside requests (services, CLI) in English, so tests can read them.

    Chinese is the default; Flask-Babel caches the locale on the app context,
    which requests earlier in the test may have set, so it is chosen afresh.
    """
    from flask_babel import refresh

    monkeypatch.setenv("GRIDMAP_LANG", "en")
    refresh()
    yield
    refresh()


class _EnglishCliRunner:
    """``app.test_cli_runner()`` whose every command chooses its language afresh (English)."""

    def __init__(self, runner):
        self._runner = runner

    def invoke(self, *args, **kwargs):
        from flask_babel import refresh

        refresh()
        return self._runner.invoke(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._runner, name)


@pytest.fixture
def cli(app, db, english):
    """The flask CLI, speaking English so tests can read its output (Chinese is the default)."""
    return _EnglishCliRunner(app.test_cli_runner())


@pytest.fixture
def sample(db):
    """The small sample hierarchy of tests/samples.py, loaded through the import service."""
    from tests.samples import load_sample

    return load_sample()


@pytest.fixture
def committed_db(app):
    """For tests whose data must be visible to other connections (live server, browser).

    Data is really committed; every table is emptied afterwards.
    """
    with app.app_context():
        yield _db
        _db.session.remove()
        _empty_tables()


#: Every table a committed test may fill.
COMMITTED_TABLES = ("report_transition, report, staff_assignment, staff, draft_operation, grid, boundary_version, "
                    "api_token, user_area, app_user, audit_entry, patrol_fix, patrol_fix_rejected, patrol_place, "
                    "standard_address, address_alias, patrol_session, household_visit, login_lockout, "
                    # Kept by reads (cells cut once, the figures' daily roll-ups), keyed by ids the next
                    # committed test reuses after RESTART IDENTITY: emptied with the rest.
                    "patrol_grid_cell, patrol_grid_cellset, patrol_day_version, patrol_rollup_state, "
                    "patrol_day_worker, patrol_day_worker_grid, patrol_day_grid, patrol_day_place")


def _empty_tables(attempts: int = 5) -> None:
    """TRUNCATE locks the tables one by one; a request of the live server still answering a page's
    last poll may hold one and want another, and PostgreSQL then cancels one of the two as a
    deadlock. The request ends either way; emptying the tables again a moment later succeeds."""
    import time

    from sqlalchemy.exc import OperationalError

    for attempt in range(attempts):
        try:
            _db.session.execute(text(f"TRUNCATE {COMMITTED_TABLES} RESTART IDENTITY CASCADE"))
            # Districts a test added (the browser data set's 410199, a second district of the city
            # tests): the next test expects only the deployment's own (migration 0031).
            _db.session.execute(text("DELETE FROM district WHERE code <> :own"),
                                {"own": current_app.config["DISTRICT_CODE"]})
            _db.session.commit()
            return
        except OperationalError as exc:
            _db.session.rollback()
            if getattr(exc.orig, "pgcode", None) != "40P01" or attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


@pytest.fixture
def live_server(app):
    """Base URL of ``app`` served on 127.0.0.1 (a free port) for this test: browsers and HTTP clients."""
    with serving(app) as url:
        yield url


@pytest.fixture
def scratch_url(app, request):
    """A database of its own on the test server, for migration tests that go down and up
    (the session's test database stays at the heads); dropped afterwards."""
    server = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"{server.database}_{request.node.module.__name__.rsplit('.', 2)[-2]}_scratch"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class ScratchDatabase:
    """The app on a scratch database: ``upgrade``/``downgrade`` to a revision, ``begin()`` a connection."""

    def __init__(self, url: str):
        self.app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "m"})
        self.engine = create_engine(url)

    def upgrade(self, revision: str) -> None:
        from flask_migrate import upgrade

        with self.app.app_context():
            upgrade(revision=revision)

    def downgrade(self, revision: str) -> None:
        from flask_migrate import downgrade

        with self.app.app_context():
            downgrade(revision=revision)

    def begin(self):
        return self.engine.begin()

    def close(self) -> None:
        # Both pools, or DROP DATABASE waits for their connections.
        self.engine.dispose()
        with self.app.app_context():
            _db.engine.dispose()


@pytest.fixture
def scratch_db(scratch_url):
    """A ScratchDatabase on ``scratch_url``, for migrations taken down and up again."""
    scratch = ScratchDatabase(scratch_url)
    yield scratch
    scratch.close()


@pytest.fixture(scope="session")
def spec() -> dict:
    """The OpenAPI document (app/api/openapi.json), for ``tests.api.helpers.check``."""
    from tests.api.helpers import load_spec

    return load_spec()
