"""Issue 20, item 4: the embedded cluster is private to the user running GridMap.

Before, any local user was a database superuser: ``trust`` authentication on a 0777 socket in a
0755 directory. Now the directory is 0700 and owned by the cluster's user, the socket is 0700,
and peer authentication admits only the cluster's user and root. Checked through the real socket
with another operating-system user (``nobody``), which needs root to act as.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from app import pgcluster

ROOT = Path(__file__).resolve().parents[2]

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="acting as another local user (runuser -u nobody) "
                                                          "needs root; the cluster's modes are checked anyway")


def _psql_as(user: str | None, socket_dir: Path) -> subprocess.CompletedProcess:
    psql = [str(pgcluster._bindir() / "psql"), "-X", "-w", "-h", str(socket_dir), "-U", pgcluster.DB_USER,
            "-d", "postgres", "-tAc", "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"]
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    cmd = [runuser, "-u", user, "--", *psql] if user else psql
    return subprocess.run(cmd, cwd="/", capture_output=True, text=True, timeout=60)


def _cluster(instance: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"GRIDMAP_INSTANCE_DIR": str(instance), "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"}
    return subprocess.run([sys.executable, "-m", "app.pgcluster", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def instance():
    """An instance directory every user may walk through (so only the cluster's own modes keep
    others out), outside pytest's root-only tmp_path."""
    base = Path(tempfile.mkdtemp(prefix="gridmap-private-"))
    base.chmod(0o755)
    inst = base / "instance"
    try:
        yield inst
    finally:
        _cluster(inst, "stop")
        shutil.rmtree(base, ignore_errors=True)


def _socket_dir(instance: Path) -> Path:
    return Path(_cluster(instance, "url").stdout.strip().split("host=")[1])


def test_a_new_cluster_is_private(instance):
    assert _cluster(instance, "start").returncode == 0
    run = _socket_dir(instance)
    owner = "postgres" if os.geteuid() == 0 else None
    for path in (run, run / ".s.PGSQL.5432"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    if owner:
        import pwd

        assert run.stat().st_uid == pwd.getpwnam(owner).pw_uid
    hba = [line.split() for line in (instance / "pgdata" / "pg_hba.conf").read_text().splitlines()
           if line.strip() and not line.startswith("#")]
    assert hba == [["local", "all", "all", "peer", "map=gridmap"]]
    assert _psql_as(None, run).stdout.strip() == "t", "the user running GridMap still connects"


@needs_root
def test_another_local_user_cannot_reach_the_test_cluster():
    """The very cluster this test run uses (make test's), through its socket."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is set: the tests use another server, not the embedded cluster")
    pgcluster.start()
    refused = _psql_as("nobody", pgcluster.socket_dir())
    assert refused.returncode != 0 and "Permission denied" in refused.stderr, refused
    assert _psql_as(None, pgcluster.socket_dir()).returncode == 0


@needs_root
def test_a_cluster_of_an_older_version_is_made_private_by_the_next_start(instance):
    assert _cluster(instance, "start").returncode == 0
    run, data = _socket_dir(instance), instance / "pgdata"
    # What older versions left: trust for everyone, a world-writable socket in an open directory.
    (data / "pg_hba.conf").write_text("local all all trust\n")
    auto = data / "postgresql.auto.conf"
    auto.write_text(auto.read_text().replace("unix_socket_permissions = 0700", "unix_socket_permissions = 0777"))
    run.chmod(0o755)
    pg_ctl = [str(pgcluster._bindir() / "pg_ctl"), "-D", str(data)]
    subprocess.run(["runuser", "-u", "postgres", "--", *pg_ctl, "restart", "-w", "-m", "fast",
                    "-l", str(instance / "postgres.log"),
                    "-o", "-c max_locks_per_transaction=512"], check=True, capture_output=True, timeout=120)
    assert stat.S_IMODE((run / ".s.PGSQL.5432").stat().st_mode) == 0o777
    assert _psql_as("nobody", run).stdout.strip() == "t", "the old cluster let anyone in as superuser"

    # The next start (make run, make test, the app) repairs it while the server keeps running.
    assert _cluster(instance, "start").returncode == 0
    assert stat.S_IMODE(run.stat().st_mode) == 0o700
    assert "Permission denied" in _psql_as("nobody", run).stderr
    assert "unix_socket_permissions = 0777" not in auto.read_text()
    # Even with the directory opened, peer authentication turns the other user away.
    run.chmod(0o755)
    try:
        peer = _psql_as("nobody", run)
        assert peer.returncode != 0 and "Peer authentication failed" in peer.stderr, peer
    finally:
        run.chmod(0o700)
    assert _psql_as(None, run).stdout.strip() == "t"
    # After a restart the socket itself is the owner's alone.
    assert _cluster(instance, "stop").returncode == 0
    assert _cluster(instance, "start").returncode == 0
    assert stat.S_IMODE((run / ".s.PGSQL.5432").stat().st_mode) == 0o700


@needs_root
def test_a_socket_directory_someone_else_made_is_not_adopted(instance, monkeypatch):
    """The socket directory may be a fixed name under /tmp (long paths): a directory another user
    made there first, or a link, is refused rather than taken over."""
    import pwd

    monkeypatch.setenv("GRIDMAP_INSTANCE_DIR", str(instance))
    run = pgcluster.paths()["run"]
    run.mkdir(parents=True)
    nobody = pwd.getpwnam("nobody")
    os.chown(run, nobody.pw_uid, nobody.pw_gid)
    started = _cluster(instance, "start")
    assert started.returncode == 1 and "made by someone else" in started.stderr, started.stderr
