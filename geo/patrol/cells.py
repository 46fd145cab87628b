"""Cell coverage (:func:`visited_cells`): which 50 m cells of a grid a track came near; the rule is
stated in :mod:`geo.patrol`."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

__all__ = ["CELL_M", "CELL_MIN_PART", "TRACK_BUFFER_M", "CellCoverage", "visited_cells"]


CELL_M = 50.0
CELL_MIN_PART = 0.1
TRACK_BUFFER_M = 5.0


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

