"""Patrol GPS core: fix checks, sessions, time inside a polygon, cell coverage.

Positions are built at known metric offsets from a centre in Zhengzhou
(Zhongyuan district) with an azimuthal equidistant projection, so expected
distances, speeds and shares are known exactly rather than re-derived with
the code under test.
"""
from __future__ import annotations

import json
import math
import time as clock
from datetime import datetime, timedelta, timezone

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Polygon

from geo import gcj
from geo.crs import distance_m, from_wgs84
from geo.patrol import (MAX_GAP_S, REASONS, CellCoverage, Fix, check_columns, check_fixes, split_sessions,
                        time_inside, visited_cells)

CENTRE = (113.62, 34.75)
CST = timezone(timedelta(hours=8))
T0 = datetime(2024, 5, 6, 8, 0, tzinfo=CST)
NOW = T0 + timedelta(hours=1)

_AEQD = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={CENTRE[1]} +lon_0={CENTRE[0]} +datum=WGS84 +units=m")
_TO_LONLAT = pyproj.Transformer.from_crs(_AEQD, "EPSG:4326", always_xy=True)


def at(east_m: float, north_m: float) -> tuple[float, float]:
    """WGS-84 lon/lat of a point east/north of CENTRE, in metres."""
    lon, lat = _TO_LONLAT.transform(east_m, north_m)
    return float(lon), float(lat)


def square(half_m: float) -> Polygon:
    """A square of side 2*half_m centred on CENTRE, densified so its edges stay straight in metres."""
    edge = np.linspace(-half_m, half_m, 41)
    ring = ([(x, -half_m) for x in edge] + [(half_m, y) for y in edge[1:]]
            + [(x, half_m) for x in edge[::-1][1:]] + [(-half_m, y) for y in edge[::-1][1:]])
    return Polygon([at(x, y) for x, y in ring])


def fix(worker, seconds, east_m=0.0, north_m=0.0, accuracy=5.0, crs=None) -> Fix:
    lon, lat = at(east_m, north_m)
    if crs == "gcj02":
        lon, lat = (float(v) for v in gcj.wgs84_to_gcj02(lon, lat))
    return Fix(worker, T0 + timedelta(seconds=seconds), lon, lat, accuracy, crs)


def reasons(result) -> list:
    return [v.reason for v in result.verdicts]


# --- coordinate conversion -----------------------------------------------------------------

def test_gcj02_fix_is_converted_to_wgs84():
    res = check_fixes([Fix("w1", T0, 113.62, 34.75, 5.0, "gcj02")], now=NOW)
    v = res.verdicts[0]
    assert v.accepted
    shift = distance_m(113.62, 34.75, v.lon, v.lat)
    assert 500 < shift < 600
    # The converted position maps back onto the GCJ-02 input to well under a metre.
    back = from_wgs84(v.lon, v.lat, "gcj02")
    assert distance_m(float(back[0]), float(back[1]), 113.62, 34.75) < 0.01
    assert res.accepted[0].crs is None and res.accepted[0].lon == v.lon


def test_gcj02_and_wgs84_of_the_same_spot_are_no_speed_jump():
    # Raw numbers ~570 m apart in 10 s (57 m/s) -- but the same place once converted.
    batch = [fix("w1", 0), fix("w1", 10, crs="gcj02"), fix("w1", 20)]
    assert reasons(check_fixes(batch, now=NOW)) == [None, None, None]
    raw = [Fix(f.worker_id, f.time, f.lon, f.lat, f.accuracy_m, None) for f in batch]
    assert reasons(check_fixes(raw, now=NOW))[1] == "speed_jump"


def test_projected_input_is_converted():
    x, y = from_wgs84(*at(0, 0), "EPSG:4547")
    res = check_fixes([Fix("w1", T0, float(x), float(y), 3.0, "EPSG:4547")], now=NOW)
    v = res.verdicts[0]
    assert v.accepted and distance_m(v.lon, v.lat, *at(0, 0)) < 0.01


# --- bad_coordinate ------------------------------------------------------------------------

