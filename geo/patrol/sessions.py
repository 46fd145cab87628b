"""Patrol sessions (:func:`split_sessions`): a worker's fixes in time order form one session
until two consecutive fixes are more than ``max_gap_s`` apart (default 300 s); that gap starts a
new session. A gap of exactly ``max_gap_s`` does not split.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Hashable, Iterable

import numpy as np
from shapely.geometry import LineString

from geo.crs import distance_m
from geo.patrol.fixes import Fix, _times_us, _to_wgs84_batch, _worker_codes

__all__ = ["MAX_GAP_S", "PatrolSession", "split_sessions"]


MAX_GAP_S = 300.0


@dataclass(eq=False)
class PatrolSession:
    """One uninterrupted patrol of one worker.

    ``distance_m`` is the sum of geodesic distances (WGS-84 ellipsoid)
    between consecutive fixes. ``track`` is the WGS-84 LineString through
    the fixes in time order, None for a single-fix session (a LineString
    needs two points); ``times``/``points`` hold the fixes themselves, ready
    for :func:`time_inside`.
    """

    worker_id: Hashable
    start: datetime
    end: datetime
    fix_count: int
    distance_m: float
    track: LineString | None
    times: tuple[datetime, ...] = field(repr=False)
    points: np.ndarray = field(repr=False)

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


def split_sessions(fixes: Iterable[Fix], *, max_gap_s: float = MAX_GAP_S) -> list[PatrolSession]:
    """Cut each worker's fixes into sessions at gaps longer than ``max_gap_s``.

    Pass accepted fixes (``check_fixes(...).accepted``); other systems than
    WGS-84 are converted. Fixes are put in time order per worker (input
    order breaks ties); a gap of more than ``max_gap_s`` seconds between two
    consecutive fixes starts a new session, exactly ``max_gap_s`` does not.
    Sessions come grouped by worker (first appearance in the input), each
    worker's in time order.

    Raises
    ------
    ValueError
        If a fix has no valid position or no aware time.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> t0 = datetime(2024, 5, 6, 8, 0, tzinfo=timezone.utc)
    >>> fixes = [Fix("w1", t0 + timedelta(seconds=s), 113.62 + s * 1e-5, 34.75) for s in (0, 10, 20, 900)]
    >>> [(s.fix_count, s.duration_s, s.track is None) for s in split_sessions(fixes)]
    [(3, 20.0, False), (1, 0.0, True)]
    """
    fixes = list(fixes)
    if not fixes:
        return []
    lon, lat, detail = _to_wgs84_batch(fixes)
    bad = [i for i, d in enumerate(detail) if d]
    if bad:
        raise ValueError(f"fixes[{bad[0]}] has no valid position ({detail[bad[0]]}); "
                         "pass check_fixes(...).accepted")
    t_us = _times_us(fixes)
    w, _ = _worker_codes(fixes)
    order = np.lexsort((np.arange(len(fixes)), t_us, w))
    w, t_us, lon, lat = w[order], t_us[order], lon[order], lat[order]
    starts = _session_starts(w, t_us, max_gap_s)
    step = _step_distances(lon, lat)
    step[starts[1:] - 1] = 0.0  # no distance across a session boundary
    bounds = np.append(starts, len(order))
    return [_session([fixes[i] for i in order[s:e]], lon[s:e], lat[s:e], float(step[s:e - 1].sum()))
            for s, e in zip(bounds[:-1], bounds[1:], strict=True)]


def _session_starts(w: np.ndarray, t_us: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Row positions (in worker/time order) that open a session."""
    new = np.ones(w.size, dtype=bool)
    new[1:] = (w[1:] != w[:-1]) | ((t_us[1:] - t_us[:-1]) > max_gap_s * 1e6)
    return np.flatnonzero(new)


def _step_distances(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Geodesic distance (WGS-84 ellipsoid) from each row to the next (length n - 1)."""
    if lon.size < 2:
        return np.zeros(0)
    return np.atleast_1d(distance_m(lon[:-1], lat[:-1], lon[1:], lat[1:])).astype(float)


def _session(fixes: list[Fix], lon: np.ndarray, lat: np.ndarray, distance: float) -> PatrolSession:
    points = np.column_stack([lon, lat])
    track = LineString(points) if len(fixes) > 1 else None
    return PatrolSession(fixes[0].worker_id, fixes[0].time, fixes[-1].time, len(fixes), distance, track,
                         tuple(f.time for f in fixes), points)

