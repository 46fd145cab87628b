"""`flask demo load` end to end against the test PostGIS database: a city of two districts."""
from __future__ import annotations

import pytest
from sqlalchemy import text

M2_PER_SQ_DEGREE = 111_320 * 0.8214 * 110_900  # cos(34.77°)
LOAD = ["demo", "load", "--scale", "0.02", "--seed", "5"]
DISTRICTS = {"410102": "中原区", "410103": "二七区"}


@pytest.fixture
def loaded(cli, db):
    result = cli.invoke(args=LOAD)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def scalar(db, sql, **params):
    return db.session.execute(text(sql), params).scalar()


def test_load_creates_every_level(loaded, db):
    counts = dict(db.session.execute(text(
        "SELECT level || ':' || kind, count(*) FROM grid GROUP BY 1")).all())
    assert counts["district:regular"] == 2
    for key in ("subdistrict:regular", "community:regular", "grid:regular", "micro:regular", "grid:dedicated"):
        assert counts.get(key, 0) > 0, key
    assert counts["micro:regular"] > counts["grid:regular"] > counts["community:regular"]
    assert "Loaded the demo city (中原区、二七区)" in loaded.output
    # Every level in every district.
    per_district = db.session.execute(text(
        "SELECT district_code, count(DISTINCT level || kind) FROM grid GROUP BY 1 ORDER BY 1")).all()
    assert per_district == [("410102", 6), ("410103", 6)]


def test_every_district_has_its_root_version_people_events_and_patrols(loaded, db):
    assert dict(db.session.execute(text("SELECT code, name FROM district")).all()) == DISTRICTS
    assert set(db.session.execute(text("SELECT city_code FROM district")).scalars()) == {"410100"}
    for code, name in DISTRICTS.items():
        root = db.session.execute(text(
            "SELECT name, level, district_code FROM grid_current WHERE code = :c"), {"c": code}).one()
        assert tuple(root) == (name, "district", code)
        # A grid's district is its root's: the codes under a district start with its code.
        assert scalar(db, "SELECT count(*) FROM grid WHERE left(code, 6) = :c AND district_code <> :c", c=code) == 0
        # One published version holds the district's current grids.
        versions = db.session.execute(text("""
            SELECT DISTINCT v.id FROM grid_current g JOIN boundary_version v
              ON v.status = 'published' AND v.generation = g.generation_low AND v.district_code = g.district_code
            WHERE g.district_code = :c"""), {"c": code}).scalars().all()
        assert len(versions) == 1, code
        for sql in ("SELECT count(*) FROM staff WHERE district_code = :c",
                    "SELECT count(*) FROM app_user u JOIN user_area ua ON ua.user_id = u.id "
                    "JOIN grid_current g ON g.code = ua.grid_code WHERE u.role = 'worker' AND g.district_code = :c",
                    "SELECT count(*) FROM report WHERE district_code = :c AND dispatched_at IS NOT NULL",
                    "SELECT count(*) FROM standard_address WHERE district_code = :c",
                    "SELECT count(*) FROM patrol_fix WHERE district_code = :c",
                    "SELECT count(*) FROM patrol_session WHERE district_code = :c",
                    "SELECT count(*) FROM patrol_place WHERE district_code = :c"):
            assert scalar(db, sql, c=code) > 0, (code, sql)
        # Its events are its own: in its grids, assigned to its workers, accepted by its dispatcher.
        assert scalar(db, """
            SELECT count(*) FROM report r JOIN grid g ON g.id = r.grid_id
            WHERE r.district_code = :c AND g.district_code <> :c""", c=code) == 0
        assert scalar(db, """
            SELECT count(*) FROM report r JOIN grid g ON g.id = r.grid_id
            WHERE g.district_code = :c AND r.district_code <> :c""", c=code) == 0
        assert scalar(db, """
            SELECT count(*) FROM report r JOIN user_area ua ON ua.user_id = r.assignee_id
            JOIN grid_current g ON g.code = ua.grid_code WHERE r.district_code = :c AND g.district_code <> :c""",
            c=code) == 0


def test_no_grid_crosses_its_district_and_districts_do_not_overlap(loaded, db):
    crossing = scalar(db, """
        SELECT count(*) FROM grid g JOIN grid d ON d.code = g.district_code AND d.level = 'district'
        WHERE g.level <> 'district' AND ST_Area(ST_Difference(g.geom, d.geom)) * :m2 > 0.01""",
        m2=M2_PER_SQ_DEGREE)
    assert crossing == 0
    overlap = scalar(db, """
        SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0) * :m2
        FROM grid a JOIN grid b ON a.level = 'district' AND b.level = 'district' AND a.code < b.code
        WHERE ST_Intersects(a.geom, b.geom)""", m2=M2_PER_SQ_DEGREE)
    assert overlap < 1000       # m²: at most a sliver where two outlines meet


