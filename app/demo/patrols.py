"""Demo patrols: worker accounts, key places and two days of GPS tracks, through the real ingest path.

A handful of grid workers (spread over the district) get an account
(``demo-<grid code>``, role worker, their grid as area, linked to their staff
record and phone). The accounts cannot sign in until an administrator sets a
password (``flask users set-password``): a demo must not ship known
passwords. Each walks their grid during the working
hours (up to now) with a fix every 20 s -- the last two working days up to today, and today
(weekend duty) when it is not one, so a weekend or holiday load still shows online rates; a few fixes are GPS jumps or have
poor accuracy, so the rejected-fix handling shows too. Each walk day is also
one stopped patrol session (started and stopped on the phone), and each
walker has visited about 60 % of the households in their grid this month
(入户走访), so the sessions list and the "households visited this cycle"
figures have something to show. Schools (the dedicated grids) and a market
or construction site per chosen grid become key places.
"""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone

import numpy as np
import shapely
from sqlalchemy import insert, select, text, update

from app.events import deadlines
from app.extensions import db
from app.models import User, UserArea
from app.patrols.ingest import IncomingFix, ingest
from app.patrols.period import BEIJING

DEMO_WORKERS = 16
FIX_EVERY_S = 20
#: Share (in 1/100) of the households in a walker's grid visited this month.
VISITED_PERCENT = 60
VISIT_NOTE = "入户走访"
#: Unusable as an argon2 hash: verification fails until a password is set.
NO_PASSWORD = "!demo-account-without-password"


