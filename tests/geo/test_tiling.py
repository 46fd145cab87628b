"""geo.tiling: parts tile the polygon exactly, are non-empty, balanced and deterministic."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely import Polygon, box

from geo.tiling import partition, reading_order, sample_points

SQUARE = box(113.60, 34.70, 113.64, 34.74)
# A U shape: Voronoi cells straddling the notch come out in two pieces.
U_SHAPE = Polygon([(113.60, 34.70), (113.66, 34.70), (113.66, 34.76), (113.645, 34.76), (113.645, 34.715),
                   (113.615, 34.715), (113.615, 34.76), (113.60, 34.76)])
WITH_HOLE = Polygon(SQUARE.exterior.coords, [list(box(113.61, 34.71, 113.62, 34.72).exterior.coords)[::-1]])
TWO_ISLANDS = shapely.MultiPolygon([box(113.60, 34.70, 113.62, 34.72), box(113.63, 34.70, 113.65, 34.72)])


def assert_tiles(polygon, parts, n):
    assert len(parts) == n
    assert all(p.geom_type in ("Polygon", "MultiPolygon") and p.area > 0 for p in parts)
    union = shapely.union_all(parts)
    assert abs(union.area - polygon.area) <= 1e-9 * polygon.area
    assert shapely.symmetric_difference(union, polygon).area <= 1e-9 * polygon.area
    assert abs(sum(p.area for p in parts) - polygon.area) <= 1e-9 * polygon.area
    arr = np.array(parts, dtype=object)
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(arr[left[pairs]], arr[right[pairs]])).sum()
    assert overlap <= 1e-12 * polygon.area


@pytest.mark.parametrize("polygon", [SQUARE, U_SHAPE, WITH_HOLE, TWO_ISLANDS], ids=["square", "u", "hole", "islands"])
@pytest.mark.parametrize("n", [2, 5, 17])
def test_parts_tile_the_polygon(polygon, n):
    parts = partition(polygon, n, np.random.default_rng(n))
    assert_tiles(polygon, parts, n)


def test_single_part_is_the_polygon():
    assert partition(SQUARE, 1, np.random.default_rng(0)) == [SQUARE]


def test_deterministic_for_a_seed():
    a = partition(U_SHAPE, 9, np.random.default_rng(42))
    b = partition(U_SHAPE, 9, np.random.default_rng(42))
    c = partition(U_SHAPE, 9, np.random.default_rng(43))
    assert all(x.equals_exact(y, 0) for x, y in zip(a, b))
    assert not all(x.equals_exact(y, 0) for x, y in zip(a, c))


def test_parts_are_contiguous_in_a_concave_polygon():
    for seed in range(5):
        parts = partition(U_SHAPE, 8, np.random.default_rng(seed))
        assert_tiles(U_SHAPE, parts, 8)
        assert all(p.geom_type == "Polygon" for p in parts)


def test_relaxed_parts_are_balanced():
    areas = np.array([p.area for p in partition(SQUARE, 10, np.random.default_rng(3), relax=8)])
    assert areas.max() / areas.min() < 2.5


def test_density_makes_parts_smaller_where_it_is_high():
    def dense_west(lon, lat):
        return np.where(lon < 113.62, 1.0, 0.1)

    parts = partition(SQUARE, 20, np.random.default_rng(5), relax=3, density=dense_west)
    assert_tiles(SQUARE, parts, 20)
    west = [p.area for p in parts if p.centroid.x < 113.615]
    east = [p.area for p in parts if p.centroid.x > 113.625]
    assert np.mean(west) < np.mean(east)


def test_given_seeds_place_parts():
    seeds = [(113.605, 34.735), (113.635, 34.705)]
    parts = partition(SQUARE, 2, np.random.default_rng(0), relax=0, seeds=seeds)
    assert parts[0].centroid.x < parts[1].centroid.x
    assert parts[0].centroid.y > parts[1].centroid.y


def test_bad_arguments():
    with pytest.raises(ValueError):
        partition(SQUARE, 0, np.random.default_rng(0))
    with pytest.raises(ValueError):
        partition(Polygon(), 3, np.random.default_rng(0))
    with pytest.raises(ValueError):
        partition(SQUARE, 3, np.random.default_rng(0), seeds=[(113.61, 34.71)])


def test_sample_points_inside():
    pts = sample_points(U_SHAPE, 500, np.random.default_rng(1))
    assert pts.shape == (500, 2)
    assert shapely.contains_xy(U_SHAPE, pts[:, 0], pts[:, 1]).all()


def test_reading_order_rows_then_west_to_east():
    # 3 rows x 4 columns of unit cells given in scrambled order.
    cells = [box(x, y, x + 0.01, y + 0.01) for x in (0.03, 0.0, 0.02, 0.01) for y in (0.0, 0.02, 0.01)]
    order = reading_order(cells, rows=3)
    centres = [(round(cells[i].centroid.x, 6), round(cells[i].centroid.y, 6)) for i in order]
    assert centres == [(round(x + 0.005, 6), round(y + 0.005, 6)) for y in (0.02, 0.01, 0.0) for x in (0.0, 0.01, 0.02, 0.03)]
    # With rows guessed from the shape, still a permutation, north-west first.
    auto = reading_order(cells)
    assert sorted(auto.tolist()) == list(range(12))
    assert cells[auto[0]].centroid.y == max(c.centroid.y for c in cells)
    assert reading_order([]).tolist() == []
