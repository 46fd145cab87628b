"""Keep child grids inside their parent, tolerating digitising noise.

Boundaries drawn by hand or exported from CAD rarely share vertices exactly
with the parent: a child often overshoots by centimetres. Refusing such input
would make every import fail, so a child whose overhang is tiny is clipped to
the parent; a real overhang is reported.

The fast path is a vectorised ``covers`` against a prepared parent, so only
the rare children that fail it pay for a difference and an area.

Examples
--------
>>> from shapely import box
>>> parent = box(113.60, 34.70, 113.70, 34.80)
>>> inside, poking = box(113.61, 34.71, 113.62, 34.72), box(113.65, 34.75, 113.71, 34.76)
>>> [r.status for r in check_children(parent, [inside, poking])]
['inside', 'outside']
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon

from geo.crs import geodesic_area_m2

# A child may overhang its parent by at most max(OVERHANG_MIN_M2,
# OVERHANG_RATIO * child area) and still be accepted (clipped). 1 m² absorbs
# coordinate noise on small micro-grids; 0.1 % scales it for large areas.
OVERHANG_MIN_M2 = 1.0
OVERHANG_RATIO = 0.001
# Parts left over by clipping smaller than this are noise, not territory.
SLIVER_M2 = 1.0


@dataclass
class ContainmentResult:
    status: str                      # "inside" | "clipped" | "outside"
    geometry: MultiPolygon | None    # the clipped geometry when status == "clipped"
    outside_m2: float = 0.0
    tolerance_m2: float = 0.0


def overhang_tolerance_m2(child_area_m2: float) -> float:
    """How much of a child may lie outside its parent before it is refused.

    >>> overhang_tolerance_m2(100.0), overhang_tolerance_m2(50_000.0)
    (1.0, 50.0)
    """
    return max(OVERHANG_MIN_M2, OVERHANG_RATIO * child_area_m2)


def polygon_parts(geom, min_area_m2: float = SLIVER_M2) -> MultiPolygon:
    """Polygonal parts of ``geom`` (dropping lines/points from a clip and slivers).

    >>> from shapely import box, GeometryCollection, LineString
    >>> polygon_parts(GeometryCollection([box(0, 0, 0.01, 0.01), LineString([(0, 0), (1, 1)])])).geom_type
    'MultiPolygon'
    """
    if geom.geom_type == "Polygon":
        candidates = [geom]
    else:
        candidates = [g for part in getattr(geom, "geoms", []) for g in
                      ([part] if part.geom_type == "Polygon" else
                       list(getattr(polygon_parts(part, 0.0), "geoms", [])))]
    kept = [p for p in candidates if not p.is_empty and geodesic_area_m2(p) >= min_area_m2]
    return MultiPolygon(kept)


def check_children(parent, children, child_areas_m2=None) -> list[ContainmentResult]:
    """Check that every child lies within ``parent`` (all WGS-84).

    Parameters
    ----------
    parent : Polygon or MultiPolygon
    children : sequence of MultiPolygon
    child_areas_m2 : sequence of float, optional
        Precomputed geodesic areas, to avoid measuring twice.

    Returns
    -------
    list of ContainmentResult, one per child, in order.
    """
    if not len(children):
        return []
    shapely.prepare(parent)
    arr = np.asarray(children, dtype=object)
    covered = shapely.covers(parent, arr)
    results = []
    for i, child in enumerate(children):
        if covered[i]:
            results.append(ContainmentResult("inside", None))
            continue
        outside = geodesic_area_m2(shapely.difference(child, parent))
        area = child_areas_m2[i] if child_areas_m2 is not None else geodesic_area_m2(child)
        tol = overhang_tolerance_m2(area)
        if outside > tol:
            results.append(ContainmentResult("outside", None, outside, tol))
            continue
        clipped = polygon_parts(shapely.intersection(child, parent))
        if clipped.is_empty:  # only possible for a child smaller than the tolerance itself
            results.append(ContainmentResult("outside", None, outside, tol))
            continue
        clipped = shapely.orient_polygons(clipped, exterior_cw=False)
        results.append(ContainmentResult("clipped", clipped, outside, tol))
    return results
