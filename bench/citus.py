"""Benchmark: the three-node Citus cluster against the single embedded server, same data, same run.

Run ``.venv/bin/python bench/citus.py [--reports N] [--bulk M] [--fixes F] [--lookups K]`` from the
project root. It makes one throwaway database on the single server (the embedded cluster, or the
server of ``DATABASE_URL``) and one on the Citus cluster of ``app.citus_cluster`` (coordinator + two
workers under instance/citus, started if needed; the schema distributed by migration 0035), loads the
same sample grids in both, runs each measure on both and prints the ratio Citus / single (above 1 =
slower on Citus). On one machine the cluster cannot be faster: the ratio is the cost of distribution
(planning on the coordinator, a hop to the worker, two-phase commit on writes to reference tables).

1. intake: N reports through POST /api/v1/reports, one request each (a worker's app, a hotline).
2. bulk: a reports import of M rows (``app.reports.service.import_reports``: COPY, set-based grid
   assignment, history).
3. patrols: F fixes of W workers through ``flask patrols import``'s path (``import_csv``).
4. lookup: K point lookups (GET /api/v1/lookup) spread over the whole covered area ("city-wide":
   every district the grids hold).
5. figures: Q requests of a district's event figures by grid (GET /api/v1/figures/events?by=grid:
   the reports joined with their grids).

``--grids both`` (or ``colocated``) also runs the Citus measures on a second throwaway database where,
after the migrations, ``grid`` is re-laid out from a reference table to a table distributed by
``district_code`` and co-located with ``report`` (bench only, :func:`colocate_grids`: the keys that
lack the district get it, the foreign keys to ``grid`` from reference tables are dropped); patrols
are not measured there. It answers the issue's "grids co-located or a reference table, whichever the
measurements favour" (docs/scale.md).

Exits 0 with a message when Citus is not installed.
"""
from __future__ import annotations

import argparse
import io
import random
import re
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench._db import ThrowawayDatabase, install_sigterm, log, migrated_app, run  # noqa: E402

#: The sample district (tests/samples.py) and a margin around it.
BOX = (113.595, 34.735, 113.645, 34.765)


def prepare(url: str):
    """The migrated app with the sample grids and an admin's API token."""
    app = migrated_app(url, SECRET_KEY="bench", TESTING=True, PATROL_FIGURES_MAX_LAG_S=0)
    from app.auth import users
    from app.extensions import db
    from tests.samples import load_sample

    with app.app_context():
        load_sample()
        user = users.create("bench-admin", "correct-horse-battery", "admin", display_name="bench")
        _, token = users.issue_token(user, "bench")
        db.session.commit()
        db.session.remove()
    return app, token


def intake(app, token, n: int, seed: int) -> float:
    rng = random.Random(seed)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    started = time.perf_counter()
    for i in range(n):
        res = client.post("/api/v1/reports", json={
            "category": "0102", "channel": "worker_app", "description": f"垃圾堆放 {i}",
            "lon": rng.uniform(*BOX[0::2]), "lat": rng.uniform(*BOX[1::2])})
        assert res.status_code == 201, res.get_json()
    return time.perf_counter() - started


def bulk(app, m: int, seed: int) -> float:
    from app.extensions import db
    from app.reports.service import import_reports

    rng = random.Random(seed)
    rows = [{"category": "0102", "channel": "hotline_12345", "description": f"第{i}条",
             "lon": rng.uniform(*BOX[0::2]), "lat": rng.uniform(*BOX[1::2])} for i in range(m)]
    with app.test_request_context():
        started = time.perf_counter()
        result = import_reports(rows)
        elapsed = time.perf_counter() - started
        assert result.stored == m, result
        db.session.remove()
    return elapsed


def patrols(app, url: str, fixes: int, workers: int, seed: int) -> float:
    from bench.patrols import csv_text, make_fixes, make_workers
    from app.extensions import db
    from app.patrols import service

    engine = create_engine(url)
    try:
        staff = make_workers(engine, workers)
    finally:
        engine.dispose()
    day = date(2026, 11, 20)
    data = make_fixes(staff, fixes, day, seed)
    csv_data = csv_text(data, staff)
    with app.test_request_context():
        started = time.perf_counter()
        service.import_csv(io.StringIO(csv_data), chunk=50_000, now=datetime(2026, 11, 21, tzinfo=timezone.utc),
                           max_age_days=3650)
        elapsed = time.perf_counter() - started
        citus = db.session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'citus'")).first()
        size = "citus_total_relation_size" if citus else "pg_total_relation_size"
        nbytes, rows = db.session.execute(text(
            f"SELECT sum({size}(inhrelid)), (SELECT count(*) FROM patrol_fix) FROM pg_inherits "
            "WHERE inhparent = 'patrol_fix'::regclass")).one()
        log(f"  patrol_fix: {rows} rows, {int(nbytes or 0) / max(rows, 1):.0f} bytes a row with indexes")
        db.session.remove()
    return elapsed


