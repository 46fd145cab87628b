"""Parsing and validating grid FeatureCollections (geo.features)."""
import copy
import json
import math
import time

import numpy as np
import pytest
import shapely

from geo.crs import UnknownCRSError, from_wgs84, geodesic_area_m2
from geo.features import REASONS, ExistingGrid, FeatureError, GridFeature, parse_grid_collection
from geo.messages import TEMPLATES
from tests.geo.helpers import (COMMUNITY, DISTRICT, GRID, MICRO, SUBDISTRICT, X0, Y0, collection, feature,
                               polygon, ring, valid_collection)

IDX = {"district": 0, "subdistrict": 1, "community": 2, "grid": 3, "micro": 4, "dedicated": 5}


def props(fc, key):
    return fc["features"][IDX[key]]["properties"]


def geom(fc, key):
    return fc["features"][IDX[key]]


# --- the valid baseline ------------------------------------------------------

def test_valid_collection_parses_cleanly():
    parsed = parse_grid_collection(valid_collection())
    assert parsed.ok, parsed.errors
    assert [f.level for f in parsed.features] == ["district", "subdistrict", "community", "grid", "micro", "grid"]
    grid = parsed.features[3]
    assert isinstance(grid, GridFeature)
    assert (grid.code, grid.parent_code, grid.households, grid.population, grid.kind) == (
        GRID, COMMUNITY, 200, 480, "regular")
    assert parsed.features[0].parent_code is None
    assert parsed.features[5].kind == "dedicated"
    # 0.01 degree square at 34.7N: ~915.6 m (see the distance_m doctest) x ~1109.9 m
    assert grid.area_m2 == pytest.approx(915.6 * 1109.9, rel=1e-3)
    for f in parsed.features:
        assert f.geometry.geom_type == "MultiPolygon"
        assert f.geometry.is_valid


# --- one case per reason code ------------------------------------------------
# Each case mutates the valid collection and states exactly which errors
# (index, reason) must come out: no more (no cascades), no fewer.

def _set(key, **kv):
    def mutate(fc):
        props(fc, key).update(kv)
        return fc
    return mutate


def _geometry(key, value):
    def mutate(fc):
        geom(fc, key)["geometry"] = value
        return fc
    return mutate


def _delete(key, prop):
    def mutate(fc):
        del props(fc, key)[prop]
        return fc
    return mutate


def _append(*features):
    def mutate(fc):
        fc["features"].extend(copy.deepcopy(list(features)))
        return fc
    return mutate


def _replace_feature(key, value):
    def mutate(fc):
        fc["features"][IDX[key]] = value
        return fc
    return mutate


BOWTIE = {"type": "Polygon", "coordinates": [[[X0, Y0], [X0 + 0.001, Y0 + 0.001], [X0 + 0.001, Y0],
                                              [X0, Y0 + 0.001], [X0, Y0]]]}
NAN = float("nan")

