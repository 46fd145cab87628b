"""Backups of the GridMap database with ``pg_dump`` and ``pg_restore``.

A backup is one ``pg_dump --format=custom`` file of the whole database:
the PostGIS extensions (as ``CREATE EXTENSION``), every table with its data
(grids with their boundary versions, staff, reports, the Alembic version)
and the sequences. It is taken without owners and privileges so it restores
into any server under any user: the embedded cluster, docker compose's
``db`` service or another PostGIS server.

The client tools come from the newest ``/usr/lib/postgresql/*/bin`` (the
directory the embedded cluster uses), else from ``PATH``: ``pg_dump`` refuses
to dump a server newer than itself, so the newest one installed is the one
to use. A password in the database URL reaches the tools through the
``PGPASSWORD`` environment variable, never through the command line, where
any user of the machine could read it.

This module imports neither flask nor the app's models: ``flask backup``
(``app/backup_cli.py``) and the tests call it with a SQLAlchemy URL.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from app import pgcluster

#: The format of the default file name (local time), under ``instance/backups``.
NAME_FORMAT = "gridmap-%Y%m%d-%H%M%S.dump"
#: Custom-format archives start with these bytes.
MAGIC = b"PGDMP"
#: An unreachable server fails after this many seconds instead of hanging (unless PGCONNECT_TIMEOUT is set).
CONNECT_TIMEOUT = "10"


class BackupError(RuntimeError):
    """A backup or restore failed; the message carries the tool's own words."""


def default_path(now: datetime | None = None) -> Path:
    """``instance/backups/gridmap-YYYYmmdd-HHMMSS.dump`` for ``now`` (local time)."""
    return pgcluster.instance_dir() / "backups" / (now or datetime.now()).strftime(NAME_FORMAT)


def tool(name: str) -> Path:
    """The ``pg_dump``/``pg_restore`` binary: the embedded cluster's bin directory, else PATH."""
    try:
        candidate = pgcluster._bindir() / name
        if candidate.exists():
            return candidate
    except pgcluster.ClusterError:
        pass
    found = shutil.which(name)
    if found:
        return Path(found)
    raise BackupError(f"{name} not found. Install the PostgreSQL client tools, e.g. "
                      "sudo apt-get install -y postgresql-client")


def _quote(value: str) -> str:
    # libpq conninfo values: single-quoted, with \ and ' escaped by a backslash.
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def connection(url: str | URL) -> tuple[str, dict[str, str]]:
    """The libpq connection string (no password) and the environment for a SQLAlchemy URL.

    Query parameters (``host=/socket/dir`` of the embedded cluster,
    ``sslmode=`` ...) are libpq keywords, as psycopg2 passes them on.

    >>> dsn, env = connection("postgresql+psycopg2://u:s%40cret@db:5433/gm?sslmode=require")
    >>> dsn
    "host='db' port='5433' user='u' dbname='gm' sslmode='require'"
    >>> env["PGPASSWORD"]
    's@cret'
    """
    if isinstance(url, str):
        url = make_url(url.replace("postgres://", "postgresql://", 1))
    if not url.database:
        raise BackupError("the database URL names no database")
    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    for key, value in url.query.items():
        # A repeated parameter arrives as a tuple; libpq takes one value per keyword.
        parts[key] = value[-1] if isinstance(value, tuple) else value
    dsn = " ".join(f"{k}={_quote(v)}" for k, v in parts.items() if v not in (None, ""))
    # The rest of the environment (PGPASSWORD, PGSSLROOTCERT, ~/.pgpass ...) applies as it does to the app.
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", CONNECT_TIMEOUT)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return dsn, env


def _run(args: list[str], env: dict[str, str], what: str, progress=None, total: int | None = None) -> None:
    """Run a tool; with ``progress(done, total)`` it runs verbose and each table it dumps or restores counts."""
    if progress is None:
        res = subprocess.run(args, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        returncode, said = res.returncode, (res.stderr or res.stdout)
    else:
        proc = subprocess.Popen([args[0], "--verbose", *args[1:]], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
        kept, done = [], 0
        for line in proc.stderr:
            if any(marker in line for marker in _TABLE_MARKERS):
                done += 1
                progress(done, total)
            elif not line.startswith(f"{Path(args[0]).name}: ") or any(w in line.lower() for w in _NOT_CHATTER):
                kept.append(line)   # errors and their details, not the verbose chatter
        returncode, said = proc.wait(), "".join(kept)
    if returncode != 0:
        detail = said.strip() or f"exit status {returncode}"
        raise BackupError(f"{what} failed:\n{detail}")


#: What pg_dump and pg_restore --verbose say when they start on a table's rows.
_TABLE_MARKERS = ("dumping contents of table", "processing data for table")
#: Verbose lines that are not chatter: what a failure message must keep.
_NOT_CHATTER = ("error", "warning", "fatal")


def table_count(path: Path | str) -> int:
    """How many tables' rows a dump holds (its table of contents), for a restore's progress bar."""
    res = subprocess.run([str(tool("pg_restore")), "--list", str(path)], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL)
    return sum(1 for line in res.stdout.splitlines() if " TABLE DATA " in line)


def _tables_in(url: str | URL) -> int | None:
    """Tables with rows pg_dump will dump (plain and partition tables), for its progress bar."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    try:
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                "AND n.nspname NOT LIKE 'pg_toast%' AND NOT EXISTS (SELECT 1 FROM pg_depend d "
                "WHERE d.objid = c.oid AND d.deptype = 'e')")).scalar_one()
    except Exception:  # only a bar's total: the dump itself says what went wrong
        return None


def backup(url: str | URL, path: Path | str | None = None, progress=None) -> Path:
    """Dump the database of ``url`` to ``path`` (default: :func:`default_path`); return the path.

    The dump is written next to ``path`` first and renamed when complete, so
    a failed backup never leaves a truncated file under the final name. The
    file is readable by its owner only: it holds staff names and phone numbers.
    ``progress(done, total)`` hears each table dumped (the CLI's progress bar).
    """
    path = Path(path) if path is not None else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    dsn, env = connection(url)
    try:
        _run([str(tool("pg_dump")), "--format=custom", "--no-owner", "--no-privileges",
              f"--file={partial}", f"--dbname={dsn}"], env, "pg_dump",
             progress, _tables_in(url) if progress is not None else None)
        partial.chmod(0o600)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def check_archive(path: Path | str) -> Path:
    """``path`` as a Path when it exists and is a custom-format dump; else :class:`BackupError`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    with path.open("rb") as fh:
        if fh.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{path} is not a GridMap backup (a pg_dump --format=custom file)")
    return path


def restore(url: str | URL, path: Path | str, *, clean: bool = True, progress=None) -> None:
    """Restore the dump at ``path`` into the database of ``url``, all or nothing.

    With ``clean`` (the default) every object in the dump is dropped first
    when it exists, so the target may be empty (with or without PostGIS) or
    hold an older copy made by the migrations; what is not in the dump is left
    alone. It runs in one transaction: on any error the target is unchanged.
    ``progress(done, total)`` hears each table whose rows are restored.
    Other sessions holding locks on the tables (a running app in the middle of
    a transaction) make it wait, so stop the app first.
    """
    path = check_archive(path)
    dsn, env = connection(url)
    args = [str(tool("pg_restore")), "--no-owner", "--no-privileges", "--single-transaction",
            "--exit-on-error", f"--dbname={dsn}"]
    if clean:
        args[1:1] = ["--clean", "--if-exists"]
    _run([*args, str(path)], env, "pg_restore", progress, table_count(path) if progress is not None else None)
