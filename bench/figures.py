"""Benchmark: the patrol and event figure pages for a month of the whole demo district, against /healthz.

Run ``.venv/bin/python bench/figures.py [--days 30] [--repeat 5]`` from the
project root. It creates its own throwaway database (``gridmap_figures_<pid>``)
in the embedded cluster, or on the server of ``DATABASE_URL`` when set, loads
the demo district (``app.demo.loader``) and ``--days`` days of demo patrol
tracks up to today (the demo walks yesterday and today; the days before
repeat those tracks, shifted by whole days), then signs in as the demo administrator and
times, over one in-process test client, what a user waits for (issue 16: no
reader waits for a roll-up; ``app.patrols.freshness`` computes stale days in a
background job the first reader starts):

- the anchor ``GET /healthz`` (one ``SELECT 1``), p50 of ``--repeat`` x 10;
- cold: the first ``/patrols/kpi`` after the tracks were loaded (every day of
  the month to roll up): the page's answer (the status and the job's progress),
  then, separately, the time from that request until its job has finished
  (followed through ``GET /api/v1/jobs/<id>``, as the page does);
- warm, p50 of ``--repeat``: ``/patrols/kpi`` for the last ``--days`` days, district-wide,
  its two CSVs, ``/api/v1/patrols/workers`` and ``grids`` for the month, and
  ``/figures/events``;
- live: ``/patrols/kpi`` after one more batch of fixes for today, the allowed
  lag over (its answer: the old rows and a job; then the job);
- after a publication (emulated: every day's roll-ups on another basis, as new
  grids make them): the page's answer and the job;
- the reference (raw fixes: ``worker_figures``/``grid_figures`` with
  ``reference=True``) for the same month, as context.

``--inline`` measures ``PATROL_FIGURES_REFRESH=inline`` instead (the reader
computes the stale days: the behaviour before issue 16). Each line prints
seconds, the ratio to the anchor's p50, and the target (1 s for what a reader
waits for; none for a background job). The database is dropped at the end, on
an error and on Ctrl-C.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tqdm import tqdm  # noqa: E402

from bench._db import ThrowawayDatabase, install_sigterm, log, migrated_app, run  # noqa: E402

TARGET_S = 1.0


def load(app, days: int, seed: int, scale: float) -> dict:
    from app.demo import loader
    from app.demo.generate import generate
    from app.extensions import db

    with app.app_context():
        t = time.perf_counter()
        data = generate(seed, scale, progress=lambda it, label=None, total=None: tqdm(
            it, desc=f"generate {label or ''}".strip(), total=total, leave=False))
        loader.load(data, published_password=True)
        db.session.commit()
        log(f"demo loaded in {time.perf_counter() - t:.1f} s (scale {scale:g})")
        t = time.perf_counter()
        # The demo walks yesterday and today; the days before repeat those two days' tracks
        # (shifted by whole days, so weekdays differ but the shapes are the demo's), written
        # set-based with their partitions and marked for the roll-ups as the ingest marks them.
        from app.patrols.rollup import touch_days
        from app.patrols.period import today

        last = today()
        days = [last - timedelta(days=k) for k in range(2, days + 1)]
        # A shift by k moves yesterday's fixes to the day before ``last - k``: the oldest shift lands one
        # day before the period, which needs its partition too (the extra day is outside the period).
        db.session.execute(db.text("SELECT gridmap_patrol_partition(d) FROM unnest(CAST(:days AS date[])) d"),
                           {"days": days + [days[-1] - timedelta(days=1)]})
        for k in range(2, len(days) + 2, 2):
            db.session.execute(db.text("""
                INSERT INTO patrol_fix (district_code, worker_id, time, geom, accuracy)
                SELECT district_code, worker_id, time - make_interval(days => :k), geom, accuracy
                FROM patrol_fix WHERE time >= (CAST(:first AS date) + time '00:00') AT TIME ZONE 'Asia/Shanghai'
                  AND time - make_interval(days => :k) >= (CAST(:oldest AS date) + time '00:00') AT TIME ZONE 'Asia/Shanghai'
                ON CONFLICT DO NOTHING"""), {"k": k, "first": last - timedelta(days=1), "oldest": days[-1]})
        touch_days(days)
        db.session.commit()
        fixes = db.session.execute(db.text("SELECT count(*) FROM patrol_fix")).scalar()
        log(f"{len(days) + 2} days of demo tracks in {time.perf_counter() - t:.1f} s: {fixes:,} fixes")
        db.session.remove()
    return {"fixes": fixes}


def timed(client, url: str) -> float:
    return fetched(client, url)[0]


def fetched(client, url: str) -> tuple[float, str]:
    t = time.perf_counter()
    r = client.get(url)
    dt = time.perf_counter() - t
    if r.status_code != 200:
        raise RuntimeError(f"{url}: {r.status_code} {r.get_data(as_text=True)[:300]}")
    return dt, r.get_data(as_text=True)


JOB_URL = re.compile(r'data-job-url="[^"]*(/api/v1/jobs/\d+)"')


def page_and_job(client, url: str, every: float = 0.2, timeout: float = 3600) -> tuple[float, float | None]:
    """The page's answer time, and the time from its request until the roll-up job it names (if any)
    has finished, followed through the jobs API as the page's script does."""
    t = time.perf_counter()
    answered, page = fetched(client, url)
    found = JOB_URL.search(page)
    if found is None:
        return answered, None
    while True:
        job = client.get(found.group(1)).get_json()["job"]
        if job["state"] == "done":
            return answered, time.perf_counter() - t
        if job["state"] == "failed" or time.perf_counter() - t > timeout:
            raise RuntimeError(f"roll-up job: {job}")
        time.sleep(every)