def lookups(app, token, k: int, seed: int) -> float:
    rng = random.Random(seed)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    started = time.perf_counter()
    for _ in range(k):
        res = client.get(f"/api/v1/lookup?lon={rng.uniform(*BOX[0::2]):.6f}&lat={rng.uniform(*BOX[1::2]):.6f}")
        assert res.status_code in (200, 404), res.status_code
    return time.perf_counter() - started


def figures(app, token, q: int) -> float:
    from datetime import timedelta

    today = date.today()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    query = (f"/api/v1/figures/events?by=grid&district=410102&from={(today - timedelta(days=30)).isoformat()}"
             f"&to={today.isoformat()}")
    started = time.perf_counter()
    for _ in range(q):
        res = client.get(query)
        assert res.status_code == 200, res.get_json()
    assert res.get_json()["total"], res.get_json()
    return time.perf_counter() - started


#: Bench only: grid from a reference table to a table distributed by district_code, co-located with
#: report. Every unique key and the exclusion constraint get district_code first; the foreign keys
#: to grid from reference tables (patrol_grid_cellset) and grid's own parent key are dropped (a
#: reference table cannot point at a distributed one; parent_id would need (district_code,
#: parent_id)); report's keys to grid come back as (district_code, grid_id), checked on the shard.
def colocate_grids(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'"))
            fks = conn.execute(text(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                "WHERE contype = 'f' AND confrelid = 'grid'::regclass")).all()
            for table, name in fks:
                conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
            # grid's keys to reference tables (district, boundary_version): dropped to undistribute it,
            # put back once distributed (a distributed table may point at a reference table).
            outgoing = conn.execute(text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = 'grid'::regclass")).all()
            for name, _ in outgoing:
                conn.execute(text(f'ALTER TABLE grid DROP CONSTRAINT "{name}"'))
            for name, definition in conn.execute(text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = 'grid'::regclass AND contype IN ('p', 'x')")).all():
                conn.execute(text(f'ALTER TABLE grid DROP CONSTRAINT "{name}"'))
                if definition.startswith("PRIMARY KEY"):
                    definition = "PRIMARY KEY (district_code, id)"
                else:
                    definition = definition.replace("USING gist (", "USING gist (district_code WITH =, ", 1)
                conn.execute(text(f'ALTER TABLE grid ADD CONSTRAINT "{name}" {definition}'))
            for name, definition in conn.execute(text(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "WHERE i.indrelid = 'grid'::regclass AND i.indisunique AND NOT i.indisprimary")).all():
                conn.execute(text(f"DROP INDEX {name}"))
                conn.execute(text(definition.replace("btree (", "btree (district_code, ", 1)))
            # Functions of grid's row type (the grid rule returns SETOF grid) do not survive the change of
            # table: kept here, made again below.
            functions = conn.execute(text(
                "SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid) FROM pg_proc p "
                "WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f' AND NOT EXISTS "
                "(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY p.oid")).all()
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'"))
            conn.execute(text("SELECT undistribute_table('grid')"))
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'"))
            conn.execute(text("SELECT create_distributed_table('grid', 'district_code', colocate_with => 'report')"))
            conn.execute(text("SELECT truncate_local_data_after_distributing_table('grid')"))
            for name, definition in outgoing:
                conn.execute(text(f'ALTER TABLE grid ADD CONSTRAINT "{name}" {definition}'))
            for signature, definition in functions:
                if conn.execute(text("SELECT to_regprocedure(:f)"), {"f": signature}).scalar() is None:
                    log(f"  {signature} made again")
                    conn.execute(text(re.sub(r"\bgrid_\d{6,}\b", "grid", definition).replace(":", "\\:")))
                    conn.execute(text("SELECT create_distributed_function(:f)"), {"f": signature})
            for table, name in fks:
                if table == "report":
                    column = "current_grid_id" if "current" in name else "grid_id"
                    conn.execute(text(f'ALTER TABLE report ADD CONSTRAINT "{name}" FOREIGN KEY '
                                      f"(district_code, {column}) REFERENCES grid (district_code, id)"))
    finally:
        engine.dispose()


MEASURES = ("intake", "bulk", "patrols", "lookup", "figures")


def measure(url: str, args, relayout=None, skip=()) -> dict[str, float]:
    """The measures' times on the database ``url``; a measure the database refuses is logged with
    the refusal and left out (only on the co-located re-layout, whose SQL is the reference layout's)."""
    from sqlalchemy.exc import DBAPIError

    app, token = prepare(url)
    if relayout is not None:
        relayout(url)
        log("  grid distributed by district_code, co-located with report")
    steps = {
        "intake": (lambda: intake(app, token, args.reports, args.seed), f"intake {args.reports} reports"),
        "bulk": (lambda: bulk(app, args.bulk, args.seed), f"bulk import {args.bulk} rows"),
        "patrols": (lambda: patrols(app, url, args.fixes, args.workers, args.seed),
                    f"patrol ingest {args.fixes} fixes"),
        "lookup": (lambda: lookups(app, token, args.lookups, args.seed), f"{args.lookups} lookups"),
        "figures": (lambda: figures(app, token, args.figures), f"{args.figures} figures requests"),
    }
    out = {}
    for key, (step, label) in steps.items():
        if key in skip:
            continue
        try:
            out[key] = step()
        except (DBAPIError, AssertionError) as exc:
            if relayout is None:
                raise
            first = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            log(f"  {label}: refused: {first}")
            continue
        log(f"  {label}: {out[key]:.2f} s")
    from app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=200, help="N: reports posted one by one")
    ap.add_argument("--bulk", type=int, default=5_000, help="M: rows of the reports import")
    ap.add_argument("--fixes", type=int, default=100_000, help="F: patrol fixes imported")
    ap.add_argument("--workers", type=int, default=100, help="W: workers sending them")
    ap.add_argument("--lookups", type=int, default=500, help="K: point lookups")
    ap.add_argument("--figures", type=int, default=50, help="Q: requests of a district's figures by grid")
    ap.add_argument("--grids", choices=("reference", "colocated", "both"), default="reference",
                    help="grid on Citus: a reference table (the migration's layout), distributed and "
                         "co-located with report (bench-only re-layout), or both in the same run")
    ap.add_argument("--shards", type=int, default=32, help="shards per distributed table")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args(argv)

    from app import citus_cluster

    if not citus_cluster.installed():
        print(citus_cluster.NOT_INSTALLED_MESSAGE.format(ver=citus_cluster._pg_major()))
        return 0
    import os

    install_sigterm()
    citus_cluster.start()
    results = {}
    with ThrowawayDatabase("gridmap_bench") as url:
        log("single server")
        results["single"] = measure(url, args)
    os.environ["GRIDMAP_CITUS_SHARD_COUNT"] = str(args.shards)
    layouts = [("citus", None, ())] if args.grids in ("reference", "both") else []
    if args.grids in ("colocated", "both"):
        layouts.append(("colocated", colocate_grids, ("patrols",)))
    for key, relayout, skip in layouts:
        name = f"gridmap_bench_{key}_{os.getpid()}"
        citus_cluster.create_database(name)
        try:
            log("Citus: coordinator + 2 workers" + (", grid co-located with report" if relayout else ""))
            results[key] = measure(citus_cluster.database_url(name), args, relayout, skip)
        finally:
            citus_cluster.drop_database(name)
            log(f"dropped {name} on the Citus cluster")
    s = results["single"]
    rows = [("intake", f"{args.reports} POST /api/v1/reports", "reports/s", args.reports),
            ("bulk", f"reports import, {args.bulk} rows", "rows/s", args.bulk),
            ("patrols", f"patrol import, {args.fixes} fixes", "fixes/s", args.fixes),
            ("lookup", f"{args.lookups} lookups, whole area", "lookups/s", args.lookups),
            ("figures", f"{args.figures} figures by grid", "req/s", args.figures)]
    keys = [k for k, _, _ in layouts]
    head = {"citus": "citus (ref)", "colocated": "citus (coloc)"}
    print(f"\n{'measure':34} {'single':>14}" + "".join(f" {head[k]:>14} {'/single':>8}" for k in keys))
    for key, label, unit, n in rows:
        line = f"{label:34} {n / s[key]:8.0f} {unit:<5}"
        for k in keys:
            t = results[k].get(key)
            line += f" {n / t:8.0f} {unit:<5} {t / s[key]:7.2f}x" if t else f" {'-':>14} {'':>8}"
        print(line)
    return 0


if __name__ == "__main__":
    run(main)
