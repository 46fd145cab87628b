"""Benchmark: report assignment (bulk and single POST) against bare anchors.

Run ``.venv/bin/python bench/assign.py [--points N] [--requests M]`` from the
project root. It creates its own throwaway database (``gridmap_bench_<pid>``)
in the embedded cluster, or on the server of ``DATABASE_URL`` when set, loads
the full-scale demo grids, measures, prints a table and drops the database
(also on Ctrl-C or an error). See bench/README.md for what each number means.

This is a benchmark, not a test: it prints ratios against anchors measured in
the same run on the same machine, so the ratios travel between machines while
the absolute rates do not.
"""
from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from tqdm import tqdm  # noqa: E402

# LEAF_FILTER: the leaves the project assigns to, copied into a bare table with a plain GiST
# index: the anchor joins against exactly the same polygons.
from bench._db import LEAF_FILTER, ThrowawayDatabase, install_sigterm, log, run, migrated_app, settle  # noqa: E402
from bench._http import PING_PATH, RATELIMIT_PUBLIC, add_ping_route  # noqa: E402

TARGET_BULK = 0.8


RESET_REPORTS = ("UPDATE report SET grid_id = NULL, grid_lineage = '{}', dedicated_grid_ids = '{}', "
                 "generation = NULL, out_of_coverage = true WHERE id BETWEEN :lo AND :hi")
BARE_UPDATE = ("UPDATE report r SET grid_id = g.id FROM bench_leaf g "
               "WHERE ST_Contains(g.geom, r.location) AND r.id BETWEEN :lo AND :hi")
NARROW_RESET = "UPDATE bench_point SET grid_id = NULL"
NARROW_UPDATE = "UPDATE bench_point p SET grid_id = g.id FROM bench_leaf g WHERE ST_Contains(g.geom, p.geom)"


# --------------------------------------------------------------------------- setup

def build_app(url: str):
    # The limit per address as bench/load.py sets it: every request comes from 127.0.0.1.
    app = migrated_app(url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False, "pool_size": 8},
                       RATELIMIT_PUBLIC=RATELIMIT_PUBLIC)
    add_ping_route(app)  # the latency anchor, on this app instance only
    return app


def load_grids(seed: int, scale: float) -> dict:
    from app.demo.generate import generate
    from app.demo.loader import load_grids as demo_load_grids
    from app.extensions import db

    t = time.perf_counter()
    data = generate(seed, scale, progress=lambda it, label=None, total=None: tqdm(
        it, desc=f"generate {label or ''}".strip(), total=total, leave=False))
    log(f"generated demo grids in {time.perf_counter() - t:.1f} s: {data.counts}")
    t = time.perf_counter()
    demo_load_grids(data)
    db.session.commit()
    log(f"imported {len(data.collection['features']):,} grid features in {time.perf_counter() - t:.1f} s")
    return data.counts


def ASSIGN_STATEMENTS():
    from app.sqlfiles import statements

    return statements("reports/assign")


def raw(conn, sql, **params):
    return conn.execute(text(sql), params)


