"""The deterministic point-to-grid rule (geo.assign)."""
import numpy as np
import pytest
from shapely import Point, box

from geo.assign import assign_points, choose_grid
from geo.hierarchy import DEPTH

A, B, C, D = "410102001001001", "410102001001002", "410102001001003", "410102001001004"


@pytest.mark.parametrize("candidates, expected", [
    ([], None),
    ([(A, 3)], A),
    ([(B, 3), (A, 3)], A),                                   # shared edge: lowest code
    ([(D, 3), (C, 3), (B, 3), (A, 3)], A),                   # shared vertex of four grids
    ([("410102001001", 2), (B, 3)], B),                      # finest level wins over coarser
    ([(A, 3), ("41010200100100299", 4)], "41010200100100299"),  # a micro beats a lower-coded grid
    ([("410102", 0)], "410102"),
])
def test_choose_grid(candidates, expected):
    assert choose_grid(candidates) == expected
    assert choose_grid(reversed(candidates)) == expected      # order of candidates never matters
    assert choose_grid(iter(candidates)) == expected          # any iterable


# Four 1x1 grids meeting at (1, 1): A B on top, C D below.
GRIDS = [
    (A, "grid", "regular", box(0, 1, 1, 2)), (B, "grid", "regular", box(1, 1, 2, 2)),
    (C, "grid", "regular", box(0, 0, 1, 1)), (D, "grid", "regular", box(1, 0, 2, 1)),
    ("410102001001", "community", "regular", box(0, 0, 2, 2)),
    ("410102001001501", "grid", "dedicated", box(0.5, 0.5, 1.5, 1.5)),
]


@pytest.mark.parametrize("point, grid, dedicated", [
    ((0.2, 1.8), A, []),
    ((1.8, 0.2), D, []),
    ((1.0, 1.0), A, ["410102001001501"]),   # vertex of all four: lowest code
    ((1.0, 0.2), C, []),                    # edge C|D
    ((1.5, 1.0), B, ["410102001001501"]),   # edge B|D, on the dedicated grid's boundary
    ((0.0, 0.0), C, []),                    # outer corner still covered (boundary included)
    ((2.5, 2.5), None, []),                 # out of coverage
])
def test_assign_points_rule(point, grid, dedicated):
    (a,) = assign_points([point[0]], [point[1]], GRIDS)
    assert (a.grid, a.dedicated) == (grid, dedicated)


def test_assign_points_agrees_with_choose_grid_on_random_points():
    rng = np.random.default_rng(7)
    # Snap to a coarse lattice so many points fall exactly on edges and vertices.
    xs, ys = rng.integers(-2, 11, 500) / 4, rng.integers(-2, 11, 500) / 4
    results = assign_points(xs, ys, GRIDS)
    for x, y, res in zip(xs, ys, results):
        covering = [(code, DEPTH[level]) for code, level, kind, g in GRIDS if kind == "regular" and g.covers(Point(x, y))]
        assert res.grid == choose_grid(covering)


def test_assign_points_without_grids():
    assert [a.grid for a in assign_points([1, 2], [1, 2], [])] == [None, None]
