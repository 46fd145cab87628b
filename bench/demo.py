"""Benchmark: the first demo load (`flask demo load` on an empty database), stage by stage.

The demo is a city of two districts (中原区 and 二七区, issue 19): every stage loads both.

Run ``.venv/bin/python bench/demo.py [--scale 1.0]`` from the project root. It
creates its own throwaway database (``gridmap_demo_<pid>``; the embedded
cluster, or the server of ``DATABASE_URL``), runs the migrations (not timed),
then times ``flask demo load --published-password`` through the CLI runner,
each stage from the loader's own progress callback (generate, grids, staff,
addresses, reports, patrol tracks, event histories, ANALYZE and commit). The
anchor, measured in the same run on the same database: a bare ``COPY`` of as
many rows as the demo writes to ``report`` into a plain table (no index, no
check), as in bench/events.py. Printed: seconds per stage, the total against
issue 16's target (30 s on 2 cores) and the total as a ratio to the anchor.
The database is dropped at the end, on an error and on Ctrl-C.
"""
from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._db import ThrowawayDatabase, install_sigterm, log, migrated_app, run  # noqa: E402

TARGET_S = 30.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="demo size (default 1.0, as `make run` loads)")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()
    install_sigterm()
    from app.extensions import db

    with ThrowawayDatabase("gridmap_demo") as url:
        app = migrated_app(url)
        marks: list[tuple[str, float]] = []
        runner = app.test_cli_runner()
        import app.demo.loader as loader

        original = loader.load

        def timed_load(data, step=lambda label: None, published_password=False):
            return original(data, step=lambda label: (marks.append((str(label), time.perf_counter())), step(label)),
                            published_password=published_password)

        loader.load = timed_load
        try:
            t0 = time.perf_counter()
            marks.append(("generate", t0))
            result = runner.invoke(args=["demo", "load", "--seed", str(args.seed), "--scale", str(args.scale),
                                         "--published-password"])
            total = time.perf_counter() - t0
        finally:
            loader.load = original
        if result.exit_code != 0:
            print(result.output, result.exception)
            return 1
        marks.append(("end", time.perf_counter()))
        with app.app_context():
            n = db.session.execute(db.text("SELECT count(*) FROM report")).scalar()
            grids = db.session.execute(db.text(
                "SELECT district_code, count(*) FROM grid WHERE level = 'grid' GROUP BY 1 ORDER BY 1")).all()
            conn = db.engine.raw_connection()
            try:
                cur = conn.cursor()
                cur.execute("CREATE TABLE bench_rows (id bigint, category text, description text, lon float8, "
                            "lat float8, created_at timestamptz)")
                buf = io.StringIO("".join(f"{i}\t0102\t第{i}条 演示\t113.6\t34.75\t2026-12-01 08:00:00+08\n"
                                          for i in range(n)))
                t = time.perf_counter()
                cur.copy_expert("COPY bench_rows FROM STDIN", buf)
                conn.commit()
                anchor = time.perf_counter() - t
            finally:
                conn.close()
    print()
    print(f"first demo load, scale {args.scale:g}: {n:,} reports; grids per district: "
          + ", ".join(f"{code} {count:,}" for code, count in grids))
    for (label, t), (_, t_next) in zip(marks, marks[1:]):
        print(f"  {label:<40} {t_next - t:7.1f} s")
    print(f"total {total:.1f} s   target <= {TARGET_S:g} s   {'ok' if total <= TARGET_S else 'MISS'}")
    print(f"anchor: bare COPY of {n:,} report-like rows {anchor * 1000:.0f} ms; total / anchor {total / anchor:,.0f}")
    log("done")
    return 0


if __name__ == "__main__":
    run(main)
