"""Backups: pg_dump of a real database restored into fresh ones gives back the same district.

These tests make databases of their own next to the session's test database
(same server), with real commits, and drop them at the end; the ``db``
fixture is not used because it pins one rolled-back transaction.
"""
from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

import pytest

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import backup, create_app
from tests.auth_helpers import make_admin_token

ROOT = Path(__file__).resolve().parents[2]
LOOKUP = "/api/v1/lookup?lon=113.6150&lat=34.7525"
REPORTS = [
    {"category": "0102", "description": "小区门口垃圾堆放", "channel": "worker_app", "lon": 113.6150, "lat": 34.7525},
    {"category": "0102", "description": "学校门口占道经营", "channel": "hotline_12345", "lon": 113.604, "lat": 34.754},
    {"category": "0102", "description": "区外", "channel": "phone", "lon": 113.70, "lat": 34.80},
]


class Databases:
    """Creates throwaway databases on the test server and drops them all at the end."""

    def __init__(self, server_url):
        self.server = make_url(server_url)
        self.admin = create_engine(self.server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self, suffix: str, *, postgis: bool = False) -> str:
        name = f"gridmap_bk_{os.getpid()}_{suffix}"
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        url = self.server.set(database=name).render_as_string(hide_password=False)
        if postgis:
            engine = create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text("CREATE EXTENSION postgis"))
            engine.dispose()
        return url

    def drop_all(self):
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def make_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "test"})


def dispose(app):
    from app.extensions import db

    with app.app_context():
        db.engine.dispose()


def migrated_app(url: str):
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


@pytest.fixture(scope="module")
def databases(database_url):
    dbs = Databases(database_url)
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="module")
def backup_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("backups")


@pytest.fixture(scope="module")
def source(databases, backup_dir):
    """A migrated database holding the sample district and a few reports, and its dump."""
    url = databases.create("src")
    app = migrated_app(url)
    with app.app_context():
        from tests.samples import load_sample

        load_sample()
    client = app.test_client()
    tickets = []
    for report in REPORTS:  # through the intake API and its service, committed for real
        res = client.post("/api/v1/reports", json=report)
        assert res.status_code == 201, res.get_json()
        tickets.append(res.get_json()["ticket"])
    lookup = client.get(LOOKUP)
    assert lookup.status_code == 200
    dump = backup.backup(url, backup_dir / "source.dump")
    dispose(app)
    return {"url": url, "dump": dump, "tickets": tickets, "lookup": lookup.get_json(), "facts": facts(url)}


