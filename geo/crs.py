"""Source coordinate systems and conversion to and from WGS-84.

GridMap stores WGS-84 (EPSG:4326). Inputs declare what they are in:

* any EPSG code pyproj knows -- geographic (lon/lat degrees) or projected
  (x/y metres, e.g. EPSG:4547, CGCS2000 3-degree Gauss-Krüger CM 114E, which
  survey and CAD data for Zhengzhou come in);
* ``gcj02`` -- AMap/Gaode, Tencent, WeChat mini-programs;
* ``bd09`` -- Baidu.

CGCS2000 (EPSG:4490, Tianditu) differs from WGS-84 by well under a metre; it
goes through pyproj like any other code, which treats it as a ballpark
identity.

Axis order is always longitude/easting first (``always_xy=True``), the
GeoJSON convention, whatever the EPSG registry says.

Examples
--------
>>> parse_crs("EPSG:4547").label
'EPSG:4547'
>>> lon, lat = to_wgs84(500000.0, 3846858.33, "4547")
>>> round(float(lon), 6), round(float(lat), 4)
(114.0, 34.75)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from geo import gcj

__all__ = [
    "SourceCRS", "UnknownCRSError", "WGS84", "parse_crs", "to_wgs84", "from_wgs84",
    "geometry_to_wgs84", "geometry_from_wgs84", "geodesic_area_m2", "distance_m", "ACCEPTED_FORMS",
]

ACCEPTED_FORMS = (
    "empty/None (WGS-84)", "4326", "EPSG:4326", "epsg:4490", "wgs84", "cgcs2000",
    "4547 (CGCS2000 Gauss-Krüger CM 114E)", "any EPSG code known to PROJ",
    "urn:ogc:def:crs:EPSG::<code>", "CRS84", "gcj02 / gcj-02", "bd09 / bd-09",
)


class UnknownCRSError(ValueError):
    """The declared coordinate system is not one GridMap can convert from."""

    def __init__(self, value):
        self.value = value
        super().__init__(
            f"unknown coordinate system {value!r}; accepted forms: " + ", ".join(ACCEPTED_FORMS)
        )


@dataclass(frozen=True)
class SourceCRS:
    """A declared input coordinate system.

    Attributes
    ----------
    kind : {"epsg", "gcj02", "bd09"}
    epsg : int or None
        The EPSG code when ``kind == "epsg"``.
    label : str
        Canonical label, e.g. ``"EPSG:4326"``, ``"GCJ-02"``.
    """

    kind: str
    epsg: int | None
    label: str

    @property
    def is_wgs84(self) -> bool:
        return self.kind == "epsg" and self.epsg == 4326

    @property
    def is_geographic(self) -> bool:
        """True when coordinates are lon/lat degrees (so range checks apply)."""
        if self.kind != "epsg":
            return True
        return _pyproj_crs(self.epsg).is_geographic


WGS84 = SourceCRS("epsg", 4326, "EPSG:4326")
_GCJ02 = SourceCRS("gcj02", None, "GCJ-02")
_BD09 = SourceCRS("bd09", None, "BD-09")

_ALIASES = {
    "wgs84": 4326, "wgs-84": 4326, "wgs 84": 4326, "crs84": 4326, "ogc:crs84": 4326,
    "urn:ogc:def:crs:ogc:1.3:crs84": 4326, "urn:ogc:def:crs:ogc::crs84": 4326,
    "cgcs2000": 4490, "cgcs-2000": 4490,
    "gcj02": "gcj02", "gcj-02": "gcj02", "gcj": "gcj02", "amap": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "bd09ll": "bd09", "baidu": "bd09",
}
_EPSG_RE = re.compile(r"^(?:epsg:{1,2}|urn:ogc:def:crs:epsg:[\d.]*:)?(\d{4,6})$")


@lru_cache(maxsize=64)
def _pyproj_crs(code: int) -> pyproj.CRS:
    return pyproj.CRS.from_epsg(code)


def parse_crs(value) -> SourceCRS:
    """Turn a user-supplied CRS declaration into a :class:`SourceCRS`.

    Parameters
    ----------
    value : None, int, str or SourceCRS

    Raises
    ------
    UnknownCRSError
        If the value is not an accepted form or not an EPSG code PROJ knows.

    Examples
    --------
    >>> parse_crs(None)
    SourceCRS(kind='epsg', epsg=4326, label='EPSG:4326')
    >>> parse_crs("cgcs2000").epsg, parse_crs("epsg:4547").epsg, parse_crs(4490).epsg
    (4490, 4547, 4490)
    >>> parse_crs("GCJ-02").kind, parse_crs("bd09").kind
    ('gcj02', 'bd09')
    >>> parse_crs("mars")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    geo.crs.UnknownCRSError: unknown coordinate system 'mars'; accepted forms: ...
    """
    if isinstance(value, SourceCRS):
        return value
    if value is None:
        return WGS84
    if isinstance(value, bool):
        raise UnknownCRSError(value)
    if isinstance(value, (int, np.integer)):
        code = int(value)
    elif isinstance(value, str):
        key = value.strip().lower()
        if not key:
            return WGS84
        alias = _ALIASES.get(key)
        if alias == "gcj02":
            return _GCJ02
        if alias == "bd09":
            return _BD09
        if isinstance(alias, int):
            code = alias
        else:
            match = _EPSG_RE.match(key)
            if not match:
                raise UnknownCRSError(value)
            code = int(match.group(1))
    else:
        raise UnknownCRSError(value)
    if code == 4326:
        return WGS84
    try:
        _pyproj_crs(code)
    except pyproj.exceptions.CRSError:
        raise UnknownCRSError(value) from None
    return SourceCRS("epsg", code, f"EPSG:{code}")


@lru_cache(maxsize=64)
def _transformer(src: int, dst: int) -> pyproj.Transformer:
    # Building a Transformer costs milliseconds; a grid import converts
    # thousands of rings, so each pair is built once per process.
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _project(transformer, x, y):
    if x.size == 1:  # pyproj takes its scalar path for one point: feed it floats
        tx, ty = transformer.transform(float(x.ravel()[0]), float(y.ravel()[0]))
        return np.full(x.shape, tx), np.full(x.shape, ty)
    return transformer.transform(x, y)


def _arrays(x, y):
    x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return x, y


def to_wgs84(x, y, crs=None):
    """Convert coordinates in ``crs`` to WGS-84 longitude/latitude.

    Parameters
    ----------
    x, y : float or array_like
        lon/lat degrees for geographic systems, easting/northing metres for
        projected ones.
    crs : anything :func:`parse_crs` accepts

    Returns
    -------
    (ndarray, ndarray)
        Longitudes and latitudes, broadcast to a common shape. Points a
        projection cannot invert come back as ``inf``.

    Examples
    --------
    >>> lon, lat = to_wgs84([116.41024449916938], [39.91640428150164], "gcj02")
    >>> round(float(lon[0]), 7), round(float(lat[0]), 7)
    (116.404, 39.915)
    """
    src = parse_crs(crs)
    x, y = _arrays(x, y)
    if src.is_wgs84:
        return x.copy(), y.copy()
    if src.kind == "gcj02":
        lon, lat = gcj.gcj02_to_wgs84(x, y)
    elif src.kind == "bd09":
        lon, lat = gcj.bd09_to_wgs84(x, y)
    else:
        lon, lat = _project(_transformer(src.epsg, 4326), x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def from_wgs84(lon, lat, crs=None):
    """Convert WGS-84 longitude/latitude into ``crs`` (the inverse of :func:`to_wgs84`).

    Used to shift overlays into GCJ-02 when drawing on AMap tiles.

    Examples
    --------
    >>> x, y = from_wgs84(114.0, 34.75, 4547)
    >>> round(float(x), 3)
    500000.0
    >>> [round(float(v), 8) for v in from_wgs84(116.404, 39.915, "gcj02")]
    [116.4102445, 39.91640428]
    """
    dst = parse_crs(crs)
    lon, lat = _arrays(lon, lat)
    if dst.is_wgs84:
        return lon.copy(), lat.copy()
    if dst.kind == "gcj02":
        x, y = gcj.wgs84_to_gcj02(lon, lat)
    elif dst.kind == "bd09":
        x, y = gcj.wgs84_to_bd09(lon, lat)
    else:
        x, y = _project(_transformer(4326, dst.epsg), lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _transform_geometry(geom, func):
    def coords(xy):
        x, y = func(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    # shapely hands the coordinates of the whole geometry (or array of
    # geometries) over in one (N, 2) array, so pyproj runs once, vectorised.
    return shapely.transform(geom, coords, include_z=False)


def geometry_to_wgs84(geom: BaseGeometry, crs=None) -> BaseGeometry:
    """Shapely geometry (or array of geometries) in ``crs`` -> WGS-84, 2D.

    >>> from shapely import Point
    >>> p = geometry_to_wgs84(Point(500000.0, 3846858.33), "EPSG:4547")
    >>> round(p.x, 6), round(p.y, 4)
    (114.0, 34.75)
    """
    src = parse_crs(crs)
    if src.is_wgs84:
        return shapely.force_2d(geom)
    return _transform_geometry(geom, lambda x, y: to_wgs84(x, y, src))


def geometry_from_wgs84(geom: BaseGeometry, crs=None) -> BaseGeometry:
    """WGS-84 shapely geometry (or array of geometries) -> ``crs``, 2D."""
    dst = parse_crs(crs)
    if dst.is_wgs84:
        return shapely.force_2d(geom)
    return _transform_geometry(geom, lambda x, y: from_wgs84(x, y, dst))


_GEOD = Geod(ellps="WGS84")


def geodesic_area_m2(geom: BaseGeometry) -> float:
    """Area on the WGS-84 ellipsoid in square metres (always >= 0).

    Works for Polygon and MultiPolygon (other types have zero area).
    Orientation is normalised first because pyproj signs each ring's area by
    its winding, and a MultiPolygon mixing windings would otherwise cancel.

    Examples
    --------
    >>> from shapely import box
    >>> round(geodesic_area_m2(box(113.65, 34.75, 113.66, 34.76)) / 1e6, 3)
    1.016
    """
    if geom is None or geom.is_empty:
        return 0.0
    if geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        return 0.0
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    area, _ = _GEOD.geometry_area_perimeter(oriented)
    return abs(float(area))


def distance_m(lon1, lat1, lon2, lat2):
    """Geodesic distance on the WGS-84 ellipsoid (Karney, via pyproj), metres.

    Vectorised: arguments broadcast against each other. Returns a float for
    scalar input, an ndarray otherwise.

    Examples
    --------
    >>> round(float(distance_m(113.65, 34.75, 113.66, 34.75)), 1)
    915.6
    >>> distance_m([0, 0], [0, 0], [0, 1], [1, 0]).round(0).tolist()
    [110574.0, 111319.0]
    """
    arrs = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2)))
    shape = arrs[0].shape
    if arrs[0].size == 1:  # pyproj takes its scalar path for one point; feed it floats
        _, _, dist = _GEOD.inv(*(float(a.ravel()[0]) for a in arrs))
    else:
        _, _, dist = _GEOD.inv(*(a.ravel() for a in arrs))
    dist = np.asarray(dist, dtype=float).reshape(shape)
    return float(dist) if dist.ndim == 0 else dist
