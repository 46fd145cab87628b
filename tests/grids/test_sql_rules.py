"""The grid rules of migration 0023 in the database: same answers as before, same indexes.

``gridmap_finest_grid`` must agree with the rule as geo/assign.py states it,
and be inlined (no Function Scan) so the intake's leaf lookup still probes the
partial GiST index of current leaves. ``grid_current`` must pick exactly the
rows ``grid_in_version(..., NULL, NULL)`` picks and keep the partial indexes
on current rows usable. ``enable_seqscan = off`` makes the plans prove the
index is usable on the small sample, where a sequential scan would be cheaper.
"""
import pytest
import shapely
from sqlalchemy import text

from app.sqlfiles import statements
from geo.assign import assign_points
from tests.samples import SCHOOL

#: Gap left by removing micro-grid 41010200100100102 (the south half of grid 410102001001001).
GAP_MICRO = "41010200100100102"

POINTS = [
    (113.605, 34.757),    # inside a micro-grid
    (113.61, 34.757),     # edge between two grids' micro-grids: lowest code
    (113.62, 34.75),      # vertex of four communities
    (113.60, 34.74),      # corner of the district
    (113.604, 34.7558),   # inside the school too (dedicated never replaces the regular grid)
    (113.608, 34.751),    # in the gap: no leaf covers it, its grid does
    (113.61, 34.751),     # edge between the gap and the next grid's micro-grid
    (113.70, 34.80),      # outside coverage
]


def plan(db, sql, params=None) -> str:
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(db.session.execute(text("EXPLAIN (COSTS OFF) " + sql), params or {}).scalars())


def current_grids(db):
    rows = db.session.execute(text(
        "SELECT code, level, kind, ST_AsBinary(geom) FROM grid_current ORDER BY code")).all()
    return [(code, level, kind, shapely.from_wkb(bytes(wkb))) for code, level, kind, wkb in rows]


@pytest.fixture
def gappy(db, sample):
    """The sample with one micro-grid removed, so a point can lie in a grid but in none of its leaves."""
    db.session.execute(text("DELETE FROM grid WHERE code = :c"), {"c": GAP_MICRO})
    return sample


def test_finest_grid_agrees_with_the_rule_in_geo(db, gappy):
    expected = assign_points([p[0] for p in POINTS], [p[1] for p in POINTS], current_grids(db))
    for (lon, lat), want in zip(POINTS, expected):
        got = db.session.execute(text(
            "SELECT f.code FROM gridmap_finest_grid(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), NULL, NULL) f"),
            {"lon": lon, "lat": lat}).scalars().all()
        assert got == ([want.grid] if want.grid else []), (lon, lat)
    assert [a.grid for a in expected][4:] == ["41010200100100101", "410102001001001", "41010200100100202", None]


def test_leaves_only_skips_the_gap_and_otherwise_agrees(db, gappy):
    def finest(lon, lat, **kw):
        return db.session.execute(text(
            "SELECT f.code FROM gridmap_finest_grid(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), NULL, NULL,"
            " leaves_only => :leaves) f"), {"lon": lon, "lat": lat, "leaves": kw["leaves"]}).scalar()

    for lon, lat in POINTS:
        if (lon, lat) == (113.608, 34.751):
            assert finest(lon, lat, leaves=True) is None and finest(lon, lat, leaves=False) == "410102001001001"
        else:
            assert finest(lon, lat, leaves=True) == finest(lon, lat, leaves=False)


def test_a_version_by_generation_is_the_same_as_the_current_one(db, sample):
    generation = db.session.execute(text("SELECT generation FROM boundary_version WHERE status = 'published'")).scalar()
    for lon, lat in POINTS:
        pt = {"lon": lon, "lat": lat}
        current, by_number = db.session.execute(text(
            "SELECT (SELECT f.code FROM gridmap_finest_grid(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),"
            "                                               NULL, NULL) f),"
            "       (SELECT f.code FROM gridmap_finest_grid(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),"
            "                                               CAST(:g AS integer), NULL) f)"), {**pt, "g": generation}).one()
        assert current == by_number


def test_intake_and_lookup_place_a_point_in_a_gap_in_its_grid(client, db, gappy):
    """Through the real entry points: the intake's second pass and the lookup, both by the one definition."""
    report = client.post("/api/v1/reports", json={"category": "0102", "channel": "worker_app", "lon": 113.608,
                                                  "lat": 34.751, "description": "网格空隙处的垃圾"})
    assert report.status_code == 201, report.get_json()
    body = report.get_json()
    look = client.get("/api/v1/lookup?lon=113.608&lat=34.751").get_json()
    assert body["grid"]["code"] == look["grid"]["code"] == "410102001001001"
    assert body["out_of_coverage"] is False


