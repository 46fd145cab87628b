"""Time a track spent inside a polygon (:func:`time_inside`); the rule is stated in :mod:`geo.patrol`."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.patrol.fixes import _instant_us
from geo.patrol.sessions import MAX_GAP_S

__all__ = ["time_inside"]


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