def facts(url: str) -> dict:
    """What must survive a round trip, read straight from the database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        q = lambda sql: conn.execute(text(sql)).all()  # noqa: E731
        out = {
            "grid_count": conn.execute(text("SELECT count(*) FROM grid")).scalar_one(),
            "grids": q("SELECT id, code, name, level, kind, generation_low, generation_high, "
                       "md5(ST_AsBinary(geom)) FROM grid ORDER BY id"),
            "versions": q("SELECT * FROM boundary_version ORDER BY 1"),
            "staff": q("SELECT s.id, s.name, s.phone, a.grid_code, a.role FROM staff s "
                       "JOIN staff_assignment a ON a.staff_id = s.id ORDER BY s.id, a.grid_code"),
            "reports": q("SELECT r.ticket, r.category, r.description, r.out_of_coverage, r.generation, "
                         "g.code, r.grid_lineage, r.dedicated_grid_ids, md5(ST_AsBinary(r.location)), r.created_at "
                         "FROM report r LEFT JOIN grid g ON g.id = r.grid_id ORDER BY r.id"),
            "alembic": q("SELECT version_num FROM alembic_version"),
            "ticket_seq": conn.execute(text("SELECT last_value FROM report_ticket_seq")).scalar_one(),
        }
    engine.dispose()
    return out


def test_the_source_holds_what_the_round_trip_checks(source):
    f = source["facts"]
    assert f["grid_count"] > 30 and len(f["grids"]) == f["grid_count"]
    assert len(f["staff"]) > 10
    assert len(f["reports"]) == 3
    assert f["reports"][0][5] == source["lookup"]["grid"]["code"]  # assigned to the grid the lookup finds
    assert f["reports"][1][7], "the school report carries its dedicated grid"
    assert f["reports"][2][3] is True and f["reports"][2][5] is None  # outside coverage, kept
    assert f["alembic"] == [(ScriptDirectory(str(ROOT / "migrations")).get_current_head(),)]


def test_dump_is_a_private_custom_format_file(source):
    dump: Path = source["dump"]
    assert dump.read_bytes()[:5] == b"PGDMP"
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert not list(dump.parent.glob("*.partial"))


@pytest.mark.parametrize("target", ["migrated", "empty_postgis", "bare"])
def test_round_trip(source, databases, target):
    """Restore into a database made by the migrations, an empty one with PostGIS, and a bare one."""
    url = databases.create(f"rt_{target}", postgis=target == "empty_postgis")
    if target == "migrated":
        app = migrated_app(url)
        with app.app_context():
            from tests.samples import load_sample

            load_sample()  # different ids and rows, all to be replaced
        dispose(app)
    backup.restore(url, source["dump"])
    assert facts(url) == source["facts"]

    app = make_app(url)
    client = app.test_client()
    assert client.get(LOOKUP).get_json() == source["lookup"]
    with app.app_context():
        client.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + make_admin_token()
    for ticket in source["tickets"]:
        res = client.get(f"/api/v1/reports/{ticket}")
        assert res.status_code == 200, res.get_json()
    chain = client.get(f"/api/v1/reports/{source['tickets'][0]}").get_json()["grid_chain"]
    assert [g["code"] for g in chain] == [g["code"] for g in source["lookup"]["chain"]]
    # The restored database takes new reports: sequences came back with the data.
    res = client.post("/api/v1/reports", json=REPORTS[0])
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["ticket"] not in source["tickets"] and res.get_json()["grid"] is not None
    dispose(app)


def test_restore_twice_is_idempotent(source, databases):
    url = databases.create("twice", postgis=True)
    backup.restore(url, source["dump"])
    backup.restore(url, source["dump"])
    assert facts(url) == source["facts"]


def test_cli_create_and_restore(source, databases, backup_dir, monkeypatch):
    monkeypatch.setenv("GRIDMAP_LANG", "en")
    src_app = make_app(source["url"])
    out = backup_dir / "cli.dump"
    res = src_app.test_cli_runner().invoke(args=["backup", "create", "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert "Backup written to" in res.output and str(out) in res.output
    dispose(src_app)

    url = databases.create("cli", postgis=True)
    app = make_app(url)
    runner = app.test_cli_runner()
    # Without --yes nothing happens.
    res = runner.invoke(args=["backup", "restore", str(out)])
    assert res.exit_code != 0
    assert "add --yes" in res.output
    with create_engine(url).connect() as conn:
        assert conn.execute(text("SELECT to_regclass('grid')")).scalar() is None

    res = runner.invoke(args=["backup", "restore", str(out), "--yes"])
    assert res.exit_code == 0, res.output
    assert "Restored" in res.output
    assert facts(url) == source["facts"]
    assert app.test_client().get(LOOKUP).get_json() == source["lookup"]
    dispose(app)


def test_cli_default_file_name(source, monkeypatch, tmp_path):
    monkeypatch.setenv("GRIDMAP_LANG", "en")
    monkeypatch.setenv("GRIDMAP_INSTANCE_DIR", str(tmp_path))
    app = make_app(source["url"])
    res = app.test_cli_runner().invoke(args=["backup", "create"])
    assert res.exit_code == 0, res.output
    made = list((tmp_path / "backups").glob("gridmap-*.dump"))
    assert len(made) == 1 and str(made[0]) in res.output
    datetime.strptime(made[0].name, backup.NAME_FORMAT)
    dispose(app)


def test_default_path():
    path = backup.default_path(datetime(2026, 3, 4, 5, 6, 7))
    assert path.parts[-2:] == ("backups", "gridmap-20260304-050607.dump")


# --- errors -----------------------------------------------------------------------------------

def test_restore_missing_file(source, tmp_path):
    with pytest.raises(backup.BackupError, match="no backup file"):
        backup.restore(source["url"], tmp_path / "nope.dump")


def test_restore_file_that_is_not_a_dump(source, tmp_path):
    junk = tmp_path / "junk.dump"
    junk.write_text("SELECT 1;\n")
    with pytest.raises(backup.BackupError, match="not a GridMap backup"):
        backup.restore(source["url"], junk)


def test_restore_truncated_dump_fails_and_changes_nothing(source, databases, tmp_path):
    url = databases.create("trunc", postgis=True)
    backup.restore(url, source["dump"])
    cut = tmp_path / "cut.dump"
    data = source["dump"].read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(backup.BackupError, match="pg_restore failed") as err:
        backup.restore(url, cut)
    assert len(str(err.value).splitlines()) > 1, "the tool's stderr is in the message"
    assert facts(url) == source["facts"]


def test_unreachable_server(tmp_path):
    url = f"postgresql+psycopg2://gridmap@/gridmap?host={tmp_path}"
    with pytest.raises(backup.BackupError, match="pg_dump failed") as err:
        backup.backup(url, tmp_path / "x.dump")
    assert "connection to server" in str(err.value) or "could not connect" in str(err.value)
    assert not list(tmp_path.glob("*.dump*")), "no partial file is left behind"
    dump = tmp_path / "real.dump"
    dump.write_bytes(b"PGDMP" + b"\0" * 100)
    with pytest.raises(backup.BackupError, match="pg_restore failed"):
        backup.restore(url, dump)


def test_missing_database(source, databases, tmp_path):
    url = make_url(source["url"]).set(database=f"gridmap_bk_{os.getpid()}_nothere")
    with pytest.raises(backup.BackupError, match="does not exist"):
        backup.backup(url, tmp_path / "x.dump")


def test_cli_errors(source, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDMAP_LANG", "en")
    app = make_app(source["url"])
    runner = app.test_cli_runner()
    res = runner.invoke(args=["backup", "restore", str(tmp_path / "nope.dump"), "--yes"])
    assert res.exit_code == 1 and "Restore failed" in res.output and "no backup file" in res.output
    res = runner.invoke(args=["backup", "create", "--output", str(tmp_path / "no" / "x.dump")])
    assert res.exit_code == 0, res.output  # missing directories are made
    dispose(app)

    app = make_app(f"postgresql+psycopg2://gridmap@/gridmap?host={tmp_path}")
    res = app.test_cli_runner().invoke(args=["backup", "create", "--output", str(tmp_path / "y.dump")])
    assert res.exit_code == 1 and "Backup failed" in res.output


# --- connection details -----------------------------------------------------------------------

def test_password_goes_to_the_environment_not_the_command_line(monkeypatch, tmp_path):
    seen = {}

    def fake_run(args, env, **kwargs):
        seen["args"], seen["env"] = args, env

        class Done:
            returncode, stdout, stderr = 0, "", ""
        Path(next(a for a in args if a.startswith("--file=")).split("=", 1)[1]).write_bytes(b"PGDMP")
        return Done()

    monkeypatch.setattr(backup.subprocess, "run", fake_run)
    backup.backup("postgresql+psycopg2://gm:s%27cr%20t@db.example:5433/gridmap?sslmode=require",
                  tmp_path / "x.dump")
    assert not any("s'cr t" in a or "cr%20t" in a for a in seen["args"])
    assert seen["env"]["PGPASSWORD"] == "s'cr t"
    dsn = next(a for a in seen["args"] if a.startswith("--dbname=")).split("=", 1)[1]
    assert dsn == "host='db.example' port='5433' user='gm' dbname='gridmap' sslmode='require'"


def test_socket_url(monkeypatch):
    # Without a password in the URL, libpq's own sources apply, as they do to the app.
    monkeypatch.setenv("PGPASSWORD", "from-the-shell")
    dsn, env = backup.connection("postgresql+psycopg2://gridmap@/gridmap?host=/srv/grid's map/run")
    assert dsn == r"host='/srv/grid\'s map/run' user='gridmap' dbname='gridmap'"
    assert env["PGPASSWORD"] == "from-the-shell"


def test_url_without_database():
    with pytest.raises(backup.BackupError, match="no database"):
        backup.connection("postgresql+psycopg2://gridmap@localhost")