def test_a_point_in_erqi_looks_up_to_an_erqi_grid(loaded, db, client):
    lon, lat = db.session.execute(text("""
        SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM grid_current
                                      WHERE district_code = '410103' AND level = 'micro' ORDER BY code LIMIT 1) x""")).one()
    body = client.get(f"/api/v1/lookup?lon={lon}&lat={lat}").get_json()
    codes = [g["code"] for g in body["chain"]]
    assert codes[0] == "410103" and codes[-1].startswith("410103") and len(codes) == 5, body
    # And one in Zhongyuan to a Zhongyuan grid: the city's grids answer together.
    body = client.get("/api/v1/lookup?lon=113.6150&lat=34.7525").get_json()
    assert body["chain"][0]["code"] == "410102"


def test_children_tile_their_parents(loaded, db):
    # Measured in the stored lon/lat plane, scaled to m² at this latitude.
    # Children carry extra vertices on their parent's edges; any reprojection
    # (ST_Transform, geography) bends the edges between vertices differently
    # for parent and child and so reports phantom slivers of up to ~1e4 m²
    # on a subdistrict, though the stored rings coincide.
    worst = db.session.execute(text("""
        SELECT p.code, ST_Area(ST_SymDifference(p.geom, ST_Union(c.geom))) * :m2 AS gap,
               abs(sum(ST_Area(c.geom)) - ST_Area(p.geom)) * :m2 AS overlap
        FROM grid p JOIN grid c ON c.parent_id = p.id AND c.kind = 'regular'
        GROUP BY p.id, p.code, p.geom
        ORDER BY gap DESC LIMIT 1"""), {"m2": M2_PER_SQ_DEGREE}).one()
    assert worst.gap < 0.01, worst
    assert worst.overlap < 0.01, worst
    parents = scalar(db, "SELECT count(DISTINCT parent_id) FROM grid WHERE kind = 'regular' AND parent_id IS NOT NULL")
    assert parents == scalar(db, "SELECT count(*) FROM grid WHERE level <> 'micro' AND kind = 'regular'")


def test_dedicated_grids_overlay_the_tiling(loaded, db):
    inside = scalar(db, """
        SELECT bool_and(ST_CoveredBy(d.geom, p.geom)) FROM grid d JOIN grid p ON p.id = d.parent_id
        WHERE d.kind = 'dedicated'""")
    assert inside is True


def test_some_grids_are_left_without_a_worker(loaded, db):
    grids = scalar(db, "SELECT count(*) FROM grid WHERE level = 'grid' AND kind = 'regular'")
    unstaffed = scalar(db, """
        SELECT count(*) FROM grid g WHERE g.level = 'grid' AND g.kind = 'regular' AND NOT EXISTS (
            SELECT 1 FROM staff_assignment a WHERE a.grid_code = g.code AND a.role = 'grid_worker')""")
    assert 0 < unstaffed < grids / 2
    assert scalar(db, "SELECT count(*) FROM staff") > grids
    # every assignment points at a real grid code
    assert scalar(db, """SELECT count(*) FROM staff_assignment a
                         WHERE NOT EXISTS (SELECT 1 FROM grid g WHERE g.code = a.grid_code)""") == 0


def test_reports_are_stored_and_assigned(loaded, db):
    total, assigned, outside, statuses, gcj = db.session.execute(text("""
        SELECT count(*), count(grid_id), count(*) FILTER (WHERE out_of_coverage),
               count(DISTINCT status), count(*) FILTER (WHERE coord_crs = 'GCJ-02') FROM report""")).one()
    assert total >= 20
    assert assigned >= 0.9 * total
    assert 0 < outside < 0.1 * total
    assert statuses >= 4 and gcj > 0
    in_dedicated = scalar(db, "SELECT count(*) FROM report WHERE cardinality(dedicated_grid_ids) > 0")
    assert in_dedicated > 0


def test_if_empty_does_nothing_when_data_exists(loaded, cli, db):
    before = scalar(db, "SELECT count(*) FROM grid"), scalar(db, "SELECT count(*) FROM report")
    again = cli.invoke(args=LOAD + ["--if-empty"])
    assert again.exit_code == 0, again.output
    assert "already holds" in again.output
    assert (scalar(db, "SELECT count(*) FROM grid"), scalar(db, "SELECT count(*) FROM report")) == before


def test_refuses_without_force(loaded, cli, db):
    again = cli.invoke(args=LOAD)
    assert again.exit_code != 0
    assert "--force" in again.output


def test_force_replaces_the_data(loaded, cli, db):
    before = scalar(db, "SELECT count(*) FROM grid")
    again = cli.invoke(args=LOAD + ["--force"])
    assert again.exit_code == 0, again.output + repr(again.exception)
    assert scalar(db, "SELECT count(*) FROM grid") == before
    # A published version per district, nothing left of the first load's.
    assert scalar(db, "SELECT count(*) FROM boundary_version") == \
        scalar(db, "SELECT count(DISTINCT district_code) FROM grid")


def test_demo_walkers_patrol_grids_with_households_and_visit_some(loaded, db):
    """The address library covers some grids only; the walkers are put there, so the KPI page's
    "households visited this cycle" has something to show."""
    walkers = scalar(db, "SELECT count(DISTINCT worker_id) FROM patrol_fix")
    visiting = scalar(db, "SELECT count(DISTINCT worker_id) FROM household_visit")
    assert walkers > 0 and visiting > 0
    assert scalar(db, "SELECT count(*) FROM household_visit") > visiting