@pytest.mark.parametrize("lon, lat, crs, detail", [
    (float("nan"), 34.75, None, "not_finite"),
    (113.62, float("inf"), None, "not_finite"),
    (200.0, 34.75, None, "out_of_range"),
    (113.62, -91.0, "gcj02", "out_of_range"),
    (None, 34.75, None, "not_a_number"),
    ("113.62", 34.75, None, "not_a_number"),
    (True, 34.75, None, "not_a_number"),
    (113.62, 34.75, "mars", "unknown_crs"),
    (500000.0, 1e9, "EPSG:4547", "not_convertible"),   # projection would wrap it onto the globe
])
def test_bad_coordinate(lon, lat, crs, detail):
    res = check_fixes([Fix("w1", T0, lon, lat, 5.0, crs), fix("w1", 10)], now=NOW)
    bad, good = res.verdicts
    assert (bad.reason, bad.params) == ("bad_coordinate", {"detail": detail})
    assert math.isnan(bad.lon) and math.isnan(bad.lat)
    assert good.accepted and res.accepted_index == [1]


def test_unknown_crs_rejects_only_its_own_fixes():
    batch = [Fix("w1", T0, 113.62, 34.75, 5.0, "mars"), fix("w2", 0, crs="gcj02"), fix("w3", 0)]
    assert reasons(check_fixes(batch, now=NOW)) == ["bad_coordinate", None, None]


# --- future_time ---------------------------------------------------------------------------

def test_future_time_beyond_clock_skew():
    now = T0
    batch = [fix("w1", 0), fix("w2", 120), fix("w3", 121), fix("w4", 3600)]
    res = check_fixes(batch, now=now)
    assert reasons(res) == [None, None, "future_time", "future_time"]
    assert res.verdicts[3].params == {"ahead_s": 3600.0, "limit_s": 120.0}


def test_future_time_allowance_is_configurable_and_timezone_safe():
    now_utc = T0.astimezone(timezone.utc)   # the same instant, written in UTC
    res = check_fixes([fix("w1", 30)], now=now_utc, max_future=timedelta(seconds=10))
    assert res.verdicts[0].reason == "future_time" and res.verdicts[0].params["ahead_s"] == 30.0


# --- poor_accuracy -------------------------------------------------------------------------

def test_poor_accuracy():
    batch = [fix("a", 0, accuracy=50.0), fix("b", 0, accuracy=50.1), fix("c", 0, accuracy=None),
             fix("d", 0, accuracy=float("nan")), fix("e", 0, accuracy=-1.0)]
    res = check_fixes(batch, now=NOW)
    assert reasons(res) == [None, "poor_accuracy", None, "poor_accuracy", "poor_accuracy"]
    assert res.verdicts[1].params == {"accuracy_m": 50.1, "limit_m": 50.0}
    assert res.verdicts[3].params == {"accuracy_m": None, "limit_m": 50.0}


def test_accuracy_threshold_is_configurable():
    res = check_fixes([fix("a", 0, accuracy=30.0)], now=NOW, max_accuracy_m=20)
    assert res.verdicts[0].params == {"accuracy_m": 30.0, "limit_m": 20.0}


# --- duplicate -----------------------------------------------------------------------------

def test_duplicate_keeps_the_first_copy():
    batch = [fix("w1", 0), fix("w1", 10, 20), fix("w1", 0, 5), fix("w2", 0), fix("w1", 0)]
    res = check_fixes(batch, now=NOW)
    assert reasons(res) == [None, None, "duplicate", None, "duplicate"]
    assert res.verdicts[2].params == {"first_index": 0} and res.verdicts[4].params == {"first_index": 0}


def test_duplicate_compares_instants_not_wall_clock():
    same_instant = Fix("w1", T0.astimezone(timezone.utc), *at(0, 0), 5.0)
    res = check_fixes([fix("w1", 0), same_instant], now=NOW)
    assert reasons(res) == [None, "duplicate"]


def test_a_rejected_first_copy_does_not_hide_a_good_second_one():
    batch = [fix("w1", 0, accuracy=300.0), fix("w1", 0, accuracy=5.0)]
    assert reasons(check_fixes(batch, now=NOW)) == ["poor_accuracy", None]


# --- speed_jump ----------------------------------------------------------------------------

def test_speed_jump_params():
    res = check_fixes([fix("w1", 0), fix("w1", 10, 1000)], now=NOW)
    v = res.verdicts[1]
    assert v.reason == "speed_jump"
    assert v.params["limit_mps"] == 40.0 and v.params["previous_index"] == 0
    assert v.params["distance_m"] == pytest.approx(1000, abs=0.5)
    assert v.params["interval_s"] == 10.0 and v.params["speed_mps"] == pytest.approx(100, abs=0.1)


