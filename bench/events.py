"""Benchmark: event intake over HTTP and the 12345 hotline import, against anchors in the same run.

Run ``.venv/bin/python bench/events.py [--requests N] [--rows K] [--quick]`` from the project root.
It creates its own throwaway database (``gridmap_events_<pid>``) in the embedded cluster, or on the
server of ``DATABASE_URL`` when set, loads the demo district's grids, staff and reports, and adds a
grid worker with an API token. Then:

1. intake: gunicorn serves the database on 127.0.0.1 with one extra route, ``POST /api/_bench/ping``
   (constant: parses the same JSON body, answers ``{"ok": true}``, no database). One client sends,
   interleaved, N ``POST /api/v1/reports`` (signed with the worker's token, a point inside
   coverage, an ``Idempotency-Key`` each: check, store, first history row, grid assignment, audit,
   possible duplicates) and N pings; then, with ``--concurrency C``, C clients send N of each
   again, one endpoint after the other. Rates and the ratio report / ping are printed. Afterwards
   every 201 must be exactly one stored report, assigned to a grid, with exactly one history row
   (``report_transition``, action ``report``, by the worker): otherwise the run FAILS (exit 1).
2. 12345 import: K rows written as a hotline export (GB18030, Chinese headers, GCJ-02
   coordinates) through ``flask reports import`` (decode, read the CSV, check each row, convert
   the coordinates, COPY to staging, insert with the history rows, assign, audit, commit),
   against a bare ``COPY`` of the same rows into a plain table (no indexes, no checks, no
   conversion). Best of ``--repeat``. Every row must be stored with one history row and the grid
   its converted point lies in, or the run FAILS.

A ratio below its target prints MISS and the EXPLAIN ANALYZE of the statements behind it.
See bench/README.md for what each number means. A benchmark, not a test: absolute rates depend
on the machine, the ratios travel between machines.
"""
from __future__ import annotations

import argparse
import io
import itertools
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bench._db import LEAF_FILTER, ThrowawayDatabase, install_sigterm, log, run, migrated_app, sample_points, settle  # noqa: E402,E501
from bench._http import PING_PATH, Gunicorn, loopback_session  # noqa: E402

#: Intake (one client) rate over the constant endpoint's rate: issue 16's "POST /api/v1/reports p50 at most
#: 3x the bare round trip", i.e. at least a third of its rate. Measured 0.16-0.18 before the category cache,
#: 0.27-0.29 on 2026-12-07 (bench/README.md): missed, printed as MISS until the code meets it.
TARGET_INTAKE = 1 / 3
#: 12345 import rate over the bare COPY into a plain table: issue 16's target. Measured 0.014-0.04 (the bare
#: COPY of 50,000 rows takes ~0.1 s); reports/assign.sql alone runs at ~12,000 rows/s, so the import needs a
#: cheaper assignment before it can pass. Was a floor of 0.01 that hid the gap; now the issue's number.
TARGET_IMPORT = 0.1
BEIJING = ZoneInfo("Asia/Shanghai")
#: The columns of a 12345 hotline export (tests/events/test_api_import_12345.py).
HEADER = ["工单编号", "受理时间", "来源渠道", "问题类别", "诉求内容", "事发地址", "经度", "纬度", "坐标系", "反映人",
          "联系电话"]
COMPLAINTS = ["门口车辆长期占道，影响通行", "楼道内电动车充电，飞线", "小区垃圾桶满溢无人清运", "夜间广场舞噪音扰民",
              "店外占道经营", "人行道地砖破损", "路灯不亮", "绿化带有建筑垃圾", "井盖缺失存在安全隐患",
              "独居老人需要上门帮扶", "邻里漏水纠纷", "违规张贴小广告"]
ROADS = ["建设西路", "伊河路", "汝河路", "桐柏路", "工人路", "中原中路", "嵩山路", "淮河路", "秦岭路", "棉纺路"]
NAMES = ["张先生", "李女士", "王先生", "赵女士", "刘先生", "陈女士"]


# --------------------------------------------------------------------------- set-up