def p50(client, url: str, n: int) -> float:
    return statistics.median(timed(client, url) for _ in range(n))


def one_batch(app) -> None:
    """A worker's next batch of fixes for today, through the ingest path."""
    from app.extensions import db
    from app.patrols.ingest import IncomingFix, ingest

    with app.app_context():
        wid, lon, lat = db.session.execute(db.text(
            "SELECT worker_id, ST_X(geom), ST_Y(geom) FROM patrol_fix ORDER BY time DESC LIMIT 1")).one()
        now = datetime.now(timezone.utc)
        fixes = [IncomingFix(i, wid, now - timedelta(seconds=10 * (3 - i)), lon + i * 1e-4, lat, 8.0, None, sent={})
                 for i in range(3)]
        ingest(fixes, now=now)
        db.session.commit()
        db.session.remove()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=30, help="days of demo tracks up to today (default 30)")
    ap.add_argument("--repeat", type=int, default=5, help="timed requests per page (p50 kept, default 5)")
    ap.add_argument("--scale", type=float, default=1.0, help="demo size (default 1.0: the whole demo district)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--inline", action="store_true",
                    help="PATROL_FIGURES_REFRESH=inline: the reader computes the roll-ups (before issue 16)")
    args = ap.parse_args()
    install_sigterm()
    from tests.auth_helpers import sign_in

    mode = "inline" if args.inline else "background"
    with ThrowawayDatabase("gridmap_figures") as url:
        app = migrated_app(url, PATROL_FIGURES_REFRESH=mode)
        counts = load(app, args.days, args.seed, args.scale)
        client = app.test_client()
        assert sign_in(client, "admin", "gridmap-demo").status_code == 302
        anchor = p50(client, "/healthz", 10 * args.repeat)
        rows = []

        def line(name, seconds, interactive=True):
            if seconds is None:
                return
            rows.append((name, seconds, interactive))
            log(f"{name}: {seconds:.3f} s")

        def page_then_job(name, url):
            answered, finished = page_and_job(client, url)
            line(f"{name}: the page answers", answered)
            line(f"{name}: ... its roll-up job has finished", finished, interactive=False)

        from app.patrols.period import today

        last = today()
        first = last - timedelta(days=args.days - 1)
        q = f"from={first.isoformat()}&to={last.isoformat()}"
        page_then_job("/patrols/kpi?<period> cold (every day to roll up)", f"/patrols/kpi?{q}")
        for url in (f"/patrols/kpi?{q}", f"/patrols/kpi.csv?{q}", f"/patrols/kpi.csv?{q}&table=grids",
                    f"/api/v1/patrols/workers?{q}", f"/api/v1/patrols/grids?{q}", "/patrols/kpi",
                    "/figures/events"):
            line(url.replace(q, "<period>"), p50(client, url, args.repeat))
        # The allowed lag over: the batch's day is stale at once.
        app.config["PATROL_FIGURES_MAX_LAG_S"] = 0
        one_batch(app)
        page_then_job("/patrols/kpi?<period> after a new batch (today again)", f"/patrols/kpi?{q}")
        with app.app_context():
            from app.extensions import db

            # What a publication of new grids does to every day: its rows were computed on another basis.
            db.session.execute(db.text("UPDATE patrol_rollup_state SET basis = 'before the publication'"))
            db.session.commit()
            db.session.remove()
        page_then_job("/patrols/kpi?<period> after a publication (every day again)", f"/patrols/kpi?{q}")

        from app.patrols import figures
        from app.patrols.period import period_of

        with app.test_request_context():
            t = time.perf_counter()
            figures.worker_figures(period_of(first, last), reference=True)
            figures.grid_figures(period_of(first, last), reference=True)
            ref = time.perf_counter() - t
        line("reference: worker + grid figures from the raw fixes", ref, interactive=False)

    print()
    print(f"figures of {first} .. {last}, demo scale {args.scale:g}, {counts['fixes']:,} fixes, "
          f"PATROL_FIGURES_REFRESH={mode}; anchor GET /healthz p50 {anchor * 1000:.2f} ms")
    print(f"{'what':<78} {'s':>7} {'x healthz':>10} {'target':>8}")
    for name, s, interactive in rows:
        verdict = ("ok" if s <= TARGET_S else "MISS") if interactive else ""
        print(f"{name[:78]:<78} {s:7.3f} {s / anchor:10.0f} {'<= 1 s' if interactive else '-':>8} {verdict}")
    return 0


if __name__ == "__main__":
    run(main)