def test_speed_limit_boundary():
    # 400 m in 10 s is exactly 40 m/s: accepted; 420 m is not.
    ok = check_fixes([fix("w1", 0), fix("w1", 10, 399.9)], now=NOW)
    bad = check_fixes([fix("w1", 0), fix("w1", 10, 420)], now=NOW)
    assert reasons(ok) == [None, None] and reasons(bad) == [None, "speed_jump"]
    assert reasons(check_fixes([fix("w1", 0), fix("w1", 10, 420)], now=NOW, max_speed_mps=50)) == [None, None]


def test_rejected_outlier_does_not_poison_the_next_fix():
    # A -> outlier 2 km away -> C 30 m from A: C is judged against A (30 m / 20 s), not the outlier.
    batch = [fix("w1", 0), fix("w1", 10, 2000), fix("w1", 20, 30), fix("w1", 30, 60)]
    res = check_fixes(batch, now=NOW)
    assert reasons(res) == [None, "speed_jump", None, None]
    assert res.accepted_index == [0, 2, 3]


def test_speed_is_judged_in_time_order_not_batch_order():
    # Batch arrives shuffled; in time order the walk is 0 m, 50 m, 100 m every 10 s (5 m/s).
    batch = [fix("w1", 20, 100), fix("w1", 0, 0), fix("w1", 10, 50), fix("w1", 15, 1500)]
    res = check_fixes(batch, now=NOW)
    assert reasons(res) == [None, None, None, "speed_jump"]
    assert res.verdicts[3].params["previous_index"] == 2


def test_other_rejections_do_not_serve_as_reference():
    # The poor-accuracy fix sits 1 km away; the next fix is compared with the first one.
    batch = [fix("w1", 0), fix("w1", 10, 1000, accuracy=80.0), fix("w1", 20, 1000)]
    res = check_fixes(batch, now=NOW)
    assert reasons(res) == [None, "poor_accuracy", "speed_jump"]
    assert res.verdicts[2].params["previous_index"] == 0
    assert res.verdicts[2].params["interval_s"] == 20.0


def test_workers_are_judged_separately():
    batch = [fix("w1", 0), fix("w2", 5, 3000), fix("w1", 10, 20), fix("w2", 15, 3020)]
    assert reasons(check_fixes(batch, now=NOW)) == [None, None, None, None]


def test_sub_second_interval_uses_a_one_second_floor():
    t = T0 + timedelta(milliseconds=200)
    close = Fix("w1", t, *at(30, 0), 5.0)       # 30 m in 0.2 s: judged as 30 m / 1 s
    far = Fix("w1", t, *at(0, 60), 5.0)
    res = check_fixes([fix("w1", 0), close], now=NOW)
    assert reasons(res) == [None, None]
    res = check_fixes([fix("w1", 0), far], now=NOW)
    assert res.verdicts[1].reason == "speed_jump"
    assert res.verdicts[1].params["speed_mps"] == pytest.approx(60, abs=0.1)
    assert res.verdicts[1].params["interval_s"] == 0.2


def test_previous_stored_fix_anchors_the_first_fix():
    stored = {"w1": fix("w1", -10, 0), "w9": fix("w9", -10, 0)}
    res = check_fixes([fix("w1", 0, 2000), fix("w1", 10, 20)], now=NOW, previous=stored)
    assert reasons(res) == ["speed_jump", None]
    assert res.verdicts[0].params["previous_index"] is None
    # A late fix, older than the stored one, is judged among the batch's own fixes.
    res = check_fixes([fix("w1", -60, 5000), fix("w1", 0, 20)], now=NOW, previous=stored)
    assert reasons(res) == [None, None]


def test_naive_time_is_a_caller_error():
    with pytest.raises(ValueError, match="timezone-aware"):
        check_fixes([Fix("w1", datetime(2024, 5, 6, 8), *at(0, 0))], now=NOW)
    with pytest.raises(ValueError, match="now"):
        check_fixes([], now=datetime(2024, 5, 6, 8))


# --- the batch as a whole ------------------------------------------------------------------

def test_one_verdict_per_fix_json_ready():
    batch = [fix("w1", 0), Fix("w1", T0, float("nan"), 1.0), fix("w1", 9999), fix("w1", 5, accuracy=99.0),
             fix("w1", 0), fix("w1", 10, 5000)]
    res = check_fixes(batch, now=T0)
    assert reasons(res) == [None, "bad_coordinate", "future_time", "poor_accuracy", "duplicate", "speed_jump"]
    assert set(REASONS) == {v.reason for v in res.rejected}
    errors = json.loads(json.dumps([v.as_dict() for v in res.rejected], allow_nan=False))
    assert [e["index"] for e in errors] == [1, 2, 3, 4, 5]
    assert res.counts() == {"accepted": 1, **{r: 1 for r in REASONS}}