def prepare(url: str, seed: int, scale: float):
    """Migrations, the demo grids, staff and reports, a grid worker with an API token."""
    from app.auth import users
    from app.demo import loader
    from app.demo.generate import generate
    from app.extensions import db

    app = migrated_app(url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False})
    with app.app_context():
        t = time.perf_counter()
        data = generate(seed, scale, progress=lambda it, label=None, total=None: tqdm(
            it, desc=f"generate {label or ''}".strip(), total=total, leave=False))
        loader.ensure_districts(data)  # the demo city's districts, before grids name them (issue 19)
        loader.load_grids(data)
        loader.load_staff(data)
        reports = loader.load_reports(data)
        db.session.commit()
        log(f"demo loaded in {time.perf_counter() - t:.1f} s (scale {scale:g}): {data.counts}, "
            f"{reports.stored:,} reports")
        grid = db.session.execute(text(
            f"SELECT code FROM grid_current WHERE {LEAF_FILTER} ORDER BY code LIMIT 1")).scalar()
        worker = users.create("bench-intake", secrets.token_urlsafe(24), "worker", areas=[grid])
        username = worker.username
        _, token = users.issue_token(worker, "bench/events.py")
        db.session.commit()
        codes = db.session.execute(text("SELECT code FROM category WHERE active ORDER BY code")).scalars().all()
        db.session.remove()
    return app, data.counts, token, username, codes


# --------------------------------------------------------------------------- intake over HTTP

def report_body(i: int, points, codes) -> dict:
    lon, lat = points[i % len(points)]
    road = ROADS[i % len(ROADS)]
    return {"category": codes[i % len(codes)], "channel": "worker_app",
            "description": f"{COMPLAINTS[i % len(COMPLAINTS)]}（巡查发现 {i}）",
            "address": f"中原区{road}{i % 300 + 1}号", "lon": lon, "lat": lat}


class Intake:
    """Sends reports (each with its own Idempotency-Key) and pings; counts the 201s."""

    def __init__(self, base: str, token: str, points, codes, key_prefix: str):
        self.base, self.points, self.codes, self.key_prefix = base, points, codes, key_prefix
        self.auth = {"Authorization": f"Bearer {token}"}
        self.created = 0
        self._numbers = itertools.count()  # next() is atomic: a unique key per report across client threads
        self._lock = threading.Lock()

    def report(self, s) -> float:
        i = next(self._numbers)
        headers = {**self.auth, "Idempotency-Key": f"{self.key_prefix}{i}"}
        t = time.perf_counter()
        r = s.post(self.base + "/api/v1/reports", json=report_body(i, self.points, self.codes), headers=headers,
                   timeout=60)
        ms = (time.perf_counter() - t) * 1000
        if r.status_code != 201:
            raise RuntimeError(f"POST /api/v1/reports answered {r.status_code}: {r.text[:300]}")
        with self._lock:
            self.created += 1
        return ms

    def ping(self, s) -> float:
        body = report_body(self.created, self.points, self.codes)
        t = time.perf_counter()
        r = s.post(self.base + PING_PATH, json=body, headers=self.auth, timeout=60)
        ms = (time.perf_counter() - t) * 1000
        if r.status_code != 200:
            raise RuntimeError(f"POST {PING_PATH} answered {r.status_code}: {r.text[:300]}")
        return ms


def sequential(intake: Intake, n: int, warmup: int) -> dict[str, list[float]]:
    """N reports and N pings, interleaved, one client; latencies in ms."""
    out: dict[str, list[float]] = {"report": [], "ping": []}
    with loopback_session() as s:
        for _ in range(warmup):
            intake.report(s)
            intake.ping(s)
        for _ in tqdm(range(n), desc="sequential", unit="pair", leave=False):
            out["report"].append(intake.report(s))
            out["ping"].append(intake.ping(s))
    return out


