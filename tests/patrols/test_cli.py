"""``flask patrols import|places|partitions`` through the real CLI."""
from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from tests.patrols.helpers import at, make_worker


def _now():
    return datetime.now(timezone.utc).replace(microsecond=0)


def test_import_csv_with_chinese_headers(cli, db, sample, tmp_path):
    w = make_worker("csv-worker")
    db.session.commit()
    now = _now()
    rows = [["网格员", "时间", "经度", "纬度", "精度", "坐标系"]]
    for k in range(5):
        lon, lat = at(k * 10)
        rows.append(["csv-worker", (now - timedelta(seconds=300 - 10 * k)).isoformat(), lon, lat, "6", ""])
    rows.append(["nobody", now.isoformat(), 113.6, 34.75, "5", ""])          # unknown worker
    rows.append(["csv-worker", "not a time", 113.6, 34.75, "5", ""])        # bad time
    rows.append([str(w.id), (now - timedelta(seconds=100)).isoformat(), "abc", 34.75, "5", ""])  # by id; bad lon
    path = tmp_path / "fixes.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    errors = tmp_path / "errors.csv"
    result = cli.invoke(args=["patrols", "import", str(path), "--errors", str(errors)])
    assert result.exit_code == 0, result.output
    assert "5 of 8 fixes stored" in result.output
    assert "row 6:" in result.output and "Unknown worker nobody" in result.output
    assert db.session.execute(text("SELECT count(*) FROM patrol_fix WHERE worker_id = :w"), {"w": w.id}).scalar() == 5
    with open(errors, encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    assert [line[:2] for line in lines[1:]] == [["6", "unknown_worker"], ["7", "bad_time"], ["8", "bad_coordinate"]]
    # Rerun: nothing stored twice.
    again = cli.invoke(args=["patrols", "import", str(path)])
    assert "0 of 8 fixes stored, 5 were already stored" in again.output
    assert db.session.execute(text("SELECT count(*) FROM patrol_fix WHERE worker_id = :w"), {"w": w.id}).scalar() == 5
    audit = db.session.execute(text("SELECT after FROM audit_entry WHERE action = 'patrol.import' ORDER BY id")).all()
    assert [a.after["stored"] for a in audit] == [5, 0]


def test_import_refuses_a_file_without_the_columns(cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = cli.invoke(args=["patrols", "import", str(path)])
    assert result.exit_code != 0 and "worker, time, lon and lat" in result.output


def test_places_import(cli, db, sample, tmp_path):
    path = tmp_path / "places.csv"
    path.write_text("编码,名称,类型,经度,纬度,坐标系,半径,每周巡查次数\n"
                    "P1,样例小学,学校,113.604,34.754,,80,5\n"
                    "P2,农贸市场,市场,113.6150,34.7550,gcj02,,\n"
                    "P3,坏行,飞船,abc,34.75,,,\n", encoding="utf-8")
    result = cli.invoke(args=["patrols", "places", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 of 3 key places stored" in result.output and "row 3" in result.output
    rows = db.session.execute(text("SELECT code, kind, radius_m, visits_per_week, ST_X(geom) AS lon FROM patrol_place "
                                   "ORDER BY code")).all()
    assert [(r.code, r.kind, r.radius_m, r.visits_per_week) for r in rows] == [
        ("P1", "school", 80.0, 5.0), ("P2", "market", 50.0, 1.0)]
    assert abs(rows[1].lon - 113.615) > 0.003  # GCJ-02 converted to WGS-84
    # Re-import updates by code.
    path.write_text("code,name,kind,lon,lat\nP1,样例小学(新校区),school,113.605,34.755\n", encoding="utf-8")
    assert cli.invoke(args=["patrols", "places", str(path)]).exit_code == 0
    assert db.session.execute(text("SELECT name FROM patrol_place WHERE code = 'P1'")).scalar() == "样例小学(新校区)"


def test_partitions_list_create_and_detach(cli, db, sample):
    from app.patrols.ingest import ensure_partitions
    from datetime import date

    w = make_worker("part-worker")
    old_day = date(2020, 1, 2)
    ensure_partitions([old_day, date(2020, 1, 3)])
    lon, lat = at(0)
    db.session.execute(text(
        "INSERT INTO patrol_fix (district_code, worker_id, time, geom) VALUES "
        "('410102', :w, '2020-01-02 10:00+08', ST_SetSRID(ST_MakePoint(:x, :y), 4326)),"
        "('410102', :w, '2020-01-03 10:00+08', ST_SetSRID(ST_MakePoint(:x, :y), 4326))"), {"w": w.id, "x": lon, "y": lat})
    db.session.commit()
    listing = cli.invoke(args=["patrols", "partitions"])
    assert "patrol_fix_p20200102\t2020-01-02\t1" in listing.output
    ahead = cli.invoke(args=["patrols", "partitions", "--ensure-days", "2"])
    assert ahead.exit_code == 0 and "patrol_fix_p" in ahead.output
    result = cli.invoke(args=["patrols", "partitions", "--detach-before", "2020-01-03", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Detached 1 partitions, 1 fixes" in result.output
    names = db.session.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'patrol_fix'::regclass")).scalars().all()
    assert "patrol_fix_p20200102" not in names and "patrol_fix_p20200103" in names
    # Detached, not dropped: still a table with its row.
    assert db.session.execute(text("SELECT count(*) FROM patrol_fix_p20200102")).scalar() == 1
    assert db.session.execute(text("SELECT count(*) FROM patrol_fix WHERE worker_id = :w"), {"w": w.id}).scalar() == 1
    dropped = cli.invoke(args=["patrols", "partitions", "--detach-before", "2020-01-04", "--drop", "--yes"])
    assert "Dropped 1 partitions" in dropped.output
    assert db.session.execute(text("SELECT to_regclass('patrol_fix_p20200103')")).scalar() is None
    assert db.session.execute(text(
        "SELECT count(*) FROM audit_entry WHERE action = 'patrol.partitions_detach'")).scalar() == 2


def test_import_reads_quoted_cells_blank_lines_and_offsets(cli, db, sample, tmp_path):
    from datetime import timezone as tz

    w = make_worker("csv-quoted")
    db.session.commit()
    now = _now()
    beijing = now.astimezone(tz(timedelta(hours=8))).replace(tzinfo=None)
    lon, lat = at(0)
    path = tmp_path / "quoted.csv"
    path.write_text(
        "worker,time,lon,lat,accuracy,crs\n"
        f'"csv-quoted","{(now - timedelta(seconds=60)).isoformat()}",{lon},{lat},5,\n'
        "\n"
        f"csv-quoted,{(beijing - timedelta(seconds=50)).isoformat(sep=' ')},{lon},{lat},,\n"      # no offset: Beijing
        f"csv-quoted,{(now - timedelta(seconds=40)).strftime('%Y-%m-%dT%H:%M:%SZ')},{lon},{lat},5,EPSG:4326\n"
        f"csv-quoted,2026-13-01T00:00:00,{lon},{lat},5,\n", encoding="utf-8")
    result = cli.invoke(args=["patrols", "import", str(path)])
    assert "3 of 4 fixes stored" in result.output, result.output
    assert "row 5:" in result.output   # the month-13 time, counted with the blank line
    times = db.session.execute(text("SELECT time FROM patrol_fix WHERE worker_id = :w ORDER BY time"),
                               {"w": w.id}).scalars().all()
    assert [round((now - t).total_seconds()) for t in times] == [60, 50, 40]
    acc = db.session.execute(text("SELECT accuracy FROM patrol_fix WHERE worker_id = :w ORDER BY time"),
                             {"w": w.id}).scalars().all()
    assert acc == [5.0, None, 5.0]


def test_cells_command_cuts_grids_ahead(cli, db, sample):
    result = cli.invoke(args=["patrols", "cells", "--level", "micro"])
    assert result.exit_code == 0 and "16 grids cut into cells" in result.output
    n, smallest = db.session.execute(text("SELECT count(*), min(total) FROM patrol_grid_cellset")).one()
    assert n == 16 and smallest > 200   # about 914 m x 555 m each: ~230 cells of 50 m
    again = cli.invoke(args=["patrols", "cells", "--level", "micro"])
    assert again.exit_code == 0
    assert db.session.execute(text("SELECT count(*) FROM patrol_grid_cell")).scalar() == \
        db.session.execute(text("SELECT sum(total) FROM patrol_grid_cellset")).scalar()