def test_empty_batch():
    res = check_fixes([], now=NOW)
    assert res.verdicts == [] and res.accepted == [] and split_sessions(res.accepted) == []


def test_large_mixed_batch_is_vectorised():
    rng = np.random.default_rng(7)
    workers, per_worker = 200, 150                     # 30,000 fixes
    batch = []
    for w in range(workers):
        steps = rng.uniform(-20, 20, size=(per_worker, 2)).cumsum(axis=0)   # <= 2.9 m/s at 10 s
        crs = "gcj02" if w % 2 else None
        batch += [fix(f"w{w}", 10 * k, x, y, crs=crs) for k, (x, y) in enumerate(steps)]
    order = rng.permutation(len(batch))
    batch = [batch[i] for i in order]
    start = clock.perf_counter()
    res = check_fixes(batch, now=NOW)
    elapsed = clock.perf_counter() - start
    assert len(res.accepted) == len(batch)
    assert elapsed < 10, elapsed
    assert len(split_sessions(res.accepted)) == workers


def test_check_columns_gives_the_verdicts_of_check_fixes():
    # A batch with every reason, jumps in the middle of walks (the sequential
    # rule), stored anchors, and a mix of declared systems.
    rng = np.random.default_rng(11)
    batch = []
    for w in range(40):
        steps = rng.uniform(-30, 30, size=(60, 2)).cumsum(axis=0)
        for k, (x, y) in enumerate(steps):
            if rng.random() < 0.04:
                x += 4000                                  # a GPS jump
            acc = [5.0, None, 75.0, float("nan")][int(rng.integers(0, 4))] if rng.random() < 0.1 else 8.0
            batch.append(fix(w, 10 * k + int(rng.integers(0, 3)), x, y, accuracy=acc,
                             crs="gcj02" if w % 3 == 0 else None))
    batch += [Fix(1, T0, "x", 34.75), Fix(2, T0, float("inf"), 34.75), fix(3, 99999), fix(4, 0, crs="mars"),
              fix(100, 0), fix(100, 0, 3)]
    batch = [batch[i] for i in rng.permutation(len(batch))]
    previous = {w: fix(w, -20, 500.0 * (w % 2)) for w in range(0, 40, 3)}
    expected = check_fixes(batch, now=NOW, previous=previous)

    def number(v):
        return v if isinstance(v, float) else float("nan")

    anchors = [(w, f) for w, f in previous.items()]
    got = check_columns(
        [f.worker_id for f in batch],
        [(f.time - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1) for f in batch],
        [number(f.lon) for f in batch], [number(f.lat) for f in batch],
        [np.nan if f.accuracy_m is None else f.accuracy_m for f in batch], now=NOW,
        crs=[f.crs for f in batch], not_a_number=[not isinstance(f.lon, float) for f in batch],
        accuracy_given=[f.accuracy_m is not None for f in batch],
        previous=([w for w, _ in anchors],
                  [(f.time - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)
                   for _, f in anchors],
                  *zip(*[from_wgs84(f.lon, f.lat, None) if f.crs is None else (f.lon, f.lat) for _, f in anchors])))
    assert got.reasons == [v.reason for v in expected.verdicts]
    assert got.params == [v.params or None for v in expected.verdicts]
    assert {"speed_jump", "poor_accuracy", "duplicate", "bad_coordinate", "future_time"} <= set(got.reasons)
    ok = got.accepted
    assert np.array_equal(got.lon[ok], [v.lon for v in expected.verdicts if v.accepted])


# --- sessions ------------------------------------------------------------------------------

def test_sessions_split_on_gaps():
    # w1: walks 100 m east in 3 fixes, pauses 301 s, walks again; a 300 s pause does not split.
    batch = [fix("w1", 0, 0), fix("w1", 30, 50), fix("w1", 60, 100),
             fix("w1", 361, 100), fix("w1", 661, 100, 40),
             fix("w2", 0, 500)]
    sessions = split_sessions(list(reversed(batch)))      # any input order
    assert [(s.worker_id, s.fix_count) for s in sessions] == [("w2", 1), ("w1", 3), ("w1", 2)]
    w2, first, second = sessions
    assert first.start == T0 and first.end == T0 + timedelta(seconds=60) and first.duration_s == 60
    assert first.distance_m == pytest.approx(100, abs=0.1)
    assert second.distance_m == pytest.approx(40, abs=0.1)     # the jump across the gap is not counted
    assert first.track.geom_type == "LineString" and len(first.track.coords) == 3
    assert first.track.coords[0] == pytest.approx(at(0, 0))
    assert w2.track is None and w2.distance_m == 0 and w2.points.shape == (1, 2)


