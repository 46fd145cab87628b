"""Parse a GeoJSON Polygon/MultiPolygon into a shapely MultiPolygon.

Strict about what cannot be repaired without guessing (non-numeric or
non-finite numbers, wrong nesting, rings with too few points, self-
intersections) and lenient about what can (unclosed rings are closed,
consecutive duplicate positions removed, Z/M values dropped, a Polygon is
promoted to a MultiPolygon). Orientation and CRS conversion happen later, in
:mod:`geo.features`, because they must be applied after conversion anyway.

Problems come back as :class:`GeometryIssue` (a reason code from
:data:`geo.features.REASONS` plus message parameters) instead of
exceptions, so a caller can report every bad feature in one pass.

Examples
--------
>>> geom, issues = parse_polygonal({"type": "Polygon",
...     "coordinates": [[[0, 0], [1, 0], [1, 1], [1, 1], [0, 1]]]})
>>> geom.geom_type, len(geom.geoms[0].exterior.coords), issues
('MultiPolygon', 5, [])
>>> parse_polygonal({"type": "Point", "coordinates": [0, 0]})[1][0].reason
'geometry_type'
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

MIN_RING_POSITIONS = 4  # a closed triangle: first == last
_LOCATION = re.compile(r"\[\s*(-?[\d.eE+-]+)\s+(-?[\d.eE+-]+)\s*\]")


@dataclass(frozen=True)
class GeometryIssue:
    reason: str
    params: dict = field(default_factory=dict, hash=False)
    field: str = "geometry"


def _coord_issue(path: str, detail: str, **extra) -> GeometryIssue:
    return GeometryIssue("bad_coordinates", {"path": path, "detail": detail, **extra}, "geometry.coordinates")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _ring_slow(ring, path: str):
    """Position-by-position check: only run when the fast path failed, to say where."""
    out = []
    for j, pos in enumerate(ring):
        where = f"{path}[{j}]"
        if not isinstance(pos, (list, tuple)) or len(pos) < 2:
            return None, _coord_issue(where, "position_not_pair")
        x, y = pos[0], pos[1]
        if not (_is_number(x) and _is_number(y)):
            return None, _coord_issue(where, "not_a_number")
        if not (math.isfinite(x) and math.isfinite(y)):
            return None, _coord_issue(where, "not_finite")
        out.append((float(x), float(y)))
    return np.asarray(out, dtype=float).reshape(-1, 2), None


def _ring_array(ring, path: str, geographic: bool):
    """(N, 2) float array of a ring, or an issue explaining why not."""
    if not isinstance(ring, (list, tuple, np.ndarray)):
        return None, _coord_issue(path, "wrong_nesting")
    arr = None
    try:
        raw = np.asarray(ring)
    except ValueError:  # ragged: some positions carry Z/M, or nesting is wrong
        raw = None
    if raw is not None and raw.ndim == 2 and raw.shape[1] >= 2 and raw.dtype.kind in "if":
        arr = raw[:, :2].astype(float)
        if not np.isfinite(arr).all():
            arr = None
    if arr is None:
        arr, issue = _ring_slow(ring, path)
        if issue:
            return None, issue
    if geographic and len(arr):
        bad = (np.abs(arr[:, 0]) > 180) | (np.abs(arr[:, 1]) > 90)
        if bad.any():
            j = int(np.argmax(bad))
            return None, _coord_issue(f"{path}[{j}]", "out_of_range", position=arr[j].tolist())
    if len(arr):
        # Consecutive duplicates are a common export artefact and make GEOS
        # count a degenerate ring as having enough points.
        keep = np.ones(len(arr), dtype=bool)
        keep[1:] = np.any(arr[1:] != arr[:-1], axis=1)
        arr = arr[keep]
        if len(arr) > 1 and not np.array_equal(arr[0], arr[-1]):
            arr = np.vstack([arr, arr[:1]])
    if len(arr) < MIN_RING_POSITIONS:
        return None, GeometryIssue("too_few_points", {"path": path, "got": int(len(arr)),
                                                      "minimum": MIN_RING_POSITIONS}, "geometry.coordinates")
    return arr, None


def validity_issue(geom) -> GeometryIssue | None:
    """An ``invalid_ring`` issue for an invalid geometry, else None.

    >>> bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> validity_issue(bowtie).params["location"]
    [0.5, 0.5]
    """
    if shapely.is_valid(geom):
        return None
    text = shapely.is_valid_reason(geom)
    m = _LOCATION.search(text)
    location = [float(m.group(1)), float(m.group(2))] if m else None
    return GeometryIssue("invalid_ring", {"explanation": text.split("[")[0], "location": location,
                                          "detail": text})


def parse_polygonal(obj, *, geographic: bool = True):
    """Parse a GeoJSON geometry object into a 2D MultiPolygon.

    Parameters
    ----------
    obj : dict or None
        The feature's ``geometry`` member.
    geographic : bool
        True when coordinates are lon/lat degrees, so that out-of-range
        values can be refused before any conversion.

    Returns
    -------
    (MultiPolygon or None, list of GeometryIssue)
        The geometry is None whenever there is an issue.
    """
    if obj is None:
        return None, [GeometryIssue("missing_geometry", {})]
    if not isinstance(obj, dict):
        return None, [GeometryIssue("geometry_type", {"got": type(obj).__name__})]
    gtype = obj.get("type")
    if gtype not in ("Polygon", "MultiPolygon"):
        return None, [GeometryIssue("geometry_type", {"got": str(gtype)})]
    coords = obj.get("coordinates")
    if not isinstance(coords, (list, tuple)):
        return None, [_coord_issue("coordinates", "missing" if coords is None else "not_array")]
    if not coords:
        return None, [GeometryIssue("missing_geometry", {"empty": True})]
    polys = [coords] if gtype == "Polygon" else coords
    prefix = "coordinates" if gtype == "Polygon" else None

    issues: list[GeometryIssue] = []
    parts: list[Polygon] = []
    for p, rings in enumerate(polys):
        ppath = prefix or f"coordinates[{p}]"
        if not isinstance(rings, (list, tuple)) or not rings:
            issues.append(_coord_issue(ppath, "wrong_nesting"))
            continue
        if _is_number(rings[0]) or (isinstance(rings[0], (list, tuple)) and rings[0]
                                    and _is_number(rings[0][0])):
            # One level of nesting missing (a ring where a polygon belongs, or a
            # position where a ring belongs): say so once, not once per vertex.
            issues.append(_coord_issue(ppath, "wrong_nesting"))
            continue
        arrays = []
        for r, ring in enumerate(rings):
            arr, issue = _ring_array(ring, f"{ppath}[{r}]", geographic)
            if issue:
                issues.append(issue)
            else:
                arrays.append(arr)
        if len(arrays) == len(rings):
            parts.append(Polygon(arrays[0], arrays[1:]))
    if issues:
        return None, issues
    geom = MultiPolygon(parts)
    issue = validity_issue(geom)
    if issue:
        return None, [issue]
    return geom, []


def parse_shape(geom, *, geographic: bool = True):
    """The checks of :func:`parse_polygonal` for a geometry a file reader already built (GDAL's WKB).

    Same issues, same paths (``coordinates[p][r]``), same repairs (rings
    closed, consecutive duplicates dropped, Z/M dropped, a Polygon promoted).

    >>> from shapely import box
    >>> parse_shape(box(0, 0, 1, 1))[0].geom_type, parse_shape(None)[1][0].reason
    ('MultiPolygon', 'missing_geometry')
    >>> parse_shape(shapely.Point(0, 0))[1][0].params
    {'got': 'Point'}
    """
    if geom is None or geom.is_empty:
        return None, [GeometryIssue("missing_geometry", {"empty": geom is not None})]
    gtype = geom.geom_type
    if gtype not in ("Polygon", "MultiPolygon"):
        return None, [GeometryIssue("geometry_type", {"got": gtype})]
    polys = [geom] if gtype == "Polygon" else list(geom.geoms)
    issues: list[GeometryIssue] = []
    parts: list[Polygon] = []
    for p, poly in enumerate(polys):
        ppath = "coordinates" if gtype == "Polygon" else f"coordinates[{p}]"
        rings = [poly.exterior, *poly.interiors]
        arrays = []
        for r, ring in enumerate(rings):
            arr, issue = _ring_array(shapely.get_coordinates(ring), f"{ppath}[{r}]", geographic)
            if issue:
                issues.append(issue)
            else:
                arrays.append(arr)
        if len(arrays) == len(rings):
            parts.append(Polygon(arrays[0], arrays[1:]))
    if issues:
        return None, issues
    out = MultiPolygon(parts)
    issue = validity_issue(out)
    if issue:
        return None, [issue]
    return out, []


def position_count(obj) -> int:
    """Positions in a GeoJSON geometry object, counted without converting anything (0 for non-geometries).

    For refusing a huge polygon before its coordinates are parsed.

    >>> position_count({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})
    4
    >>> position_count({"type": "MultiPolygon", "coordinates": [[[[0, 0]] * 5], [[[0, 0]] * 4, [[1, 1]] * 4]]})
    13
    """
    if isinstance(obj, BaseGeometry):
        return int(shapely.get_num_coordinates(obj))
    if not isinstance(obj, dict):
        return 0
    coords = obj.get("coordinates")
    gtype = obj.get("type")
    polys = [coords] if gtype == "Polygon" else coords if gtype == "MultiPolygon" else None
    if not isinstance(polys, list):
        return 0
    return sum(len(ring) for rings in polys if isinstance(rings, list) for ring in rings if isinstance(ring, list))
