"""Patrol GPS: check incoming fixes, split patrol sessions, measure a grid's patrol.

Grid workers' phones send GPS fixes while they patrol. This module is the
pure reference implementation of what happens to them; the production path
computes the same measures in PostGIS, and tests compare the two, so every
definition below is meant to be reproducible exactly.

Checking a batch (:func:`check_fixes`)
--------------------------------------
Each fix gets exactly one verdict: accepted, or rejected with the *first*
reason that applies, in this order (reason codes are stable; the app
translates them using ``params``; all params are JSON-ready):

bad_coordinate  params: detail -- one of ``not_a_number`` (lon/lat is not a
                real number), ``not_finite`` (NaN, inf), ``unknown_crs`` (the
                declared system is not one :func:`geo.crs.parse_crs` knows),
                ``out_of_range`` (geographic input beyond +-180 / +-90 degrees),
                ``not_convertible`` (no finite in-range WGS-84 result, or a
                result that does not convert back to the input within 1 cm
                -- 1e-7 degree for geographic systems -- which catches
                projections wrapping absurd eastings/northings).
future_time     params: ahead_s, limit_s -- the fix is more than ``max_future``
                (default 2 min, a phone clock's plausible skew) later than
                ``now``; exactly ``now + max_future`` is accepted.
poor_accuracy   params: accuracy_m, limit_m -- the reported accuracy radius is
                over ``max_accuracy_m`` (default 50 m), or is not a finite
                number >= 0 (then ``accuracy_m`` is None). A missing accuracy
                (None) is accepted: not every source reports one.
duplicate       params: first_index -- an earlier fix of the batch (lower
                index) with the same worker and the same instant (timezones
                normalised, microsecond resolution) survived the three
                checks above; the first such copy is kept.
speed_jump      params: speed_mps, limit_mps, distance_m, interval_s,
                previous_index -- see below.

Speed rule. The fixes of one worker that survived the checks above are put
in time order (duplicates are gone, so there are no ties; a stored
``previous`` fix sorts before a batch fix of the same instant). Each is
compared with the *previous accepted* fix in that order: speed = geodesic
distance (WGS-84 ellipsoid) / max(interval, 1 s); it is a ``speed_jump`` when
the speed is over ``max_speed_mps`` (default 40 m/s = 144 km/h: a car on an
urban expressway, far beyond a walking or e-bike patrol). A rejected fix is
never the reference for the next one, so one outlier does not poison the
fixes after it. The 1 s floor keeps the rule defined for sub-second (and,
against a stored fix, equal) timestamps, where GPS noise would otherwise
read as absurd speeds. The first fix of a worker has nothing to be compared
with unless the caller passes the worker's last stored fix as ``previous``
(then ``previous_index`` is None when the reference is that stored fix). Known
limit of the rule: if that first fix is itself an outlier, the worker's
later fixes in the batch are judged against it.

All coordinates are converted to WGS-84 first (:func:`geo.crs.to_wgs84`,
vectorised per declared system), so a GCJ-02 fix from AMap and a WGS-84 fix
of the same spot -- about 570 m apart as raw numbers in Zhengzhou -- are 0 m
apart here.

Sessions (:func:`split_sessions`)
---------------------------------
A worker's fixes in time order form one session until two consecutive fixes
are more than ``max_gap_s`` apart (default 300 s); that gap starts a new
session. A gap of exactly ``max_gap_s`` does not split.

Time inside a polygon (:func:`time_inside`)
-------------------------------------------
Each segment between two consecutive fixes (time order) contributes its
duration times the fraction of its length inside the polygon (the boundary
counts as inside). Segments longer than ``max_gap_s`` contribute *nothing*:
the same threshold ends a session, so nobody is credited with time they were
not observed (no capped partial credit). Zero-length segments (the worker
standing still) count fully if the point is covered by the polygon.

Cell coverage (:func:`visited_cells`)
-------------------------------------
The polygon is projected to an azimuthal equidistant projection centred on
its (planar lon/lat) centroid and cut by a square grid of ``cell_m`` cells
aligned to that centre (the projection's origin, as PostGIS ``ST_SquareGrid``
aligns cells). A cell belongs to the polygon when at least ``min_part``
(10 %) of its area lies inside; it is visited when the track comes within
``buffer_m`` (5 m) of the cell's inside part (the track buffered by 5 m meets it).

Examples
--------
>>> from datetime import datetime, timedelta, timezone
>>> t0 = datetime(2024, 5, 6, 8, 0, tzinfo=timezone(timedelta(hours=8)))
>>> fixes = [Fix("w1", t0, 113.62, 34.75, 8.0), Fix("w1", t0 + timedelta(seconds=10), 113.6202, 34.75, 8.0),
...          Fix("w1", t0 + timedelta(seconds=20), 113.65, 34.75, 8.0)]
>>> checked = check_fixes(fixes, now=t0 + timedelta(minutes=1))
>>> [(v.index, v.reason) for v in checked.verdicts]
[(0, None), (1, None), (2, 'speed_jump')]
>>> checked.verdicts[2].params["limit_mps"], checked.verdicts[2].params["previous_index"]
(40.0, 1)
>>> [(s.fix_count, round(s.distance_m, 1)) for s in split_sessions(checked.accepted)]
[(2, 18.3)]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from numbers import Real
from typing import Hashable, Iterable, Mapping, NamedTuple, Sequence

import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from geo.crs import UnknownCRSError, distance_m, from_wgs84, parse_crs, to_wgs84

__all__ = [
    "REASONS", "MAX_ACCURACY_M", "MAX_SPEED_MPS", "MAX_FUTURE", "MIN_INTERVAL_S", "MAX_GAP_S",
    "CELL_M", "CELL_MIN_PART", "TRACK_BUFFER_M",
    "Fix", "FixVerdict", "CheckedFixes", "PatrolSession", "CellCoverage",
    "check_fixes", "check_columns", "ColumnVerdicts", "split_sessions", "time_inside", "visited_cells",
]

REASONS = ("bad_coordinate", "future_time", "poor_accuracy", "duplicate", "speed_jump")

MAX_ACCURACY_M = 50.0
MAX_SPEED_MPS = 40.0
MAX_FUTURE = timedelta(minutes=2)
MIN_INTERVAL_S = 1.0
MAX_GAP_S = 300.0
CELL_M = 50.0
CELL_MIN_PART = 0.1
TRACK_BUFFER_M = 5.0

# A projected input must convert back to within this of where it started
# (projections wrap absurd eastings/northings onto valid-looking latitudes).
_ROUND_TRIP_TOL_DEG = 1e-7
_ROUND_TRIP_TOL_M = 0.01

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Fix:
    """One GPS fix as a phone sent it.

    ``lon``/``lat`` are in ``crs`` (anything :func:`geo.crs.parse_crs`
    accepts; None means WGS-84) -- easting/northing metres for a projected
    system. ``time`` must be timezone-aware. ``accuracy_m`` is the reported
    horizontal accuracy radius, None when the source reports none.
    """

    worker_id: Hashable
    time: datetime
    lon: float
    lat: float
    accuracy_m: float | None = None
    crs: object = None


@dataclass(frozen=True)
class FixVerdict:
    """The verdict on the fix at ``index`` of the batch.

    ``reason`` is None when accepted. ``lon``/``lat`` are the WGS-84
    position (NaN when the reason is ``bad_coordinate``).
    """

    index: int
    reason: str | None
    params: dict = field(default_factory=dict, hash=False)
    lon: float = float("nan")
    lat: float = float("nan")

    @property
    def accepted(self) -> bool:
        return self.reason is None

    def as_dict(self) -> dict:
        """JSON-ready form for API error details."""
        return {"index": self.index, "reason": self.reason, "params": self.params}


@dataclass
class CheckedFixes:
    """Result of :func:`check_fixes`.

    ``verdicts`` has one entry per input fix, in batch order. ``accepted``
    holds WGS-84 copies (``crs=None``) of the accepted fixes in batch order,
    ``accepted_index`` their batch indices.
    """

    verdicts: list[FixVerdict]
    accepted: list[Fix]
    accepted_index: list[int]

    @property
    def rejected(self) -> list[FixVerdict]:
        return [v for v in self.verdicts if not v.accepted]

    def counts(self) -> dict[str, int]:
        """Number of fixes per reason, plus ``"accepted"``."""
        out = {"accepted": len(self.accepted)}
        for v in self.rejected:
            out[v.reason] = out.get(v.reason, 0) + 1
        return out


# --- small conversions ---------------------------------------------------------------------

def _instant_us(value, what: str) -> int:
    """Microseconds since the epoch of an aware datetime (exact integer arithmetic)."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got {value!r}")
    return (value - _EPOCH) // _MICROSECOND