def make_points(engine, n: int, seed: int, outside: float = 0.02) -> dict:
    """N random points over the demo grids (a share ``outside`` beyond them), COPYed into bench_point.

    Real intake is almost all inside the district; a bounding-box sample would
    put a third of the points outside, which measures the rare path instead.
    """
    with engine.begin() as conn:
        wkb = raw(conn, "SELECT ST_AsBinary(ST_Union(geom)) FROM grid_current WHERE level = 'district'").scalar()
        district = shapely.from_wkb(bytes(wkb))
        x0, y0, x1, y1 = district.bounds
        mx, my = (x1 - x0) * 0.02, (y1 - y0) * 0.02
        rng = np.random.default_rng(seed)
        n_out = int(round(n * outside))
        lon_in, lat_in = _sample(rng, n - n_out, (x0, y0, x1, y1), lambda x, y: shapely.contains_xy(district, x, y))
        lon_out, lat_out = _sample(rng, n_out, (x0 - mx, y0 - my, x1 + mx, y1 + my),
                                   lambda x, y: ~shapely.contains_xy(district, x, y))
        order = rng.permutation(n)
        lon = np.concatenate([lon_in, lon_out])[order]
        lat = np.concatenate([lat_in, lat_out])[order]
        raw(conn, "CREATE TABLE bench_point (id bigint PRIMARY KEY, lon float8 NOT NULL, lat float8 NOT NULL,"
                  " geom geometry(Point, 4326), grid_id integer)")
        chunk = 200_000
        cur = conn.connection.dbapi_connection.cursor()
        for start in tqdm(range(0, n, chunk), desc="COPY points", unit="chunk", leave=False):
            stop = min(n, start + chunk)
            buf = io.StringIO()
            np.savetxt(buf, np.column_stack([np.arange(start + 1, stop + 1), lon[start:stop], lat[start:stop]]),
                       fmt=("%d", "%.7f", "%.7f"), delimiter="\t")
            buf.seek(0)
            cur.copy_expert("COPY bench_point (id, lon, lat) FROM STDIN", buf)
        raw(conn, "UPDATE bench_point SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326)")
        raw(conn, f"CREATE TABLE bench_leaf AS SELECT id, code, geom FROM grid_current WHERE {LEAF_FILTER}")
        raw(conn, "CREATE INDEX bench_leaf_geom ON bench_leaf USING gist (geom)")
        leaves = raw(conn, "SELECT count(*) FROM bench_leaf").scalar()
        inside = raw(conn, "SELECT count(*) FROM bench_point p JOIN grid_current d ON d.level = 'district' "
                           "AND ST_Covers(d.geom, p.geom)").scalar()
    return {"bbox": (x0, y0, x1, y1), "leaves": leaves, "inside_district": inside}


def _sample(rng, n: int, bounds, keep) -> tuple[np.ndarray, np.ndarray]:
    """Rejection sampling, vectorised: uniform in ``bounds``, kept where ``keep(x, y)``."""
    xs, ys, have = [], [], 0
    while have < n:
        x = rng.uniform(bounds[0], bounds[2], max(2 * (n - have), 1000))
        y = rng.uniform(bounds[1], bounds[3], x.size)
        ok = keep(x, y)
        xs.append(x[ok]); ys.append(y[ok]); have += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def insert_reports(engine, district_code: str) -> tuple[int, int]:
    """One report per point (plain INSERT ... SELECT; not timed). Returns the id range."""
    with engine.begin() as conn:
        lo, hi = raw(conn, """
            WITH ins AS (
              INSERT INTO report (district_code, category, channel, description, location, coord_crs,
                                  raw_lon, raw_lat, status, out_of_coverage)
              SELECT :d, '0101', 'worker_app', 'bench', geom, 'EPSG:4326', lon, lat, 'reported', true
              FROM bench_point ORDER BY id
              RETURNING id)
            SELECT min(id), max(id) FROM ins""", d=district_code).one()
    return lo, hi


# --------------------------------------------------------------------------- bulk runs

def run_project(app, engine, lo: int, hi: int) -> tuple[float, dict]:
    """Time app.reports.service.assign_targets() (+ COMMIT) over the N reports listed in assign_target."""
    from app.extensions import db
    from app.reports.service import assign_targets

    with engine.begin() as conn:
        raw(conn, RESET_REPORTS, lo=lo, hi=hi)
    settle(engine, ("report",))
    with app.app_context():
        conn = db.session.connection()
        # Same DDL as app/reports/service.py::_store; filling it is not timed.
        conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS assign_target (id bigint PRIMARY KEY) "
                          "ON COMMIT DELETE ROWS"))
        conn.execute(text("INSERT INTO assign_target (id) SELECT id FROM report WHERE id BETWEEN :lo AND :hi"),
                     {"lo": lo, "hi": hi})
        t = time.perf_counter()
        assign_targets()
        db.session.commit()
        elapsed = time.perf_counter() - t
        db.session.remove()
    with engine.connect() as conn:
        stats = dict(raw(conn, """
            SELECT count(*) FILTER (WHERE grid_id IS NOT NULL) AS assigned,
                   count(*) FILTER (WHERE out_of_coverage) AS out_of_coverage,
                   count(*) FILTER (WHERE cardinality(dedicated_grid_ids) > 0) AS in_dedicated
            FROM report WHERE id BETWEEN :lo AND :hi""", lo=lo, hi=hi).mappings().one())
    return elapsed, stats


