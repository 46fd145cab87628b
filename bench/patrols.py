"""Benchmark: patrol fix ingest and the density layer, against bare anchors in the same run.

Run ``.venv/bin/python bench/patrols.py [--fixes N] [--workers W]`` from the
project root. It creates its own throwaway database (``gridmap_bench_<pid>``)
in the embedded cluster, or on the server of ``DATABASE_URL`` when set,
measures, prints a table and drops the database (also on Ctrl-C or an
error). See bench/README.md for what each number means.

1. ingest: N fixes of W workers for one day, as the CSV text `flask patrols
   import` reads, through the project's bulk path
   (``app.patrols.service.import_csv``: parse, geo.patrol checks, COPY to
   staging, the day's partition, INSERT ... SELECT ... ON CONFLICT, commit per
   chunk), against a bare ``COPY`` of the same rows (geometry already as hex
   EWKB) into a table of the same shape (day partition, primary key, BRIN).
2. density: the density layer of that day for the whole district
   (``app.patrols.layers.density_features``, 100 m cells, GeoJSON text),
   against a bare ``SELECT ST_SnapToGrid(geom, ...), count(*) ... GROUP BY``
   on the same table.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bench._db import ThrowawayDatabase, install_sigterm, log, run, migrated_app  # noqa: E402

TARGET_INGEST = 0.5
BEIJING = ZoneInfo("Asia/Shanghai")
#: Zhongyuan district, roughly (WGS-84): where the walks start.
BOUNDS = (113.56, 34.70, 113.67, 34.79)


# --------------------------------------------------------------------------- data

def make_workers(engine, n: int) -> list[tuple[int, str]]:
    with engine.begin() as conn:
        rows = conn.execute(text(
            "INSERT INTO app_user (username, display_name, password_hash, role) "
            "SELECT 'bench-w' || g, '', 'x', 'worker' FROM generate_series(1, :n) g RETURNING id, username"),
            {"n": n}).all()
    return [(r.id, r.username) for r in rows]


def make_fixes(workers, n: int, day, seed: int) -> dict:
    """Random walks (about 1.2 m/s, a fix every 10 s from 08:00), interleaved by time as phones send them."""
    rng = np.random.default_rng(seed)
    w = len(workers)
    per = n // w
    n = per * w
    start_lon = rng.uniform(BOUNDS[0], BOUNDS[2], w)
    start_lat = rng.uniform(BOUNDS[1], BOUNDS[3], w)
    step_deg = 12.0 / 111_000
    dlon = rng.normal(0, step_deg, (w, per)).cumsum(axis=1)
    dlat = rng.normal(0, step_deg, (w, per)).cumsum(axis=1)
    lon = (start_lon[:, None] + dlon).ravel()
    lat = (start_lat[:, None] + dlat).ravel()
    t0 = datetime.combine(day, datetime.min.time(), BEIJING).replace(hour=8)
    offset = rng.integers(0, 10, w)
    secs = (np.arange(per)[None, :] * 10 + offset[:, None]).ravel().astype(np.int64)
    worker_idx = np.repeat(np.arange(w), per)
    accuracy = rng.uniform(3, 30, n).round(1)
    order = np.lexsort((worker_idx, secs))
    return {"n": n, "worker_idx": worker_idx[order], "secs": secs[order], "lon": lon[order], "lat": lat[order],
            "accuracy": accuracy[order], "t0": t0}


def csv_text(data: dict, workers) -> str:
    """What `flask patrols import` reads: worker,time,lon,lat,accuracy."""
    names = np.array([u for _, u in workers])
    t0 = data["t0"]
    stamps = [(t0 + timedelta(seconds=int(s))).isoformat() for s in tqdm(data["secs"], desc="CSV times",
                                                                          leave=False, unit_scale=True)]
    lines = ["worker,time,lon,lat,accuracy"]
    for name, stamp, x, y, a in zip(names[data["worker_idx"]], stamps, data["lon"], data["lat"], data["accuracy"]):
        lines.append(f"{name},{stamp},{x:.7f},{y:.7f},{a}")
    return "\n".join(lines) + "\n"


def bare_copy_text(data: dict, workers, district: str) -> str:
    """The same rows for a bare COPY: geometry as hex EWKB, time as ISO text."""
    ids = np.array([i for i, _ in workers])
    t0 = data["t0"]
    wkb = shapely.to_wkb(shapely.points(data["lon"], data["lat"]), hex=True, include_srid=False)
    srid_prefix = "0101000020E6100000"  # little-endian Point with SRID 4326
    out = io.StringIO()
    for wid, s, hx, a in zip(ids[data["worker_idx"]], data["secs"], wkb, data["accuracy"]):
        out.write(f"{district}\t{wid}\t{(t0 + timedelta(seconds=int(s))).isoformat()}\t{srid_prefix}{hx[10:]}\t{a}\n")
    return out.getvalue()


# --------------------------------------------------------------------------- runs

def reset(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE patrol_fix, patrol_fix_rejected, bench_fix"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        try:
            conn.execute(text("CHECKPOINT"))
        except Exception:  # needs superuser on a foreign server; not essential
            pass


def run_project(app, csv_data: str, chunk: int, now: datetime) -> tuple[float, dict]:
    from app.extensions import db
    from app.patrols import service

    with app.test_request_context():
        started = time.perf_counter()
        result = service.import_csv(io.StringIO(csv_data), chunk=chunk, now=now)
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed, result.summary()


def run_project_columns(app, csv_data: str, chunk: int, now: datetime) -> tuple[float, int]:
    """Only the check-and-store part: ingest_batch() on columns already read from the CSV (reading not timed)."""
    from app.extensions import db
    from app.patrols import service
    from app.patrols.ingest import ingest_batch

    with app.test_request_context():
        directory = service.WorkerDirectory()
        batches = [service.batch_from_columns(numbers, cols, directory)
                   for numbers, cols in service.csv_chunks(io.StringIO(csv_data), chunk)]
        db.session.commit()
        started = time.perf_counter()
        stored = 0
        for batch in batches:
            stored += ingest_batch(batch, now=now, lookup_already=False, all_verdicts=False).stored
            db.session.commit()
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed, stored


def run_bare(engine, copy_data: str) -> float:
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        started = time.perf_counter()
        with raw.cursor() as cur:
            cur.copy_expert("COPY bench_fix (district_code, worker_id, time, geom, accuracy) FROM STDIN",
                            io.StringIO(copy_data))
        raw.commit()
        return time.perf_counter() - started


def run_density_project(app, day) -> tuple[float, int]:
    from app.extensions import db
    from app.patrols import layers
    from app.patrols.period import period_of

    with app.app_context():
        started = time.perf_counter()
        features = layers.density_features(period_of(day), size_m=100, limit=10_000_000)
        body = layers.collection(features)
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed, len(features) if body else 0


def run_density_bare(engine, app, day) -> tuple[float, int]:
    from app.patrols import layers
    from app.patrols.period import period_of

    with app.app_context():
        dx, dy = layers.cell_degrees(100)
    p = period_of(day)
    with engine.connect() as conn:
        started = time.perf_counter()
        rows = conn.execute(text(
            "SELECT ST_SnapToGrid(geom, 0, 0, :dx, :dy) AS cell, count(*) FROM patrol_fix "
            "WHERE time >= :a AND time < :b GROUP BY cell"), {"dx": dx, "dy": dy, "a": p.start, "b": p.end}).all()
        return time.perf_counter() - started, len(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixes", type=int, default=1_000_000, help="N: fixes to ingest (one day)")
    ap.add_argument("--workers", type=int, default=1_000, help="W: workers sending them")
    ap.add_argument("--chunk", type=int, default=100_000, help="rows per checked, committed chunk (import)")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each measure; the best is kept")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)

    install_sigterm()
    started = time.perf_counter()
    with ThrowawayDatabase() as url:
        app = migrated_app(url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False})
        from app.extensions import db

        with app.app_context():
            engine = db.engine
            district = app.config["DISTRICT_CODE"]
            workers = make_workers(engine, args.workers)
            now = datetime.now(timezone.utc)
            day = (now.astimezone(BEIJING) - timedelta(days=1)).date()
            data = make_fixes(workers, args.fixes, day, args.seed)
            n = data["n"]
            log(f"{n:,} fixes of {len(workers):,} workers on {day}; building the inputs ...")
            csv_data = csv_text(data, workers)
            copy_data = bare_copy_text(data, workers, district)
            with engine.begin() as conn:
                conn.execute(text("SELECT gridmap_patrol_partition(CAST(:d AS date))"), {"d": day})
                conn.execute(text(
                    "CREATE TABLE bench_fix (LIKE patrol_fix INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
                    "PARTITION BY RANGE (time)"))
                conn.execute(text("ALTER TABLE bench_fix ADD PRIMARY KEY (worker_id, time)"))
                conn.execute(text("CREATE INDEX ON bench_fix USING brin (time)"))
                conn.execute(text(
                    "CREATE TABLE bench_fix_day PARTITION OF bench_fix FOR VALUES FROM "
                    "(CAST(:d AS timestamp) AT TIME ZONE 'Asia/Shanghai') TO "
                    "((CAST(:d AS timestamp) + interval '1 day') AT TIME ZONE 'Asia/Shanghai')"), {"d": day})
            db.session.remove()

        project, columns, bare = [], [], []
        for r in tqdm(range(args.repeat), desc="ingest runs", leave=False):
            reset(engine)
            t, stats = run_project(app, csv_data, args.chunk, now)
            project.append(t)
            log(f"project import_csv() run {r + 1}: {t:.2f} s {stats}")
            if stats["stored"] != n:
                raise RuntimeError(f"the project path stored {stats['stored']:,} of {n:,} fixes")
            t = run_bare(engine, copy_data)
            bare.append(t)
            with engine.connect() as conn:
                bare_rows = conn.execute(text("SELECT count(*) FROM bench_fix")).scalar()
            log(f"bare COPY run {r + 1}: {t:.2f} s ({bare_rows:,} rows)")
            reset(engine)
            t, stored = run_project_columns(app, csv_data, args.chunk, now)
            columns.append(t)
            log(f"project ingest_batch() on read columns run {r + 1}: {t:.2f} s ({stored:,} stored)")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE patrol_fix"))
            counts = (conn.execute(text("SELECT count(*) FROM patrol_fix")).scalar(), bare_rows)
        dens_p, dens_b = [], []
        for r in range(args.repeat):
            t, cells = run_density_project(app, day)
            dens_p.append(t)
            tb, cells_b = run_density_bare(engine, app, day)
            dens_b.append(tb)
            log(f"density run {r + 1}: project {t:.2f} s ({cells:,} cells), bare {tb:.2f} s ({cells_b:,} cells)")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    p_rate, b_rate, c_rate = n / min(project), n / min(bare), n / min(columns)
    lines = [
        "",
        f"GridMap patrol benchmark  (N={n:,} fixes of {len(workers):,} workers on one day; chunk {args.chunk:,}; "
        f"best of {args.repeat})",
        "",
        f"{'measure':<62}{'value':>16}",
        "-" * 78,
        f"{'ingest: project import_csv() (parse, check, COPY, INSERT, commit)':<62}{p_rate:>12,.0f} fix/s",
        f"{'ingest: bare COPY of the same rows, same table shape (anchor)':<62}{b_rate:>12,.0f} fix/s",
        f"{'ingest: ratio project / bare (target >= %.1f)' % TARGET_INGEST:<62}{p_rate / b_rate:>16.2f}",
        f"{'ingest: ingest_batch() alone, CSV already read (context)':<62}{c_rate:>12,.0f} fix/s",
        f"{'ingest: ratio ingest_batch() / bare (context)':<62}{c_rate / b_rate:>16.2f}",
        f"{'density: project density_features(), 100 m, one day (s)':<62}{min(dens_p):>16.2f}",
        f"{'density: bare ST_SnapToGrid ... GROUP BY (anchor) (s)':<62}{min(dens_b):>16.2f}",
        f"{'density: ratio bare time / project time':<62}{min(dens_b) / min(dens_p):>16.2f}",
        "-" * 78,
        f"rows: patrol_fix {counts[0]:,}, bare table {counts[1]:,}",
        f"total wall time {time.perf_counter() - started:.0f} s",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    run(main, "interrupted; the throwaway database was dropped")
