"""The embedded PostGIS cluster used when no DATABASE_URL is set.

GridMap runs a private PostgreSQL cluster under ``instance/pgdata`` that
listens only on a unix socket in ``instance/run`` (no TCP port to collide
with other servers on the machine). It is created and started on demand with
the system's PostgreSQL binaries. ``initdb`` and ``postgres`` refuse to run as
root, so when we are root the cluster runs as the unprivileged ``postgres``
system user (created by Debian's postgresql package).

The cluster is private to the user that runs GridMap (issue 20: it used to
trust every local user, as superuser, through a 0777 socket): the socket
directory is mode 700 and owned by the cluster's user, the socket itself is
700, and connections are authenticated by peer: only that user and root may
connect (as the database user ``gridmap``). A cluster made by an older
version is brought to this state by the next ``start``.

This module imports neither flask nor sqlalchemy so the Makefile can call it
before anything else is installed: ``python -m app.pgcluster start``.
"""
from __future__ import annotations

import glob
import hashlib
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DB_NAME = "gridmap"
DB_USER = "gridmap"
#: Debian 12's PostgreSQL; the newest installed major version is used.
PG_GLOB = "/usr/lib/postgresql/*/bin"


class ClusterError(RuntimeError):
    """The embedded cluster could not be created or started."""


def instance_dir() -> Path:
    root = os.environ.get("GRIDMAP_INSTANCE_DIR")
    if root:
        return Path(root).resolve()
    return Path(__file__).resolve().parent.parent / "instance"


