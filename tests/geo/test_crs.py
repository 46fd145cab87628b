"""Coordinate systems: parsing, published reference points, accurate inverses."""
import numpy as np
import pytest
import shapely
from shapely import box

from geo import gcj
from geo.crs import (SourceCRS, UnknownCRSError, distance_m, from_wgs84, geodesic_area_m2,
                     geometry_from_wgs84, geometry_to_wgs84, parse_crs, to_wgs84)

# wandergis/coordTransform README / test/app.js, input (116.404, 39.915) each time.
REF_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
REF_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
REF_BD09_TO_GCJ02 = (116.39762729119315, 39.90865673957631)   # their closed-form approximation
REF_GCJ02_TO_WGS84 = (116.39775550083061, 39.91359571849836)  # their one-step approximation


def china_grid(n=60):
    """Points covering mainland China's bounding region (inside out_of_china's box)."""
    lon, lat = np.meshgrid(np.linspace(74.0, 134.9, n), np.linspace(4.0, 53.4, n))
    return lon.ravel(), lat.ravel()


def max_error_m(lon_a, lat_a, lon_b, lat_b):
    return float(np.max(distance_m(lon_a, lat_a, lon_b, lat_b)))


# --- parse_crs ---------------------------------------------------------------

@pytest.mark.parametrize("value, kind, epsg", [
    (None, "epsg", 4326), ("", "epsg", 4326), ("  ", "epsg", 4326),
    (4326, "epsg", 4326), ("4326", "epsg", 4326), ("EPSG:4326", "epsg", 4326),
    ("wgs84", "epsg", 4326), ("WGS84", "epsg", 4326), ("CRS84", "epsg", 4326),
    ("epsg:4490", "epsg", 4490), ("cgcs2000", "epsg", 4490), (4490, "epsg", 4490),
    ("4547", "epsg", 4547), ("EPSG:4547", "epsg", 4547), ("urn:ogc:def:crs:EPSG::4547", "epsg", 4547),
    ("EPSG:3857", "epsg", 3857), (32650, "epsg", 32650),
    ("gcj02", "gcj02", None), ("gcj-02", "gcj02", None), ("GCJ02", "gcj02", None),
    ("bd09", "bd09", None), ("bd-09", "bd09", None), ("BD09", "bd09", None),
])
def test_parse_crs_accepts(value, kind, epsg):
    crs = parse_crs(value)
    assert (crs.kind, crs.epsg) == (kind, epsg)
    assert parse_crs(crs) is crs


@pytest.mark.parametrize("value", ["mars", "EPSG:", "epsg:99999", "99999", "0", 4.5, True, [4326], "wgs85"])
def test_parse_crs_refuses(value):
    with pytest.raises(UnknownCRSError) as info:
        parse_crs(value)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    for form in ("EPSG:4326", "cgcs2000", "gcj02", "bd09"):
        assert form in message


def test_source_crs_is_frozen():
    crs = parse_crs("gcj02")
    assert crs == SourceCRS("gcj02", None, "GCJ-02")
    with pytest.raises(Exception):
        crs.kind = "bd09"


# --- published reference points ----------------------------------------------

def test_wgs84_to_gcj02_matches_reference():
    lon, lat = from_wgs84(116.404, 39.915, "gcj02")
    assert (float(lon), float(lat)) == pytest.approx(REF_WGS84_TO_GCJ02, abs=1e-12)


def test_gcj02_to_bd09_matches_reference():
    lon, lat = gcj.gcj02_to_bd09(116.404, 39.915)
    assert (float(lon), float(lat)) == pytest.approx(REF_GCJ02_TO_BD09, abs=1e-12)


def test_bd09_to_gcj02_agrees_with_reference_within_5cm():
    # The reference is the closed-form approximation; ours is refined to an
    # exact inverse, so the two agree to a few centimetres only.
    lon, lat = gcj.bd09_to_gcj02(116.404, 39.915)
    assert max_error_m(lon, lat, *REF_BD09_TO_GCJ02) < 0.05
    assert [float(v) for v in gcj.gcj02_to_bd09(lon, lat)] == pytest.approx([116.404, 39.915], abs=1e-9)


def test_gcj02_to_wgs84_improves_on_one_step_reference():
    lon, lat = to_wgs84(116.404, 39.915, "gcj02")
    # Close to the classic one-step inverse...
    assert max_error_m(lon, lat, *REF_GCJ02_TO_WGS84) < 5
    # ...but, unlike it, maps back exactly onto the input.
    back = from_wgs84(lon, lat, "gcj02")
    assert max_error_m(*back, 116.404, 39.915) < 0.001
    ref_back = from_wgs84(*REF_GCJ02_TO_WGS84, "gcj02")
    assert max_error_m(*back, 116.404, 39.915) < max_error_m(*ref_back, 116.404, 39.915)


def test_reference_round_trip_of_published_gcj_point():
    lon, lat = to_wgs84(*REF_WGS84_TO_GCJ02, "gcj02")
    assert max_error_m(lon, lat, 116.404, 39.915) < 0.01


# --- round trips over China --------------------------------------------------

@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_round_trip_over_china_under_half_metre(crs):
    lon, lat = china_grid()
    x, y = from_wgs84(lon, lat, crs)
    assert max_error_m(lon, lat, x, y) > 50  # the offset really is applied
    back_lon, back_lat = to_wgs84(x, y, crs)
    assert max_error_m(lon, lat, back_lon, back_lat) < 0.5


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_inverse_is_exact_inverse_of_forward_over_china(crs):
    # The other direction: treat the grid as offset input.
    x, y = china_grid()
    lon, lat = to_wgs84(x, y, crs)
    fx, fy = from_wgs84(lon, lat, crs)
    assert max_error_m(x, y, fx, fy) < 0.5