def concurrent(intake: Intake, n: int, clients: int, kind: str) -> tuple[float, list[float]]:
    """N requests of one kind from ``clients`` closed-loop clients; (wall seconds, latencies in ms)."""
    send = intake.report if kind == "report" else intake.ping
    per = [n // clients + (1 if k < n % clients else 0) for k in range(clients)]

    def client(count: int) -> list[float]:
        with loopback_session() as s:
            return [send(s) for _ in range(count)]

    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        lat = [ms for part in pool.map(client, per) for ms in part]
    return time.perf_counter() - t, lat


def check_intake(engine, key_prefix: str, created: int, username: str) -> tuple[dict, list[str]]:
    """Every 201 is one stored report, in a grid, with one history row written by the worker."""
    with engine.connect() as conn:
        row = conn.execute(text("""
            SELECT count(*) AS reports, count(DISTINCT r.idempotency_key) AS keys,
                   count(*) FILTER (WHERE r.grid_id IS NOT NULL AND NOT r.out_of_coverage
                                    AND cardinality(r.grid_lineage) > 0) AS assigned,
                   CAST(coalesce(sum(h.n), 0) AS bigint) AS history, count(*) FILTER (WHERE h.n = 1) AS one_history_row
            FROM report r
            LEFT JOIN LATERAL (SELECT count(*) AS n FROM report_transition t
                               WHERE t.report_id = r.id AND t.action = 'report' AND t.from_state IS NULL
                                 AND t.to_state = r.status AND t.actor = :user) h ON true
            WHERE r.idempotency_key LIKE :p"""), {"p": key_prefix + "%", "user": username}).mappings().one()
    stats = dict(row)
    problems = [f"intake: {label} {stats[k]:,}, expected {created:,} (one per 201 answer)"
                for k, label in (("reports", "reports stored"), ("keys", "distinct Idempotency-Keys"),
                                 ("assigned", "reports assigned to a grid"), ("history", "history rows"),
                                 ("one_history_row", "reports with exactly one history row"))
                if stats[k] != created]
    return stats, problems


# --------------------------------------------------------------------------- 12345 import

def hotline_rows(points, k: int, run: int, codes, day) -> list[list[str]]:
    """K rows of a 12345 export: GCJ-02 coordinates with 6 decimals, as the hotline's map gives them."""
    from geo.gcj import wgs84_to_gcj02

    pts = np.array([points[i % len(points)] for i in range(k)])
    glon, glat = wgs84_to_gcj02(pts[:, 0], pts[:, 1])
    start = datetime.combine(day, datetime.min.time()).replace(hour=8)
    step = 36_000 / max(k, 1)  # spread over 08:00-18:00
    rows = []
    for i in range(k):
        road = ROADS[(i * 7) % len(ROADS)]
        rows.append([f"12345-{day:%Y%m%d}-{run}{i:06d}", f"{start + timedelta(seconds=int(i * step)):%Y-%m-%d %H:%M}",
                     "12345热线", codes[(i * 3) % len(codes)], COMPLAINTS[i % len(COMPLAINTS)],
                     f"中原区{road}{i % 200 + 1}号", f"{glon[i]:.6f}", f"{glat[i]:.6f}", "gcj02",
                     NAMES[i % len(NAMES)], f"138{i % 100_000_000:08d}"])
    return rows


def hotline_csv(rows: list[list[str]]) -> bytes:
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # what Excel on Windows writes
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode("gb18030")


def bare_copy_text(rows: list[list[str]]) -> str:
    """The same rows for a bare COPY: the point as hex EWKB of the numbers as sent, time with its offset."""
    lon = np.array([float(r[6]) for r in rows])
    lat = np.array([float(r[7]) for r in rows])
    wkb = shapely.to_wkb(shapely.points(lon, lat), hex=True, include_srid=False)
    srid_prefix = "0101000020E6100000"  # little-endian Point with SRID 4326
    out = io.StringIO()
    for r, hx in zip(rows, wkb):
        out.write("\t".join([r[0], r[1] + "+08", r[2], r[3], r[4], r[5], srid_prefix + hx[10:], r[8], r[9], r[10]]))
        out.write("\n")
    return out.getvalue()


BARE_TABLE = """CREATE TABLE bench_hotline (ticket text, received_at timestamptz, channel text, category text,
    description text, address text, location geometry(Point, 4326), crs text, reporter_name text,
    reporter_phone text)"""


def expected_in_grid(engine, rows) -> int:
    """How many rows' points, converted the way the app converts them, a current leaf grid covers."""
    from geo.crs import to_wgs84

    lon, lat = to_wgs84(np.array([float(r[6]) for r in rows]), np.array([float(r[7]) for r in rows]), "gcj02")
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM unnest(CAST(:lon AS float8[]), CAST(:lat AS float8[])) AS c(lon, lat) "
            "WHERE EXISTS (SELECT 1 FROM grid_current g WHERE " + LEAF_FILTER
            + " AND ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)))"),
            {"lon": lon.tolist(), "lat": lat.tolist()}).scalar()


