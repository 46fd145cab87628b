"""Issue 20 item 1 and issue 15: every way of deploying GridMap serves the same way (gunicorn.conf.py)
and none creates an account with the password published in the README.

The paths are exercised as far as this machine allows: make's own dry run of ``make run``, the
image's entrypoint script run by /bin/sh with a stand-in ``flask`` that records its commands,
and docker-compose.yml as compose reads it (no Docker daemon is needed).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _make_run(*args: str) -> str:
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    res = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_make_run_on_loopback_keeps_the_readme_password():
    script = _make_run()
    assert "demo load --if-empty --published-password" in script
    assert "new-passwords" not in script
    assert re.search(r'gunicorn -c gunicorn\.conf\.py .*--bind 127\.0\.0\.1:5000 "app:create_app\(\)"', script)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_make_run_beyond_this_machine_gives_no_account_the_readme_password(host):
    script = _make_run(f"HOST={host}")
    assert "--published-password" not in script and "password gridmap-demo" not in script
    demo_load = script.index("demo load --if-empty")
    assert script.index("demo new-passwords") > demo_load  # before gunicorn starts
    assert script.index("demo new-passwords") < script.index("gunicorn -c gunicorn.conf.py")


def test_make_upgrades_the_virtualenvs_own_installers():
    script = subprocess.run(["make", "-n", "-B", ".venv/.runtime"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60).stdout
    upgrade = next(line for line in script.splitlines() if "--upgrade" in line)
    assert re.search(r"pip==\d+", upgrade) and re.search(r"setuptools==\d+", upgrade)
    assert script.index("--upgrade") < script.index("-r requirements.txt")


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def _entrypoint(fake_bin: Path, env: dict[str, str]) -> list[str]:
    """Run the image's ENTRYPOINT script with its CMD; returns the flask and gunicorn commands it ran."""
    text = _dockerfile()
    entry = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M).group(1))
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    log = fake_bin / "calls.log"
    for tool in ("flask", "gunicorn"):
        (fake_bin / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\n')
        (fake_bin / tool).chmod(0o755)
    image_env = dict(re.findall(r"^\s+(GRIDMAP_LOAD_DEMO)=(\S+)", text, re.M))
    res = subprocess.run([*entry, *cmd], env={"PATH": f"{fake_bin}:/usr/bin:/bin", **image_env, **env},
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return log.read_text().splitlines()


def test_the_image_loads_no_demo_unless_asked_and_then_with_random_passwords(tmp_path):
    calls = _entrypoint(tmp_path, {})
    assert calls == ["flask db upgrade", 'gunicorn -c gunicorn.conf.py --bind 0.0.0.0:5000 app:create_app()']
    (tmp_path / "calls.log").unlink()
    asked = _entrypoint(tmp_path, {"GRIDMAP_LOAD_DEMO": "1"})
    assert asked[:3] == ["flask db upgrade", "flask demo load --if-empty", "flask demo new-passwords"]
    assert not any("published" in c for c in asked)


def test_the_image_serves_with_the_repositorys_gunicorn_configuration():
    text = _dockerfile()
    assert "COPY gunicorn.conf.py" in text
    # One configuration: no gunicorn settings hidden in the image's environment (issue 15).
    assert "--timeout" not in text and "GUNICORN_CMD_ARGS=" not in text
    assert "--timeout" not in (ROOT / "Makefile").read_text()
    # The generated key has a directory the unprivileged user may write.
    assert re.search(r"mkdir -p instance && chown gridmap:gridmap instance", text)


def test_compose_loads_no_demo_has_no_default_key_and_publishes_on_loopback():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    app = compose["services"]["app"]
    env = app["environment"]
    assert env["GRIDMAP_LOAD_DEMO"] == "${GRIDMAP_LOAD_DEMO:-0}"
    # Unset by default: the app generates a key into the instance volume, kept across containers.
    assert env["GRIDMAP_SECRET_KEY"] == "${GRIDMAP_SECRET_KEY:-}"
    assert "instance:/srv/gridmap/instance" in app["volumes"] and "instance" in compose["volumes"]
    assert app["ports"] == ["${GRIDMAP_PUBLISH:-127.0.0.1:5000}:5000"]


def test_the_serving_configuration_is_gridmaps_worker():
    namespace: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), namespace)
    assert namespace["worker_class"] == "app.serving.GuardedThreadWorker"
    assert namespace["threads"] > 1 and namespace["timeout"] == 30
    assert namespace["bind"].startswith("127.0.0.1:")
