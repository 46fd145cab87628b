"""app.demo.generate without a database: codes, parents, counts, tiling, staff and reports."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import numpy as np
import pytest
import shapely

from app.demo import names
from app.demo import generate as generate_module
from app.demo.generate import DemoData, generate, load_outline
from app.models.report import CHANNELS, STATUSES
from app.reports.categories import BY_CODE
from geo.crs import distance_m, geodesic_area_m2, to_wgs84
from geo.features import parse_grid_collection
from geo.hierarchy import CODE_LENGTH, LEVELS, code_is_well_formed

M2_PER_SQ_DEGREE = 111_320 * 0.8214 * 110_900  # cos(34.77°)
NOW = datetime.fromisoformat("2025-06-30T12:00:00+08:00")


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate(seed=11, scale=0.02, now=NOW)


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
    assert c["reports"] == len(demo.reports) >= 20


def test_codes_are_well_formed_and_prefixed_by_their_parent(demo):
    ps = props(demo)
    by_code = {p["code"]: p for p in ps}
    assert len(by_code) == len(ps), "codes are unique"
    for p in ps:
        assert p["level"] in LEVELS
        assert code_is_well_formed(p["code"], p["level"])
        if p["level"] == "district":
            assert p["code"] == "410102" and p["parent_code"] is None and p["name"] == "中原区"
            continue
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
    subdistrict_names = {n for n, _, _ in names.SUBDISTRICTS}
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
    assert all(s["district_code"] == "410102" and s["phone"].isdigit() and len(s["phone"]) == 11 for s in demo.staff)
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
    outline = load_outline()
    lon = np.array([r["lon"] for r in rows])
    lat = np.array([r["lat"] for r in rows])
    is_gcj = np.array([r["crs"] == "gcj02" for r in rows])
    lon[is_gcj], lat[is_gcj] = to_wgs84(lon[is_gcj], lat[is_gcj], "gcj02")
    inside = shapely.contains_xy(outline, lon, lat)
    assert 0 < (~inside).sum() <= 0.05 * len(rows)


def test_deterministic_for_a_seed(demo):
    again = generate(seed=11, scale=0.02, now=NOW)
    assert again.collection == demo.collection
    assert again.reports == demo.reports and again.staff == demo.staff
    other = generate(seed=12, scale=0.02, now=NOW)
    assert other.collection != demo.collection


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
