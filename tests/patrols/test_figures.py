"""The SQL figures against the geo.patrol reference on the same tracks.

Worker A walks east across the boundary between grids WEST and EAST (a
fix every 10 s), stops, pauses 400 s (over the 300 s gap: a new session),
walks north inside EAST, and sends one lone fix in the afternoon. Worker B
walks a short loop inside WEST. Every figure is recomputed from the stored
fixes with geo.patrol and compared.
"""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
import shapely
from shapely.geometry import GeometryCollection, Point
from sqlalchemy import text

from app.patrols import figures
from app.patrols.period import period_of, scheduled_slots
from geo.crs import distance_m
from geo.patrol import Fix, split_sessions, time_inside, visited_cells
from tests.patrols.helpers import DAY, EAST, NOW, T0, WEST, at, make_worker, store, walk

GAP = 300.0


def track_a():
    crossing = walk(0, 51, from_m=(-300.0, 30.0), step_m=(12.0, 0.0))        # 0..500 s, crosses at 250 s
    still = [(crossing[-1][0] + timedelta(seconds=10), *crossing[-1][1:])]   # standing still 10 s
    north = walk(510 + 400, 6, from_m=(300.0, 30.0), step_m=(0.0, 15.0))     # after a 400 s gap
    lone = walk(5 * 3600 + 300, 1, from_m=(150.0, 200.0))                    # 14:05, alone
    return crossing + still + north + lone


def track_b():
    loop = [(-250, 60), (-150, 60), (-150, 160), (-250, 160), (-250, 60)]
    out, t = [], 3600.0
    for (x0, y0), (x1, y1) in zip(loop, loop[1:]):
        for k in range(10):
            f = k / 10
            out.append((T0 + timedelta(seconds=t), *at(x0 + f * (x1 - x0), y0 + f * (y1 - y0))))
            t += 10
    return out


@pytest.fixture
def patrols(db, sample):
    a = make_worker("fig-a", areas=[WEST], phone="139-0000-0001")
    b = make_worker("fig-b", areas=[WEST])
    db.session.commit()
    res_a, res_b = store(a.id, track_a()), store(b.id, track_b())
    assert res_a.stored == len(track_a()) and res_b.stored == len(track_b())
    return a, b


def grid_polygon(db, code):
    wkb = db.session.execute(text("SELECT ST_AsBinary(geom) FROM grid WHERE code = :c AND generation_high IS NULL"),
                             {"c": code}).scalar()
    return shapely.from_wkb(bytes(wkb))


def as_fixes(worker, track):
    return [Fix(worker, t, lon, lat) for t, lon, lat in track]


def reference_track_geometry(fixes):
    """The track as geo.patrol.visited_cells should see it: sessions as lines, lone fixes as points."""
    parts = [s.track if s.track is not None else Point(s.points[0]) for s in split_sessions(fixes, max_gap_s=GAP)]
    return GeometryCollection(parts)


def test_time_inside_each_grid_matches_the_reference(db, patrols):
    period = period_of(DAY)
    rows = {g["code"]: g for g in figures.grid_figures(period, level="grid")}
    tracks = [track_a(), track_b()]
    for code in (WEST, EAST):
        poly = grid_polygon(db, code)
        expected = sum(time_inside([t for t, *_ in tr], [(x, y) for _, x, y in tr], poly, max_gap_s=GAP)
                       for tr in tracks)
        assert rows[code]["seconds"] == pytest.approx(expected, abs=0.1), code
    # The crossing walk puts ~250 s on each side; the north walk and the standing still are in EAST.
    assert rows[WEST]["seconds"] == pytest.approx(250 + 390, abs=1)
    assert rows[EAST]["seconds"] == pytest.approx(250 + 10 + 50, abs=1)
    assert rows[WEST]["workers"] == 2 and rows[EAST]["workers"] == 1


def test_micro_grids_and_untouched_grids(db, patrols):
    period = period_of(DAY)
    rows = figures.grid_figures(period, level="micro")
    poly = {r["code"]: grid_polygon(db, r["code"]) for r in rows}
    for r in rows:
        expected = sum(time_inside([t for t, *_ in tr], [(x, y) for _, x, y in tr], poly[r["code"]], max_gap_s=GAP)
                       for tr in (track_a(), track_b()))
        assert r["seconds"] == pytest.approx(expected, abs=0.1), r["code"]
    assert sum(1 for r in rows if r["seconds"] > 0) >= 2
    far = [r for r in rows if r["code"].startswith("410102002")]
    # Nobody came near: not cut into cells at all (total unknown), nothing visited.
    assert far and all(r["seconds"] == 0 and r["visited_cells"] == 0 and r["total_cells"] is None
                       and r["visited_share"] == 0 for r in far)


