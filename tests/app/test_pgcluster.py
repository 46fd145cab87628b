"""The embedded cluster: created on demand, unix socket only, restartable, long paths handled."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _cluster(instance: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"GRIDMAP_INSTANCE_DIR": str(instance), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "app.pgcluster", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("depth", [1, 12])
def test_cluster_lifecycle(depth):
    # Not pytest's tmp_path: it sits in a root-only directory that the
    # postgres user (who runs the cluster when we are root) cannot enter.
    base = Path(tempfile.mkdtemp(prefix="gridmap-inst-"))
    base.chmod(0o755)
    instance = base
    for i in range(depth):  # depth 12 makes the socket path too long for sun_path
        instance = instance / f"deeply-nested-directory-{i}"
    instance.mkdir(parents=True)
    for parent in [instance, *instance.parents]:
        if str(parent).startswith(str(base)):
            parent.chmod(0o755)
    try:
        started = _cluster(instance, "start")
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip()
        assert url.startswith("postgresql+psycopg2://gridmap@/gridmap?host=")
        socket_dir = url.split("host=")[1]
        assert len(socket_dir) + len("/.s.PGSQL.5432") <= 100
        assert _cluster(instance, "status").stdout.strip() == "running"
        # No TCP listener: listen_addresses is empty.
        conf = (instance / "pgdata" / "postgresql.auto.conf").read_text()
        assert "listen_addresses = ''" in conf
        # Starting again is quick and idempotent.
        assert _cluster(instance, "start").returncode == 0
        assert _cluster(instance, "stop").returncode == 0
        assert _cluster(instance, "status").stdout.strip() == "stopped"
    finally:
        _cluster(instance, "stop")
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to the postgres user")
def test_checkout_the_postgres_user_cannot_enter(tmp_path):
    """A checkout under a mode-700 directory (like /root): the cluster lives under /var/tmp instead."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    instance = locked / "instance"
    try:
        started = _cluster(instance, "start")
        assert started.returncode == 0, started.stderr
        location = (instance / "pgdata-location").read_text().splitlines()[0]
        assert location.startswith("/var/tmp/gridmap-") and Path(location, "PG_VERSION").exists()
        assert _cluster(instance, "status").stdout.strip() == "running"
    finally:
        _cluster(instance, "stop")
        if (instance / "pgdata-location").exists():
            shutil.rmtree(Path((instance / "pgdata-location").read_text().splitlines()[0]).parent,
                          ignore_errors=True)