def _chosen_grids(n: int, district_code: str | None = None) -> list:
    """``n`` staffed grids spread over the district (``district_code``; None: every district), those
    holding household addresses first:
    the demo's address library covers only some grids, and a walker elsewhere would have no
    household to visit (the KPI page would show 0/0 for every one of them)."""
    rows = db.session.execute(text("""
        SELECT DISTINCT ON (g.code) g.code, g.name, g.district_code, s.id AS staff_id, s.name AS staff_name, s.phone,
               ST_AsBinary(g.geom) AS wkb,
               -- a hashed set of the grids above a household's grid: "g.id = ANY(mg.lineage)" per grid
               -- would test every (grid, address) pair
               g.id IN (SELECT unnest(mg.lineage) FROM grid mg JOIN household_address h ON h.grid_id = mg.id)
                 AS has_households
        FROM grid_current g
        JOIN staff_assignment a ON a.grid_code = g.code AND a.role = 'grid_worker'
        JOIN staff s ON s.id = a.staff_id AND s.active
        WHERE g.level = 'grid' AND g.kind = 'regular'
          AND (CAST(:district_code AS text) IS NULL OR g.district_code = :district_code)
        ORDER BY g.code, s.id"""), {"district_code": district_code}).all()
    chosen: list = []
    for pool in ([r for r in rows if r.has_households], [r for r in rows if not r.has_households]):
        wanted = n - len(chosen)
        if wanted > 0 and pool:
            chosen += pool[::max(1, len(pool) // wanted)][:wanted]
    return sorted(chosen, key=lambda r: r.code)


def _accounts(grids) -> dict[str, int]:
    """User id per grid code, creating the missing demo accounts in two bulk statements.

    One account per person: a grid worker who has an account already (the sign-in account
    ``worker`` stands for one, app.demo.accounts) keeps it, and gets no ``demo-<grid code>``
    twin; a twin left by an older demo load is switched off, so the assignee picker and the
    rankings list the person once."""
    by_staff = dict(db.session.execute(
        select(User.staff_id, User.id).where(User.staff_id.in_([g.staff_id for g in grids]),
                                             User.role == "worker", User.active,
                                             User.username.not_like("demo-%"))).all())
    if by_staff:
        twins = [f"demo-{g.code}" for g in grids if g.staff_id in by_staff]
        db.session.execute(update(User).where(User.username.in_(twins)).values(active=False))
    names = {f"demo-{g.code}": g for g in grids if g.staff_id not in by_staff}
    existing = dict(db.session.execute(select(User.username, User.id).where(User.username.in_(names))).all())
    new = [{"username": u, "display_name": g.staff_name, "phone": g.phone, "role": "worker",
            "password_hash": NO_PASSWORD, "staff_id": g.staff_id, "district_code": g.district_code}
           for u, g in names.items() if u not in existing]
    if new:
        ids = db.session.execute(insert(User).returning(User.id, sort_by_parameter_order=True), new).scalars().all()
        db.session.execute(insert(UserArea), [{"user_id": i, "grid_code": names[row["username"]].code}
                                              for i, row in zip(ids, new)])
        existing.update({row["username"]: i for i, row in zip(ids, new)})
    return {g.code: by_staff[g.staff_id] if g.staff_id in by_staff else existing[f"demo-{g.code}"] for g in grids}


def _existing_workers(exclude: set[int], district_code: str | None = None) -> list[tuple[int, object]]:
    """Worker accounts made elsewhere (e.g. the demo sign-in account ``worker``) with a grid-level area:
    they patrol too, so whoever signs in as a worker sees their own track and figures."""
    rows = db.session.execute(text("""
        SELECT DISTINCT ON (u.id) u.id AS user_id, g.code, g.name, ST_AsBinary(g.geom) AS wkb
        FROM app_user u
        JOIN user_area ua ON ua.user_id = u.id
        JOIN grid_current g ON g.code = ua.grid_code AND g.level = 'grid' AND g.kind = 'regular'
        -- demo-<grid> accounts are the chosen walkers' or app.demo.events' (every staffed grid): not walkers.
        WHERE u.role = 'worker' AND u.active AND u.username NOT LIKE 'demo-%'
          AND (CAST(:district_code AS text) IS NULL OR g.district_code = :district_code)
        ORDER BY u.id, g.code"""), {"district_code": district_code}).all()
    return [(r.user_id, r) for r in rows if r.user_id not in exclude]


def _inside_points(poly, n: int, rng) -> np.ndarray:
    x0, y0, x1, y1 = poly.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        cand = np.column_stack([rng.uniform(x0, x1, 4 * n), rng.uniform(y0, y1, 4 * n)])
        out = np.vstack([out, cand[shapely.contains_xy(poly, cand[:, 0], cand[:, 1])]])
    return out[:n]


def _walk(poly, start, steps: int, rng) -> np.ndarray:
    """A walk of ~1.1 m/s that keeps its heading for a while and turns back at the grid's edge."""
    deg = 1 / 111_000
    pts = [np.asarray(start, dtype=float)]
    heading = rng.uniform(0, 2 * np.pi)
    for _ in range(steps - 1):
        heading += rng.normal(0, 0.35)
        for _attempt in range(8):
            d = FIX_EVERY_S * rng.uniform(0.6, 1.6) * deg
            nxt = pts[-1] + [d * np.cos(heading) / np.cos(np.radians(pts[-1][1])), d * np.sin(heading)]
            if shapely.contains_xy(poly, nxt[0], nxt[1]):
                break
            heading += rng.uniform(np.pi / 2, 3 * np.pi / 2)
        else:
            nxt = pts[-1]
        pts.append(nxt)
    return np.array(pts)


def _places(grids, district_code: str, rng, district_only: bool = False) -> int:
    rows = []
    for code, name, wkb in db.session.execute(text(
            "SELECT code, name, ST_AsBinary(ST_PointOnSurface(geom)) FROM grid_current WHERE kind = 'dedicated' "
            "AND (NOT :only OR district_code = :d) ORDER BY code"), {"only": district_only, "d": district_code}).all():
        p = shapely.from_wkb(bytes(wkb))
        rows.append({"code": f"D{code}", "name": name, "kind": "school", "x": p.x, "y": p.y, "r": 60, "t": 5})
    kinds = [("market", "农贸市场", 3, "M"), ("construction_site", "建筑工地", 2, "C"),
             ("elderly_home", "养老服务中心", 1, "E")]
    for k, g in enumerate(grids):
        kind, label, target, letter = kinds[k % len(kinds)]
        (x, y), = _inside_points(shapely.from_wkb(bytes(g.wkb)), 1, rng)
        rows.append({"code": f"D{g.code}-{letter}", "name": f"{g.name}{label}", "kind": kind, "x": x, "y": y,
                     "r": 50, "t": target})
    if not rows:
        return 0
    return db.session.execute(text("""
        INSERT INTO patrol_place (district_code, code, name, kind, geom, radius_m, visits_per_week)
        SELECT :d, r->>'code', r->>'name', r->>'kind',
               ST_SetSRID(ST_MakePoint((r->>'x')::float8, (r->>'y')::float8), 4326),
               (r->>'r')::real, (r->>'t')::real
        FROM jsonb_array_elements(CAST(:rows AS jsonb)) r
        ON CONFLICT (district_code, code) DO NOTHING"""),
        {"d": district_code, "rows": json.dumps(rows, ensure_ascii=False)}).rowcount


_SESSIONS = text("""
-- One stopped session per walker and Beijing walk day, from the first to the
-- last stored fix. A day that already overlaps a session of the worker (a
-- second load, or a session the worker ran) gets none: no overlaps, no
-- second open session (ours are all stopped; stopped_at >= started_at).
INSERT INTO patrol_session (district_code, worker_id, started_at, stopped_at)
SELECT :district_code, d.worker_id, d.first_fix, d.last_fix
FROM (
  SELECT f.worker_id, min(f.time) AS first_fix, max(f.time) AS last_fix
  FROM patrol_fix f
  WHERE f.worker_id = ANY(CAST(:workers AS integer[])) AND f.time >= :t_from AND f.time < :t_to
  GROUP BY f.worker_id, CAST(f.time AT TIME ZONE 'Asia/Shanghai' AS date)
) d
WHERE NOT EXISTS (SELECT 1 FROM patrol_session s
                  WHERE s.worker_id = d.worker_id AND s.started_at <= d.last_fix
                    AND (s.stopped_at IS NULL OR s.stopped_at >= d.first_fix))
""")

# Households are the view household_address (migration 0014), as in the patrol
# figures. The walker's grid holds an address when its assigned grid has the
# grid in its lineage.
# Which households, and on which day of the month up to today, follow from a
# hash of seed, worker and address: the same every load. An address the
# worker visited this month already is skipped, so a load on a later day adds
# nothing twice either.
_VISITS = text("""
WITH household AS (  -- household-level addresses: the view of migration 0014
  SELECT a.id, a.grid_id FROM household_address a
  WHERE a.district_code = :district_code AND a.grid_id IS NOT NULL
),
walker AS (
  SELECT w.worker_id, g.id AS grid_id
  FROM unnest(CAST(:workers AS integer[]), CAST(:grids AS text[])) AS w(worker_id, grid_code)
  JOIN grid_current g ON g.code = w.grid_code
),
pick AS (
  SELECT DISTINCT w.worker_id, h.id AS address_id,
         hashtext(CAST(:seed AS text) || '/' || w.worker_id || '/' || h.id)::bigint & 2147483647 AS k
  FROM walker w JOIN grid ag ON w.grid_id = ANY(ag.lineage) JOIN household h ON h.grid_id = ag.id
),
chosen AS (
  SELECT p.worker_id, p.address_id, p.k,
         (CAST(:days AS date[]))[1 + p.k % cardinality(CAST(:days AS date[]))] AS day
  FROM pick p
  WHERE p.k % 100 < :percent
    AND NOT EXISTS (SELECT 1 FROM household_visit v
                    WHERE v.worker_id = p.worker_id AND v.address_id = p.address_id AND v.visited_at >= :cycle_from)
),
timed AS (
  -- In working hours: 08:30-12:00 and 14:00-17:30 (210 minutes each), never over lunch. On past
  -- days anywhere in them; today in the working minutes already past (before 08:30, when none
  -- are, between midnight and now).
  SELECT c.worker_id, c.address_id,
         CASE WHEN c.day = CAST(:today AS date) AND o.worked = 0
              THEN o.midnight + (CAST(:now AS timestamptz) - o.midnight) * ((c.k / 100 % 1000) / 1000.0)
              ELSE o.midnight + interval '8 hours 30 minutes'
                   + make_interval(secs => 60 * (o.minute + CASE WHEN o.minute >= 210 THEN 120 ELSE 0 END))
         END AS visited_at
  FROM chosen c
  CROSS JOIN LATERAL (
    SELECT m.midnight, w.worked,
           CASE WHEN c.day < CAST(:today AS date) THEN c.k / 100 % 420
                ELSE floor(w.worked * ((c.k / 100 % 1000) / 1000.0)) END AS minute
    FROM (SELECT c.day::timestamp AT TIME ZONE 'Asia/Shanghai' AS midnight) m
    CROSS JOIN LATERAL (
      SELECT least(greatest(extract(epoch FROM CAST(:now AS timestamptz) - (m.midnight + interval '8 hours 30 minutes')) / 60, 0), 210)
           + least(greatest(extract(epoch FROM CAST(:now AS timestamptz) - (m.midnight + interval '14 hours')) / 60, 0), 210)
             AS worked) w) o
)
INSERT INTO household_visit (district_code, worker_id, address_id, visited_at, day, note)
SELECT :district_code, t.worker_id, t.address_id, t.visited_at,
       CAST(t.visited_at AT TIME ZONE 'Asia/Shanghai' AS date), :note
FROM timed t
ON CONFLICT ON CONSTRAINT uq_household_visit_day DO NOTHING
""")


def _sessions(district_code: str, workers: list[int], first_day, last_day) -> int:
    return db.session.execute(_SESSIONS, {
        "district_code": district_code, "workers": workers,
        "t_from": datetime.combine(first_day, time(0), BEIJING),
        "t_to": datetime.combine(last_day + timedelta(days=1), time(0), BEIJING)}).rowcount


def _walk_days(today) -> list:
    """The last two working days up to today, and today (weekend duty, when it is not one), oldest
    first: the online rate counts working hours only, and the patrol map opens on today."""
    calendar = deadlines.calendar()
    days, day = {today}, today
    while sum(calendar.is_working_day(d) for d in days) < 2:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            days.add(day)
    return sorted(days)


def _visit_days(month_start, today) -> list:
    """The working days of the month so far (the event loop's calendar: weekends and public holidays
    off), today included if it is one; the month's first day if none is yet (1 May, say)."""
    calendar = deadlines.calendar()
    days = [month_start + timedelta(days=i) for i in range((today - month_start).days + 1)]
    return [d for d in days if calendar.is_working_day(d)] or [month_start]


def _visits(district_code: str, walkers, today, now: datetime, seed: int) -> int:
    month_start = today.replace(day=1)
    return db.session.execute(_VISITS, {
        "district_code": district_code, "workers": [w for w, _g in walkers], "grids": [g.code for _w, g in walkers],
        "seed": str(seed), "percent": VISITED_PERCENT,
        "days": _visit_days(month_start, today), "today": today, "now": now,
        "cycle_from": datetime.combine(month_start, time(0), BEIJING), "note": VISIT_NOTE}).rowcount


def load_patrols(district_code: str, *, now: datetime | None = None, workers: int = DEMO_WORKERS,
                 seed: int = 2024, district_only: bool = False) -> dict:
    """Accounts, key places, yesterday's and today's tracks and sessions, this month's household visits;
    the caller commits. ``district_only``: walkers and places of that district's grids only (the demo
    city loads each district in turn); else of every grid, as when one deployment was one district.

    Worker accounts that exist already (with a grid as area) get tracks too;
    running it again adds nothing twice (the fixes are the same, the ingest
    path skips stored ones; sessions and visits skip what is there).
    """
    now = now or datetime.now(timezone.utc)
    rng = np.random.default_rng([seed, 6] if district_code == "410102" else [seed, 6, int(district_code)])
    only = district_code if district_only else None
    grids = _chosen_grids(workers, only)
    if not grids:
        return {"workers": 0, "places": 0, "fixes": 0, "rejected": 0, "sessions": 0, "visits": 0}
    ids = _accounts(grids)
    places = _places(grids, district_code, rng, district_only)
    walkers = [(ids[g.code], g) for g in grids] + _existing_workers(set(ids.values()), only)
    today = now.astimezone(BEIJING).date()
    walk_days = _walk_days(today)
    fixes: list[IncomingFix] = []
    for user_id, g in walkers:
        poly = shapely.from_wkb(bytes(g.wkb))
        shapely.prepare(poly)
        for day in walk_days:
            for start, end in ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30))):
                if rng.random() < 0.15:
                    continue  # this worker was not out this half-day
                t_start = datetime.combine(day, start, BEIJING) + timedelta(minutes=int(rng.integers(0, 40)))
                t_end = min(datetime.combine(day, end, BEIJING) - timedelta(minutes=int(rng.integers(0, 60))), now)
                steps = int((t_end - t_start).total_seconds() // FIX_EVERY_S)
                if steps < 2:
                    continue
                track = _walk(poly, _inside_points(poly, 1, rng)[0], steps, rng)
                for k, (x, y) in enumerate(track):
                    accuracy = float(rng.uniform(3, 25))
                    if rng.random() < 0.003:
                        x += 0.03          # a GPS jump: rejected as speed_jump
                    elif rng.random() < 0.005:
                        accuracy = 120.0   # rejected as poor_accuracy
                    fixes.append(IncomingFix(len(fixes), user_id, t_start + timedelta(seconds=k * FIX_EVERY_S),
                                             float(x), float(y), round(accuracy, 1)))
    result = ingest(fixes, now=now, lookup_already=False) if fixes else None
    sessions = _sessions(district_code, [w for w, _g in walkers], walk_days[0], walk_days[-1])
    visits = _visits(district_code, walkers, today, now, seed)
    return {"workers": len(walkers), "places": places, "fixes": result.stored if result else 0,
            "rejected": result.rejected if result else 0, "sessions": sessions, "visits": visits}
