"""Buildings' plots (geo.plots): the land of a grid shared out to its buildings."""
from __future__ import annotations

import math

import pytest
import shapely
from shapely import box

from geo.plots import building_plots

GRID = box(113.60, 34.755, 113.61, 34.76)


def test_plots_tile_the_grid_and_hold_their_buildings():
    sites = {"a": (113.601, 34.756), "b": (113.605, 34.758), "c": (113.609, 34.759), "d": (113.6035, 34.7595)}
    plots = building_plots(sites, GRID)
    assert set(plots) == set(sites)
    assert sum(p.area for p in plots.values()) == pytest.approx(GRID.area)
    assert shapely.union_all(list(plots.values())).equals(GRID)
    for key, (lon, lat) in sites.items():
        assert plots[key].covers(shapely.Point(lon, lat))
        assert all(plots[key].intersection(plots[k]).area < 1e-15 for k in sites if k != key)


def test_the_border_between_two_plots_is_half_way_in_metres_not_degrees():
    # Two buildings 0.004 degrees apart east-west: the border is the meridian half-way between them.
    plots = building_plots({"w": (113.603, 34.7575), "e": (113.607, 34.7575)}, GRID)
    assert plots["w"].bounds[2] == pytest.approx(113.605) and plots["e"].bounds[0] == pytest.approx(113.605)
    # On a diagonal the metric frame matters: a point on the border is equally far in metres.
    sw, ne = (113.603, 34.756), (113.607, 34.759)
    plots = building_plots({"sw": sw, "ne": ne}, GRID)
    border = plots["sw"].intersection(plots["ne"])
    k = math.cos(math.radians(GRID.centroid.y))
    for x, y in border.coords:
        d_sw = math.hypot((x - sw[0]) * k, y - sw[1])
        d_ne = math.hypot((x - ne[0]) * k, y - ne[1])
        assert d_sw == pytest.approx(d_ne, rel=1e-6)


def test_one_building_holds_the_whole_grid_and_shared_points_share_a_plot():
    assert building_plots({"only": (113.605, 34.757)}, GRID)["only"].equals(GRID)
    plots = building_plots({"a": (113.602, 34.757), "a2": (113.602, 34.757), "b": (113.608, 34.757)}, GRID)
    assert plots["a"].equals(plots["a2"]) and plots["a"].area == pytest.approx(GRID.area / 2)
    assert building_plots({}, GRID) == {}


def test_plot_borders_on_the_grid_edge_keep_the_grid_vertices():
    grid = shapely.Polygon([(113.60, 34.755), (113.61, 34.755), (113.6101, 34.76), (113.60, 34.76)])
    plots = building_plots({"w": (113.603, 34.7575), "e": (113.608, 34.7575)}, grid)
    east_edge = shapely.LineString([(113.61, 34.755), (113.6101, 34.76)])
    assert plots["e"].boundary.intersection(east_edge).length == pytest.approx(east_edge.length)