def test_visited_cells_match_the_reference(db, patrols):
    period = period_of(DAY)
    rows = {g["code"]: g for g in figures.grid_figures(period, level="grid")}
    both = reference_track_geometry(as_fixes("a", track_a()) + as_fixes("b", track_b()))
    for code in (WEST, EAST):
        ref = visited_cells(both, grid_polygon(db, code))
        assert (rows[code]["visited_cells"], rows[code]["total_cells"]) == (ref.visited, ref.total), code
        assert rows[code]["visited_share"] == pytest.approx(ref.share, abs=1e-4)
    assert rows[WEST]["visited_cells"] > 5 and rows[WEST]["total_cells"] > 300


def test_worker_figures_match_the_reference(db, patrols):
    a, b = patrols
    period = period_of(DAY)
    rows = {w["id"]: w for w in figures.worker_figures(period)}
    for user, track in ((a, track_a()), (b, track_b())):
        fixes = as_fixes(user.id, track)
        sessions = split_sessions(fixes, max_gap_s=GAP)
        w = rows[user.id]
        assert w["fixes"] == len(track) and w["sessions"] == len(sessions)
        assert w["distance_m"] == pytest.approx(sum(s.distance_m for s in sessions), abs=0.05)
        assert w["seconds"] == pytest.approx(sum(s.duration_s for s in sessions), abs=0.01)
        west = grid_polygon(db, WEST)
        assert w["area_seconds"] == pytest.approx(
            time_inside([t for t, *_ in track], [(x, y) for _, x, y in track], west, max_gap_s=GAP), abs=0.1)
        ref = visited_cells(reference_track_geometry(fixes), west)
        assert (w["visited_cells"], w["total_cells"]) == (ref.visited, ref.total)
        assert w["grids"][0]["code"] == WEST
    # A: 08:.. no, 09:00-09:30 and 14:00-14:30 hold fixes; 14 half-hour slots are scheduled on a working day.
    assert rows[a.id]["scheduled_slots"] == 14
    assert rows[a.id]["online_slots"] == 2 and rows[a.id]["online_rate"] == pytest.approx(2 / 14, abs=1e-4)
    assert rows[b.id]["online_slots"] == 1  # 10:00-10:07
    # Ranked by patrol time inside their own grid: A has ~250 s in WEST, B 390 s.
    assert [w["id"] for w in sorted(rows.values(), key=lambda w: w["rank"])][:2] == [b.id, a.id]


def test_online_rate_counts_only_scheduled_slots(db, sample):
    w = make_worker("fig-night")
    db.session.commit()
    night = walk(-7 * 3600, 3)      # 02:00: outside working hours
    lunch = walk(3.5 * 3600, 3)     # 12:30: lunch break
    morning = walk(-0.5 * 3600, 3)  # 08:30: first slot
    store(w.id, night + lunch + morning)
    rows = {r["id"]: r for r in figures.worker_figures(period_of(DAY))}
    assert rows[w.id]["online_slots"] == 1 and rows[w.id]["fixes"] == 9


def test_scheduled_slots_follow_the_calendar():
    assert len(scheduled_slots(period_of(DAY), 30)) == 14
    assert len(scheduled_slots(period_of(DAY), 60)) == 8      # 08:00-12:00 and 14:00-18:00 overlap
    assert scheduled_slots(period_of(DAY + timedelta(days=4)), 30) == []   # Saturday 2026-05-16
    assert len(scheduled_slots(period_of(DAY.replace(day=1), DAY.replace(day=9)), 30)) == 14 * 4  # May Day off; 9th worked


def test_key_places_and_events(db, patrols):
    from app.reports.service import import_reports

    a, b = patrols
    near = at(-100, 60)   # ~30 m from A's path
    far = at(-500, -1000)  # another grid, not on anybody's way
    db.session.execute(text(
        "INSERT INTO patrol_place (district_code, code, name, kind, geom, radius_m, visits_per_week) VALUES "
        "('410102', 'K1', '幼儿园', 'school', ST_SetSRID(ST_MakePoint(:x1, :y1), 4326), 50, 5),"
        "('410102', 'K2', '工地', 'construction_site', ST_SetSRID(ST_MakePoint(:x2, :y2), 4326), 50, 1)"),
        {"x1": near[0], "y1": near[1], "x2": far[0], "y2": far[1]})
    created = (T0 + timedelta(hours=1)).isoformat()
    import_reports([
        {"category": "0402", "channel": "worker_app", "description": "违停", "lon": near[0], "lat": near[1],
         "reporter_name": "甲", "reporter_phone": "13900000001", "created_at": created},
        {"category": "0402", "channel": "worker_app", "description": "违停", "lon": near[0], "lat": near[1],
         "reporter_name": "乙", "reporter_phone": "13900000009", "created_at": created},
        {"category": "0402", "channel": "hotline_12345", "description": "违停", "lon": near[0], "lat": near[1],
         "reporter_name": "甲", "reporter_phone": "13900000001", "created_at": created},
    ], commit=False)
    rows = {w["id"]: w for w in figures.worker_figures(period_of(DAY))}
    assert (rows[a.id]["places"], rows[a.id]["place_visits"], rows[a.id]["events"]) == (1, 1, 1)
    assert rows[b.id]["places"] == 1 and rows[b.id]["events"] == 0   # B's loop starts 10 m from the kindergarten
    grid = {g["code"]: g for g in figures.grid_figures(period_of(DAY))}
    assert (grid[WEST]["places"], grid[WEST]["places_visited"]) == (1, 1)
    assert sum(g["places"] for g in grid.values()) == 2 and sum(g["places_visited"] for g in grid.values()) == 1


