"""A 12345 hotline export (Chinese headers, Windows encoding, bad rows) through the CLI and the API.

Every row is checked; rows with problems are listed with the row number,
the field and the fix, and every other row is stored, assigned, given its
category's handling level and time limit, and the first step of its history.
"""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from app.models import Report
from tests.events.helpers import BAD, ROWS, check_stored_12345 as _check_stored, export


def test_cli_import_of_a_12345_export_with_bad_rows(cli, db, sample, tmp_path):
    path = tmp_path / "12345工单导出.csv"
    path.write_bytes(export("gb18030"))  # what a Windows desktop saves
    errors_path = tmp_path / "errors.csv"
    out = cli.invoke(args=["reports", "import", str(path), "--errors", str(errors_path)])
    assert out.exit_code == 0, out.output
    assert "Stored 3 of 9 reports" in out.output and "6 rejected" in out.output
    _check_stored(db)
    with open(errors_path, encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))[1:]
    found: dict[int, set] = {}
    for row, field, message, _value in rows:
        found.setdefault(int(row), set()).add(field)
        assert message
    assert found == BAD


def test_api_import_of_a_12345_export_with_bad_rows(client_as, db, sample):
    dispatcher = client_as("dispatcher")
    res = dispatcher.post("/api/v1/reports/import", data={"file": (io.BytesIO(export()), "12345.csv")},
                          content_type="multipart/form-data")
    assert res.status_code == 201, res.get_json()
    result = res.get_json()["import"]
    assert (result["received"], result["stored"], result["rejected"]) == (9, 3, 6)
    found: dict[int, set] = {}
    for e in result["errors"]:
        found.setdefault(e["row"], set()).add(e["field"])
    assert found == BAD
    unknown = next(e for e in result["errors"] if e["field"] == "category")
    assert unknown["value"] == "9999" and "/api/v1/categories" in unknown["message"]
    _check_stored(db)
    # The history of an imported event starts with its intake by the importing user.
    ticket = db.session.scalars(select(Report.ticket).order_by(Report.id)).first()
    history = dispatcher.get(f"/api/v1/reports/{ticket}/history").get_json()["history"]
    assert [(h["action"], h["actor"]) for h in history] == [("report", "dispatcher-1")]


def test_only_importers_may_import(client_as, sample):
    for role in ("worker", "viewer", "planner"):
        c = client_as(role, areas=["410102001"] if role == "worker" else ())
        res = c.post("/api/v1/reports/import", data={"file": (io.BytesIO(export()), "12345.csv")},
                     content_type="multipart/form-data")
        assert res.status_code == 403, role