def _bindir() -> Path:
    found = sorted(glob.glob(PG_GLOB), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    for cand in reversed(found):
        if Path(cand, "initdb").exists():
            return Path(cand)
    exe = shutil.which("initdb")
    if exe:
        return Path(exe).resolve().parent
    raise ClusterError(
        "PostgreSQL server binaries not found. Install them with: "
        "sudo apt-get update && sudo apt-get install -y postgresql postgresql-15-postgis-3"
    )


def _run_user() -> str | None:
    """The user that owns and runs the cluster: ourselves, or postgres when root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:  # pragma: no cover - Debian's package creates it
        raise ClusterError("running as root but there is no 'postgres' system user to run the cluster") from exc
    return "postgres"


def _cmd(args: list[str]) -> list[str]:
    user = _run_user()
    if user is None:
        return args
    # runuser lives in /usr/sbin, which a non-login root shell may not have on PATH.
    runuser = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin") or "runuser"
    return [runuser, "-u", user, "--", *args]


def _chown(path: Path) -> None:
    user = _run_user()
    if user is not None:
        pw = pwd.getpwnam(user)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def _owner() -> str:
    """The operating-system user that owns and runs the cluster."""
    return _run_user() or pwd.getpwuid(os.geteuid()).pw_name


def _private_dir(path: Path) -> None:
    """``path`` as a directory only the cluster's user can enter (the socket lives there).

    It may be a fixed name under /tmp (long checkout paths): one that another
    user made first, or a symbolic link, is refused rather than adopted.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = os.lstat(path)
    owner = pwd.getpwnam(_run_user()).pw_uid if _run_user() else os.geteuid()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid not in (owner, os.geteuid()):
        raise ClusterError(f"{path} is not a directory of this user (a link, or made by someone else): "
                           "remove it and start again")
    _chown(path)
    os.chmod(path, 0o700)


#: Who may connect, and how (written at every start: clusters of older versions trusted everyone).
PG_HBA = """\
# GridMap's embedded cluster (app/pgcluster.py rewrites this file at every start).
# Unix socket only (listen_addresses = ''), in a directory only the cluster's user can
# enter; peer authentication: the operating-system users mapped in pg_ident.conf only.
local   all   all   peer map=gridmap
"""


def _pg_ident() -> str:
    users = dict.fromkeys([_owner(), "root"])
    return ("# GridMap: the operating-system users that may connect as the database user gridmap.\n"
            + "".join(f"gridmap   {u}   {DB_USER}\n" for u in users))


def _write_if_changed(path: Path, content: str) -> bool:
    if path.exists() and path.read_text() == content:
        return False
    path.write_text(content)
    _chown(path)
    os.chmod(path, 0o600)
    return True


def _harden(p: dict[str, Path]) -> bool:
    """Make the cluster private (again); True when the running server must reload its access rules."""
    _private_dir(p["run"])
    if p["log"].exists():
        os.chmod(p["log"], 0o600)
    auto = p["data"] / "postgresql.auto.conf"
    conf = auto.read_text()
    if "unix_socket_permissions = 0777" in conf:
        auto.write_text(conf.replace("unix_socket_permissions = 0777", "unix_socket_permissions = 0700"))
    changed = _write_if_changed(p["data"] / "pg_hba.conf", PG_HBA)
    return _write_if_changed(p["data"] / "pg_ident.conf", _pg_ident()) or changed


def _reachable_by_other(path: Path) -> bool:
    """True when every directory down to ``path`` is searchable by other users."""
    existing = path if path.exists() else next(p for p in path.parents if p.exists())
    return all(d.stat().st_mode & 0o001 for d in [*existing.parents, existing])


def _digest(inst: Path) -> str:
    return hashlib.sha1(str(inst).encode()).hexdigest()[:12]


def _cluster_home(inst: Path) -> Path:
    """Where pgdata and the log live: instance/, unless the postgres user cannot reach it.

    A checkout under /root (mode 700) started as root would leave the
    cluster's user locked out; then the cluster lives in a directory of its
    own under /var/tmp (kept across reboots), named after this checkout, and
    ``instance/pgdata-location`` says where.
    """
    if _run_user() is None or _reachable_by_other(inst):
        return inst
    return Path("/var/tmp") / f"gridmap-{_digest(inst)}"


#: Unix socket paths are limited to ~107 bytes (sun_path); keep a margin.
MAX_SOCKET_PATH = 100


def _run_dir(inst: Path) -> Path:
    run = _cluster_home(inst) / "run"
    if len(str(run / ".s.PGSQL.5432")) <= MAX_SOCKET_PATH:
        return run
    # A checkout deep in the file system: the socket goes to a short private
    # directory named after this checkout, so two checkouts never share it.
    return Path(tempfile.gettempdir()) / f"gridmap-{_digest(inst)}"


def paths() -> dict[str, Path]:
    inst = instance_dir()
    home = _cluster_home(inst)
    return {"instance": inst, "home": home, "data": home / "pgdata", "run": _run_dir(inst),
            "log": home / "postgres.log"}


def socket_dir() -> Path:
    return paths()["run"]


def database_url(dbname: str = DB_NAME) -> str:
    return f"postgresql+psycopg2://{DB_USER}@/{dbname}?host={socket_dir()}"


def is_running() -> bool:
    p = paths()
    if not (p["data"] / "PG_VERSION").exists():
        return False
    res = subprocess.run(_cmd([str(_bindir() / "pg_ctl"), "status", "-D", str(p["data"])]),
                         capture_output=True, text=True)
    return res.returncode == 0


def _init() -> None:
    p = paths()
    p["instance"].mkdir(parents=True, exist_ok=True)
    if p["home"] != p["instance"]:
        p["home"].mkdir(parents=True, exist_ok=True)
        os.chmod(p["home"], 0o755)
        (p["instance"] / "pgdata-location").write_text(
            f"{p['data']}\n(the postgres user cannot enter {p['instance']}, so the cluster lives there)\n")
    for d in (p["data"], p["run"]):
        _private_dir(d)
    if not p["log"].exists():
        p["log"].touch(mode=0o600)
    _chown(p["log"])
    res = subprocess.run(
        _cmd([str(_bindir() / "initdb"), "-D", str(p["data"]), "-U", DB_USER, "--auth=peer",
              "--encoding=UTF8", "--locale=C.UTF-8"]),
        capture_output=True, text=True,
    )
    if res.returncode != 0:
        raise ClusterError(f"initdb failed:\n{res.stdout}\n{res.stderr}")
    # Unix socket only: no TCP port to collide with. Who may connect: _harden().
    with open(p["data"] / "postgresql.auto.conf", "a") as conf:
        conf.write(
            "listen_addresses = ''\n"
            f"unix_socket_directories = '{p['run']}'\n"
            "unix_socket_permissions = 0700\n"
            "fsync = on\n"
            "shared_buffers = '256MB'\n"
            "work_mem = '32MB'\n"
            "maintenance_work_mem = '256MB'\n"
            "max_connections = 100\n"
            "timezone = 'UTC'\n"
            # JIT compiles for ~15 ms per query; GridMap's queries are short and many.
            "jit = off\n"
        )


#: Settings given at every start, so clusters made by an older checkout get them too.
#: Patrol fixes live in one partition per day: truncating or dropping a range of
#: them locks each partition, more than the default 64 locks per transaction.
#: The socket is the owner's alone, whatever an older postgresql.auto.conf says.
START_OPTIONS = "-c max_locks_per_transaction=512 -c unix_socket_permissions=0700"


def _psql(sql: str, dbname: str = "postgres") -> str:
    psql = str(_bindir() / "psql")
    res = subprocess.run([psql, "-h", str(socket_dir()), "-U", DB_USER, "-d", dbname, "-v", "ON_ERROR_STOP=1",
                          "-tAc", sql], capture_output=True, text=True)
    if res.returncode != 0:
        raise ClusterError(f"psql failed: {res.stderr.strip()}")
    return res.stdout.strip()


def _check_name(dbname: str) -> str:
    # Database names are spliced into DDL (identifiers cannot be bound parameters).
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", dbname):
        raise ClusterError(f"invalid database name {dbname!r}: use lower-case letters, digits and _")
    return dbname


def create_database(dbname: str) -> None:
    """Create ``dbname`` with PostGIS if it does not exist yet."""
    _check_name(dbname)
    if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'") != "1":
        _psql(f'CREATE DATABASE "{dbname}"')
    _psql("CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS btree_gist;", dbname)


def drop_database(dbname: str) -> None:
    _check_name(dbname)
    _psql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def start(wait: float = 30.0) -> str:
    """Create (first time) and start the cluster; return the SQLAlchemy URL of the app database."""
    p = paths()
    if not (p["data"] / "PG_VERSION").exists():
        _init()
    # Also (re)creates the socket directory, which may live in /tmp, which a reboot empties.
    reload = _harden(p)
    if is_running():
        if reload:
            subprocess.run(_cmd([str(_bindir() / "pg_ctl"), "reload", "-D", str(p["data"])]),
                           check=False, capture_output=True)
    else:
        # A stale pid file from a killed server would make pg_ctl refuse to start.
        pid = p["data"] / "postmaster.pid"
        if pid.exists():
            pid.unlink()
        res = subprocess.run(
            _cmd([str(_bindir() / "pg_ctl"), "start", "-w", "-t", str(int(wait)), "-D", str(p["data"]),
                  "-l", str(p["log"]), "-o", START_OPTIONS]),
            capture_output=True, text=True,
        )
        if res.returncode != 0:
            tail = p["log"].read_text(errors="replace")[-2000:] if p["log"].exists() else ""
            raise ClusterError(f"could not start the embedded PostgreSQL:\n{res.stderr}\n{tail}")
    until_ready(lambda: create_database(DB_NAME), wait)
    return database_url()


def until_ready(attempt, wait: float, pause: float = 0.3) -> None:
    """Call ``attempt`` until it no longer raises ClusterError, for at most ``wait`` seconds: a server
    that has just started may refuse connections for a moment. Also used by app.citus_cluster."""
    deadline = time.monotonic() + wait
    while True:
        try:
            attempt()
            return
        except ClusterError:
            if time.monotonic() > deadline:
                raise
            time.sleep(pause)


def stop() -> None:
    p = paths()
    if is_running():
        subprocess.run(_cmd([str(_bindir() / "pg_ctl"), "stop", "-m", "fast", "-D", str(p["data"])]),
                       check=False, capture_output=True)


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "start"
    try:
        if cmd == "start":
            print(start())
        elif cmd == "stop":
            stop()
        elif cmd == "status":
            print("running" if is_running() else "stopped")
        elif cmd == "url":
            print(database_url())
        else:
            print("usage: python -m app.pgcluster [start|stop|status|url]", file=sys.stderr)
            return 2
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