def run_import(app, engine, csv_bytes: bytes, k: int, in_grid: int) -> tuple[float, dict, list[str]]:
    """``flask reports import FILE`` on the export; (seconds, counts, problems)."""
    with engine.connect() as conn:
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM report")).scalar()
    settle(engine, ("report", "report_transition"))
    with tempfile.TemporaryDirectory(prefix="gridmap-bench-12345-") as tmp:
        path = Path(tmp) / "12345工单导出.csv"
        path.write_bytes(csv_bytes)
        runner = app.test_cli_runner()
        t = time.perf_counter()
        out = runner.invoke(args=["reports", "import", str(path)])
        elapsed = time.perf_counter() - t
    if out.exit_code != 0:
        raise RuntimeError(f"flask reports import exited {out.exit_code}: {out.output[-1000:]}"
                           + (f"\n{out.exception!r}" if out.exception else ""))
    with engine.connect() as conn:
        stats = dict(conn.execute(text("""
            SELECT count(*) AS stored, min(r.id) AS lo, max(r.id) AS hi,
                   count(*) FILTER (WHERE r.grid_id IS NOT NULL AND NOT r.out_of_coverage) AS assigned,
                   count(*) FILTER (WHERE r.out_of_coverage) AS out_of_coverage,
                   count(*) FILTER (WHERE h.n = 1) AS one_history_row
            FROM report r
            LEFT JOIN LATERAL (SELECT count(*) AS n FROM report_transition t
                               WHERE t.report_id = r.id AND t.action = 'report' AND t.from_state IS NULL) h ON true
            WHERE r.id > :before AND r.channel = 'hotline_12345'"""), {"before": before}).mappings().one())
    problems = []
    if stats["stored"] != k:
        problems.append(f"import: {stats['stored']:,} reports stored of {k:,} rows")
    if stats["one_history_row"] != stats["stored"]:
        problems.append(f"import: {stats['one_history_row']:,} of {stats['stored']:,} reports have exactly one "
                        "history row")
    if stats["assigned"] != in_grid:
        problems.append(f"import: {stats['assigned']:,} reports assigned to a grid, expected {in_grid:,} "
                        "(the converted points a leaf grid covers)")
    return elapsed, stats, problems


def run_bare(engine, copy_text: str) -> float:
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE bench_hotline"))
    settle(engine, ("bench_hotline",))
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        t = time.perf_counter()
        with raw.cursor() as cur:
            cur.copy_expert("COPY bench_hotline FROM STDIN", io.StringIO(copy_text))
        raw.commit()
        return time.perf_counter() - t


