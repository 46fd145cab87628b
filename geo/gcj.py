"""GCJ-02 and BD-09 offsets, vectorised, with accurate inverses.

GCJ-02 (used by AMap/Gaode, Tencent, WeChat) is WGS-84 plus a published,
non-linear obfuscation of roughly 300-500 m; BD-09 (Baidu) applies a further
rotation/scale on top of GCJ-02. The forward formulas below are the widely
circulated ones (e.g. wandergis/coordTransform) so our numbers agree with
what the map vendors' SDKs produce.

The usual one-step inverses (``2*p - f(p)``) are only good to a few metres;
we solve ``f(w) = g`` by fixed-point iteration instead, which converges to
well under a millimetre in a handful of steps because the offset varies
slowly (its Jacobian is close to the identity).

Examples
--------
>>> lon, lat = wgs84_to_gcj02(116.404, 39.915)
>>> round(float(lon), 8), round(float(lat), 8)
(116.4102445, 39.91640428)
>>> back = gcj02_to_wgs84(lon, lat)
>>> round(float(back[0]), 8), round(float(back[1]), 8)
(116.404, 39.915)
"""
from __future__ import annotations

import numpy as np

# Krasovsky 1940 ellipsoid: GCJ-02 is defined on it, not on WGS-84.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

# Iteration stops when every point moved less than this (degrees, ~1 mm).
_INVERSE_TOL_DEG = 1e-9
_INVERSE_MAX_ITER = 30


def out_of_china(lon, lat):
    """True where GCJ-02 applies no offset (the standard bounding box rule).

    >>> out_of_china([116.4, 2.35], [39.9, 48.85]).tolist()
    [False, True]
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return ~((lon > 73.66) & (lon < 135.05) & (lat > 3.86) & (lat < 53.55))


def _transform_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon, lat):
    """(dlon, dlat) in degrees to add to WGS-84 to get GCJ-02; 0 outside China."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _as_float_arrays(lon, lat):
    lon, lat = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lon.copy(), lat.copy()


def wgs84_to_gcj02(lon, lat):
    """WGS-84 -> GCJ-02 (AMap). Scalars or arrays; returns two ndarrays.

    >>> [round(float(v), 10) for v in wgs84_to_gcj02(116.404, 39.915)]
    [116.4102444992, 39.9164042815]
    """
    lon, lat = _as_float_arrays(lon, lat)
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat):
    """GCJ-02 -> WGS-84 by fixed-point iteration of the forward offset.

    ``w <- g - offset(w)`` converges because the offset is smooth and small;
    points whose iterate lies outside China come back unchanged, matching the
    forward rule.

    >>> w = gcj02_to_wgs84([116.404, 113.65], [39.915, 34.76])
    >>> g = wgs84_to_gcj02(*w)
    >>> bool(abs(g[0] - [116.404, 113.65]).max() < 1e-9)
    True
    """
    glon, glat = _as_float_arrays(lon, lat)
    dlon, dlat = _gcj_offset(glon, glat)
    wlon, wlat = glon - dlon, glat - dlat  # the classic one-step estimate
    for _ in range(_INVERSE_MAX_ITER):
        dlon, dlat = _gcj_offset(wlon, wlat)
        nlon, nlat = glon - dlon, glat - dlat
        step = np.nanmax(np.abs(np.concatenate([(nlon - wlon).ravel(), (nlat - wlat).ravel()])), initial=0.0)
        wlon, wlat = nlon, nlat
        if step < _INVERSE_TOL_DEG:
            break
    return wlon, wlat


def gcj02_to_bd09(lon, lat):
    """GCJ-02 -> BD-09 (Baidu).

    >>> [round(float(v), 10) for v in gcj02_to_bd09(116.404, 39.915)]
    [116.4103694937, 39.9213369935]
    """
    lon, lat = _as_float_arrays(lon, lat)
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon, lat):
    x, y = lon - 0.0065, lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon, lat):
    """BD-09 -> GCJ-02, refined so that it exactly inverts :func:`gcj02_to_bd09`.

    The published closed form is only approximate (centimetres to a metre);
    a few fixed-point corrections remove that error.

    >>> lon, lat = bd09_to_gcj02(116.404, 39.915)
    >>> [round(float(v), 9) for v in gcj02_to_bd09(lon, lat)]
    [116.404, 39.915]
    """
    blon, blat = _as_float_arrays(lon, lat)
    glon, glat = _bd09_to_gcj02_approx(blon, blat)
    for _ in range(_INVERSE_MAX_ITER):
        flon, flat = gcj02_to_bd09(glon, glat)
        elon, elat = blon - flon, blat - flat
        glon, glat = glon + elon, glat + elat
        if np.nanmax(np.abs(np.concatenate([elon.ravel(), elat.ravel()])), initial=0.0) < _INVERSE_TOL_DEG:
            break
    return glon, glat


def wgs84_to_bd09(lon, lat):
    """WGS-84 -> BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    """BD-09 -> WGS-84 (through GCJ-02), accurate inverse of :func:`wgs84_to_bd09`."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
