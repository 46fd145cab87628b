"""Checking a batch of GPS fixes (:func:`check_fixes`, :func:`check_columns`): one verdict per fix.

The reasons, their order and their params are stated in :mod:`geo.patrol`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Hashable, Iterable, Mapping

import numpy as np

from geo.crs import distance_m
from geo.patrol.fixes import (_MICROSECOND, Fix, _instant_us, _raw_accuracy, _raw_coordinates, _times_us,
                              _to_wgs84_batch, _to_wgs84_columns, _worker_codes)

__all__ = ["REASONS", "MAX_ACCURACY_M", "MAX_SPEED_MPS", "MAX_FUTURE", "MIN_INTERVAL_S", "FixVerdict", "CheckedFixes",
           "ColumnVerdicts", "check_fixes", "check_columns"]


REASONS = ("bad_coordinate", "future_time", "poor_accuracy", "duplicate", "speed_jump")

MAX_ACCURACY_M = 50.0
MAX_SPEED_MPS = 40.0
MAX_FUTURE = timedelta(minutes=2)
MIN_INTERVAL_S = 1.0



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

