"""Bulk report import: COPY + set-based assignment, per-row errors, CSV (Chinese headers), JSON, CLI."""
from __future__ import annotations

import csv
import io
import json
import random

from sqlalchemy import func, select

from app.models import Report
from app.reports.service import import_reports
from tests.reports.helpers import CSV_ZH


def test_bulk_assigns_thousands_in_set_based_sql(db, sample):
    rng = random.Random(7)
    rows = [{"category": "0102", "channel": "worker_app", "description": f"第{i}条",
             "lon": rng.uniform(113.595, 113.645), "lat": rng.uniform(34.735, 34.765)} for i in range(3000)]
    result = import_reports(rows)
    assert result.stored == 3000 and not result.errors
    # Points in the 0.005° margin around the district fall outside coverage; the rest are assigned.
    assert result.assigned + result.out_of_coverage == 3000
    assert 0 < result.out_of_coverage < 1500
    # Each assignment agrees with the lookup rule, checked in SQL for all rows at once.
    mismatches = db.session.execute(select(func.count()).select_from(Report).where(
        Report.out_of_coverage.is_(False), Report.grid_lineage.is_(None))).scalar()
    assert mismatches == 0
    micro_levels = db.session.execute(select(func.count()).select_from(Report).where(
        func.cardinality(Report.grid_lineage) == 5)).scalar()
    assert micro_levels == result.assigned


def test_csv_with_chinese_headers_through_http(client, db, sample):
    res = client.post("/api/v1/reports/import",
                      data={"file": (io.BytesIO(CSV_ZH.encode("utf-8-sig")), "12345.csv")},
                      content_type="multipart/form-data")
    assert res.status_code == 201, res.get_json()
    body = res.get_json()["import"]
    assert body["received"] == 5 and body["stored"] == 3 and body["rejected"] == 2
    assert body["out_of_coverage"] == 1 and body["assigned"] == 2
    bad = {(e["row"], e["field"]) for e in body["errors"]}
    assert bad == {(3, "lon"), (4, "category")}
    parking = db.session.scalars(select(Report).where(Report.category == "0402")).one()
    assert parking.status == "accepted" and parking.address == "伊河路148号院"
    assert parking.created_at.isoformat().startswith("2026-11-20T01:30")  # 09:30 Beijing time


def test_gb18030_csv_is_read(client, db, sample):
    res = client.post("/api/v1/reports/import", data=CSV_ZH.encode("gb18030"), content_type="text/csv")
    assert res.status_code == 201
    assert res.get_json()["import"]["stored"] == 3


def test_geojson_points_and_all_rows_bad(client, db, sample):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.615, 34.7525]},
         "properties": {"category": "0104", "description": "垃圾分类", "channel": "photo"}}]}
    res = client.post("/api/v1/reports/import", data=json.dumps(fc), content_type="application/json")
    assert res.status_code == 201 and res.get_json()["import"]["assigned"] == 1
    res = client.post("/api/v1/reports/import", json=[{"category": "x"}])
    assert res.status_code == 422
    assert res.get_json()["import"]["stored"] == 0


def test_empty_and_malformed_files(client, db, sample):
    assert client.post("/api/v1/reports/import", data=b"").status_code == 422
    assert client.post("/api/v1/reports/import", data=b"{bad json", content_type="application/json").status_code == 422
    assert client.post("/api/v1/reports/import", data=b'{"a": 1}', content_type="application/json").status_code == 422


def test_cli_import_writes_error_file(cli, db, sample, tmp_path):
    src = tmp_path / "hotline.csv"
    src.write_text(CSV_ZH, encoding="utf-8")
    errors = tmp_path / "errors.csv"
    res = cli.invoke(args=["reports", "import", str(src), "--errors", str(errors)])
    assert res.exit_code == 0, res.output
    assert "Stored 3 of 5" in res.output
    rows = list(csv.DictReader(errors.open(encoding="utf-8-sig")))
    assert [r["row"] for r in rows] == ["3", "4"]
