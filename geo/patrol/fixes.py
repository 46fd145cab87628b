"""A GPS fix, and a batch of fixes as numpy columns: WGS-84 per declared system, microseconds since the epoch.

Every coordinate is converted to WGS-84 first (:func:`geo.crs.to_wgs84`,
vectorised per declared system), so a GCJ-02 fix from AMap and a WGS-84 fix
of the same spot -- about 570 m apart as raw numbers in Zhengzhou -- are 0 m
apart for the checks. A projected input must convert back to within 1 cm
(1e-7 degree for geographic systems) of where it started, which catches
projections wrapping absurd eastings/northings onto valid-looking latitudes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from numbers import Real
from typing import Hashable, Sequence

import numpy as np

from geo.crs import UnknownCRSError, from_wgs84, parse_crs, to_wgs84

__all__ = ["Fix"]


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