def stored_floor(engine, lo: int, hi: int) -> float:
    """Context for the import ratio: seconds to COPY the import's own stored rows (every column, as the
    import left them) into an empty table shaped like ``report`` with its indexes, checks and foreign keys.
    What storing these rows in ``report`` costs at all, before any reading, checking, converting or
    assigning; the import cannot be faster than this."""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_report_floor"))
        conn.execute(text("CREATE TABLE bench_report_floor (LIKE report INCLUDING ALL)"))
        for name, definition in conn.execute(text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'report'::regclass AND contype = 'f'")).all():
            conn.execute(text(f'ALTER TABLE bench_report_floor ADD CONSTRAINT "{name}_floor" {definition}'))
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        rows = io.StringIO()
        with raw.cursor() as cur:
            cur.copy_expert(f"COPY (SELECT * FROM report WHERE id BETWEEN {int(lo)} AND {int(hi)} ORDER BY id) "
                            "TO STDOUT", rows)
        raw.commit()
    settle(engine, ("bench_report_floor",))
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        rows.seek(0)
        t = time.perf_counter()
        with raw.cursor() as cur:
            cur.copy_expert("COPY bench_report_floor FROM STDIN", rows)
        raw.commit()
        return time.perf_counter() - t


# --------------------------------------------------------------------------- EXPLAIN on a miss

def explain(engine, setup: list[tuple[str, dict]], statements: list[tuple[str, str, dict]]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of each (label, sql, params) after the ``setup`` statements; rolled back."""
    out = []
    with engine.connect() as conn:
        for sql_text, params in setup:
            conn.execute(text(sql_text), params)
        for label, sql_text, params in statements:
            code = "\n".join(line for line in sql_text.splitlines() if not line.lstrip().startswith("--"))
            if not code.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
                conn.execute(text(sql_text), params)  # DDL between the statements (temp tables): run, not explained
                continue
            plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql_text), params).scalars().all()
            out.append(f"--- {label}\n" + "\n".join(plan))
        conn.rollback()
    return "\n".join(out)


def assign_plan(app, lo: int, hi: int) -> tuple[list[tuple[str, dict]], list[tuple[str, str, dict]]]:
    """The statements of reports/assign.sql over reports lo..hi, and the set-up listing them in assign_target."""
    from app.grids.versions import published_version
    from app.sqlfiles import statements

    with app.app_context():
        version = published_version()
        # clock: the statements stamp updated_at with the clock read first (app.dbclock, issue 19).
        params = {"generation": version.generation if version else None, "clock": datetime.now(timezone.utc)}
        stmts = [s.text for s in statements("reports/assign")]
    setup = [("CREATE TEMP TABLE IF NOT EXISTS assign_target (id bigint PRIMARY KEY)", {}),
             ("INSERT INTO assign_target SELECT id FROM report WHERE id BETWEEN :lo AND :hi", {"lo": lo, "hi": hi})]
    return setup, [(f"assign.sql statement {i}", s, params) for i, s in enumerate(stmts, start=1)]


def explain_intake(app, engine, key_prefix: str) -> str:
    from app.sqlfiles import sql

    with engine.connect() as conn:
        rid = conn.execute(text("SELECT max(id) FROM report WHERE idempotency_key LIKE :p"),
                           {"p": key_prefix + "%"}).scalar()
    with app.app_context():
        dup = sql("events/possible_duplicates").text
    setup, stmts = assign_plan(app, rid, rid)
    return explain(engine, setup, [("possible_duplicates.sql (answered with every report)", dup,
                                    {"report_id": rid}), *stmts])


# --------------------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=None,
                    help="N: sequential requests per endpoint, and again concurrently (default 1000; quick 200)")
    ap.add_argument("--rows", type=int, default=None, help="K: rows of the 12345 export (default 50000; quick 5000)")
    ap.add_argument("--concurrency", type=int, default=4,
                    help="clients at once for the concurrent intake run (default 4, 0 skips it)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, as make run)")
    ap.add_argument("--repeat", type=int, default=None, help="import runs, best kept (default 2; quick 1)")
    ap.add_argument("--scale", type=float, default=None,
                    help="demo size (1.0: ~1,000 grids, ~5,000 micro-grids, ~5,000 reports; default 1.0, quick 0.25)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--explain", action="store_true", help="print the EXPLAIN ANALYZE even when the targets are met")
    ap.add_argument("--quick", action="store_true", help="small sizes for a check in about a minute")
    args = ap.parse_args(argv)
    for name, full, quick in (("requests", 1000, 200), ("rows", 50_000, 5000), ("repeat", 2, 1),
                              ("scale", 1.0, 0.25)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.requests < 1 or args.rows < 1 or args.repeat < 1 or args.concurrency < 0 or args.workers < 1:
        ap.error("--requests, --rows, --repeat and --workers must be >= 1, --concurrency >= 0")
    return args


def pct(values, q) -> float:
    return float(np.percentile(np.asarray(values), q))


def main(argv=None) -> int:
    args = parse_args(argv)
    install_sigterm()
    started = time.perf_counter()
    key_prefix = f"bench-events-{uuid.uuid4().hex[:12]}-"
    problems: list[str] = []
    explain_text: list[str] = []
    with ThrowawayDatabase("gridmap_events") as url:
        app, counts, token, username, codes = prepare(url, args.seed, args.scale)
        engine = create_engine(url)
        try:
            n_points = max(2 * args.requests, min(args.rows, 20_000))
            points = sample_points(engine, n_points, args.seed)
            random.Random(args.seed).shuffle(points)
            settle(engine, ("report", "report_transition"))

            # ---------------------------------------------------------- intake over HTTP
            with Gunicorn(url, args.workers, app_spec="bench._http:ping_app()") as server:
                log(f"gunicorn: {args.workers} workers on {server.base}")
                intake = Intake(server.base, token, points, codes, key_prefix)
                # Every worker opens its database connections and loads the category table.
                concurrent(intake, 4 * args.workers, 2 * args.workers, "report")
                concurrent(intake, 4 * args.workers, 2 * args.workers, "ping")
                log(f"sequential: {args.requests:,} POST /api/v1/reports and {args.requests:,} POST {PING_PATH}, "
                    "interleaved ...")
                seq = sequential(intake, args.requests, warmup=20)
                conc = {}
                if args.concurrency:
                    log(f"concurrent: {args.concurrency} clients, {args.requests:,} requests per endpoint ...")
                    for kind in ("ping", "report"):
                        conc[kind] = concurrent(intake, args.requests, args.concurrency, kind)
            stats, intake_problems = check_intake(engine, key_prefix, intake.created, username)
            problems += intake_problems
            log(f"intake check: {stats} for {intake.created:,} answers 201")

            # ---------------------------------------------------------- 12345 import
            day = (datetime.now(BEIJING) - timedelta(days=1)).date()
            with engine.begin() as conn:
                conn.execute(text(BARE_TABLE))
            imports, bares, floors, import_stats = [], [], [], None
            for run in tqdm(range(1, args.repeat + 1), desc="import runs", leave=False):
                rows = hotline_rows(points[run * 97:] + points[:run * 97], args.rows, run, codes, day)
                csv_bytes, copy_text = hotline_csv(rows), bare_copy_text(rows)
                in_grid = expected_in_grid(engine, rows)
                t, import_stats, run_problems = run_import(app, engine, csv_bytes, args.rows, in_grid)
                problems += run_problems
                imports.append(t)
                log(f"flask reports import run {run}: {t:.2f} s ({len(csv_bytes) / 1e6:.1f} MB GB18030) "
                    f"{ {k: import_stats[k] for k in ('stored', 'assigned', 'out_of_coverage')} }")
                t = run_bare(engine, copy_text)
                bares.append(t)
                log(f"bare COPY run {run}: {t:.2f} s")
                t = stored_floor(engine, import_stats["lo"], import_stats["hi"])
                floors.append(t)
                log(f"COPY of the stored rows into report's shape, run {run}: {t:.2f} s")

            seq_rate = {k: 1000 * len(v) / sum(v) for k, v in seq.items()}
            intake_ratio = seq_rate["report"] / seq_rate["ping"]
            import_rate, bare_rate = args.rows / min(imports), args.rows / min(bares)
            import_ratio = import_rate / bare_rate
            floor_rate = args.rows / min(floors)
            if args.explain or intake_ratio < TARGET_INTAKE:
                explain_text.append("EXPLAIN ANALYZE behind one intake (possible duplicates, assignment):\n"
                                    + explain_intake(app, engine, key_prefix))
            if args.explain or import_ratio < TARGET_IMPORT:
                explain_text.append("EXPLAIN ANALYZE of the assignment over the last import's rows:\n"
                                    + explain(engine, *assign_plan(app, import_stats["lo"], import_stats["hi"])))
        finally:
            engine.dispose()
            from app.extensions import db

            with app.app_context():
                db.session.remove()
                db.engine.dispose()

    # ------------------------------------------------------------------ table
    def verdict(ratio: float, target: float) -> str:
        return "ok" if ratio >= target else "MISS"

    w = 64
    lines = [
        "",
        f"GridMap events benchmark  (demo scale {args.scale:g}: {counts.get('grid', 0):,} grids, "
        f"{counts.get('micro', 0):,} micro-grids; gunicorn {args.workers} workers on 127.0.0.1; "
        f"N={args.requests:,} requests per endpoint, K={args.rows:,} rows, import best of {args.repeat})",
        "",
        f"{'measure':<{w}}{'value':>16}",
        "-" * (w + 16),
        f"{'intake, 1 client: POST /api/v1/reports':<{w}}{seq_rate['report']:>12,.1f} /s",
        f"{'intake, 1 client: POST /api/_bench/ping (anchor)':<{w}}{seq_rate['ping']:>12,.1f} /s",
        f"{'intake, 1 client: ratio report / ping (target >= %.2f)' % TARGET_INTAKE:<{w}}{intake_ratio:>12.2f}"
        f"  {verdict(intake_ratio, TARGET_INTAKE)}",
        f"{'intake, 1 client: report p50 / p99 (ms)':<{w}}"
        f"{pct(seq['report'], 50):>7.1f} /{pct(seq['report'], 99):>6.1f}",
        f"{'intake, 1 client: ping   p50 / p99 (ms)':<{w}}{pct(seq['ping'], 50):>7.1f} /{pct(seq['ping'], 99):>6.1f}",
    ]
    if conc:
        c_rate = {k: args.requests / v[0] for k, v in conc.items()}
        lines += [
            f"{'intake, %d clients: POST /api/v1/reports' % args.concurrency:<{w}}{c_rate['report']:>12,.1f} /s",
            f"{'intake, %d clients: POST /api/_bench/ping (anchor)' % args.concurrency:<{w}}{c_rate['ping']:>12,.1f} /s",
            f"{'intake, %d clients: ratio report / ping (context)' % args.concurrency:<{w}}"
            f"{c_rate['report'] / c_rate['ping']:>12.2f}",
            f"{'intake, %d clients: report p50 / p99 (ms)' % args.concurrency:<{w}}"
            f"{pct(conc['report'][1], 50):>7.1f} /{pct(conc['report'][1], 99):>6.1f}",
        ]
    lines += [
        f"{'12345 import: flask reports import, GB18030 CSV (K rows)':<{w}}{import_rate:>12,.0f} rows/s",
        f"{'12345 import: bare COPY of the same rows, plain table (anchor)':<{w}}{bare_rate:>12,.0f} rows/s",
        f"{'12345 import: ratio import / bare (target >= %.2f)' % TARGET_IMPORT:<{w}}{import_ratio:>12.2f}"
        f"  {verdict(import_ratio, TARGET_IMPORT)}",
        f"{'12345 import: COPY of the stored rows into report (indexes, keys)':<{w}}{floor_rate:>12,.0f} rows/s",
        f"{'12345 import: that COPY / bare (the most the import can reach)':<{w}}{floor_rate / bare_rate:>12.2f}",
        f"{'12345 import: ratio import / that COPY (context)':<{w}}{import_rate / floor_rate:>12.2f}",
        "-" * (w + 16),
        f"intake: {intake.created:,} answered 201; stored {stats['reports']:,}, assigned {stats['assigned']:,}, "
        f"history rows {stats['history']:,}; mean report latency {statistics.fmean(seq['report']):.1f} ms",
        f"import (last run): stored {import_stats['stored']:,} of {args.rows:,}, "
        f"assigned {import_stats['assigned']:,}, outside coverage {import_stats['out_of_coverage']:,}, "
        f"with one history row {import_stats['one_history_row']:,}",
    ]
    for block in explain_text:
        lines += ["", block]
    if problems:
        lines += ["", "FAIL:", *(f"  {p}" for p in problems)]
    lines.append(f"{'FAIL' if problems else 'PASS'}  (total wall time {time.perf_counter() - started:.0f} s)")
    print("\n".join(lines))
    return 1 if problems else 0


if __name__ == "__main__":
    run(main, "interrupted; gunicorn was stopped and the throwaway database dropped")