def _number(value) -> float | None:
    """A real number as float; None for anything else (bools and strings included)."""
    kind = type(value)
    if kind is float:  # the usual case, without the (slow) abstract base class check
        return value
    if kind is bool or not isinstance(value, (Real, np.number)):
        return None
    return float(value)


def _crs_key(crs):
    try:
        hash(crs)
    except TypeError:  # parse_crs will refuse it anyway; group it alone
        return ("unhashable", id(crs))
    return crs


def _worker_codes(fixes: Sequence[Fix]) -> tuple[np.ndarray, dict]:
    """Integer code per fix, numbered by the worker's first appearance."""
    codes: dict = {}
    arr = np.fromiter((codes.setdefault(f.worker_id, len(codes)) for f in fixes), dtype=np.int64,
                      count=len(fixes))
    return arr, codes


def _times_us(fixes: Sequence[Fix]) -> np.ndarray:
    return np.fromiter((_instant_us(f.time, f"fixes[{i}].time") for i, f in enumerate(fixes)),
                       dtype=np.int64, count=len(fixes))


def _raw_coordinates(fixes: Sequence[Fix]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """lon/lat as floats (NaN where not a real number) and the mask of those that are not."""
    n = len(fixes)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    not_a_number = np.zeros(n, dtype=bool)
    for i, f in enumerate(fixes):
        a, b = _number(f.lon), _number(f.lat)
        if a is None or b is None:
            not_a_number[i] = True
        else:
            x[i], y[i] = a, b
    return x, y, not_a_number


def _raw_accuracy(fixes: Sequence[Fix]) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy as floats (NaN where not a real number) and the mask of fixes that sent one."""
    n = len(fixes)
    acc = np.full(n, np.nan)
    given = np.zeros(n, dtype=bool)
    for i, f in enumerate(fixes):
        if f.accuracy_m is None:
            continue
        given[i] = True
        value = _number(f.accuracy_m)
        if value is not None:
            acc[i] = value
    return acc, given


def _convert_group(src, x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS-84 lon/lat of one declared system's points, and which ones converted cleanly."""
    with np.errstate(invalid="ignore", over="ignore"):
        lon, lat = to_wgs84(x, y, src)
        ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
        if not src.is_wgs84:
            bx, by = from_wgs84(lon, lat, src)
            err = np.maximum(np.abs(bx - x), np.abs(by - y))
            ok &= err <= (_ROUND_TRIP_TOL_DEG if src.is_geographic else _ROUND_TRIP_TOL_M)
    return lon, lat, ok


def _crs_groups(crs, n: int) -> list[tuple[object, np.ndarray]]:
    """(declared system, indices) pairs: one group for a single value, else per distinct value."""
    if crs is None or isinstance(crs, (str, int)) or not isinstance(crs, Sequence):
        return [(crs, np.arange(n))]
    groups: dict = {}
    first: dict = {}
    for i, c in enumerate(crs):
        key = _crs_key(c)
        groups.setdefault(key, []).append(i)
        first.setdefault(key, c)
    return [(first[k], np.asarray(members)) for k, members in groups.items()]


def _to_wgs84_columns(x: np.ndarray, y: np.ndarray, not_a_number: np.ndarray, crs) -> tuple[np.ndarray,
                                                                                               np.ndarray, list]:
    """WGS-84 lon/lat, one vectorised conversion per declared system.

    Returns lon, lat (NaN where bad) and a per-fix ``bad_coordinate`` detail
    (None where the position is good).
    """
    n = x.size
    detail: list = [None] * n
    for i in np.flatnonzero(not_a_number):
        detail[i] = "not_a_number"
    for i in np.flatnonzero(~not_a_number & ~(np.isfinite(x) & np.isfinite(y))):
        detail[i] = "not_finite"
    good = np.array([d is None for d in detail], dtype=bool) if n else np.zeros(0, bool)
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    for declared, members in _crs_groups(crs, n):
        try:
            src = parse_crs(declared)
        except UnknownCRSError:
            for i in members:
                detail[i] = detail[i] or "unknown_crs"
            continue
        idx = members[good[members]]
        if src.is_geographic:
            out = (np.abs(x[idx]) > 180) | (np.abs(y[idx]) > 90)
            for i in idx[out]:
                detail[i] = "out_of_range"
            idx = idx[~out]
        if idx.size == 0:
            continue
        glon, glat, ok = _convert_group(src, x[idx], y[idx])
        lon[idx[ok]], lat[idx[ok]] = glon[ok], glat[ok]
        for i in idx[~ok]:
            detail[i] = "not_convertible"
    return lon, lat, detail


def _to_wgs84_batch(fixes: Sequence[Fix]) -> tuple[np.ndarray, np.ndarray, list]:
    """:func:`_to_wgs84_columns` for Fix objects."""
    x, y, not_a_number = _raw_coordinates(fixes)
    return _to_wgs84_columns(x, y, not_a_number, [f.crs for f in fixes])


# --- the checks ----------------------------------------------------------------------------

def _check_future(t_us, now_us, max_future: timedelta, pending, reasons, params):
    limit_us = max_future // _MICROSECOND
    ahead = t_us - now_us
    for i in np.flatnonzero(pending & (ahead > limit_us)):
        reasons[i] = "future_time"
        params[i] = {"ahead_s": round(float(ahead[i]) / 1e6, 3), "limit_s": max_future.total_seconds()}


def _check_accuracy(acc: np.ndarray, given: np.ndarray, max_accuracy_m: float, pending, reasons, params):
    # A missing accuracy (not given) is accepted: not every source reports one.
    with np.errstate(invalid="ignore"):
        fine = np.isfinite(acc) & (acc >= 0.0) & (acc <= max_accuracy_m)
    for i in np.flatnonzero(pending & given & ~fine):
        shown = float(acc[i]) if np.isfinite(acc[i]) else None
        reasons[i] = "poor_accuracy"
        params[i] = {"accuracy_m": shown, "limit_m": float(max_accuracy_m)}


def _check_duplicates(w, t_us, pending, reasons, params):
    """Later copies of a (worker, instant) among the still-pending fixes."""
    cand = np.flatnonzero(pending)
    if cand.size < 2:
        return
    order = cand[np.lexsort((cand, t_us[cand], w[cand]))]
    same = (w[order][1:] == w[order][:-1]) & (t_us[order][1:] == t_us[order][:-1])
    # Position of each run's first row: the copy that is kept.
    run_start = np.where(np.concatenate([[True], ~same]), np.arange(order.size), 0)
    run_start = np.maximum.accumulate(run_start)
    for k in np.flatnonzero(same) + 1:
        i = order[k]
        reasons[i] = "duplicate"
        params[i] = {"first_index": int(order[run_start[k]])}


@dataclass
class _Chain:
    """Per-worker time-ordered rows: the batch candidates plus stored anchors."""

    worker: np.ndarray
    t_us: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    source: np.ndarray      # batch index, or -1 for an anchor (a stored fix)


def _build_chain(cand, w, t_us, lon, lat, anchors) -> _Chain:
    aw, at, alon, alat = anchors
    worker = np.concatenate([w[cand], aw])
    times = np.concatenate([t_us[cand], at])
    source = np.concatenate([cand, np.full(aw.size, -1)])
    is_fix = np.concatenate([np.ones(cand.size, bool), np.zeros(aw.size, bool)])
    # An anchor sorts before a batch fix of the same instant.
    order = np.lexsort((source, is_fix, times, worker))
    return _Chain(worker[order], times[order], np.concatenate([lon[cand], alon])[order],
                  np.concatenate([lat[cand], alat])[order], source[order])


def _check_speed(chain: _Chain, max_speed_mps: float, reasons, params):
    m = chain.worker.size
    if m < 2:
        return
    # While nothing is rejected, the previous accepted fix is the row just
    # before, so vectorised comparisons settle every worker without a jump and
    # the sequential rule runs only over the workers that have one. A cheap
    # spherical upper bound of each step screens out the plainly slow ones
    # first; the WGS-84 geodesic decides the rest.
    interval = np.maximum((chain.t_us[1:] - chain.t_us[:-1]) / 1e6, MIN_INTERVAL_S)
    judged = (chain.worker[1:] == chain.worker[:-1]) & (chain.source[1:] >= 0)
    near = np.flatnonzero(judged & (_step_upper_bound_m(chain.lon, chain.lat) / interval > max_speed_mps))
    if near.size == 0:
        return
    exact = np.atleast_1d(distance_m(chain.lon[near], chain.lat[near], chain.lon[near + 1], chain.lat[near + 1]))
    fast = near[exact / interval[near] > max_speed_mps]
    if fast.size == 0:
        return
    rows = np.flatnonzero(np.isin(chain.worker, np.unique(chain.worker[fast + 1])))
    step = np.full(m - 1, np.nan)
    inner = rows[rows < m - 1]
    step[inner] = np.atleast_1d(distance_m(chain.lon[inner], chain.lat[inner], chain.lon[inner + 1],
                                           chain.lat[inner + 1]))
    _check_speed_rows(chain, rows, step, max_speed_mps, reasons, params)


#: Larger than every radius of curvature of the WGS-84 ellipsoid (6,399.6 km at the poles), plus a margin:
#: a great-circle distance on this sphere is never shorter than the geodesic on the ellipsoid.
_BOUND_RADIUS_M = 6_378_137.0 * 1.01


def _step_upper_bound_m(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """An upper bound of the geodesic distance from each row to the next (haversine, large sphere)."""
    lam, phi = np.radians(lon), np.radians(lat)
    dphi, dlam = phi[1:] - phi[:-1], lam[1:] - lam[:-1]
    h = np.sin(dphi / 2) ** 2 + np.cos(phi[1:]) * np.cos(phi[:-1]) * np.sin(dlam / 2) ** 2
    return 2 * _BOUND_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _check_speed_rows(chain: _Chain, rows: np.ndarray, step: np.ndarray, max_speed_mps: float, reasons, params):
    """The sequential speed rule over ``rows`` (whole workers' blocks of the chain)."""
    last = -1
    for k in rows.tolist():
        if k == 0 or chain.worker[k] != chain.worker[k - 1]:
            last = -1
        src = int(chain.source[k])
        if last < 0 or src < 0:
            last = k
            continue
        if last == k - 1:
            dist = float(step[k - 1])
        else:
            dist = distance_m(float(chain.lon[last]), float(chain.lat[last]),
                              float(chain.lon[k]), float(chain.lat[k]))
        interval = float(chain.t_us[k] - chain.t_us[last]) / 1e6
        speed = dist / max(interval, MIN_INTERVAL_S)
        if speed > max_speed_mps:
            prev = int(chain.source[last])
            reasons[src] = "speed_jump"
            params[src] = {"speed_mps": round(speed, 2), "limit_mps": float(max_speed_mps),
                           "distance_m": round(dist, 1), "interval_s": round(interval, 3),
                           "previous_index": prev if prev >= 0 else None}
            continue
        last = k


def _anchors(previous: Mapping | None, codes: dict):
    """Stored last fixes of the batch's workers as arrays (worker code, µs, lon, lat)."""
    items = [(codes[wid], fix) for wid, fix in (previous or {}).items() if wid in codes]
    if not items:
        return _no_anchors()
    fixes = [fix for _, fix in items]
    lon, lat, detail = _to_wgs84_batch(fixes)
    bad = [i for i, d in enumerate(detail) if d]
    if bad:
        raise ValueError(f"previous fix of worker {fixes[bad[0]].worker_id!r} has no valid position")
    return np.array([c for c, _ in items], np.int64), _times_us(fixes), lon, lat


def _no_anchors():
    empty = np.zeros(0)
    return np.zeros(0, np.int64), np.zeros(0, np.int64), empty, empty


def _check(w, t_us, x, y, not_a_number, crs, acc, acc_given, *, now_us: int, max_accuracy_m: float,
           max_speed_mps: float, max_future: timedelta, anchors) -> tuple[list, list, np.ndarray, np.ndarray]:
    """Every check over columns; returns per-fix reasons and params, and WGS-84 lon/lat."""
    n = t_us.size
    lon, lat, detail = _to_wgs84_columns(x, y, not_a_number, crs)
    # Object arrays: "which are still pending" is one vectorised comparison.
    reasons = np.full(n, None, dtype=object)
    params = np.full(n, None, dtype=object)
    for i in [i for i, d in enumerate(detail) if d]:
        reasons[i], params[i] = "bad_coordinate", {"detail": detail[i]}

    def pending() -> np.ndarray:
        return np.equal(reasons, None)

    _check_future(t_us, now_us, max_future, pending(), reasons, params)
    _check_accuracy(acc, acc_given, max_accuracy_m, pending(), reasons, params)
    _check_duplicates(w, t_us, pending(), reasons, params)
    chain = _build_chain(np.flatnonzero(pending()), w, t_us, lon, lat, anchors)
    _check_speed(chain, max_speed_mps, reasons, params)
    return reasons.tolist(), params.tolist(), lon, lat


@dataclass
class ColumnVerdicts:
    """Result of :func:`check_columns`: per-fix ``reasons`` (None: accepted) and
    ``params`` (None when accepted), WGS-84 ``lon``/``lat`` (NaN for bad positions)."""

    reasons: list
    params: list
    lon: np.ndarray
    lat: np.ndarray

    @property
    def accepted(self) -> np.ndarray:
        return np.fromiter((r is None for r in self.reasons), dtype=bool, count=len(self.reasons))


def check_columns(worker, t_us, lon, lat, accuracy=None, *, now: datetime, crs=None, not_a_number=None,
                  accuracy_given=None, previous=None, max_accuracy_m: float = MAX_ACCURACY_M,
                  max_speed_mps: float = MAX_SPEED_MPS, max_future: timedelta = MAX_FUTURE) -> ColumnVerdicts:
    """:func:`check_fixes` for a batch held as columns (bulk imports), with the same rules.

    Parameters
    ----------
    worker : array of int
        Worker id per fix (equal ids: the same worker).
    t_us : array of int64
        Fix times in microseconds since 1970-01-01 UTC.
    lon, lat : arrays of float
        Positions in ``crs``; NaN where the source held no number (mark
        those in ``not_a_number`` so they read ``not_a_number`` rather than
        ``not_finite``).
    accuracy : array of float, optional
        Accuracy radius in metres; NaN where it is not a real number.
    crs : None, one declared system, or one per fix
    not_a_number : array of bool, optional
    accuracy_given : array of bool, optional
        False where the source sent no accuracy (accepted); default: where
        ``accuracy`` is not NaN.
    previous : (worker, t_us, lon, lat) arrays, optional
        Each worker's last stored fix, WGS-84 (see :func:`check_fixes`).

    Examples
    --------
    >>> import numpy as np
    >>> from datetime import datetime, timezone
    >>> t = datetime(2024, 5, 6, tzinfo=timezone.utc)
    >>> us = int(t.timestamp()) * 10**6
    >>> res = check_columns([1, 1, 1], [us, us + 10**7, us + 2 * 10**7], [113.62, 113.6202, 113.65],
    ...                     [34.75] * 3, [5.0, 5.0, np.nan], now=t, accuracy_given=[True, True, False])
    >>> res.reasons
    [None, None, 'speed_jump']
    """
    w = np.asarray(worker, dtype=np.int64)
    t = np.asarray(t_us, dtype=np.int64)
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    n = t.size
    acc = np.full(n, np.nan) if accuracy is None else np.asarray(accuracy, dtype=float)
    given = ~np.isnan(acc) if accuracy_given is None else np.asarray(accuracy_given, dtype=bool)
    nan_mask = np.zeros(n, dtype=bool) if not_a_number is None else np.asarray(not_a_number, dtype=bool)
    if previous is None:
        anchors = _no_anchors()
    else:
        pw, pt, plon, plat = previous
        anchors = (np.asarray(pw, np.int64), np.asarray(pt, np.int64), np.asarray(plon, float),
                   np.asarray(plat, float))
    reasons, params, out_lon, out_lat = _check(
        w, t, x, y, nan_mask, crs, acc, given, now_us=_instant_us(now, "now"), max_accuracy_m=max_accuracy_m,
        max_speed_mps=max_speed_mps, max_future=max_future, anchors=anchors)
    return ColumnVerdicts(reasons, params, out_lon, out_lat)


def check_fixes(fixes: Iterable[Fix], *, now: datetime, max_accuracy_m: float = MAX_ACCURACY_M,
                max_speed_mps: float = MAX_SPEED_MPS, max_future: timedelta = MAX_FUTURE,
                previous: Mapping[Hashable, Fix] | None = None) -> CheckedFixes:
    """Accept or reject each fix of a batch (rules and reason codes: module docstring).

    Parameters
    ----------
    fixes : iterable of Fix
        The batch, any order, any mix of workers and declared systems.
    now : aware datetime
        The server's clock when the batch arrived.
    max_accuracy_m, max_speed_mps, max_future
        Thresholds; a value equal to the limit is accepted.
    previous : mapping worker_id -> Fix, optional
        Each worker's last stored (already accepted) fix. It joins the
        worker's time-ordered sequence as an accepted fix, so the batch's
        first fix is speed-checked too; it is not itself judged.

    Raises
    ------
    ValueError
        If ``now`` or a fix's ``time`` is not a timezone-aware datetime (the
        API parses timestamps before building fixes), or a ``previous`` fix
        has no valid position.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = datetime(2024, 5, 6, 0, 0, tzinfo=timezone.utc)
    >>> res = check_fixes([Fix("w1", t, 113.62, 34.75, 5.0, "gcj02"), Fix("w1", t, 113.62, 34.75),
    ...                    Fix("w2", t, float("nan"), 34.75), Fix("w3", t, 113.62, 34.75, 80.0)], now=t)
    >>> [v.as_dict() for v in res.rejected]  # doctest: +NORMALIZE_WHITESPACE
    [{'index': 1, 'reason': 'duplicate', 'params': {'first_index': 0}},
     {'index': 2, 'reason': 'bad_coordinate', 'params': {'detail': 'not_finite'}},
     {'index': 3, 'reason': 'poor_accuracy', 'params': {'accuracy_m': 80.0, 'limit_m': 50.0}}]
    >>> round(res.accepted[0].lon, 5), round(res.accepted[0].lat, 5)  # GCJ-02 -> WGS-84
    (113.61396, 34.75119)
    """
    fixes = list(fixes)
    now_us = _instant_us(now, "now")
    t_us = _times_us(fixes)
    w, codes = _worker_codes(fixes)
    x, y, not_a_number = _raw_coordinates(fixes)
    acc, given = _raw_accuracy(fixes)
    reasons, params, lon, lat = _check(w, t_us, x, y, not_a_number, [f.crs for f in fixes], acc, given,
                                       now_us=now_us, max_accuracy_m=max_accuracy_m, max_speed_mps=max_speed_mps,
                                       max_future=max_future, anchors=_anchors(previous, codes))
    return _result(fixes, lon, lat, reasons, params)


def _result(fixes, lon, lat, reasons, params) -> CheckedFixes:
    verdicts, accepted, accepted_index = [], [], []
    for i, fix in enumerate(fixes):
        verdicts.append(FixVerdict(i, reasons[i], params[i] or {}, float(lon[i]), float(lat[i])))
        if reasons[i] is None:
            accepted.append(Fix(fix.worker_id, fix.time, float(lon[i]), float(lat[i]), fix.accuracy_m, None))
            accepted_index.append(i)
    return CheckedFixes(verdicts, accepted, accepted_index)


# --- sessions ------------------------------------------------------------------------------

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


# --- time inside a polygon -----------------------------------------------------------------

def _seconds(times) -> np.ndarray:
    """Epoch seconds of aware datetimes (numbers pass through as seconds)."""
    out = []
    for i, t in enumerate(times):
        if isinstance(t, datetime):
            out.append(_instant_us(t, f"track_times[{i}]") / 1e6)
        else:
            out.append(float(t))
    return np.asarray(out, dtype=float)


def _inside_fraction(a: np.ndarray, b: np.ndarray, polygon: BaseGeometry) -> np.ndarray:
    """Share of each segment a[i]-b[i] (lon/lat) covered by the polygon.

    Computed in planar lon/lat, as PostGIS does on geometry(4326):
    ``ST_Length(ST_Intersection(seg, poly)) / ST_Length(seg)``. A ratio of
    lengths along one straight segment is unchanged by any affine map, so a
    local metric projection would give the same value to within its
    non-linearity (negligible at grid scale).
    """
    segments = shapely.linestrings(np.stack([a, b], axis=1))
    length = shapely.length(segments)
    inside = shapely.length(shapely.intersection(segments, polygon))
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip(inside / length, 0.0, 1.0)
    still = length == 0
    if still.any():  # standing still: inside when the point is covered (boundary included)
        frac[still] = shapely.covers(polygon, shapely.points(a[still])).astype(float)
    return frac


def time_inside(track_times: Sequence, track_points, polygon: BaseGeometry, *,
                max_gap_s: float = MAX_GAP_S) -> float:
    """Seconds spent inside ``polygon`` according to a track of fixes.

    Parameters
    ----------
    track_times : sequence of aware datetimes (or epoch seconds)
    track_points : array_like (n, 2)
        WGS-84 lon/lat of the fixes, matching ``track_times``.
    polygon : Polygon or MultiPolygon, WGS-84
    max_gap_s : float
        Segments longer than this contribute nothing (see module docstring).

    Returns
    -------
    float
        sum over consecutive fixes (time order, stable) with
        0 < dt <= max_gap_s of dt * (length of the segment inside the polygon,
        boundary included) / (segment length); a zero-length segment counts
        fully when its point is covered by the polygon.

    Examples
    --------
    >>> from shapely import box
    >>> poly = box(113.62, 34.74, 113.63, 34.76)
    >>> round(time_inside([0, 60, 120], [(113.615, 34.75), (113.625, 34.75), (113.635, 34.75)], poly), 6)
    60.0
    >>> time_inside([0, 600], [(113.625, 34.75), (113.626, 34.75)], poly)  # gap over 300 s
    0.0
    """
    t = _seconds(track_times)
    pts = np.asarray(track_points, dtype=float).reshape(-1, 2)
    if t.size != len(pts):
        raise ValueError(f"{t.size} times for {len(pts)} points")
    if t.size < 2 or polygon is None or polygon.is_empty:
        return 0.0
    order = np.argsort(t, kind="stable")
    t, pts = t[order], pts[order]
    dt = np.diff(t)
    counted = (dt > 0) & (dt <= max_gap_s)
    if not counted.any():
        return 0.0
    frac = _inside_fraction(pts[:-1][counted], pts[1:][counted], polygon)
    return float(np.sum(dt[counted] * frac))


# --- cell coverage -------------------------------------------------------------------------

class CellCoverage(NamedTuple):
    visited: int
    total: int
    share: float


def _local_projection(polygon: BaseGeometry):
    """lon/lat -> metres, azimuthal equidistant centred on the polygon's planar centroid.

    PostGIS: ``ST_Transform(geom, '+proj=aeqd +lat_0=<y> +lon_0=<x> +datum=WGS84 +units=m')``
    with ``ST_Centroid(geom)``.
    """
    centre = polygon.centroid
    crs = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={centre.y!r} +lon_0={centre.x!r} "
                                "+x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs")
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        if len(xy) == 1:  # pyproj takes its scalar path for one point: feed it floats
            return np.array([transformer.transform(float(xy[0, 0]), float(xy[0, 1]))])
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return project


def _grid_cells(bounds, cell_m: float) -> np.ndarray:
    """Square cells of side ``cell_m`` aligned to the origin, covering ``bounds``."""
    minx, miny, maxx, maxy = bounds
    i = np.arange(np.floor(minx / cell_m), np.ceil(maxx / cell_m))
    j = np.arange(np.floor(miny / cell_m), np.ceil(maxy / cell_m))
    ii, jj = (g.ravel() for g in np.meshgrid(i, j))
    return shapely.box(ii * cell_m, jj * cell_m, (ii + 1) * cell_m, (jj + 1) * cell_m)


def _track_geometry(points) -> BaseGeometry | None:
    """Track in WGS-84: a geometry as given, or points joined in the given order."""
    if isinstance(points, BaseGeometry):
        return None if points.is_empty else points
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(pts) == 0:
        return None
    if not np.isfinite(pts).all():
        raise ValueError("track points must be finite lon/lat")
    return Point(pts[0]) if len(pts) == 1 else LineString(pts)


def visited_cells(points, polygon: BaseGeometry, cell_m: float = CELL_M, *,
                  buffer_m: float = TRACK_BUFFER_M, min_part: float = CELL_MIN_PART) -> CellCoverage:
    """How many of the polygon's ``cell_m`` cells the track came through.

    Definition (all in the local projection of :func:`_local_projection`):

    * cells: squares ``[i*c, (i+1)*c] x [j*c, (j+1)*c]`` with ``c = cell_m``,
      the origin being the polygon's centroid;
    * the polygon's cells: those whose part inside the polygon has an area
      of at least ``min_part * c**2`` (10 % by default) -- a cell with only
      a sliver inside would be reachable only by walking the boundary;
    * the track: ``points`` joined in the given order (a LineString; one
      point stays a point), or a shapely geometry as given (pass a
      MultiLineString for several sessions, so gaps are not bridged);
    * visited: the track comes within ``buffer_m`` metres of the cell's
      inside part (PostGIS: ``ST_DWithin(track, part, buffer_m)`` in the
      same projection). That is the track buffered into a 10 m corridor --
      about a street's width and a phone's GPS error -- meeting the part,
      but exact and without building the buffer, which GEOS makes slowly
      for a long self-crossing walk. A track just outside the boundary
      street still covers the edge cells it passes.

    Returns
    -------
    CellCoverage(visited, total, share)
        ``share = visited / total``, 0.0 when the polygon has no cell.

    Examples
    --------
    >>> from shapely import box
    >>> poly = box(113.618, 34.748, 113.622, 34.752)   # about 366 m x 444 m
    >>> visited_cells([(113.618, 34.7485), (113.622, 34.7485)], poly)  # along the south edge
    CellCoverage(visited=8, total=80, share=0.1)
    """
    if polygon is None or polygon.is_empty:
        return CellCoverage(0, 0, 0.0)
    project = _local_projection(polygon)
    # Valid in degrees is not valid in metres (pieces millimetres apart can cross once projected):
    # repaired as PostGIS does it (patrols/sql/cells_fill.sql).
    poly_m = shapely.make_valid(shapely.transform(polygon, project), method="structure")
    cells = _grid_cells(poly_m.bounds, cell_m)
    parts = shapely.intersection(cells, poly_m)
    parts = parts[shapely.area(parts) >= min_part * cell_m * cell_m]
    total = int(parts.size)
    track = _track_geometry(points)
    if track is None or total == 0:
        return CellCoverage(0, total, 0.0)
    pieces = _track_pieces(shapely.transform(track, project))
    _, hit = shapely.STRtree(parts).query(pieces, predicate="dwithin", distance=buffer_m)
    visited = int(np.unique(hit).size)
    return CellCoverage(visited, total, visited / total)


def _track_pieces(track: BaseGeometry) -> np.ndarray:
    """The track as single segments (and points), so a spatial index can pair them with cells."""
    pieces = []
    for part in shapely.get_parts(track):
        coords = shapely.get_coordinates(part)
        if part.geom_type == "LineString" and len(coords) >= 2:
            pieces.append(shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1)))
        else:
            pieces.append(np.array([part], dtype=object))
    return np.concatenate(pieces)
