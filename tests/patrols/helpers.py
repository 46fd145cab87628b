"""Tracks at known metric offsets over the sample district (tests/samples.py).

Grid 410102001001001 is lon 113.60-113.61, lat 34.75-34.76; its east
neighbour 410102001001002 is lon 113.61-113.62. ``at(east, north)`` gives
WGS-84 positions metres away from the point on their shared edge at
(113.61, 34.755), so a walk east crosses the boundary at a known time.
"""
from __future__ import annotations

import time as clock
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pyproj

BEIJING = ZoneInfo("Asia/Shanghai")
WEST = "410102001001001"
EAST = "410102001001002"
EDGE = (113.61, 34.755)
#: A plain working day (Tuesday) in 2026, whose holidays the calendar knows.
DAY = date(2026, 5, 12)
T0 = datetime.combine(DAY, time(9, 0), BEIJING)
NOW = T0 + timedelta(days=1)

_AEQD = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={EDGE[1]} +lon_0={EDGE[0]} +datum=WGS84 +units=m")
_TO_LONLAT = pyproj.Transformer.from_crs(_AEQD, "EPSG:4326", always_xy=True)


def at(east_m: float, north_m: float = 0.0) -> tuple[float, float]:
    lon, lat = _TO_LONLAT.transform(east_m, north_m)
    return float(lon), float(lat)


def walk(start_s: float, n: int, *, every_s: float = 10.0, from_m=(-100.0, 0.0), step_m=(12.0, 0.0),
         t0: datetime = T0) -> list[tuple[datetime, float, float]]:
    """``n`` fixes every ``every_s`` seconds from ``from_m``, moving ``step_m`` each time."""
    out = []
    for k in range(n):
        lon, lat = at(from_m[0] + k * step_m[0], from_m[1] + k * step_m[1])
        out.append((t0 + timedelta(seconds=start_s + k * every_s), lon, lat))
    return out


def as_json(track, accuracy: float = 8.0) -> list[dict]:
    return [{"time": t.isoformat(), "lon": lon, "lat": lat, "accuracy": accuracy} for t, lon, lat in track]


def make_worker(username: str, areas=(WEST,), phone: str | None = None):
    from app.auth import users

    return users.create(username, "correct-horse-battery", "worker", display_name=username, areas=list(areas),
                        phone=phone)


def store(worker_id: int, track, *, now: datetime = NOW, accuracy: float = 8.0):
    """Put fixes in through the real ingest path (no HTTP), with a fixed server clock."""
    from app.extensions import db
    from app.patrols.ingest import IncomingFix, ingest

    fixes = [IncomingFix(i, worker_id, t, lon, lat, accuracy, None, sent={}) for i, (t, lon, lat) in enumerate(track)]
    result = ingest(fixes, now=now)
    db.session.commit()
    return result


@contextmanager
def roll_ups_held():
    """Hold the advisory lock every roll-up of the scope ``grid`` takes first (app.patrols.rollup): a
    roll-up job started meanwhile waits there, running, until the block ends. No timing involved."""
    from sqlalchemy import text

    from app.extensions import db

    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(hashtext('patrol_rollup:grid'))"))
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtext('patrol_rollup:grid'))"))
            conn.commit()


def rollup_jobs() -> list[tuple[int, str]]:
    """(id, state) of every roll-up job, read on a connection of its own (what another process sees)."""
    from sqlalchemy import text

    from app.extensions import db

    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT id, state FROM job WHERE kind = 'patrol_rollup' "
                                                    "ORDER BY id"))]


def wait_for_rollup_jobs(timeout: float = 120) -> None:
    """Until no roll-up job is queued or running (bounded): none may write while committed tables are emptied."""
    deadline = clock.monotonic() + timeout
    while any(state in ("queued", "running") for _, state in rollup_jobs()) and clock.monotonic() < deadline:
        clock.sleep(0.1)
