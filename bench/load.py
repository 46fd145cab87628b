"""Load test: the lookup and report endpoints held at a steady rate, over loopback.

Run ``.venv/bin/python bench/load.py [--duration 60]`` from the project root.
It creates its own throwaway database (``gridmap_load_<pid>``) in the embedded
cluster, or on the server of ``DATABASE_URL`` when set, loads the demo
district, serves it with gunicorn on 127.0.0.1 (a free port), sends an
open-loop constant arrival rate of ``GET /api/v1/lookup`` and
``POST /api/v1/reports``, prints p50/p90/p99/max per endpoint with ratios
against ``GET /healthz`` measured in the same run, checks that every 201
became exactly one stored report, then stops gunicorn and drops the database
(also on Ctrl-C or an error). See bench/README.md.

This is a benchmark, not a test: absolute latencies depend on the machine;
the ratios against the anchor travel between machines. It exits 1 when any
request failed, an endpoint fell below 95 % of its target rate, or the stored
reports do not match the 201 responses.
"""
from __future__ import annotations

import argparse
import random
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bench._db import ThrowawayDatabase, install_sigterm, log, run, sample_points  # noqa: E402
from bench._http import RATELIMIT_PUBLIC, Gunicorn, loopback_session  # noqa: E402

#: An endpoint passes when it delivered at least this share of its target rate.
MIN_RATE_SHARE = 0.95
EXPECTED_STATUS = {"lookup": 200, "report": 201, "healthz": 200, "desk": 200, "fixes": 200}
LABELS = {"lookup": "GET /api/v1/lookup", "report": "POST /api/v1/reports", "healthz": "GET /healthz (anchor)",
          "desk": "GET /api/v1/reports/changes", "fixes": "POST /api/v1/patrols/fixes"}
#: A dispatcher's desk polls the feed this often; a worker's phone sends its fixes this often (seconds).
DESK_POLL_S = 3.0
FIX_BATCH_S = 30.0
#: --find-max: a step holds when every endpoint's p99 is within this and nothing failed.
P99_LIMIT_MS = 200.0
#: The whole district of issue 16: its workers, dispatchers and reports per second.
DISTRICT = {"workers": 1000, "dispatchers": 20, "reports": 2.0}
#: --find-max: the district's load times these factors, in order, until one step does not hold.
FACTORS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
#: Issue 16: a lookup and a report close to a bare round trip (p50 over /healthz's p50, same run).
P50_TARGETS = {"lookup": 1.5, "report": 3.0}
REPORT_CHANNELS = ("worker_app", "resident_app", "hotline_12345", "photo")


# --------------------------------------------------------------------------- database

def prepare_database(url: str, seed: int, scale: float) -> dict:
    """Migrations plus the whole demo (grids, staff, reports) through the project's own loader.

    Staff and reports are loaded too: a lookup joins the staff of every grid
    in the chain, and a report is inserted into a table that already has rows.
    """
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import loader
    from app.demo.generate import generate
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="heads")  # sibling migrations until the lead chains them
        log("migrations applied")
        t = time.perf_counter()
        data = generate(seed, scale, progress=lambda it, label=None, total=None: tqdm(
            it, desc=f"generate {label or ''}".strip(), total=total, leave=False))
        loader.load(data)
        log(f"demo loaded in {time.perf_counter() - t:.1f} s (scale {scale:g}): {data.counts}")
        db.session.remove()
        db.engine.dispose()
    return data.counts


@dataclass
class ReportCount:
    total: int
    with_run_key: int
    distinct_run_keys: int


def count_reports(engine: Engine, key_prefix: str) -> ReportCount:
    """All reports, and those carrying this run's Idempotency-Keys (duplicates show as rows > keys)."""
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM report")).scalar_one()
        rows, keys = conn.execute(text(
            "SELECT count(*), count(DISTINCT idempotency_key) FROM report WHERE idempotency_key LIKE :p"),
            {"p": key_prefix + "%"}).one()
    return ReportCount(total, rows, keys)


# --------------------------------------------------------------------------- open-loop load