def run_bare(engine, lo: int, hi: int) -> tuple[float, dict]:
    with engine.begin() as conn:
        raw(conn, RESET_REPORTS, lo=lo, hi=hi)
    settle(engine, ("report",))
    with engine.connect() as conn:
        t = time.perf_counter()
        raw(conn, BARE_UPDATE, lo=lo, hi=hi)
        conn.commit()
        elapsed = time.perf_counter() - t
        assigned = raw(conn, "SELECT count(*) FROM report WHERE grid_id IS NOT NULL AND id BETWEEN :lo AND :hi",
                       lo=lo, hi=hi).scalar()
    return elapsed, {"assigned": assigned}


def run_narrow(engine) -> tuple[float, dict]:
    with engine.begin() as conn:
        raw(conn, NARROW_RESET)
    settle(engine, ("bench_point",))
    with engine.connect() as conn:
        t = time.perf_counter()
        raw(conn, NARROW_UPDATE)
        conn.commit()
        elapsed = time.perf_counter() - t
        assigned = raw(conn, "SELECT count(*) FROM bench_point WHERE grid_id IS NOT NULL").scalar()
    return elapsed, {"assigned": assigned}


def explain_project(app, engine, lo: int, hi: int) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of each assign.sql statement, rolled back."""
    from app.grids.versions import published_version
    from app.extensions import db
    from app.sqlfiles import statements

    with engine.begin() as conn:
        raw(conn, RESET_REPORTS, lo=lo, hi=hi)
    settle(engine, ("report",))
    out = []
    with app.app_context():
        version = published_version()
        params = {"generation": version.generation if version else None}
        conn = db.session.connection()
        conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS assign_target (id bigint PRIMARY KEY) "
                          "ON COMMIT DELETE ROWS"))
        conn.execute(text("INSERT INTO assign_target (id) SELECT id FROM report WHERE id BETWEEN :lo AND :hi"),
                     {"lo": lo, "hi": hi})
        for i, stmt in enumerate(statements("reports/assign"), start=1):
            plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + stmt.text), params).scalars().all()
            out.append(f"--- assign.sql statement {i}\n" + "\n".join(plan))
        db.session.rollback()
        db.session.remove()
    return "\n".join(out)


# --------------------------------------------------------------------------- import_reports end-to-end

def run_import(app, engine, n: int, seed: int, bbox) -> tuple[float, dict]:
    """import_reports() over n JSON-like rows (validation, COPY, insert, assign, commit)."""
    from app.reports.service import import_reports

    x0, y0, x1, y1 = bbox
    rng = np.random.default_rng(seed + 1)
    lon, lat = rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)
    rows = [{"category": "0101", "channel": "hotline_12345", "description": "bench import row",
             "lon": float(a), "lat": float(b)} for a, b in zip(lon, lat)]
    settle(engine, ("report",))
    with app.app_context():
        t = time.perf_counter()
        result = import_reports(rows, allow_status=True, max_rows=n)
        elapsed = time.perf_counter() - t
    return elapsed, {"stored": result.stored, "assigned": result.assigned, "out_of_coverage": result.out_of_coverage,
                     "rejected": len(result.errors)}


# --------------------------------------------------------------------------- latency

def serve(app):
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="bench-server", daemon=True)
    thread.start()
    return server, thread


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def run_latency(app, points, m: int, warmup: int = 50) -> dict:
    """M sequential POST /api/v1/reports and M POST /api/_bench/ping, interleaved, from one keep-alive session."""
    import requests

    server, thread = serve(app)
    base = f"http://127.0.0.1:{server.server_port}"
    report_ms, ping_ms = [], []
    try:
        with requests.Session() as s:
            def body(i):
                lon, lat = points[i % len(points)]
                return {"category": "0101", "channel": "worker_app", "description": f"bench report {i}",
                        "lon": lon, "lat": lat}

            for i in range(warmup):
                s.post(f"{base}/api/v1/reports", json=body(i)).raise_for_status()
                s.post(base + PING_PATH, json=body(i)).raise_for_status()
            for i in tqdm(range(m), desc="requests", unit="pair", leave=False):
                b = body(warmup + i)
                t = time.perf_counter()
                r = s.post(f"{base}/api/v1/reports", json=b)
                report_ms.append((time.perf_counter() - t) * 1000)
                if r.status_code != 201:
                    raise RuntimeError(f"POST /api/v1/reports returned {r.status_code}: {r.text[:300]}")
                t = time.perf_counter()
                r = s.post(base + PING_PATH, json=b)
                ping_ms.append((time.perf_counter() - t) * 1000)
                r.raise_for_status()
    finally:
        server.shutdown()
        thread.join(timeout=5)
    return {"report": report_ms, "ping": ping_ms}


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=1_000_000, help="N: points for the bulk runs")
    ap.add_argument("--requests", type=int, default=2_000, help="M: sequential requests per endpoint")
    ap.add_argument("--import-rows", type=int, default=100_000,
                    help="rows for the import_reports() end-to-end line (0 to skip)")
    ap.add_argument("--scale", type=float, default=1.0, help="demo scale (1.0: ~1,000 grids, ~5,000 micro-grids)")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each bulk variant; the best is kept")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--outside", type=float, default=0.02,
                    help="share of points drawn outside the district (default 0.02)")
    ap.add_argument("--narrow", action=argparse.BooleanOptionalAction, default=False,
                    help="also time the bare join on a narrow points table (context line)")
    ap.add_argument("--explain", action="store_true",
                    help="print EXPLAIN ANALYZE of assign.sql (always done when the ratio misses the target)")
    args = ap.parse_args(argv)

    install_sigterm()
    started = time.perf_counter()
    results: dict = {}
    with ThrowawayDatabase() as url:
        app = build_app(url)
        from app.extensions import db

        with app.app_context():
            counts = load_grids(args.seed, args.scale)
            db.session.remove()
            engine = db.engine
            district = app.config["DISTRICT_CODE"]

            log(f"generating {args.points:,} points and the bare leaf table ...")
            info = make_points(engine, args.points, args.seed, args.outside)
            log(f"{info['leaves']:,} leaf grids; {info['inside_district']:,} of {args.points:,} points inside "
                f"the district outline ({100 * info['inside_district'] / args.points:.1f} %)")
            lo, hi = insert_reports(engine, district)
            log(f"inserted {hi - lo + 1:,} reports (ids {lo}..{hi})")
            settle(engine, ("report", "bench_point"))

            project, bare, narrow = [], [], []
            for r in tqdm(range(args.repeat), desc="bulk runs", unit="round", leave=False):
                t, project_stats = run_project(app, engine, lo, hi)
                project.append(t)
                log(f"project assign_targets() run {r + 1}: {t:.2f} s {project_stats}")
                t, bare_stats = run_bare(engine, lo, hi)
                bare.append(t)
                log(f"bare ST_Contains UPDATE run {r + 1}: {t:.2f} s {bare_stats}")
                if args.narrow:
                    t, narrow_stats = run_narrow(engine)
                    narrow.append(t)
                    log(f"bare UPDATE on narrow table run {r + 1}: {t:.2f} s")
            n = args.points
            results["project_rate"] = n / min(project)
            results["bare_rate"] = n / min(bare)
            results["narrow_rate"] = n / min(narrow) if narrow else None
            results["bulk_ratio"] = results["project_rate"] / results["bare_rate"]
            results["project_stats"], results["bare_stats"] = project_stats, bare_stats

            # Random points inside coverage for the POSTs (not timed).
            with engine.connect() as conn:
                pts = raw(conn, "SELECT p.lon, p.lat FROM bench_point p WHERE EXISTS (SELECT 1 FROM bench_leaf g "
                                "WHERE ST_Contains(g.geom, p.geom)) ORDER BY random() LIMIT :m",
                          m=args.requests + 100).all()

            if args.explain or results["bulk_ratio"] < TARGET_BULK:
                log("EXPLAIN ANALYZE of assign.sql (ratio below target or --explain):")
                print(explain_project(app, engine, lo, hi), file=sys.stderr)

            random.Random(args.seed).shuffle(pts)

            if args.import_rows:
                log(f"import_reports() end-to-end over {args.import_rows:,} rows ...")
                t, stats = run_import(app, engine, args.import_rows, args.seed, info["bbox"])
                results["import_rate"] = args.import_rows / t
                results["import_stats"] = stats
                log(f"import_reports(): {t:.2f} s {stats}")
            db.session.remove()

        settle(engine, ("report",))
        log(f"latency: {args.requests:,} POST /api/v1/reports and {args.requests:,} POST /api/_bench/ping ...")
        lat = run_latency(app, [(float(a), float(b)) for a, b in pts], args.requests)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    # ------------------------------------------------------------------ table
    rep, ping = lat["report"], lat["ping"]
    p = {k: (percentile(v, 50), percentile(v, 99), statistics.fmean(v)) for k, v in (("report", rep), ("ping", ping))}
    n = args.points
    lines = [
        "",
        f"GridMap assignment benchmark  (grids: {counts.get('grid', 0):,} grids, {counts.get('micro', 0):,} "
        f"micro-grids, {counts.get('dedicated', 0)} dedicated; {info['leaves']:,} leaves; "
        f"N={n:,} points, {100 * (1 - info['inside_district'] / n):.1f} % outside the district; "
        f"best of {args.repeat})",
        "",
        f"{'measure':<58}{'value':>16}",
        "-" * 74,
        f"{'bulk: project assign_targets() + COMMIT (%d statements)' % len(ASSIGN_STATEMENTS()):<58}{results['project_rate']:>12,.0f} pt/s",
        f"{'bulk: bare UPDATE report ... ST_Contains (anchor)':<58}{results['bare_rate']:>12,.0f} pt/s",
        f"{'bulk: ratio project / bare (target >= %.1f)' % TARGET_BULK:<58}{results['bulk_ratio']:>16.2f}",
    ]
    if results.get("narrow_rate"):
        lines.append(f"{'bulk: bare UPDATE on a narrow points table (context)':<58}"
                     f"{results['narrow_rate']:>12,.0f} pt/s")
    if results.get("import_rate"):
        lines.append(f"{'bulk: import_reports() end-to-end, %s rows (context)' % f'{args.import_rows:,}':<58}"
                     f"{results['import_rate']:>12,.0f} rows/s")
    lines += [
        f"{'POST /api/v1/reports  p50 / p99 (ms)':<58}{p['report'][0]:>7.2f} /{p['report'][1]:>7.2f}",
        f"{'POST /api/_bench/ping     p50 / p99 (ms) (anchor)':<58}{p['ping'][0]:>7.2f} /{p['ping'][1]:>7.2f}",
        f"{'latency ratio report / ping  p50 / p99':<58}{p['report'][0] / p['ping'][0]:>7.1f} /"
        f"{p['report'][1] / p['ping'][1]:>7.1f}",
        f"{'POST /api/v1/reports  mean (ms), M=%s' % f'{args.requests:,}':<58}{p['report'][2]:>16.2f}",
        "-" * 74,
        f"assigned: project {results['project_stats']['assigned']:,} "
        f"(+{results['project_stats']['out_of_coverage']:,} flagged out of coverage, "
        f"{results['project_stats']['in_dedicated']:,} also in dedicated grids); "
        f"bare {results['bare_stats']['assigned']:,}",
        f"total wall time {time.perf_counter() - started:.0f} s",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    run(main, "interrupted; the throwaway database was dropped")