CASES = {
    # id: (mutation or raw data, kwargs, expected [(index, reason, field)])
    "invalid_json": ("{not json", {}, [(None, "invalid_json", "$")]),
    "not_feature_collection": ({"type": "Feature", "features": []}, {}, [(None, "not_feature_collection", "$")]),
    "not_feature_collection-list": ([], {}, [(None, "not_feature_collection", "$")]),
    "not_feature_collection-no-features": ({"type": "FeatureCollection"}, {},
                                           [(None, "not_feature_collection", "$")]),
    "unknown_crs": (lambda fc: {**fc, "crs": {"type": "name", "properties": {"name": "EPSG:99999"}}}, {},
                    [(None, "unknown_crs", "crs")]),
    "too_many_features": (None, {"max_features": 3}, [(None, "too_many_features", "features")]),
    "too_many_vertices": (None, {"max_vertices": 4}, [(i, "too_many_vertices", "geometry") for i in range(6)]),
    "feature_not_object": (_replace_feature("micro", "oops"), {}, [(4, "feature_not_object", "features[4]")]),
    "feature_not_object-type": (_replace_feature("micro", {"type": "Point"}), {},
                                [(4, "feature_not_object", "features[4]")]),
    "missing_property-name": (_delete("grid", "name"), {}, [(3, "missing_property", "properties.name")]),
    "missing_property-blank-name": (_set("grid", name="   "), {}, [(3, "missing_property", "properties.name")]),
    "missing_property-code": (_delete("micro", "code"), {}, [(4, "missing_property", "properties.code")]),
    "missing_property-level": (_delete("micro", "level"), {}, [(4, "missing_property", "properties.level")]),
    "missing_property-parent": (_delete("micro", "parent_code"), {},
                                [(4, "missing_property", "properties.parent_code")]),
    "bad_code-length": (_set("micro", code="410102001001999"), {}, [(4, "bad_code", "properties.code")]),
    "bad_code-letters": (_set("micro", code="4101020010010010A"), {}, [(4, "bad_code", "properties.code")]),
    "bad_code-float": (_set("micro", code=4.1e16), {}, [(4, "bad_code", "properties.code")]),
    "bad_code-parent": (_set("micro", parent_code="4101020010"), {}, [(4, "bad_code", "properties.parent_code")]),
    "bad_level": (_set("micro", level="block"), {}, [(4, "bad_level", "properties.level")]),
    "bad_kind": (_set("micro", kind="special"), {}, [(4, "bad_kind", "properties.kind")]),
    "bad_kind-dedicated-district": (_set("district", kind="dedicated"), {},
                                    [(0, "bad_kind", "properties.kind")]),
    "dedicated_level": (_set("micro", level="dedicated", code="4101020010010010", parent_code=None), {},
                        [(4, "dedicated_level", "properties.level")]),
    "parent_level-dedicated": (_append(feature("410102001001502", "grid", polygon(X0 + 0.03, Y0, 0.01), SUBDISTRICT,
                                               kind="dedicated")), {},
                               [(6, "parent_level", "properties.parent_code")]),
    "bad_count-negative": (_set("grid", households=-1), {}, [(3, "bad_count", "properties.households")]),
    "bad_count-text": (_set("grid", population="many"), {}, [(3, "bad_count", "properties.population")]),
    "bad_count-fraction": (_set("grid", population=2.5), {}, [(3, "bad_count", "properties.population")]),
    "bad_count-bool": (_set("grid", households=True), {}, [(3, "bad_count", "properties.households")]),
    "unexpected_parent": (_set("district", parent_code="410100"), {},
                          [(0, "unexpected_parent", "properties.parent_code")]),
    "code_parent_mismatch": (_set("micro", code="41010200100100201"), {},
                             [(4, "code_parent_mismatch", "properties.parent_code")]),
    "duplicate_code-file": (_append(feature(GRID, "grid", polygon(X0 + 0.01, Y0, 0.01), COMMUNITY)), {},
                            [(6, "duplicate_code", "properties.code")]),
    "duplicate_code-existing": (None, {"existing": {MICRO: ExistingGrid(MICRO, "micro", "regular", None)}},
                                [(4, "duplicate_code", "properties.code")]),
    "unknown_parent": (_set("micro", code="41010200100100901", parent_code="410102001001009"), {},
                       [(4, "unknown_parent", "properties.parent_code")]),
    "parent_level": (_append(feature("41010200200100101", "micro", polygon(X0, Y0, 0.001), "410102002001001")),
                     {"existing": {"410102002001001": ExistingGrid("410102002001001", "community", "regular",
                                                                   None)}},
                     [(6, "parent_level", "properties.parent_code")]),
    "parent_kind": (_append(feature("41010200100150101", "micro", polygon(X0 + 0.0121, Y0 + 0.0121, 0.001),
                                    "410102001001501")), {},
                    [(6, "parent_kind", "properties.parent_code")]),
    "missing_geometry": (_geometry("micro", None), {}, [(4, "missing_geometry", "geometry")]),
    "missing_geometry-empty": (_geometry("micro", {"type": "Polygon", "coordinates": []}), {},
                               [(4, "missing_geometry", "geometry")]),
    "geometry_type": (_geometry("micro", {"type": "LineString", "coordinates": [[X0, Y0], [X0 + 1, Y0]]}), {},
                      [(4, "geometry_type", "geometry")]),
    "bad_coordinates-text": (_geometry("micro", {"type": "Polygon", "coordinates": [
        [[X0, Y0], ["113.601", Y0], [X0 + 0.001, Y0 + 0.001], [X0, Y0]]]}), {},
        [(4, "bad_coordinates", "geometry.coordinates")]),
    "bad_coordinates-nan": (_geometry("micro", {"type": "Polygon", "coordinates": [
        [[X0, Y0], [NAN, Y0], [X0 + 0.001, Y0 + 0.001], [X0, Y0]]]}), {},
        [(4, "bad_coordinates", "geometry.coordinates")]),
    "bad_coordinates-range": (_geometry("micro", polygon(213.6, Y0, 0.001)), {},
                              [(4, "bad_coordinates", "geometry.coordinates")]),
    "bad_coordinates-nesting": (_geometry("micro", {"type": "Polygon", "coordinates": ring(X0, Y0, 0.001)}), {},
                                [(4, "bad_coordinates", "geometry.coordinates")]),
    "bad_coordinates-scalar-position": (_geometry("micro", {"type": "Polygon", "coordinates": [
        [[X0, Y0], 5, [X0 + 0.001, Y0 + 0.001], [X0, Y0]]]}), {},
        [(4, "bad_coordinates", "geometry.coordinates")]),
    "too_few_points": (_geometry("micro", {"type": "Polygon", "coordinates": [
        [[X0, Y0], [X0 + 0.001, Y0], [X0 + 0.001, Y0], [X0, Y0]]]}), {},
        [(4, "too_few_points", "geometry.coordinates")]),
    "invalid_ring": (_geometry("micro", BOWTIE), {}, [(4, "invalid_ring", "geometry")]),
    "outside_parent": (_geometry("micro", polygon(X0 + 0.009, Y0, 0.002)), {},
                       [(4, "outside_parent", "geometry")]),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_reason(case):
    mutation, kwargs, expected = CASES[case]
    if callable(mutation):
        data = mutation(valid_collection())
    elif mutation is None:
        data = valid_collection()
    else:
        data = mutation
    parsed = parse_grid_collection(data, **kwargs)
    got = [(e.index, e.reason, e.field) for e in parsed.errors]
    assert got == expected, [e.message for e in parsed.errors]
    assert not parsed.ok
    bad = {e.index for e in parsed.errors}
    if None not in bad:  # feature-level errors: the other features still come through
        assert {f.index for f in parsed.features} == set(range(len(data["features"]))) - bad
    for err in parsed.errors:
        assert isinstance(err, FeatureError)
        assert err.message and err.field in err.message or err.field == "$"
        json.dumps(err.as_dict(), allow_nan=True)  # params must be JSON-ready for the API


def test_every_reason_has_a_case_and_a_template():
    covered = {reason for _, _, expected in CASES.values() for _, reason, _ in expected}
    assert covered == set(REASONS)
    assert set(REASONS) <= set(TEMPLATES)
    variants = {key for key in TEMPLATES if ":" in key}
    assert {key.split(":")[0] for key in variants} <= set(REASONS)


def test_error_params_carry_what_a_translator_needs():
    fc = valid_collection()
    props(fc, "micro")["code"] = "410102001001001"
    props(fc, "grid")["households"] = "-3"
    geom(fc, "dedicated")["geometry"] = BOWTIE
    errors = {e.reason: e for e in parse_grid_collection(fc).errors}
    assert errors["bad_code"].params == {"expected": 17, "got": 15, "level": "micro", "value": "410102001001001"}
    assert errors["bad_code"].code == "410102001001001"
    assert errors["bad_count"].params == {"got": "-3"}
    inv = errors["invalid_ring"].params
    assert inv["explanation"] == "Self-intersection"
    assert inv["location"] == pytest.approx([X0 + 0.0005, Y0 + 0.0005])
    assert "17" in errors["bad_code"].message and "properties.code" in errors["bad_code"].message


def test_outside_parent_params():
    fc = valid_collection()
    geom(fc, "micro")["geometry"] = polygon(X0 + 0.009, Y0, 0.002)  # half outside the grid
    (err,) = parse_grid_collection(fc).errors
    assert err.params["parent_code"] == GRID
    assert err.params["outside_m2"] == pytest.approx(0.5 * geodesic_area_m2(shapely.box(
        X0 + 0.009, Y0, X0 + 0.011, Y0 + 0.002)), rel=0.01)
    assert err.params["tolerance_m2"] < err.params["outside_m2"]


def test_every_bad_feature_reported_and_several_errors_per_feature():
    fc = valid_collection()
    props(fc, "grid").update(households=-1, population="x", name="")
    props(fc, "micro")["level"] = "block"
    geom(fc, "dedicated")["geometry"] = None
    parsed = parse_grid_collection(fc)
    got = [(e.index, e.reason) for e in parsed.errors]
    assert got == [(3, "missing_property"), (3, "bad_count"), (3, "bad_count"), (4, "bad_level"),
                   (5, "missing_geometry")]
    assert [f.index for f in parsed.features] == [0, 1, 2]


def test_bad_coordinates_reported_per_ring():
    fc = valid_collection()
    geom(fc, "micro")["geometry"] = {"type": "MultiPolygon", "coordinates": [
        [ring(X0, Y0, 0.001), [[X0, Y0], [X0, None], [X0, Y0]]],
        [[[X0, Y0], [X0, 95.0], [X0 + 0.001, Y0], [X0, Y0]]]]}
    errors = parse_grid_collection(fc).errors
    assert [(e.reason, e.params["path"], e.params["detail"]) for e in errors] == [
        ("bad_coordinates", "coordinates[0][1][1]", "not_a_number"),
        ("bad_coordinates", "coordinates[1][0][1]", "out_of_range"),
    ]


# --- no cascades -------------------------------------------------------------

def test_child_of_parent_with_unusable_geometry_gets_no_containment_error():
    fc = valid_collection()
    geom(fc, "grid")["geometry"] = BOWTIE
    geom(fc, "micro")["geometry"] = polygon(X0 + 0.5, Y0 + 0.5, 0.001)  # far away, but parent is broken
    assert [(e.index, e.reason) for e in parse_grid_collection(fc).errors] == [(3, "invalid_ring")]


def test_child_of_parent_with_bad_level_gets_no_parent_level_error():
    fc = valid_collection()
    props(fc, "grid")["level"] = "block"
    assert [(e.index, e.reason) for e in parse_grid_collection(fc).errors] == [(3, "bad_level")]


def test_child_of_duplicated_parent_checks_against_first_occurrence():
    fc = valid_collection()
    fc["features"].append(feature(GRID, "grid", polygon(X0 + 0.5, Y0 + 0.5, 0.01), COMMUNITY))
    errors = parse_grid_collection(fc).errors
    assert [(e.index, e.reason) for e in errors] == [(6, "duplicate_code"), (6, "outside_parent")]
    assert errors[0].params["first_index"] == 3


# --- normalisation -----------------------------------------------------------

def _one_micro(geometry, **extra_props):
    fc = valid_collection()
    geom(fc, "micro")["geometry"] = geometry
    props(fc, "micro").update(extra_props)
    parsed = parse_grid_collection(fc)
    assert parsed.ok, [e.message for e in parsed.errors]
    return parsed.features[IDX["micro"]]


def test_orientation_made_rfc7946():
    outer = ring(X0, Y0, 0.002)[::-1]                       # clockwise exterior
    hole = ring(X0 + 0.0005, Y0 + 0.0005, 0.0005)           # counter-clockwise hole
    micro = _one_micro({"type": "Polygon", "coordinates": [outer, hole]})
    (poly,) = micro.geometry.geoms
    assert poly.exterior.is_ccw
    assert not poly.interiors[0].is_ccw


def test_polygon_promoted_to_multipolygon_and_multipolygon_kept():
    assert _one_micro(polygon(X0, Y0, 0.002)).geometry.geom_type == "MultiPolygon"
    multi = {"type": "MultiPolygon", "coordinates": [[ring(X0, Y0, 0.001)], [ring(X0 + 0.001, Y0 + 0.001, 0.001)]]}
    assert len(_one_micro(multi).geometry.geoms) == 2


def test_unclosed_ring_closed_and_duplicates_removed_and_z_dropped():
    coords = [[X0, Y0, 5.0], [X0 + 0.002, Y0], [X0 + 0.002, Y0], [X0 + 0.002, Y0 + 0.002, 1.0, 7.0],
              [X0, Y0 + 0.002], [X0, Y0 + 0.002]]
    micro = _one_micro({"type": "Polygon", "coordinates": [coords]})
    ext = micro.geometry.geoms[0].exterior
    assert list(ext.coords) == [(X0, Y0), (X0 + 0.002, Y0), (X0 + 0.002, Y0 + 0.002), (X0, Y0 + 0.002), (X0, Y0)]
    assert not micro.geometry.has_z


def test_uniform_z_dropped():
    coords = [[x, y, 12.5] for x, y in ring(X0, Y0, 0.002)]
    assert not _one_micro({"type": "Polygon", "coordinates": [coords]}).geometry.has_z


def test_tiny_overhang_clipped_to_parent():
    # The micro-grid pokes ~0.1 m east of its grid along a 220 m edge: ~20 m²
    # outside, under 0.1 % of its ~40,600 m² -> clipped, not refused.
    grid_east = X0 + 0.01
    micro = _one_micro(polygon(grid_east - 0.002, Y0, 0.002 + 1e-6, 0.002))
    parent = shapely.box(X0, Y0, X0 + 0.01, Y0 + 0.01)
    assert parent.covers(micro.geometry)
    assert micro.geometry.bounds[2] == pytest.approx(grid_east)
    assert micro.area_m2 == pytest.approx(geodesic_area_m2(shapely.box(grid_east - 0.002, Y0, grid_east, Y0 + 0.002)),
                                          rel=1e-9)
    assert micro.geometry.geoms[0].exterior.is_ccw


def test_overhang_beyond_tolerance_refused():
    fc = valid_collection()
    geom(fc, "micro")["geometry"] = polygon(X0 + 0.008, Y0, 0.002 + 1e-4, 0.002)  # ~10 m over: ~2,200 m²
    (err,) = parse_grid_collection(fc).errors
    assert err.reason == "outside_parent"


def test_clipping_drops_sliver_parts():
    # A separate 0.5 m² speck outside the parent is dropped along with the clip.
    speck = ring(X0 + 0.01 + 1e-5, Y0, 5e-6, 5e-6)
    micro = _one_micro({"type": "MultiPolygon", "coordinates": [[ring(X0 + 0.008, Y0, 0.002)], [speck]]})
    assert len(micro.geometry.geoms) == 1


def test_property_normalisation():
    fc = valid_collection()
    props(fc, "grid").update(code=f"  {GRID} ", name="  一网格 ", level=" GRID ", households="1,200",
                             population=" 3000 ", parent_code=int(COMMUNITY))
    props(fc, "micro").update(level="微网格", households=12.0, population="")
    props(fc, "district").pop("kind", None)
    parsed = parse_grid_collection(fc)
    assert parsed.ok, [e.message for e in parsed.errors]
    grid, micro = parsed.features[3], parsed.features[4]
    assert (grid.code, grid.name, grid.level, grid.households, grid.population, grid.parent_code) == (
        GRID, "一网格", "grid", 1200, 3000, COMMUNITY)
    assert (micro.level, micro.households, micro.population) == ("micro", 12, None)
    assert parsed.features[0].kind == "regular"


def test_district_parent_code_may_be_null_or_empty():
    fc = valid_collection()
    props(fc, "district")["parent_code"] = None
    assert parse_grid_collection(fc).ok
    props(fc, "district")["parent_code"] = " "
    assert parse_grid_collection(fc).ok


def test_missing_properties_object():
    fc = valid_collection()
    fc["features"][4]["properties"] = None
    reasons = [(e.reason, e.field) for e in parse_grid_collection(fc).errors]
    assert reasons == [("missing_property", "properties.level"), ("missing_property", "properties.code"),
                       ("missing_property", "properties.name")]


# --- parents: file order and the database -------------------------------------

def test_parents_in_any_order():
    fc = valid_collection()
    fc["features"].reverse()
    parsed = parse_grid_collection(fc)
    assert parsed.ok
    assert [f.index for f in parsed.features] == list(range(6))


def test_parents_from_existing():
    existing = {COMMUNITY: ExistingGrid(COMMUNITY, "community", "regular", shapely.box(X0, Y0, X0 + 0.02, Y0 + 0.02))}
    fc = collection(feature(GRID, "grid", polygon(X0, Y0, 0.01), COMMUNITY),
                    feature(MICRO, "micro", polygon(X0, Y0, 0.002), GRID),
                    feature("410102001001002", "grid", polygon(X0 + 0.015, Y0, 0.01), COMMUNITY))
    parsed = parse_grid_collection(fc, existing=existing)
    assert [(e.index, e.reason) for e in parsed.errors] == [(2, "outside_parent")]
    assert [f.code for f in parsed.features] == [GRID, MICRO]


def test_existing_parent_without_geometry_skips_containment():
    existing = {COMMUNITY: ExistingGrid(COMMUNITY, "community", "regular", None)}
    fc = collection(feature(GRID, "grid", polygon(X0 + 5, Y0, 0.01), COMMUNITY))
    assert parse_grid_collection(fc, existing=existing).ok


def test_dedicated_micro_under_dedicated_grid_allowed():
    fc = valid_collection()
    fc["features"].append(feature("41010200100150101", "micro", polygon(X0 + 0.0121, Y0 + 0.0121, 0.001),
                                  "410102001001501", kind="dedicated"))
    assert parse_grid_collection(fc).ok


def test_dedicated_micro_under_regular_grid_allowed():
    fc = valid_collection()
    fc["features"].append(feature("41010200100100150"[:17], "micro", polygon(X0 + 0.001, Y0 + 0.001, 0.0005),
                                  GRID, kind="专属"))
    parsed = parse_grid_collection(fc)
    assert parsed.ok
    assert parsed.features[-1].kind == "dedicated"


# A dedicated grid hangs under a grid of any level but the finest, one level below it, and may cross the
# boundaries of the levels below its parent (geo.hierarchy).
PARK = polygon(X0 + 0.015, Y0 + 0.015, 0.01)   # across the community's edge (0.02) and the grid's (0.01)


@pytest.mark.parametrize("code,level,parent", [
    ("410102901", "subdistrict", DISTRICT),
    ("410102001901", "community", SUBDISTRICT),
    ("410102001001901", "grid", COMMUNITY),
])
def test_dedicated_grid_under_any_level_may_cross_the_levels_below(code, level, parent):
    fc = valid_collection()
    fc["features"].append(feature(code, level, PARK if level != "grid" else polygon(X0 + 0.012, Y0, 0.006),
                                  parent, kind="dedicated"))
    parsed = parse_grid_collection(fc)
    assert parsed.ok, [e.message for e in parsed.errors]
    park = parsed.features[-1]
    assert (park.code, park.level, park.kind, park.parent_code) == (code, level, "dedicated", parent)


@pytest.mark.parametrize("code,parent,level", [
    ("410102901", DISTRICT, "subdistrict"), ("410102001901", SUBDISTRICT, "community"),
    ("410102001001901", COMMUNITY, "grid"), ("41010200100100190", GRID, "micro"),
    ("410102001901", None, "community"),   # no parent_code (a draft import finds it): the code's length says
])
def test_level_dedicated_is_the_kind_and_the_level_follows_the_parent(code, parent, level):
    fc = collection(*valid_collection()["features"][:5])
    fc["features"].append(feature(code, "专属网格", polygon(X0 + 0.001, Y0 + 0.001, 0.0005), parent))
    parsed = parse_grid_collection(fc, parents="resolve" if parent else "defer")
    assert parsed.ok, [e.message for e in parsed.errors]
    assert (parsed.features[-1].level, parsed.features[-1].kind) == (level, "dedicated")


def test_level_dedicated_with_kind_regular_is_an_unknown_level():
    fc = valid_collection()
    fc["features"].append(feature("410102901", "dedicated", PARK, DISTRICT, kind="regular"))
    [error] = parse_grid_collection(fc).errors
    assert (error.index, error.reason) == (6, "bad_level")


def test_a_dedicated_grid_at_the_wrong_level_for_its_parent_is_told_which_level_fits():
    fc = valid_collection()
    fc["features"].append(feature("410102001001902", "grid", PARK, DISTRICT, kind="dedicated"))
    [error] = parse_grid_collection(fc).errors
    assert error.reason == "parent_level"
    assert error.params == {"parent_code": DISTRICT, "parent_level": "district", "level": "grid",
                            "expected": "community", "kind": "dedicated", "fits": "subdistrict"}
    assert "at level subdistrict (or write level: dedicated)" in error.message
    assert "None" not in error.message


def test_a_dedicated_grid_still_lies_inside_its_parent():
    fc = valid_collection()
    fc["features"].append(feature("410102001901", "community", polygon(X0 + 0.045, Y0, 0.01), SUBDISTRICT,
                                  kind="dedicated"))
    [error] = parse_grid_collection(fc).errors
    assert error.reason == "outside_parent"


# --- input forms and coordinate systems --------------------------------------

def test_json_text_and_bytes_accepted():
    text = json.dumps(valid_collection(), ensure_ascii=False)
    assert parse_grid_collection(text).ok
    assert parse_grid_collection(text.encode("utf-8")).ok


def _transform_collection(fc, crs):
    def conv(coords):
        if isinstance(coords[0], (int, float)):
            x, y = from_wgs84(coords[0], coords[1], crs)
            return [float(x), float(y)]
        return [conv(c) for c in coords]
    for feat in fc["features"]:
        feat["geometry"]["coordinates"] = conv(feat["geometry"]["coordinates"])
    return fc


@pytest.mark.parametrize("crs", ["EPSG:4547", "gcj02", "bd09", "cgcs2000"])
def test_collection_in_other_crs_comes_back_in_wgs84(crs):
    reference = parse_grid_collection(valid_collection())
    parsed = parse_grid_collection(_transform_collection(valid_collection(), crs), crs=crs)
    assert parsed.ok, [e.message for e in parsed.errors]
    for ref, got in zip(reference.features, parsed.features):
        # Shared edges survive conversion closely enough for containment
        # (clipping absorbs float noise); positions agree to centimetres.
        assert shapely.hausdorff_distance(ref.geometry, got.geometry) < 1e-6
        assert got.area_m2 == pytest.approx(ref.area_m2, rel=1e-4)
        assert got.geometry.geoms[0].exterior.is_ccw


def test_legacy_crs_member_honoured_and_argument_wins():
    fc = _transform_collection(valid_collection(), 4547)
    fc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4547"}}
    assert parse_grid_collection(fc).ok
    errors = parse_grid_collection(fc, crs="EPSG:4326").errors
    assert errors and {e.reason for e in errors} == {"bad_coordinates"}  # metres are not degrees


def test_projected_out_of_range_after_conversion():
    # A northing of 1e9 m is far beyond the pole; Gauss-Krüger would wrap it
    # to a plausible latitude rather than fail.
    others = _transform_collection(valid_collection(), 4547)
    others["features"][IDX["micro"]]["geometry"] = polygon(500000.0, 1e9, 100.0)
    errors = parse_grid_collection(others, crs=4547).errors
    assert [(e.index, e.reason) for e in errors] == [(4, "bad_coordinates")]
    assert errors[0].params["detail"] == "out_of_range_after_conversion"


def test_unknown_crs_argument_raises():
    with pytest.raises(UnknownCRSError):
        parse_grid_collection(valid_collection(), crs="mars")


def test_empty_collection_is_ok():
    parsed = parse_grid_collection(collection())
    assert parsed.ok and parsed.features == []


# --- performance smoke -------------------------------------------------------

def _district_tiling():
    """1 district, 10 subdistricts, 100 communities, 1,000 grids, 5,000 micro-grids, edges shared exactly."""
    side = 0.1
    xs = X0 + np.arange(101) * (side / 100)   # grid columns; every coarser edge is one of these floats
    ys = Y0 + np.arange(51) * (side / 50)     # micro rows
    yc = ys[::5]                              # community rows (10)

    def rect(x0, x1, y0, y1):
        return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}

    feats = [feature(DISTRICT, "district", rect(xs[0], xs[100], ys[0], ys[50]))]
    for s in range(10):
        scode = f"{DISTRICT}{s + 1:03d}"
        feats.append(feature(scode, "subdistrict", rect(xs[10 * s], xs[10 * s + 10], ys[0], ys[50]), DISTRICT))
        for c in range(10):
            ccode = f"{scode}{c + 1:03d}"
            feats.append(feature(ccode, "community", rect(xs[10 * s], xs[10 * s + 10], yc[c], yc[c + 1]), scode))
            for g in range(10):
                gcode = f"{ccode}{g + 1:03d}"
                x0, x1 = xs[10 * s + g], xs[10 * s + g + 1]
                feats.append(feature(gcode, "grid", rect(x0, x1, yc[c], yc[c + 1]), ccode))
                for m in range(5):
                    feats.append(feature(f"{gcode}{m + 1:02d}", "micro",
                                         rect(x0, x1, ys[5 * c + m], ys[5 * c + m + 1]), gcode))
    return collection(*feats)


def test_performance_smoke_six_thousand_features(capsys):
    fc = _district_tiling()
    assert len(fc["features"]) == 6111
    fc["features"].reverse()  # children before parents: the worst order
    start = time.perf_counter()
    parsed = parse_grid_collection(fc)
    elapsed = time.perf_counter() - start
    assert parsed.ok, [e.message for e in parsed.errors[:5]]
    assert len(parsed.features) == 6111
    micro_area = sum(f.area_m2 for f in parsed.features if f.level == "micro")
    district_area = next(f.area_m2 for f in parsed.features if f.level == "district")
    assert math.isclose(micro_area, district_area, rel_tol=1e-6)  # the tiling is seamless
    with capsys.disabled():
        print(f"\n[perf] parse_grid_collection: {len(parsed.features)} features in {elapsed:.2f} s")


def test_parent_is_read_as_parent_code_as_older_exports_wrote_it():
    fc = valid_collection()
    for feat in fc["features"][1:]:
        feat["properties"]["parent"] = feat["properties"].pop("parent_code")
    parsed = parse_grid_collection(fc)
    assert parsed.ok and [f.parent_code for f in parsed.features][1:3] == [DISTRICT, SUBDISTRICT]