@dataclass
class Sample:
    kind: str
    latency_ms: float   # from the SCHEDULED send time to the end of the response
    status: int         # HTTP status; 0 = no response (timeout, connection error, not sent)
    lag_ms: float       # how late the request actually left (client or queue delay)
    detail: str = ""


#: (method, path, keyword arguments for requests) for the i-th request of a kind.
RequestFactory = Callable[[int], tuple[str, str, dict]]


def schedule(rates: dict[str, float], duration: float) -> list[tuple[float, str, int]]:
    """Send offsets (s) of every request: each kind evenly spaced at its own rate, merged in time order.

    Constant spacing, not Poisson: the target is a steady rate, and the
    offsets are fixed in advance so a slow server cannot slow the arrivals
    down (open loop).
    """
    plan = []
    for kind, rate in rates.items():
        if rate > 0:
            plan += [(i / rate, kind, i) for i in range(int(round(rate * duration)))]
    plan.sort()
    return plan


@dataclass
class Phase:
    """One open-loop run: requests dispatched at their scheduled times from a thread pool."""

    base: str
    factories: dict[str, RequestFactory]
    timeout: float
    threads: int
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)
    sessions: list[requests.Session] = field(default_factory=list)

    def session(self) -> requests.Session:
        # requests.Session is not thread-safe: one per pool thread.
        s = getattr(self.local, "session", None)
        if s is None:
            s = self.local.session = loopback_session()
            with self.lock:
                self.sessions.append(s)
        return s

    def send(self, kind: str, i: int, due: float, cutoff: float) -> Sample:
        start = time.perf_counter()
        lag_ms = (start - due) * 1000
        if start > cutoff:
            # Far behind schedule: recorded as a failure instead of sent, so a
            # stalled server cannot stretch the run without bound.
            return self._record(Sample(kind, lag_ms, 0, lag_ms, "not sent: client too far behind"))
        try:
            method, path, kwargs = self.factories[kind](i)
            r = self.session().request(method, self.base + path, timeout=self.timeout, **kwargs)
            status, detail = r.status_code, "" if r.status_code == EXPECTED_STATUS[kind] else r.text[:200]
        except Exception as exc:  # timeouts, refused connections, and bugs here: all failures, never lost
            status, detail = 0, f"{type(exc).__name__}: {exc}"[:200]
        return self._record(Sample(kind, (time.perf_counter() - due) * 1000, status, lag_ms, detail))

    def _record(self, sample: Sample) -> Sample:
        with self.lock:
            self.samples.append(sample)
        return sample

    def run(self, plan: list[tuple[float, str, int]], duration: float, desc: str) -> float:
        """Dispatch ``plan``; return the wall time from the first scheduled send to the last response."""
        cutoff_after = duration + 2 * self.timeout
        pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="load")
        bar = tqdm(total=len(plan), desc=desc, unit="req", leave=False, mininterval=1.0)
        errors = 0

        def done(fut: Future) -> None:
            nonlocal errors
            bar.update(1)
            if fut.cancelled() or fut.exception() is not None:
                return
            sample = fut.result()
            if sample.status != EXPECTED_STATUS[sample.kind]:
                errors += 1
                bar.set_postfix_str(f"errors={errors}", refresh=False)

        t0 = time.perf_counter()
        try:
            for offset, kind, i in plan:
                due = t0 + offset
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                fut = pool.submit(self.send, kind, i, due, t0 + cutoff_after)
                fut.add_done_callback(done)
            pool.shutdown(wait=True)  # every queued request still goes out (or is marked not sent)
        finally:
            # Only reached with work pending on Ctrl-C or an error: drop what is still
            # queued; in-flight requests end within the timeout.
            pool.shutdown(wait=True, cancel_futures=True)
            bar.close()
            for session in self.sessions:
                session.close()
        if len(self.samples) != len(plan):  # a lost request would hide a failure
            raise RuntimeError(f"{desc}: {len(plan) - len(self.samples)} requests unaccounted for")
        return time.perf_counter() - t0


# --------------------------------------------------------------------------- request bodies

