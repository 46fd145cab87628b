"""Every ``flask`` command group answers a mistake with one line and exit status 1 (app.cli.CommandGroup):
a value outside a choice, an unknown id, a missing file -- through click's runner and a real process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.samples import sample_collection

ROOT = Path(__file__).resolve().parents[2]


def mistakes(tmp: Path) -> list[list[str]]:
    good = tmp / "grids.geojson"
    good.write_text(json.dumps(sample_collection()), encoding="utf-8")
    garbage = tmp / "hotline.csv"
    garbage.write_bytes(b"\x81\xff\xfe\x00" * 50)
    missing = str(tmp / "missing.csv")
    return [
        ["grids", "export", "--level", "bogus"],
        ["grids", "export", "--version", "999"],
        ["grids", "export", "--version", "latest"],
        ["grids", "export", "--format", "kml"],
        ["grids", "export", "--crs", "mars"],
        ["grids", "import", missing],
        ["grids", "import", str(good), "--version", "999"],
        ["grids", "import", str(good), "--crs", "mars"],
        ["grids", "nonsense"],
        ["reports", "import", missing],
        ["reports", "import", str(garbage)],
        ["addresses", "import", str(good), "--crs", "mars"],
        ["addresses", "export", "--format", "xml"],
        ["users", "create", "someone", "--role", "bogus", "--password", "long-enough-password"],
        ["users", "disable", "nobody"],
        ["users", "token", "nobody", "--name", "x"],
        ["users", "unlock", "nobody"],
        ["events", "escalate", "--now", "yesterday"],
        ["events", "calendar", "next-year"],
        ["jobs", "show", "999999"],
        ["plan", "import", "999999", str(good), "--level", "grid"],
        ["plan", "import", "1", str(good), "--level", "bogus"],
        ["patrols", "cells", "--level", "bogus"],
        ["patrols", "import", missing],
        ["patrols", "partitions", "--detach-before", "someday"],
        ["backup", "restore", str(tmp / "missing.dump"), "--yes"],
        ["backup", "restore", str(garbage), "--yes"],
        ["demo", "load", "--scale", "5"],
    ]


def test_each_group_answers_a_mistake_with_one_line_and_status_1(cli, sample, tmp_path):
    for args in mistakes(tmp_path):
        result = cli.invoke(args=args)
        said = result.stderr.strip()
        assert result.exit_code == 1, (args, result.exit_code, result.output[-500:])
        assert said.startswith("Error: ") and "\n" not in said, (args, said[-800:])
        assert "Traceback" not in result.output
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), args


def test_the_message_names_what_is_wrong(cli, sample, tmp_path):
    said = {" ".join(a[:4]): cli.invoke(args=a).stderr for a in mistakes(tmp_path)}
    level = said["grids export --level bogus"]
    assert "'bogus' is not one of" in level and "micro" in level
    assert "No boundary version 999" in said["grids export --version 999"]
    assert "version must be a version id" in said["grids export --version latest"]
    assert "unknown coordinate system mars" in said["grids export --crs mars"]
    assert "No job 999999" in said["jobs show 999999"]
    assert "No user named nobody" in said["users disable nobody"]
    assert "No such command 'nonsense'" in said["grids nonsense"]


def test_a_real_flask_process_exits_1_with_one_line(app, tmp_path):
    env = {**os.environ, "FLASK_APP": "app:create_app", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "GRIDMAP_LANG": "en", "SECRET_KEY": "cli-test"}
    out = tmp_path / "out.geojson"
    for args in (["grids", "export", "--level", "bogus", "-o", str(out)], ["grids", "export", "--version", "999"]):
        run = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == 1, (args, run.stdout, run.stderr)
        assert run.stderr.strip().startswith("Error: ") and "\n" not in run.stderr.strip(), run.stderr
        assert run.stdout == ""
    assert not out.exists()   # no empty file left behind


@pytest.mark.parametrize("args", [["grids", "--help"], ["grids", "export", "--help"]])
def test_help_is_still_help(cli, args):
    result = cli.invoke(args=args)
    assert result.exit_code == 0 and "Usage:" in result.output
