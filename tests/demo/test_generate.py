"""app.demo.generate without a database: codes, parents, counts, tiling, staff and reports, per district of
the demo city (中原区, 二七区) and for the city as a whole."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import numpy as np
import pytest
import shapely

from app.demo import names
from app.demo import generate as generate_module
from app.demo.generate import CityDemo, DemoData, generate, load_outline
from app.models.report import CHANNELS, STATUSES
from app.reports.categories import BY_CODE
from geo.crs import distance_m, geodesic_area_m2, to_wgs84
from geo.features import parse_grid_collection
from geo.hierarchy import CODE_LENGTH, LEVELS, code_is_well_formed

M2_PER_SQ_DEGREE = 111_320 * 0.8214 * 110_900  # cos(34.77°)
NOW = datetime.fromisoformat("2025-06-30T12:00:00+08:00")


@pytest.fixture(scope="module")
def city() -> CityDemo:
    return generate(seed=11, scale=0.02, now=NOW)


@pytest.fixture(params=names.DEMO_CITY)
def demo(request, city) -> DemoData:
    """Each district of the demo city in turn."""
    return city.district(request.param)


def props(data: DemoData):
    return [f["properties"] for f in data.collection["features"]]


def test_counts_at_small_scale(demo):
    c = demo.counts
    assert c["district"] == 1
    assert 2 <= c["subdistrict"] <= 6
    assert c["subdistrict"] <= c["community"] <= 12
    assert 2 * c["community"] <= c["grid"] <= 30
    assert 3 * c["grid"] <= c["micro"] <= 7 * c["grid"]
    assert c["dedicated"] >= 2
    assert c["reports"] == len(demo.reports) + len(demo.outside_reports) >= 20


def test_codes_are_well_formed_and_prefixed_by_their_parent(demo):
    ps = props(demo)
    by_code = {p["code"]: p for p in ps}
    assert len(by_code) == len(ps), "codes are unique"
    for p in ps:
        assert p["level"] in LEVELS
        assert code_is_well_formed(p["code"], p["level"])
        if p["level"] == "district":
            assert p["code"] == demo.district.code and p["parent_code"] is None and p["name"] == demo.district.name
            continue
        assert p["code"].startswith(demo.district.code)
        parent = by_code[p["parent_code"]]
        assert p["code"].startswith(parent["code"])
        assert len(p["code"]) == CODE_LENGTH[p["level"]]
        if p["kind"] == "dedicated":
            assert p["level"] == "grid" and parent["level"] == "community"
            assert p["code"][-3] == "9" and p["name"].endswith("专属网格")
        else:
            # regular grids are numbered 001.. within their parent, micro-grids 01..
            assert 1 <= int(p["code"][len(parent["code"]):]) < 900


def test_names_follow_conventions(demo):
    ps = props(demo)
    subdistrict_names = {n for n, _, _ in demo.district.subdistricts}
    assert all(p["name"] in subdistrict_names for p in ps if p["level"] == "subdistrict")
    communities = [p["name"] for p in ps if p["level"] == "community"]
    assert len(set(communities)) == len(communities)
    assert all(n.endswith(("社区", "村")) for n in communities)
    assert all(p["name"].startswith("第") and p["name"].endswith("网格")
               for p in ps if p["level"] == "grid" and p["kind"] == "regular")
    assert all(p["name"].endswith("号微网格") for p in ps if p["level"] == "micro")


def test_households_roll_up(demo):
    ps = props(demo)
    children = Counter()
    for p in ps:
        if p["kind"] == "regular" and p["parent_code"]:
            children[p["parent_code"]] += p["households"]
    for p in ps:
        if p["kind"] == "regular" and p["level"] != "micro":
            assert p["households"] == children[p["code"]]
        if p["level"] == "grid" and p["kind"] == "regular":
            assert 150 <= p["households"] <= 300
            assert 2.0 <= p["population"] / p["households"] <= 2.6


def test_collection_passes_the_import_validation(demo):
    parsed = parse_grid_collection(demo.collection)
    assert parsed.ok, parsed.errors[:5]
    assert len(parsed.features) == len(demo.collection["features"])


def test_children_tile_their_parents(demo):
    geoms = {p["code"]: shapely.from_geojson(json.dumps(f["geometry"]))
             for p, f in zip(props(demo), demo.collection["features"])}
    kids: dict[str, list] = {}
    for p in props(demo):
        if p["parent_code"] and p["kind"] == "regular":
            kids.setdefault(p["parent_code"], []).append(geoms[p["code"]])
    for parent, children in kids.items():
        gap = shapely.symmetric_difference(shapely.union_all(children), geoms[parent])
        # Planar area scaled to m² at this latitude: the gaps are needle-thin
        # slivers of floating-point noise, and a geodesic area would measure
        # the bend of each geodesic edge away from the lon/lat segment instead.
        assert gap.area * M2_PER_SQ_DEGREE < 0.01, parent
        assert sum(c.area for c in children) == pytest.approx(geoms[parent].area, rel=1e-9)


def test_district_is_the_real_outline_in_wgs84():
    outline = load_outline()
    # ~193 km² (the official figure for Zhongyuan is about 193 km²)
    assert 180e6 < geodesic_area_m2(outline) < 210e6
    # GCJ-02 is WGS-84 shifted by a few hundred metres: the stored outline moved by that much.
    as_shipped = shapely.from_geojson(generate_module.OUTLINE_FILE.read_text(encoding="utf-8"))
    a, b = as_shipped.centroid, outline.centroid
    assert 200 < float(distance_m(a.x, a.y, b.x, b.y)) < 800


def test_staff_and_unstaffed_grids(demo):
    regular_grids = {p["code"] for p in props(demo) if p["level"] == "grid" and p["kind"] == "regular"}
    assigned = {code for _, code, role in demo.assignments if role == "grid_worker"}
    assert demo.unstaffed_grids and set(demo.unstaffed_grids) <= regular_grids
    assert not assigned & set(demo.unstaffed_grids)
    assert regular_grids - set(demo.unstaffed_grids) <= assigned
    assert len({s["phone"] for s in demo.staff}) == len(demo.staff)
    assert all(s["district_code"] == demo.district.code and s["phone"].isdigit() and len(s["phone"]) == 11 for s in demo.staff)
    roles = Counter(role for _, _, role in demo.assignments)
    assert roles["grid_chief"] == demo.counts["community"] and roles["micro_grid_worker"] > 0
    assert max(i for i, _, _ in demo.assignments) == len(demo.staff) - 1


def test_reports_are_valid_rows(demo):
    rows = demo.reports
    assert {r["category"] for r in rows} <= set(BY_CODE)
    assert {r["channel"] for r in rows} <= set(CHANNELS)
    assert {r["status"] for r in rows} <= set(STATUSES)
    assert len({r["status"] for r in rows}) >= 4
    assert all(datetime.fromisoformat(r["created_at"]) <= NOW for r in rows)
    gcj = [r for r in rows if r["crs"] == "gcj02"]
    assert gcj and all(r["channel"] in ("resident_app", "photo") for r in gcj)
    outline = load_outline(demo.district)
    inside = shapely.contains_xy(outline, *_wgs84(rows))
    assert inside.all()
    # The few outside lie outside the whole demo city: beside a neighbouring demo district they would be inside.
    city = shapely.union_all([load_outline(names.DISTRICTS[c]) for c in names.DEMO_CITY])
    outside = demo.outside_reports
    assert 0 < len(outside) <= 0.05 * (len(rows) + len(outside))
    assert not shapely.contains_xy(city, *_wgs84(outside)).any()


def _wgs84(rows):
    lon = np.array([r["lon"] for r in rows])
    lat = np.array([r["lat"] for r in rows])
    is_gcj = np.array([r["crs"] == "gcj02" for r in rows])
    lon[is_gcj], lat[is_gcj] = to_wgs84(lon[is_gcj], lat[is_gcj], "gcj02")
    return lon, lat


def test_deterministic_for_a_seed(demo):
    again = generate(seed=11, scale=0.02, now=NOW).district(demo.district.code)
    assert again.collection == demo.collection
    assert again.reports == demo.reports and again.staff == demo.staff
    other = generate(seed=12, scale=0.02, now=NOW).district(demo.district.code)
    assert other.collection != demo.collection


def test_a_district_is_the_same_alone_or_in_the_city(city):
    """Each district is cut from its own outline and random streams: adding a district to the city
    changes none of the others (and Zhongyuan is the single-district demo it was)."""
    alone = generate(seed=11, scale=0.02, now=NOW, districts=("410102",))
    assert [d.district.code for d in alone.districts] == ["410102"]
    assert alone.districts[0].collection == city.district("410102").collection
    assert alone.districts[0].staff == city.district("410102").staff


def test_the_city_has_every_district_with_its_real_names(city):
    assert [d.district.code for d in city.districts] == list(names.DEMO_CITY) == ["410102", "410103"]
    codes = [f["properties"]["code"] for d in city.districts for f in d.collection["features"]]
    assert len(codes) == len(set(codes)), "grid codes are unique city-wide"
    erqi = city.district("410103")
    subdistricts = {p["name"] for p in props(erqi) if p["level"] == "subdistrict"}
    assert subdistricts <= {n for n, _, _ in names.ERQI.subdistricts}
    assert {n for n, _, _ in names.ERQI.subdistricts} >= {"德化街街道", "淮河路街道", "侯寨乡", "马寨镇"}
    assert all(a["district"] == "二七区" for a in erqi.addresses)
    assert city.counts["district"] == 2
    assert city.counts["grid"] == sum(d.counts["grid"] for d in city.districts)


def test_districts_do_not_overlap_and_grids_stay_in_their_district(city):
    outlines = {d.district.code: load_outline(d.district) for d in city.districts}
    a, b = outlines["410102"], outlines["410103"]
    assert a.intersection(b).area * M2_PER_SQ_DEGREE < 1000          # at most a sliver where they meet
    assert a.boundary.intersection(b.buffer(1e-5)).length > 0.05       # neighbours: they share a border
    for d in city.districts:
        grids = [shapely.from_geojson(json.dumps(f["geometry"])) for f in d.collection["features"]]
        outside = shapely.difference(shapely.union_all(grids), outlines[d.district.code])
        assert outside.area * M2_PER_SQ_DEGREE < 0.01, d.district.code


def test_districts_are_proportionate(city):
    """The same number of grids per km² in each district (Erqi 157 km², Zhongyuan 196)."""
    per_km2 = [d.counts["grid"] / (geodesic_area_m2(load_outline(d.district)) / 1e6) for d in city.districts]
    assert max(per_km2) / min(per_km2) < 1.6
    full = generate_module._level_sizes(1.0, names.ERQI, 157 / generate_module.REFERENCE_KM2)
    assert full[0] == 16 and 700 < full[2] < 900


def test_bad_scale():
    with pytest.raises(ValueError):
        generate(scale=0)


def test_doctests():
    import doctest

    from app.demo import generate as gen_module

    assert doctest.testmod(names).failed == 0
    assert doctest.testmod(gen_module).failed == 0


def test_scale_is_bounded():
    with pytest.raises(ValueError):
        generate(scale=2.5)


def test_the_demo_is_inside_the_planners_targets(demo):
    """A draft of the demo opens with a handful of warnings: the vacant grid-worker posts, nothing else."""
    from collections import defaultdict

    from geo.validation import GridRecord, validate

    staff = defaultdict(set)
    for i, code, _role in demo.assignments:
        staff[code].add(i)
    records = [GridRecord(p["code"], p["level"], p["kind"], p["parent_code"],
                          shapely.from_geojson(json.dumps(f["geometry"])), p["households"], p["population"],
                          tuple(sorted(staff[p["code"]])))
               for p, f in zip(props(demo), demo.collection["features"])]
    result = validate(records)
    assert result.errors == []
    assert sorted((i.rule, i.code) for i in result.warnings) == [("unstaffed", c) for c in demo.unstaffed_grids]
    assert 1 <= len(demo.unstaffed_grids) <= 3