def lookup_factory(points: list[tuple[float, float]], seed: int) -> RequestFactory:
    rng = random.Random(seed)
    chosen = [rng.choice(points) for _ in range(len(points))]

    def make(i: int) -> tuple[str, str, dict]:
        lon, lat = chosen[i % len(chosen)]
        return "GET", "/api/v1/lookup", {"params": {"lon": f"{lon:.7f}", "lat": f"{lat:.7f}"}}

    return make


def report_factory(points: list[tuple[float, float]], seed: int, key_prefix: str) -> RequestFactory:
    """Valid reports (see tests/reports/test_intake_api.py), each with its own Idempotency-Key."""
    from app.reports.categories import CATEGORIES

    rng = random.Random(seed + 1)
    codes = [c.code for c in CATEGORIES]
    bodies = [{"category": rng.choice(codes), "channel": rng.choice(REPORT_CHANNELS),
               "lon": lon, "lat": lat} for lon, lat in (rng.choice(points) for _ in range(len(points)))]

    def make(i: int) -> tuple[str, str, dict]:
        body = {**bodies[i % len(bodies)], "description": f"负载测试 load test report {key_prefix}{i}"}
        return "POST", "/api/v1/reports", {"json": body, "headers": {"Idempotency-Key": f"{key_prefix}{i}"}}

    return make


def healthz_factory() -> RequestFactory:
    return lambda i: ("GET", "/healthz", {})


def make_accounts(url: str, dispatchers: int, workers: int, seed: int) -> dict:
    """Dispatcher and worker accounts with API tokens (through app.auth.tokens), and each worker's start point.

    Accounts are inserted set-based with an unusable password hash: they sign in with their tokens only.
    """
    from app import create_app
    from app.auth import tokens
    from app.extensions import db
    from app.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    out = {"dispatchers": [], "workers": []}
    with app.app_context():
        for role, n, key in (("dispatcher", dispatchers, "dispatchers"), ("worker", workers, "workers")):
            if n <= 0:
                continue
            ids = db.session.execute(text(
                "INSERT INTO app_user (username, display_name, password_hash, role) "
                "SELECT 'load-' || :role || '-' || g, '', '!', :role FROM generate_series(1, :n) g RETURNING id"),
                {"role": role, "n": n}).scalars().all()
            for user in db.session.scalars(select_users(User, ids)):
                out[key].append(tokens.issue(user, "load test")[1])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return out


def select_users(User, ids):
    from sqlalchemy import select

    return select(User).where(User.id.in_(ids)).order_by(User.id)


def desk_factory(tokens: list[str], since: str) -> RequestFactory:
    """Each dispatcher's desk asking for the changes since the run began (its cursor), in turn."""
    def make(i: int) -> tuple[str, str, dict]:
        return "GET", "/api/v1/reports/changes", {
            "params": {"since": since}, "headers": {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}}

    return make


def fixes_factory(tokens: list[str], points: list[tuple[float, float]], seed: int) -> RequestFactory:
    """Each worker's phone, in turn, sending the last 30 s: three fixes 10 s apart, walking ~12 m each."""
    from datetime import datetime, timedelta, timezone

    rng = random.Random(seed + 2)
    start = [rng.choice(points) for _ in tokens]
    step = 12.0 / 111_000

    def make(i: int) -> tuple[str, str, dict]:
        w = i % len(tokens)
        lon, lat = start[w]
        k = i // len(tokens)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        fixes = [{"time": (now - timedelta(seconds=10 * (2 - j))).isoformat(), "lon": lon + (3 * k + j) * step,
                  "lat": lat, "accuracy": 8.0} for j in range(3)]
        return "POST", "/api/v1/patrols/fixes", {"json": {"fixes": fixes},
                                                 "headers": {"Authorization": f"Bearer {tokens[w]}"}}

    return make


# --------------------------------------------------------------------------- results

@dataclass
class Row:
    kind: str
    requests: int
    errors: int
    target: float
    rate: float
    p50: float
    p90: float
    p99: float
    max: float
    lag_max: float

    @property
    def rate_ok(self) -> bool:
        return self.rate >= MIN_RATE_SHARE * self.target


