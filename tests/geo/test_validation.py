"""Coverage, geometry, balance and worker-load checks (geo.validation; no database)."""
from __future__ import annotations

import pytest
from shapely import Polygon, box, MultiPolygon

from geo.validation import GridRecord, Thresholds, is_sliver, polsby_popper, validate

PARENT = box(113.60, 34.75, 113.61, 34.76)


def records(*children, parent=PARENT, households=200):
    out = [GridRecord("410102001001", "community", "regular", None, parent)]
    for i, geom in enumerate(children, 1):
        out.append(GridRecord(f"410102001001{i:03d}", "grid", "regular", "410102001001", geom, households,
                              households * 2, staff=(i,)))
    return out


def rules(result, severity=None):
    return sorted(i.rule for i in result.issues if severity is None or i.severity == severity)


def test_exact_tiling_is_clean():
    r = validate(records(box(113.60, 34.75, 113.605, 34.76), box(113.605, 34.75, 113.61, 34.76)))
    assert r.publishable and rules(r) == []
    assert r.stats["grid"]["households_mean"] == 200 and r.stats["workers"]["workers"] == 2


def test_gap_and_overlap_with_areas():
    r = validate(records(box(113.60, 34.75, 113.604, 34.76), box(113.606, 34.75, 113.61, 34.76),
                         box(113.6055, 34.75, 113.6065, 34.76)))
    assert not r.publishable
    gaps = [i for i in r.errors if i.rule == "gap"]
    overlaps = [i for i in r.errors if i.rule == "overlap"]
    assert len(gaps) == 1 and gaps[0].code == "410102001001"
    # The gap is lon 113.604-113.6055: about 137 m x 1,112 m.
    assert gaps[0].area_m2 == pytest.approx(152_400, rel=0.01)
    assert gaps[0].geometry.bounds == pytest.approx((113.604, 34.75, 113.6055, 34.76))
    assert len(overlaps) == 1 and set(overlaps[0].codes) == {"410102001001002", "410102001001003"}


def test_slivers_are_warnings_not_errors():
    # A 5 cm strip between two grids: thin, so a sliver.
    r = validate(records(box(113.60, 34.75, 113.605, 34.76), box(113.6050005, 34.75, 113.61, 34.76)))
    assert r.publishable
    assert rules(r) == ["sliver"] and r.issues[0].params["kind"] == "gap"


def test_float_noise_is_ignored():
    r = validate(records(box(113.60, 34.75, 113.605, 34.76), box(113.605 + 1e-13, 34.75, 113.61, 34.76)))
    assert rules(r) == []


def test_outside_parent_invalid_and_multipart():
    bowtie = Polygon([(113.60, 34.75), (113.605, 34.76), (113.605, 34.75), (113.60, 34.76)])
    two = MultiPolygon([box(113.605, 34.75, 113.61, 34.754), box(113.605, 34.756, 113.61, 34.76)])
    r = validate(records(bowtie, two, box(113.605, 34.754, 113.62, 34.756)))
    assert "invalid_geometry" in rules(r, "error") and "outside_parent" in rules(r, "error")
    assert "multipart" in rules(r, "warning")


def test_unknown_parent():
    r = validate([GridRecord("410102001001001", "grid", "regular", "410102001001", PARENT)])
    assert rules(r) == ["unknown_parent", "unstaffed"]


def test_balance_compactness_and_workers():
    long_thin = box(113.60, 34.75, 113.61, 34.7505)
    grids = records(box(113.60, 34.7505, 113.61, 34.76), long_thin, households=400)
    grids[1].staff = (7,)
    grids[2].staff = ()
    grids.append(GridRecord("410102001001003", "grid", "regular", "410102001001", box(113.7, 34.7, 113.71, 34.71),
                            100, 1000, staff=(7,)))
    r = validate(grids, Thresholds(max_grids_per_worker=1))
    got = rules(r, "warning")
    assert {"households_high", "households_low", "population_high", "not_compact", "unstaffed",
            "worker_overload"} <= set(got)
    overload = next(i for i in r.issues if i.rule == "worker_overload")
    assert overload.params == {"staff_id": 7, "grids": 2, "maximum": 1}


def test_targets_are_configurable():
    t = Thresholds().with_overrides(households={"grid": (10, 20)}, min_compactness=0.0)
    r = validate(records(box(113.60, 34.75, 113.605, 34.76), box(113.605, 34.75, 113.61, 34.76)), t)
    assert rules(r) == ["households_high", "households_high"]
    assert t.households["micro"] == (20, 100)


def test_helpers():
    assert polsby_popper(box(113.6, 34.7, 113.61, 34.71)) == pytest.approx(0.785, abs=0.01)
    assert is_sliver(box(113.6, 34.7, 113.60001, 34.70001))       # ~1 m x 1 m
    assert not is_sliver(box(113.6, 34.7, 113.6001, 34.7001))     # ~9 m x 11 m
