"""Demo patrols: worker accounts, key places and two days of GPS tracks, through the real ingest path.

A handful of grid workers (spread over the district) get an account
(``demo-<grid code>``, role worker, their grid as area, linked to their staff
record and phone). The accounts cannot sign in until an administrator sets a
password (``flask users set-password``): a demo must not ship known
passwords. Each walks their grid during yesterday's and today's working
hours (up to now) with a fix every 20 s; a few fixes are GPS jumps or have
poor accuracy, so the rejected-fix handling shows too. Schools (the
dedicated grids) and a market or construction site per chosen grid become
key places.
"""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone

import numpy as np
import shapely
from sqlalchemy import insert, select, text

from app.extensions import db
from app.models import User, UserArea
from app.patrols.ingest import IncomingFix, ingest
from app.patrols.period import BEIJING

DEMO_WORKERS = 16
FIX_EVERY_S = 20
#: Unusable as an argon2 hash: verification fails until a password is set.
NO_PASSWORD = "!demo-account-without-password"


def _chosen_grids(n: int) -> list:
    rows = db.session.execute(text("""
        SELECT DISTINCT ON (g.code) g.code, g.name, s.id AS staff_id, s.name AS staff_name, s.phone,
               ST_AsBinary(g.geom) AS wkb
        FROM grid g
        JOIN staff_assignment a ON a.grid_code = g.code AND a.role = 'grid_worker'
        JOIN staff s ON s.id = a.staff_id AND s.active
        WHERE g.generation_high IS NULL AND g.draft_id IS NULL AND g.level = 'grid' AND g.kind = 'regular'
        ORDER BY g.code, s.id""")).all()
    if not rows:
        return []
    step = max(1, len(rows) // n)
    return rows[::step][:n]


def _accounts(grids) -> dict[str, int]:
    """User id per grid code, creating the missing demo accounts in two bulk statements."""
    names = {f"demo-{g.code}": g for g in grids}
    existing = dict(db.session.execute(select(User.username, User.id).where(User.username.in_(names))).all())
    new = [{"username": u, "display_name": g.staff_name, "phone": g.phone, "role": "worker",
            "password_hash": NO_PASSWORD, "staff_id": g.staff_id} for u, g in names.items() if u not in existing]
    if new:
        ids = db.session.execute(insert(User).returning(User.id, sort_by_parameter_order=True), new).scalars().all()
        db.session.execute(insert(UserArea), [{"user_id": i, "grid_code": names[row["username"]].code}
                                              for i, row in zip(ids, new)])
        existing.update({row["username"]: i for i, row in zip(ids, new)})
    return {g.code: existing[f"demo-{g.code}"] for g in grids}


def _existing_workers(exclude: set[int]) -> list[tuple[int, object]]:
    """Worker accounts made elsewhere (e.g. the demo sign-in account ``worker``) with a grid-level area:
    they patrol too, so whoever signs in as a worker sees their own track and figures."""
    rows = db.session.execute(text("""
        SELECT DISTINCT ON (u.id) u.id AS user_id, g.code, g.name, ST_AsBinary(g.geom) AS wkb
        FROM app_user u
        JOIN user_area ua ON ua.user_id = u.id
        JOIN grid g ON g.code = ua.grid_code AND g.generation_high IS NULL AND g.draft_id IS NULL
                   AND g.level = 'grid' AND g.kind = 'regular'
        -- demo-<grid> accounts are the chosen walkers' or app.demo.events' (every staffed grid): not walkers.
        WHERE u.role = 'worker' AND u.active AND u.username NOT LIKE 'demo-%'
        ORDER BY u.id, g.code""")).all()
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


def _places(grids, district_code: str, rng) -> int:
    rows = []
    for code, name, wkb in db.session.execute(text(
            "SELECT code, name, ST_AsBinary(ST_PointOnSurface(geom)) FROM grid WHERE kind = 'dedicated' "
            "AND generation_high IS NULL AND draft_id IS NULL ORDER BY code")).all():
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


def load_patrols(district_code: str, *, now: datetime | None = None, workers: int = DEMO_WORKERS,
                 seed: int = 2024) -> dict:
    """Accounts, key places and yesterday's and today's tracks; the caller commits.

    Worker accounts that exist already (with a grid as area) get tracks too;
    running it again adds nothing twice (the fixes are the same, the ingest
    path skips stored ones).
    """
    now = now or datetime.now(timezone.utc)
    rng = np.random.default_rng([seed, 6])
    grids = _chosen_grids(workers)
    if not grids:
        return {"workers": 0, "places": 0, "fixes": 0, "rejected": 0}
    ids = _accounts(grids)
    places = _places(grids, district_code, rng)
    walkers = [(ids[g.code], g) for g in grids] + _existing_workers(set(ids.values()))
    today = now.astimezone(BEIJING).date()
    fixes: list[IncomingFix] = []
    for user_id, g in walkers:
        poly = shapely.from_wkb(bytes(g.wkb))
        shapely.prepare(poly)
        for day in (today - timedelta(days=1), today):
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
    return {"workers": len(walkers), "places": places, "fixes": result.stored if result else 0,
            "rejected": result.rejected if result else 0}