def summarise(samples: list[Sample], kind: str, target: float, duration: float, elapsed: float) -> Row:
    """One table row; the achieved rate counts good responses only, over at least the planned duration."""
    mine = [s for s in samples if s.kind == kind]
    good = [s for s in mine if s.status == EXPECTED_STATUS[kind]]
    lat = np.asarray([s.latency_ms for s in mine]) if mine else np.zeros(1)
    p50, p90, p99 = np.percentile(lat, [50, 90, 99])
    return Row(kind, len(mine), len(mine) - len(good), target, len(good) / max(duration, elapsed),
               float(p50), float(p90), float(p99), float(lat.max()),
               max((s.lag_ms for s in mine), default=0.0))


def error_summary(samples: list[Sample]) -> list[str]:
    """The distinct failures (kind, status, first bytes of the body), most frequent first."""
    c = Counter((s.kind, s.status, s.detail[:120]) for s in samples if s.status != EXPECTED_STATUS[s.kind])
    return [f"  {n} x {LABELS[k]} -> {status or 'no response'} {detail}" for (k, status, detail), n in c.most_common(8)]


def table(rows: list[Row], anchor: Row) -> list[str]:
    head = (f"{'endpoint':<24}{'requests':>9}{'errors':>7}{'target/s':>9}{'rate/s':>8}"
            f"{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    lines = [head, "-" * len(head)]
    for r in [*rows, anchor]:
        lines.append(f"{LABELS[r.kind]:<24}{r.requests:>9,}{r.errors:>7}{r.target:>9.1f}{r.rate:>8.1f}"
                     f"{r.p50:>9.2f}{r.p90:>9.2f}{r.p99:>9.2f}{r.max:>9.1f}")
    lines.append("-" * len(head))
    for r in rows:
        ratio = r.p50 / anchor.p50
        target = P50_TARGETS.get(r.kind)
        verdict = "" if target is None else f"   target p50 <= {target:g}x {'ok' if ratio <= target else 'MISS'}"
        lines.append(f"{'ratio ' + r.kind + ' / healthz':<24}{'p50':>9} {ratio:>7.1f}"
                     f"{'p99':>9} {r.p99 / anchor.p99:>7.1f}{verdict}")
    return lines


# --------------------------------------------------------------------------- main

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of the main run (default 60)")
    ap.add_argument("--lookup-rate", type=float, default=50.0, help="GET /api/v1/lookup per second (default 50)")
    ap.add_argument("--report-rate", type=float, default=10.0, help="POST /api/v1/reports per second (default 10)")
    ap.add_argument("--anchor-duration", type=float, default=10.0,
                    help="seconds of GET /healthz before the main run, at the combined rate (default 10)")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    ap.add_argument("--threads", type=int, default=64,
                    help="client threads: requests in flight at most (default 64)")
    ap.add_argument("--timeout", type=float, default=10.0, help="per-request timeout in seconds (default 10)")
    ap.add_argument("--scale", type=float, default=0.25,
                    help="demo size (1.0: ~1,000 grids, ~5,000 micro-grids; default 0.25)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--dispatchers", type=int, default=0,
                    help=f"dispatchers whose desk polls the feed every {DESK_POLL_S:g} s (default 0)")
    ap.add_argument("--fix-workers", type=int, default=0,
                    help=f"workers whose phone sends a batch of fixes every {FIX_BATCH_S:g} s (default 0)")
    ap.add_argument("--find-max", action="store_true",
                    help="step the whole district's mixed load (1,000 workers, 20 dispatchers, 2 reports/s, "
                         "--lookup-rate lookups/s per district) up by FACTORS until p99 > 200 ms or an error; "
                         "each step against /healthz at the same rate")
    ap.add_argument("--step-duration", type=float, default=20.0, help="seconds per --find-max step (default 20)")
    args = ap.parse_args(argv)
    if args.duration <= 0 or args.anchor_duration <= 0 or args.lookup_rate < 0 or args.report_rate < 0:
        ap.error("durations must be > 0 and rates >= 0")
    if args.lookup_rate + args.report_rate <= 0:
        ap.error("at least one of --lookup-rate and --report-rate must be > 0")
    return args


def prime(server: Gunicorn, factories: dict[str, RequestFactory], n: int, threads: int) -> int:
    """A few unmeasured requests of each kind, concurrently so every worker opens its connections.

    Returns how many reports were stored (201), for the final count check.
    """
    phase = Phase(server.base, factories, timeout=30, threads=threads)
    plan = [(0.0, kind, -1 - i) for kind in factories for i in range(n)]
    phase.run(plan, duration=0.0, desc="priming")
    bad = [s for s in phase.samples if s.status != EXPECTED_STATUS[s.kind]]
    if bad:
        raise RuntimeError("priming requests failed:\n" + "\n".join(error_summary(phase.samples)))
    return sum(1 for s in phase.samples if s.kind == "report")


def limiter_in_effect(base: str, point: tuple[float, float]) -> str:
    """What the app says about its rate limit on a lookup (Flask-Limiter's X-RateLimit-* headers).

    Shows that GRIDMAP_RATELIMIT_PUBLIC reached gunicorn: a run throttled by
    the default limit would only show up as a wall of 429s.
    """
    with loopback_session() as s:
        r = s.get(base + "/api/v1/lookup", params={"lon": point[0], "lat": point[1]}, timeout=10)
    limit = r.headers.get("X-RateLimit-Limit")
    if limit is None:
        return "no X-RateLimit-Limit header (limiter absent or its headers off)"
    return f"X-RateLimit-Limit: {limit} per window, X-RateLimit-Remaining: {r.headers.get('X-RateLimit-Remaining')}"


def mixed_rates(factor: float, lookup_rate: float) -> dict[str, float]:
    """The whole district's load (DISTRICT, plus ``lookup_rate`` lookups/s) times ``factor``, per endpoint."""
    return {"lookup": lookup_rate * factor, "report": DISTRICT["reports"] * factor,
            "desk": DISTRICT["dispatchers"] * factor / DESK_POLL_S, "fixes": DISTRICT["workers"] * factor / FIX_BATCH_S}


def find_max(args) -> int:
    """Step the district's mixed load up until a step does not hold (p99 > P99_LIMIT_MS or any error)."""
    started = time.perf_counter()
    key_prefix = f"load-{uuid.uuid4().hex[:12]}-"
    top = FACTORS[-1]
    results = []
    with ThrowawayDatabase("gridmap_load") as url:
        counts = prepare_database(url, args.seed, args.scale)
        engine = create_engine(url)
        try:
            points = sample_points(engine, 2000, args.seed)
        finally:
            engine.dispose()
        accounts = make_accounts(url, int(DISTRICT["dispatchers"] * top), int(DISTRICT["workers"] * top), args.seed)
        log(f"{len(accounts['dispatchers'])} dispatchers and {len(accounts['workers'])} workers with tokens")
        from datetime import datetime, timezone

        since = datetime.now(timezone.utc).isoformat()
        with Gunicorn(url, args.workers) as server:
            for factor in FACTORS:
                rates = mixed_rates(factor, args.lookup_rate)
                n_disp = max(1, int(DISTRICT["dispatchers"] * factor))
                n_work = max(1, int(DISTRICT["workers"] * factor))
                factories = {"lookup": lookup_factory(points, args.seed),
                             "report": report_factory(points, args.seed, f"{key_prefix}{factor}-"),
                             "desk": desk_factory(accounts["dispatchers"][:n_disp], since),
                             "fixes": fixes_factory(accounts["workers"][:n_work], points, args.seed),
                             "healthz": healthz_factory()}
                if factor == FACTORS[0]:
                    prime(server, factories, 4 * args.workers, 2 * args.workers)
                total = sum(rates.values())
                log(f"step x{factor:g}: {n_work} workers, {n_disp} dispatchers, {rates['report']:g} reports/s, "
                    f"{rates['lookup']:g} lookups/s = {total:.1f} requests/s for {args.step_duration:g} s")
                phase = Phase(server.base, factories, args.timeout, args.threads)
                elapsed = phase.run(schedule(rates, args.step_duration), args.step_duration, f"x{factor:g}")
                anchor_phase = Phase(server.base, factories, args.timeout, args.threads)
                anchor_elapsed = anchor_phase.run(schedule({"healthz": total}, args.anchor_duration),
                                                  args.anchor_duration, "anchor /healthz")
                rows = [summarise(phase.samples, k, r, args.step_duration, elapsed) for k, r in rates.items() if r > 0]
                anchor = summarise(anchor_phase.samples, "healthz", total, args.anchor_duration, anchor_elapsed)
                holds = all(r.errors == 0 and r.p99 <= P99_LIMIT_MS and r.rate_ok for r in rows)
                results.append((factor, total, rows, anchor, holds, error_summary(phase.samples)))
                log(f"step x{factor:g}: {'holds' if holds else 'does not hold'}; p99 "
                    + ", ".join(f"{r.kind} {r.p99:.0f} ms" for r in rows) + f"; healthz p99 {anchor.p99:.0f} ms")
                if not holds:
                    break
    lines = ["", f"Mixed load, gunicorn {args.workers} workers (as `make run`), demo scale {args.scale:g} "
                 f"({counts.get('grid', 0):,} grids); the district = {DISTRICT['workers']:,} workers (a batch of 3 "
                 f"fixes every {FIX_BATCH_S:g} s), {DISTRICT['dispatchers']} dispatchers (the desk feed every "
                 f"{DESK_POLL_S:g} s), {DISTRICT['reports']:g} reports/s, {args.lookup_rate:g} lookups/s; "
                 f"a step holds at p99 <= {P99_LIMIT_MS:g} ms with no error", ""]
    head = f"{'factor':>6}{'req/s':>8}  " + "".join(f"{k + ' p50/p99':>20}" for k in ("lookup", "report", "desk", "fixes")) \
        + f"{'healthz p50/p99':>20}{'p99 / healthz':>15}  holds"
    lines += [head, "-" * len(head)]
    for factor, total, rows, anchor, holds, _ in results:
        by = {r.kind: r for r in rows}
        worst = max(r.p99 for r in rows)
        lines.append(f"{factor:>6g}{total:>8.1f}  " + "".join(
            f"{by[k].p50:>10.1f}/{by[k].p99:<9.1f}" if k in by else f"{'-':>20}" for k in ("lookup", "report", "desk", "fixes"))
            + f"{anchor.p50:>10.1f}/{anchor.p99:<9.1f}{worst / anchor.p99:>15.1f}  {'yes' if holds else 'NO'}")
    held = [r for r in results if r[4]]
    if held:
        best = held[-1]
        lines.append(f"highest load held: x{best[0]:g} of the district = {best[1]:.1f} requests/s; its worst p99 is "
                     f"{max(r.p99 for r in best[2]) / best[3].p99:.1f}x /healthz's p99 at the same rate")
    else:
        lines.append("no step held")
    district = next((r for r in results if r[0] == 1.0), None)
    if district is None:
        lines.append("the whole district: not reached (a smaller step failed)")
    else:
        lines.append(f"the whole district: {'holds' if district[4] else 'does NOT hold'}"
                     + (f"; headroom x{held[-1][0]:g} (the last step that held)" if district[4] else ""))
    failing = [r for r in results if not r[4]]
    if failing:
        lines += [f"failures at x{failing[0][0]:g}:", *failing[0][5]]
    lines.append(f"(total wall time {time.perf_counter() - started:.0f} s)")
    print("\n".join(lines))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_sigterm()
    if args.find_max:
        return find_max(args)
    started = time.perf_counter()
    key_prefix = f"load-{uuid.uuid4().hex[:12]}-"
    rates = {"lookup": args.lookup_rate, "report": args.report_rate,
             "desk": args.dispatchers / DESK_POLL_S, "fixes": args.fix_workers / FIX_BATCH_S}
    rates = {k: r for k, r in rates.items() if r > 0}
    anchor_rate = sum(rates.values())

    with ThrowawayDatabase("gridmap_load") as url:
        counts = prepare_database(url, args.seed, args.scale)
        engine = create_engine(url)
        try:
            points = sample_points(engine, 2000, args.seed)
            before = count_reports(engine, key_prefix)
            accounts = make_accounts(url, args.dispatchers, args.fix_workers, args.seed)
            from datetime import datetime, timezone

            factories = {"lookup": lookup_factory(points, args.seed),
                         "report": report_factory(points, args.seed, key_prefix),
                         "healthz": healthz_factory()}
            if accounts["dispatchers"]:
                factories["desk"] = desk_factory(accounts["dispatchers"], datetime.now(timezone.utc).isoformat())
            if accounts["workers"]:
                factories["fixes"] = fixes_factory(accounts["workers"], points, args.seed)
            with Gunicorn(url, args.workers) as server:
                log(f"gunicorn: {args.workers} workers on {server.base}, "
                    f"GRIDMAP_RATELIMIT_PUBLIC={RATELIMIT_PUBLIC!r}")
                limiter = limiter_in_effect(server.base, points[0])
                log(f"rate limiter: {limiter}")
                primed = prime(server, factories, 4 * args.workers, 2 * args.workers)

                log(f"anchor: GET /healthz at {anchor_rate:g}/s for {args.anchor_duration:g} s")
                anchor_phase = Phase(server.base, factories, args.timeout, args.threads)
                anchor_elapsed = anchor_phase.run(schedule({"healthz": anchor_rate}, args.anchor_duration),
                                                  args.anchor_duration, "anchor /healthz")

                log("main run: " + " + ".join(f"{k} {r:g}/s" for k, r in rates.items())
                    + f" for {args.duration:g} s")
                main_phase = Phase(server.base, factories, args.timeout, args.threads)
                main_elapsed = main_phase.run(schedule(rates, args.duration), args.duration, "lookup+report")
            after = count_reports(engine, key_prefix)
        finally:
            engine.dispose()

    anchor = summarise(anchor_phase.samples, "healthz", anchor_rate, args.anchor_duration, anchor_elapsed)
    rows = [summarise(main_phase.samples, kind, rate, args.duration, main_elapsed)
            for kind, rate in rates.items() if rate > 0]
    created = primed + sum(1 for s in main_phase.samples if s.kind == "report" and s.status == 201)
    stored_ok = (after.with_run_key == after.distinct_run_keys == created
                 and after.total - before.total == created)

    all_samples = anchor_phase.samples + main_phase.samples
    failures = error_summary(all_samples)
    lines = [
        "",
        f"GridMap load test: {args.duration:g} s open loop over loopback, gunicorn {args.workers} workers on "
        f"127.0.0.1; demo scale {args.scale:g} ({counts.get('grid', 0):,} grids, {counts.get('micro', 0):,} "
        f"micro-grids); {len(points):,} lookup points inside coverage",
        f"gunicorn env: GRIDMAP_RATELIMIT_PUBLIC={RATELIMIT_PUBLIC!r} (all load comes from one address; the "
        f"limiter still runs on every request); the app answered: {limiter}",
        "latency = from the scheduled send time to the end of the response (no coordinated omission)",
        "",
        *table(rows, anchor),
        "max dispatch lag (request left late, client or pool busy): "
        + ", ".join(f"{r.kind} {r.lag_max:.1f} ms" for r in [*rows, anchor]),
        f"reports: {created:,} answered 201 (incl. {primed} priming); stored with this run's keys "
        f"{after.with_run_key:,} ({after.distinct_run_keys:,} distinct); report table "
        f"{before.total:,} -> {after.total:,}  {'OK' if stored_ok else 'MISMATCH'}",
    ]
    if failures:
        lines += ["failures:", *failures]
    slow = [r for r in [*rows, anchor] if not r.rate_ok]
    for r in slow:
        lines.append(f"{LABELS[r.kind]}: {r.rate:.1f}/s is below {MIN_RATE_SHARE:.0%} of the target {r.target:g}/s")
    passed = not failures and not slow and stored_ok
    lines.append(f"{'PASS' if passed else 'FAIL'}  (total wall time {time.perf_counter() - started:.0f} s)")
    print("\n".join(lines))
    return 0 if passed else 1


if __name__ == "__main__":
    run(main, "interrupted; gunicorn was stopped and the throwaway database dropped")