def test_gcj02_outside_china_is_identity():
    lon, lat = np.array([2.35, -74.0, 139.7]), np.array([48.85, 40.7, 35.7])  # Paris, NYC, Tokyo
    for f in (from_wgs84, to_wgs84):
        x, y = f(lon, lat, "gcj02")
        np.testing.assert_array_equal(x, lon)
        np.testing.assert_array_equal(y, lat)


# --- EPSG codes ----------------------------------------------------------------

def test_epsg_4547_central_meridian_and_round_trip():
    x, y = from_wgs84(114.0, 34.75, "EPSG:4547")
    assert float(x) == pytest.approx(500000.0, abs=1e-6)  # false easting on CM 114E
    assert 3.80e6 < float(y) < 3.90e6                    # ~3,847 km north of the equator
    lon, lat = np.array([113.55, 113.62, 113.70, 114.0]), np.array([34.70, 34.75, 34.80, 34.75])
    ex, ny = from_wgs84(lon, lat, 4547)
    back = to_wgs84(ex, ny, 4547)
    assert max_error_m(lon, lat, *back) < 0.01
    # Zhengzhou lies west of 114E: eastings below the false easting.
    assert (ex[:3] < 500000).all()


def test_epsg_4490_is_within_a_metre_of_wgs84():
    lon, lat = np.array([113.65, 116.404, 87.6]), np.array([34.76, 39.915, 43.8])
    x, y = to_wgs84(lon, lat, "cgcs2000")
    assert max_error_m(lon, lat, x, y) < 1.0
    assert max_error_m(lon, lat, *from_wgs84(x, y, 4490)) < 0.01


def test_wgs84_is_identity_and_copies():
    lon = np.array([113.6, 113.7])
    x, y = to_wgs84(lon, [34.7, 34.8], None)
    np.testing.assert_array_equal(x, lon)
    x[0] = 0
    assert lon[0] == 113.6


# --- vectorisation -----------------------------------------------------------

@pytest.mark.parametrize("crs", ["gcj02", "bd09", "4547", "4490", "4326"])
def test_vectorised_matches_scalar(crs):
    lon = np.array([[113.6, 113.65], [113.7, 116.4]])
    lat = np.array([[34.7, 34.75], [34.8, 39.9]])
    x, y = from_wgs84(lon, lat, crs)
    assert x.shape == y.shape == (2, 2)
    for i in range(2):
        for j in range(2):
            sx, sy = from_wgs84(float(lon[i, j]), float(lat[i, j]), crs)
            assert float(sx) == pytest.approx(x[i, j], abs=1e-9)
            assert float(sy) == pytest.approx(y[i, j], abs=1e-9)
    lon2, lat2 = to_wgs84(x, y, crs)
    assert lon2.shape == (2, 2)


def test_scalar_broadcasts_against_array():
    x, y = to_wgs84([113.6, 113.7], 34.75, "gcj02")
    assert x.shape == y.shape == (2,)


# --- geometries and measures --------------------------------------------------

def test_geometry_round_trip_gcj02_and_2d():
    geom = shapely.Polygon([(113.6, 34.7, 10), (113.61, 34.7, 10), (113.61, 34.71, 10), (113.6, 34.7, 10)])
    shifted = geometry_from_wgs84(geom, "gcj02")
    assert not shifted.has_z
    back = geometry_to_wgs84(shifted, "gcj02")
    assert back.has_z is False
    np.testing.assert_allclose(shapely.get_coordinates(back), shapely.get_coordinates(geom)[:, :2], atol=1e-8)
    assert shapely.hausdorff_distance(shifted, geom) > 0.001  # moved by hundreds of metres


def test_geometry_to_wgs84_from_projected():
    x, y = from_wgs84(113.65, 34.75, 4547)
    square = box(float(x), float(y), float(x) + 100, float(y) + 100)
    wgs = geometry_to_wgs84(square, "EPSG:4547")
    assert geodesic_area_m2(wgs) == pytest.approx(10_000, rel=2e-3)  # GK scale error is tiny near the CM


def test_geodesic_area_polygon_multipolygon_and_orientation():
    a = box(113.6, 34.7, 113.61, 34.71)
    cw = shapely.orient_polygons(a, exterior_cw=True)
    assert geodesic_area_m2(cw) == pytest.approx(geodesic_area_m2(a))
    multi = shapely.MultiPolygon([a, shapely.orient_polygons(box(113.62, 34.7, 113.63, 34.71), exterior_cw=True)])
    assert geodesic_area_m2(multi) == pytest.approx(2 * geodesic_area_m2(a), rel=1e-3)
    holed = shapely.Polygon(a.exterior.coords, [box(113.602, 34.702, 113.603, 34.703).exterior.coords])
    assert geodesic_area_m2(holed) == pytest.approx(geodesic_area_m2(a) * 0.99, rel=1e-3)
    assert geodesic_area_m2(shapely.Point(0, 0)) == 0.0
    assert geodesic_area_m2(shapely.Polygon()) == 0.0


def test_distance_m_scalar_and_vectorised():
    # 1 degree of latitude at the equator is ~110.574 km on WGS-84.
    assert distance_m(0, 0, 0, 1) == pytest.approx(110574.4, abs=1)
    d = distance_m([113.6, 113.6], [34.7, 34.7], [113.6, 113.7], [34.8, 34.7])
    assert d.shape == (2,)
    assert d[0] == pytest.approx(11092, rel=1e-3)
    assert distance_m(113.6, 34.7, 113.6, 34.7) == 0.0