def test_session_gap_is_configurable():
    batch = [fix("w1", 0), fix("w1", 100), fix("w1", 200)]
    assert len(split_sessions(batch, max_gap_s=99)) == 3
    assert len(split_sessions(batch, max_gap_s=100)) == 1


def test_sessions_convert_gcj02_and_refuse_bad_positions():
    batch = [fix("w1", 0, 0), fix("w1", 10, 30, crs="gcj02")]
    (session,) = split_sessions(batch)
    assert session.distance_m == pytest.approx(30, abs=0.1)
    with pytest.raises(ValueError, match="no valid position"):
        split_sessions([Fix("w1", T0, float("nan"), 34.75)])


# --- time inside ---------------------------------------------------------------------------

def test_time_inside_track_crossing_the_boundary():
    poly = square(100)
    # Constant speed from 300 m west to 100 m east: the last 200 m of 400 are inside.
    times = [T0 + timedelta(seconds=s) for s in (0, 100, 200)]
    points = [at(-300, 0), at(-100, 0), at(100, 0)]
    assert time_inside(times, points, poly) == pytest.approx(100, abs=0.1)
    # One straight segment half inside: half its duration.
    assert time_inside([0, 120], [at(-200, 0), at(0, 0)], poly) == pytest.approx(60, abs=0.1)
    # Entering and leaving within one segment: only the inside stretch counts.
    assert time_inside([0, 300], [at(-250, 50), at(250, 50)], poly) == pytest.approx(120, abs=0.1)


def test_time_inside_counts_standing_still_and_the_boundary():
    poly = square(100)
    assert time_inside([0, 60], [at(10, 10), at(10, 10)], poly) == 60
    assert time_inside([0, 60], [at(500, 0), at(500, 0)], poly) == 0
    # Exactly along the edge (a lon/lat box, so the segment is collinear with it): inside.
    box = shapely.box(113.61, 34.74, 113.63, 34.76)
    assert time_inside([0, 60], [(113.615, 34.74), (113.625, 34.74)], box) == 60
    assert time_inside([0, 60], [(113.615, 34.7399), (113.625, 34.7399)], box) == 0


def test_time_inside_gap_cap():
    poly = square(100)
    points = [at(0, 0), at(10, 0), at(20, 0), at(30, 0)]
    # Segments of 60 s, 301 s and 300 s: the 301 s one contributes nothing, 300 s counts in full.
    assert time_inside([0, 60, 361, 661], points, poly) == pytest.approx(360)
    assert time_inside([0, 60, 361, 661], points, poly, max_gap_s=400) == pytest.approx(661)
    assert MAX_GAP_S == 300


def test_time_inside_sorts_by_time_and_takes_sessions():
    poly = square(100)
    sessions = split_sessions([fix("w1", 60, 50), fix("w1", 0, -150), fix("w1", 120, 250)])
    (s,) = sessions
    # -150 -> 50 (150 of 200 m inside), 50 -> 250 (50 of 200 m inside): 45 s + 15 s.
    assert time_inside(s.times, s.points, poly) == pytest.approx(60, abs=0.1)
    shuffled = time_inside([120, 0, 60], [at(250, 0), at(-150, 0), at(50, 0)], poly)
    assert shuffled == pytest.approx(60, abs=0.1)
    # Treated in the given order instead, the same points would give a different answer.
    assert time_inside([0, 60, 120], [at(250, 0), at(-150, 0), at(50, 0)], poly) != pytest.approx(60, abs=1)


def test_time_inside_degenerate_input():
    poly = square(100)
    assert time_inside([], [], poly) == 0.0
    assert time_inside([0], [at(0, 0)], poly) == 0.0
    with pytest.raises(ValueError):
        time_inside([0, 1], [at(0, 0)], poly)


# --- visited cells -------------------------------------------------------------------------

def lawnmower(half_m: float, lane_m: float) -> list[tuple[float, float]]:
    """Zig-zag through the square: east-west lanes through every row of cells."""
    pts = []
    for k, y in enumerate(np.arange(-half_m + lane_m / 2, half_m, lane_m)):
        xs = (-half_m + 10, half_m - 10) if k % 2 == 0 else (half_m - 10, -half_m + 10)
        pts += [at(xs[0], y), at(xs[1], y)]
    return pts


