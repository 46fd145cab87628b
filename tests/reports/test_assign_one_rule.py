"""A new report takes its grids inside its INSERT (gridmap_report_grids, migration 0028); a report
assigned later (a placement by hand) goes through app/reports/sql/assign.sql. Both must give the
same grids everywhere: inside, on shared edges and vertices, in the dedicated grid, outside."""
from __future__ import annotations

from sqlalchemy import text

from app.reports.service import assign_targets, import_reports
from tests.samples import SCHOOL_BOX

COLUMNS = "id, grid_id, grid_lineage, dedicated_grid_ids, out_of_coverage, needs_placement, generation"


def _points():
    lons = [round(113.595 + 0.0025 * i, 4) for i in range(21)]   # every edge of the sample at 0.01 / 0.02
    lats = [round(34.735 + 0.0025 * j, 4) for j in range(13)]
    x0, y0, x1, y1 = SCHOOL_BOX
    return [(x, y) for x in lons for y in lats] + [(x0, y0), (x1, y1), ((x0 + x1) / 2, (y0 + y1) / 2)]


def test_insert_and_assign_sql_agree(db, sample):
    rows = [{"category": "0102", "channel": "worker_app", "description": f"点{i}", "lon": x, "lat": y}
            for i, (x, y) in enumerate(_points())]
    rows.append({"category": "0102", "channel": "worker_app", "description": "无坐标", "address": "某处"})
    result = import_reports(rows, commit=False)
    assert not result.errors and result.stored == len(rows)
    inserted = db.session.execute(text(f"SELECT {COLUMNS} FROM report ORDER BY id")).all()
    assert any(r.dedicated_grid_ids for r in inserted) and any(r.out_of_coverage for r in inserted)
    ids = [r.id for r in inserted if not r.needs_placement]
    db.session.execute(text("UPDATE report SET grid_id = NULL, grid_lineage = '{}', dedicated_grid_ids = '{}', "
                            "out_of_coverage = true, generation = NULL WHERE id = ANY(:ids)"), {"ids": ids})
    db.session.execute(text("CREATE TEMP TABLE IF NOT EXISTS assign_target (id bigint PRIMARY KEY) "
                            "ON COMMIT DELETE ROWS"))
    db.session.execute(text("DELETE FROM assign_target"))
    db.session.execute(text("INSERT INTO assign_target SELECT unnest(CAST(:ids AS bigint[]))"), {"ids": ids})
    assign_targets()
    again = db.session.execute(text(f"SELECT {COLUMNS} FROM report ORDER BY id")).all()
    assert again == inserted
