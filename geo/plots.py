"""The plot of a building inside its grid, so a planner can move buildings between grids.

Redistricting tools move base units (census blocks) from one district to
another. A grid's base units are its buildings, but the standard address
library holds them as points, not footprints. A building's plot is the part
of its leaf grid nearer to it than to any other building of that grid (a
Voronoi cell, computed in a local metric frame so that a degree of longitude
is not taken for a degree of latitude), cut to the grid. Moving the plot
moves the building, and only land no other building of the grid is closer
to: the boundary runs half-way between neighbouring buildings.

Buildings standing at the very same point share one plot.
"""
from __future__ import annotations

import math
from typing import Mapping

import shapely
from shapely.affinity import affine_transform
from shapely.geometry.base import BaseGeometry


def building_plots(sites: Mapping[str, tuple[float, float]], grid: BaseGeometry) -> dict[str, BaseGeometry]:
    """The plot of each building (key -> lon/lat site) of one grid, cut to ``grid`` (WGS-84).

    One building alone holds the whole grid. Sites outside the grid still get
    the part of the grid nearest to them.

    >>> from shapely import box
    >>> plots = building_plots({"a": (0.25, 0.5), "b": (0.75, 0.5)}, box(0, 0, 1, 1))
    >>> [round(plots[k].bounds[0], 6) for k in "ab"], [round(plots[k].bounds[2], 6) for k in "ab"]
    ([0.0, 0.5], [0.5, 1.0])
    """
    if not sites:
        return {}
    keys = list(sites)
    # A local equirectangular frame: x scaled by cos(latitude) around the grid's centre.
    lat0 = grid.centroid.y if not grid.is_empty else next(iter(sites.values()))[1]
    k = math.cos(math.radians(lat0))
    to_local, to_wgs = [k, 0, 0, 1, 0, 0], [1 / k, 0, 0, 1, 0, 0]
    local_grid = affine_transform(grid, to_local)
    distinct: dict[tuple[float, float], list[str]] = {}
    for key in keys:
        lon, lat = sites[key]
        distinct.setdefault((lon * k, lat), []).append(key)
    points = list(distinct)
    if len(points) == 1:
        return {key: grid for key in keys}
    cells = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=local_grid, ordered=True)
    plots: dict[str, BaseGeometry] = {}
    for point, cell in zip(points, shapely.get_parts(cells)):
        # Cut in WGS-84, against the grid's own vertices: its border stays exactly where it was.
        plot = shapely.intersection(affine_transform(cell, to_wgs), grid)
        for key in distinct[point]:
            plots[key] = plot
    return plots