def test_intake_leaf_lookup_uses_the_partial_leaf_index_and_is_inlined(db, sample):
    db.session.execute(text("CREATE TEMP TABLE IF NOT EXISTS assign_target (id bigint PRIMARY KEY)"))
    db.session.execute(text("CREATE TEMP TABLE IF NOT EXISTS assign_point (id bigint, location geometry, grid_id integer)"))
    db.session.execute(text("CREATE TEMP TABLE IF NOT EXISTS assign_hit (id bigint, grid_id integer, lineage integer[])"))
    # The hits are worked out into temporary tables (CREATE TEMP TABLE ... AS SELECT): their SELECTs.
    parts = [s.text.split("ON COMMIT DROP AS", 1)[-1] for s in statements("reports/assign")]
    leaves = next(p for p in parts if "leaves_only => true" in p)
    gaps = next(p for p in parts if "gridmap_finest_grid(p.location, NULL, NULL) g" in p)
    dedicated = next(p for p in parts if "kind = 'dedicated'" in p)
    shown = plan(db, leaves, {"generation": 1})
    assert "ix_grid_current_leaf_geom" in shown and "Index Cond: (geom ~ p.location)" in shown
    assert "Function Scan" not in shown and "gridmap_finest_grid" not in shown
    shown = plan(db, gaps, {"generation": 1})
    assert "Function Scan" not in shown
    # The district outline is tested once per point, ahead of the wider search.
    assert "One-Time Filter" in shown and "ix_grid_current_root_geom" in shown
    assert "ix_grid_current_dedicated_geom" in plan(db, dedicated, {"generation": 1})


def test_the_address_intake_is_inlined_the_same_way(db, sample):
    db.session.execute(text("CREATE TEMP TABLE IF NOT EXISTS address_assign_target "
                            "(id bigint PRIMARY KEY, placed boolean NOT NULL DEFAULT false)"))
    db.session.execute(text("CREATE TEMP TABLE IF NOT EXISTS address_assign_point (id bigint, district_code varchar(6), "
                            "location geometry)"))
    parts = [s.text for s in statements("addresses/assign")]
    leaves = next(p for p in parts if "leaves_only => true" in p)
    gaps = next(p for p in parts if "gridmap_finest_grid(p.location, NULL, NULL) g" in p)
    shown = plan(db, leaves, {"generation": 1})
    assert "ix_grid_current_leaf_geom" in shown and "Function Scan" not in shown
    shown = plan(db, gaps, {"generation": 1})
    assert "One-Time Filter" in shown and "Function Scan" not in shown


@pytest.mark.parametrize("generation, draft_id", [(None, None), (1, None), (1, 99)])
def test_lookup_by_version_is_inlined(db, sample, generation, draft_id):
    from app.sqlfiles import sql

    shown = plan(db, sql("lookup/chain_at").text, {"lon": 113.605, "lat": 34.757, "generation": generation,
                                                   "draft_id": draft_id,
                                                   "district_code": None if generation is None else "410102"})
    assert "Function Scan" not in shown and "ix_grid_geom" in shown


def test_grid_current_keeps_the_partial_indexes_usable(db, sample):
    pt = "ST_SetSRID(ST_MakePoint(113.603, 34.753), 4326)"
    assert "ix_grid_current_dedicated_geom" in plan(
        db, f"SELECT id FROM grid_current WHERE kind = 'dedicated' AND ST_Covers(geom, {pt})")
    assert "ix_grid_current_root_geom" in plan(
        db, f"SELECT id FROM grid_current WHERE kind = 'regular' AND parent_id IS NULL AND ST_Covers(geom, {pt})")
    by_code = plan(db, "SELECT id FROM grid_current WHERE code = :c", {"c": SCHOOL})
    assert "Index" in by_code and "Seq Scan" not in by_code


def test_grid_current_is_the_current_branch_of_grid_in_version(db, sample):
    # Retire one row (it ends at generation 1) so the two definitions have something to disagree on.
    db.session.execute(text("UPDATE grid SET generation_high = generation_low WHERE code = :c"), {"c": SCHOOL})
    view = db.session.execute(text("SELECT id FROM grid_current ORDER BY id")).scalars().all()
    rule = db.session.execute(text(
        "SELECT id FROM grid WHERE grid_in_version(draft_id, generation_low, generation_high, ended_in_drafts, "
        "NULL, NULL) ORDER BY id")).scalars().all()
    assert view == rule and len(view) == db.session.execute(text("SELECT count(*) FROM grid")).scalar() - 1


def test_grid_current_has_every_grid_column(db):
    """SELECT * in a view is expanded once: a migration adding a grid column must recreate grid_current."""
    columns = text("SELECT column_name, data_type FROM information_schema.columns "
                   "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position")
    assert db.session.execute(columns, {"t": "grid_current"}).all() == db.session.execute(columns, {"t": "grid"}).all()


def test_finest_grid_meets_the_conditions_for_inlining(db):
    row = db.session.execute(text(
        "SELECT p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql') AS sql, p.provolatile, p.proisstrict,"
        " p.prosecdef, p.proconfig, p.proretset, obj_description(p.oid, 'pg_proc') AS comment "
        "FROM pg_proc p WHERE p.proname = 'gridmap_finest_grid'")).one()
    assert row.sql and row.provolatile == "s" and not row.proisstrict and not row.prosecdef
    assert row.proconfig is None and row.proretset and "finest regular grid" in row.comment
    assert "current published grid rows" in db.session.execute(text(
        "SELECT obj_description('grid_current'::regclass, 'pg_class')")).scalar()
