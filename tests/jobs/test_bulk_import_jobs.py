"""Report (12345) and address files over IMPORT_JOB_BYTES run as jobs; smaller ones answer in the request,
and both give the same answer. Too many rows are refused before any row is checked."""
from __future__ import annotations

import io
import json
import time

import pytest

from sqlalchemy import func, select

from app.models import Report, StandardAddress
from tests.addresses import helpers as lib
from tests.api.helpers import SPEC_PATH
from tests.plan.helpers import checked_import, follow
from tests.reports.helpers import CSV_ZH


def _post(client, path: str, data: bytes, name: str):
    return client.post(path, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _without_ids(body: dict) -> dict:
    return {k: v for k, v in body["import"].items() if k not in ("first_id", "last_id")}


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def test_a_large_report_file_is_a_job_with_the_answer_a_small_one_gets(spec, client, sample, db, app, monkeypatch):
    data = CSV_ZH.encode("utf-8-sig")
    small = _post(client, "/api/v1/reports/import", data, "12345.csv")
    assert small.status_code == 201
    monkeypatch.setitem(app.config, "IMPORT_JOB_BYTES", len(data) - 1)
    res = _post(client, "/api/v1/reports/import", data, "12345.csv")
    assert res.status_code == 202
    job = res.get_json()["job"]
    assert job["kind"] == "report_import" and job["params"] == {"file": "12345.csv", "bytes": len(data)}
    status, body = checked_import(spec, client, res, "/api/v1/reports/import", "ReportImportResult")
    assert status == 200
    assert body == small.get_json()
    assert db.session.scalar(select(func.count()).select_from(Report)) == 2 * 3


def test_a_report_file_with_too_many_rows_is_refused_before_any_row_is_checked(client, sample, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMPORT_ROWS", 4)
    rows = "类别,经度,纬度\n" + "0402,113.61,34.75\n" * 5000
    started = time.monotonic()
    res = client.post("/api/v1/reports/import", data=rows.encode(), content_type="text/csv")
    assert time.monotonic() - started < 2.0
    assert res.status_code == 422
    err = res.get_json()["error"]
    assert err["details"] == {"field": "rows", "limit": 4, "got": 5000, "setting": "GRIDMAP_MAX_IMPORT_ROWS"}
    assert "GRIDMAP_MAX_IMPORT_ROWS" in err["message"]


def test_a_large_address_file_is_a_job_with_the_answer_a_small_one_gets(spec, client, sample, db, app, monkeypatch):
    data = lib.csv_text().encode("gb18030")
    monkeypatch.setitem(app.config, "IMPORT_JOB_BYTES", len(data) - 1)
    res = _post(client, "/api/v1/addresses/import", data, "addresses.csv")
    assert res.status_code == 202 and res.get_json()["job"]["kind"] == "address_import"
    status, body = checked_import(spec, client, res, "/api/v1/addresses/import", "AddressImportResult")
    assert status == 200
    assert body["import"]["created"] == len(lib.ROWS) and body["import"]["assigned"] == len(lib.ROWS) - 1
    monkeypatch.setitem(app.config, "IMPORT_JOB_BYTES", len(data))
    again = _post(client, "/api/v1/addresses/import", data, "addresses.csv")
    assert again.status_code == 201
    # The second import updates what the first created: the same rows, the same grids.
    assert again.get_json()["import"]["updated"] == len(lib.ROWS)
    assert db.session.scalar(select(func.count()).select_from(StandardAddress)) == len(lib.ROWS)
    assert _without_ids(again.get_json())["assigned"] == body["import"]["assigned"]


def test_a_file_of_json_nested_100000_deep_is_a_422_not_a_500(client, sample, draft):
    deep = b"[" * 100_000 + b"]" * 100_000
    for path in ("/api/v1/reports/import", "/api/v1/addresses/import"):
        res = _post(client, path, deep, "deep.json")
        assert res.status_code == 422, (path, res.status_code)
        assert res.get_json()["error"]["details"]["field"] == "file"
    deep = b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    res = client.post(f"/api/v1/drafts/{draft['id']}/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(deep), "deep.geojson"), "row_version": "1", "level": "grid"})
    status, body = follow(client, res)
    assert status == 422 and body["error"]["details"]["field"] == "file"