def test_visited_cells_edge_versus_zigzag():
    poly = square(150)                                  # 300 m x 300 m: 6 x 6 cells of 50 m
    edge = visited_cells([at(-150, -145), at(150, -145)], poly)
    assert edge == CellCoverage(6, 36, pytest.approx(1 / 6))
    full = visited_cells(lawnmower(150, 50), poly)
    assert full == CellCoverage(36, 36, 1.0)
    half = visited_cells(lawnmower(150, 50)[:6], poly)  # the three southern lanes
    assert (half.visited, half.total) == (18, 36)


def test_visited_cells_buffer_and_cell_size():
    poly = square(150)
    # A track 3 m north of a row boundary touches the row below only through its 5 m buffer.
    track = [at(-140, -97), at(140, -97)]
    assert visited_cells(track, poly).visited == 12
    assert visited_cells(track, poly, buffer_m=1).visited == 6
    # 100 m cells aligned to the centre: 4 x 4 cells, the outer ones half inside.
    assert visited_cells(lawnmower(150, 50), poly, cell_m=100) == CellCoverage(16, 16, 1.0)
    assert visited_cells([at(-140, 125), at(140, 125)], poly, cell_m=100) == CellCoverage(4, 16, 0.25)


def test_visited_cells_ignores_slivers_and_outside_track():
    # 320 m square: the 10 m rims of the outer cells are 20 % of a cell, so they count,
    # but the four 10 m x 10 m corner pieces (4 %) do not: 8 x 8 - 4.
    assert visited_cells([], square(160)).total == 60
    # 306 m square: 3 m rims (6 %) do not.
    assert visited_cells([], square(153)).total == 36
    poly = square(150)
    assert visited_cells([at(400, 400), at(500, 400)], poly) == CellCoverage(0, 36, 0.0)
    # Walking the street 3 m outside the south boundary covers the edge row through the buffer.
    assert visited_cells([at(-150, -153), at(150, -153)], poly).visited == 6


def test_visited_cells_accepts_geometries():
    poly = square(150)
    one_point = visited_cells([at(25, 25)], poly)
    assert one_point.visited == 1
    two_sessions = shapely.MultiLineString([[at(-140, -125), at(140, -125)], [at(-140, 125), at(140, 125)]])
    assert visited_cells(two_sessions, poly).visited == 12
    assert visited_cells([at(-140, -125), at(140, 125)], poly).visited > 6   # a joined track bridges rows
    assert visited_cells([at(0, 0)], Polygon()) == CellCoverage(0, 0, 0.0)


def test_visited_cells_equals_the_buffered_track_definition():
    # Cross-check against the literal definition on a self-crossing random walk: cells whose
    # inside part meets the track buffered by 5 m. GEOS approximates the buffer's round caps
    # from inside, so the literal count lies between the 5 m and the 5.1 m buffer.
    from geo.patrol.cells import _grid_cells, _local_projection

    rng = np.random.default_rng(3)
    walk = rng.normal(scale=15, size=(400, 2)).cumsum(axis=0).clip(-200, 200)
    poly = square(150)
    result = visited_cells([at(x, y) for x, y in walk], poly)

    project = _local_projection(poly)
    poly_m = shapely.transform(poly, project)
    parts = shapely.intersection(_grid_cells(poly_m.bounds, 50.0), poly_m)
    parts = parts[shapely.area(parts) >= 250]
    track_m = shapely.transform(shapely.LineString([at(x, y) for x, y in walk]), project)

    def literal(radius):
        return int(shapely.intersects(shapely.buffer(track_m, radius), parts).sum())

    assert result.total == parts.size == 36
    assert literal(5.0) <= result.visited <= literal(5.1)
    assert 10 < result.visited < 36


def test_cells_of_a_grid_that_is_valid_only_in_degrees():
    """Two pieces 3 mm apart in degrees cross once projected into metres: the cells are still counted."""
    from shapely import MultiPolygon, Polygon, box, is_valid

    tip = (113.6053, 34.755 + 3e-8)
    grid = MultiPolygon([box(113.60, 34.75, 113.61, 34.755),
                         Polygon([tip, (113.6083, 34.758), (113.6023, 34.758)])])
    assert is_valid(grid)
    cov = visited_cells([(113.6023, 34.7565), (113.6083, 34.7565)], grid)
    assert cov.total > 180 and 0 < cov.visited < cov.total
