"""A three-node Citus cluster on this machine: a coordinator and two workers (issue 19).

Each node is its own PostgreSQL cluster under ``instance/citus/<node>/pgdata``,
made and run like the embedded cluster of :mod:`app.pgcluster` (same binaries,
same private unix-socket directory rules, peer authentication, no TCP). The
three share one socket directory ``instance/citus/run`` and tell themselves
apart by port (the socket file is ``.s.PGSQL.<port>``); the nodes reach each
other through that directory, which is the node name given to Citus
(``citus_add_node('/…/instance/citus/run', 9701)``).

``shared_preload_libraries = 'citus'`` on every node; every database made by
:func:`create_database` has the ``postgis``, ``btree_gist`` and ``citus``
extensions on every node, and the coordinator knows its two workers.

Used by ``make test-citus`` and ``bench/citus.py``::

    python -m app.citus_cluster start|stop|status|url|available|createdb NAME|dropdb NAME

Exit code 3 (with a message in Chinese and English) when the Citus extension is
not installed for this PostgreSQL. Like :mod:`app.pgcluster`, this imports
neither flask nor sqlalchemy.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app import pgcluster
from app.pgcluster import ClusterError, DB_NAME, DB_USER

#: (name, port): the first node is the coordinator.
NODES = (("coordinator", 9700), ("worker1", 9701), ("worker2", 9702))
COORDINATOR_PORT = NODES[0][1]
#: The exit code of the command line when Citus is not installed.
NOT_INSTALLED = 3

NOT_INSTALLED_MESSAGE = (
    "未安装 Citus 扩展：本机 PostgreSQL {ver} 找不到 citus.control / citus.so，跳过 Citus 集群。\n"
    "安装方法见 README「Citus（多节点）」一节（Citus 官方软件源 packagecloud citusdata，"
    "软件包 postgresql-{ver}-citus-13.2）。\n"
    "The Citus extension is not installed: PostgreSQL {ver} has no citus.control / citus.so, "
    "so there is no Citus cluster.\nInstall it from Citus's own packages (packagecloud citusdata repository, "
    "package postgresql-{ver}-citus-13.2): see the README, section \"Citus (several nodes)\"."
)


class CitusMissing(ClusterError):
    """The citus extension is not installed for this PostgreSQL."""


def _pg_major() -> str:
    return pgcluster._bindir().parent.name


def _pg_config(flag: str) -> Path | None:
    exe = pgcluster._bindir() / "pg_config"
    for cand in (str(exe), "pg_config"):
        try:
            res = subprocess.run([cand, flag], capture_output=True, text=True)
        except OSError:
            continue
        if res.returncode == 0 and res.stdout.strip():
            return Path(res.stdout.strip())
    return None


def installed() -> bool:
    """Whether the citus extension (control file and library) exists for this PostgreSQL.

    ``GRIDMAP_CITUS_INSTALLED=0`` answers no whatever is installed: how ``make test-citus``'s skip
    (a machine without Citus) is tried on a machine that has it.
    """
    if os.environ.get("GRIDMAP_CITUS_INSTALLED", "").strip() == "0":
        return False
    ver = _pg_major()
    share = _pg_config("--sharedir") or Path(f"/usr/share/postgresql/{ver}")
    lib = _pg_config("--pkglibdir") or Path(f"/usr/lib/postgresql/{ver}/lib")
    return (share / "extension" / "citus.control").exists() and (lib / "citus.so").exists()


def require_installed() -> None:
    if not installed():
        raise CitusMissing(NOT_INSTALLED_MESSAGE.format(ver=_pg_major()))


def home() -> Path:
    return pgcluster._cluster_home(pgcluster.instance_dir()) / "citus"


def socket_dir() -> Path:
    run = home() / "run"
    if len(str(run / ".s.PGSQL.9700")) <= pgcluster.MAX_SOCKET_PATH:
        return run
    return Path("/tmp") / f"gridmap-citus-{pgcluster._digest(pgcluster.instance_dir())}"


def node_paths(name: str) -> dict[str, Path]:
    base = home() / name
    return {"base": base, "data": base / "pgdata", "log": base / "postgres.log", "run": socket_dir()}


def database_url(dbname: str = DB_NAME) -> str:
    """The SQLAlchemy URL of ``dbname`` on the coordinator."""
    return f"postgresql+psycopg2://{DB_USER}@/{dbname}?host={socket_dir()}&port={COORDINATOR_PORT}"


def _pg_ctl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(pgcluster._cmd([str(pgcluster._bindir() / "pg_ctl"), *args]),
                          capture_output=True, text=True)


def _node_running(name: str) -> bool:
    p = node_paths(name)
    if not (p["data"] / "PG_VERSION").exists():
        return False
    return _pg_ctl("status", "-D", str(p["data"])).returncode == 0


def is_running() -> bool:
    return all(_node_running(name) for name, _ in NODES)


def _init(name: str, port: int) -> None:
    p = node_paths(name)
    for d in (home(), p["base"]):
        d.mkdir(parents=True, exist_ok=True)
        pgcluster._chown(d)
        os.chmod(d, 0o755)
    pgcluster._private_dir(p["data"])
    res = subprocess.run(
        pgcluster._cmd([str(pgcluster._bindir() / "initdb"), "-D", str(p["data"]), "-U", DB_USER, "--auth=peer",
                        "--encoding=UTF8", "--locale=C.UTF-8"]),
        capture_output=True, text=True)
    if res.returncode != 0:
        raise ClusterError(f"initdb of the Citus {name} failed:\n{res.stdout}\n{res.stderr}")
    with open(p["data"] / "postgresql.auto.conf", "a") as conf:
        conf.write(
            "listen_addresses = ''\n"
            f"port = {port}\n"
            f"unix_socket_directories = '{p['run']}'\n"
            "unix_socket_permissions = 0700\n"
            "shared_preload_libraries = 'citus'\n"
            # Three servers share this machine with others: modest memory each.
            "shared_buffers = '128MB'\n"
            "work_mem = '16MB'\n"
            "maintenance_work_mem = '128MB'\n"
            "max_connections = 200\n"
            "max_locks_per_transaction = 512\n"
            "timezone = 'UTC'\n"
            "jit = off\n"
            # The workers' backends connect to each other through the socket directory too.
            "citus.max_shared_pool_size = 150\n"
        )


def _start_node(name: str, port: int, wait: float) -> None:
    p = node_paths(name)
    if not (p["data"] / "PG_VERSION").exists():
        _init(name, port)
    pgcluster._private_dir(p["run"])
    auto = p["data"] / "postgresql.auto.conf"
    if "citus.local_hostname" not in auto.read_text():
        # A node connects to itself too (local execution off, rebalancing): through the socket, not
        # Citus's default 'localhost', which is TCP and closed here.
        with open(auto, "a") as conf:
            conf.write(f"citus.local_hostname = '{p['run']}'\n")
    pgcluster._write_if_changed(p["data"] / "pg_hba.conf", pgcluster.PG_HBA)
    pgcluster._write_if_changed(p["data"] / "pg_ident.conf", pgcluster._pg_ident())
    if _node_running(name):
        return
    pid = p["data"] / "postmaster.pid"
    if pid.exists():
        pid.unlink()
    if not p["log"].exists():
        p["log"].touch(mode=0o600)
        pgcluster._chown(p["log"])
    res = _pg_ctl("start", "-w", "-t", str(int(wait)), "-D", str(p["data"]), "-l", str(p["log"]))
    if res.returncode != 0:
        tail = p["log"].read_text(errors="replace")[-2000:] if p["log"].exists() else ""
        raise ClusterError(f"could not start the Citus {name}:\n{res.stderr}\n{tail}")


def psql(sql: str, dbname: str = "postgres", port: int = COORDINATOR_PORT) -> str:
    res = subprocess.run([str(pgcluster._bindir() / "psql"), "-h", str(socket_dir()), "-p", str(port),
                          "-U", DB_USER, "-d", dbname, "-v", "ON_ERROR_STOP=1", "-tAc", sql],
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise ClusterError(f"psql (port {port}) failed: {res.stderr.strip()}")
    return res.stdout.strip()


EXTENSIONS = ("citus", "postgis", "btree_gist")


def create_database(dbname: str) -> None:
    """``dbname`` on every node with citus, PostGIS and btree_gist, and the workers known to the coordinator.

    Idempotent. Databases are not propagated by Citus (by default): each node gets its own.
    """
    pgcluster._check_name(dbname)
    for _, port in NODES:
        if psql(f"SELECT 1 FROM pg_database WHERE datname = '{dbname}'", port=port) != "1":
            psql(f'CREATE DATABASE "{dbname}"', port=port)
        # Only the missing ones: a worker already in the cluster refuses DDL of extensions the
        # coordinator propagated ("operation is not allowed on this node").
        have = set(psql("SELECT extname FROM pg_extension", dbname, port).split())
        missing = [e for e in EXTENSIONS if e not in have]
        if missing:
            psql("; ".join(f"CREATE EXTENSION IF NOT EXISTS {e}" for e in missing), dbname, port)
    host = str(socket_dir())
    known = set(psql("SELECT nodeport FROM pg_dist_node", dbname).split())
    if str(COORDINATOR_PORT) not in known:
        psql(f"SELECT citus_set_coordinator_host('{host}', {COORDINATOR_PORT})", dbname)
    for _, port in NODES[1:]:
        if str(port) not in known:
            psql(f"SELECT citus_add_node('{host}', {port})", dbname)


def drop_database(dbname: str) -> None:
    pgcluster._check_name(dbname)
    # Workers first: the coordinator's metadata connections to them close with it.
    for _, port in reversed(NODES):
        psql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)', port=port)


def start(wait: float = 60.0) -> str:
    """Create (first time) and start the three nodes; return the URL of the gridmap database."""
    require_installed()
    for name, port in NODES:
        _start_node(name, port, wait)
    pgcluster.until_ready(lambda: create_database(DB_NAME), wait, pause=0.5)
    return database_url()


def stop() -> None:
    for name, _ in reversed(NODES):
        if _node_running(name):
            _pg_ctl("stop", "-m", "fast", "-D", str(node_paths(name)["data"]))


def status() -> dict[str, bool]:
    return {name: _node_running(name) for name, _ in NODES}


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "start"
    try:
        if cmd == "available":
            require_installed()
            print("citus installed")
        elif cmd == "start":
            print(start())
        elif cmd == "stop":
            stop()
        elif cmd == "status":
            st = status()
            for name, port in NODES:
                print(f"{name} (port {port}): {'running' if st[name] else 'stopped'}")
            return 0 if all(st.values()) else 1
        elif cmd == "url":
            print(database_url(argv[2] if len(argv) > 2 else DB_NAME))
        elif cmd in ("createdb", "dropdb") and len(argv) == 3:
            require_installed()
            (create_database if cmd == "createdb" else drop_database)(argv[2])
        else:
            print("usage: python -m app.citus_cluster [available|start|stop|status|url [DB]|createdb DB|dropdb DB]",
                  file=sys.stderr)
            return 2
    except CitusMissing as exc:
        print(exc, file=sys.stderr)
        return NOT_INSTALLED
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