def test_under_patrolled_grids(app, db, patrols):
    app.config["PATROL_TARGET_HOURS_PER_WORKDAY"], old_h = 0.15, app.config["PATROL_TARGET_HOURS_PER_WORKDAY"]
    app.config["PATROL_TARGET_VISITED_SHARE"], old_s = 0.02, app.config["PATROL_TARGET_VISITED_SHARE"]
    try:
        rows = {g["code"]: g for g in figures.grid_figures(period_of(DAY))}
        weekend = {g["code"]: g for g in figures.grid_figures(period_of(DAY + timedelta(days=4)))}
    finally:
        app.config["PATROL_TARGET_HOURS_PER_WORKDAY"], app.config["PATROL_TARGET_VISITED_SHARE"] = old_h, old_s
    assert rows[WEST]["target_seconds"] == pytest.approx(540)
    for g in rows.values():
        expect = []
        if g["seconds"] < 540:
            expect.append("time")
        if g["total_cells"] != 0 and g["visited_share"] < 0.02:   # None: never cut, nobody came near
            expect.append("coverage")
        assert g["under_reasons"] == expect and g["under_patrolled"] == bool(expect), g
    assert rows[WEST]["under_patrolled"] is False      # 640 s, well covered
    assert rows[EAST]["under_reasons"] == ["time"]     # 310 s < 540 s
    assert rows["410102002002002"]["under_reasons"] == ["time", "coverage"]
    assert not any(g["under_patrolled"] for g in weekend.values())  # no working day, no target


def test_density_cells_count_every_fix_once(db, patrols):
    from app.patrols import layers
    import json

    features = [json.loads(f) for f in layers.density_features(period_of(DAY), size_m=100)]
    total = len(track_a()) + len(track_b())
    assert sum(f["properties"]["fixes"] for f in features) == total
    dx, dy = layers.cell_degrees(100)
    pts = np.array([(x, y) for _, x, y in track_a() + track_b()])
    keys, counts = np.unique(np.column_stack([np.rint(pts[:, 0] / dx), np.rint(pts[:, 1] / dy)]), axis=0,
                             return_counts=True)
    expected = sorted(counts.tolist(), reverse=True)
    assert [f["properties"]["fixes"] for f in features] == expected
    top = features[0]
    assert top["properties"]["share"] == 1.0
    ring = np.array(top["geometry"]["coordinates"][0])
    assert ring[:, 0].max() - ring[:, 0].min() == pytest.approx(dx, rel=1e-3)  # 6 decimals in GeoJSON
    # In metres the cell is square to within a percent at the district.
    w = distance_m(ring[0, 0], ring[0, 1], ring[1, 0], ring[1, 1])
    assert 99 < max(w, distance_m(ring[1, 0], ring[1, 1], ring[2, 0], ring[2, 1])) < 101


def test_rejected_fixes_stay_out_of_the_figures(db, sample):
    w = make_worker("fig-bad")
    db.session.commit()
    good = walk(0, 5)
    jump = [(good[-1][0] + timedelta(seconds=5), *at(3000, 0))]
    res = store(w.id, good + jump)
    assert res.counts["speed_jump"] == 1
    rows = {r["id"]: r for r in figures.worker_figures(period_of(DAY))}
    assert rows[w.id]["fixes"] == 5 and rows[w.id]["rejected_fixes"] == 1
    assert rows[w.id]["distance_m"] == pytest.approx(48, abs=0.5)


def test_worker_cells_and_time_are_computed_once_per_grid_row(db, patrols):
    figures.grid_figures(period_of(DAY))
    n = db.session.execute(text("SELECT count(*) FROM patrol_grid_cellset")).scalar()
    figures.grid_figures(period_of(DAY))
    assert db.session.execute(text("SELECT count(*) FROM patrol_grid_cellset")).scalar() == n
    assert NOW > T0
