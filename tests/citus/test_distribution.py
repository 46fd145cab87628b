"""On a Citus cluster (make test-citus, GRIDMAP_TEST_CITUS=1) the schema really is distributed: the large
tables by district_code in one co-location group, the small ones reference tables, the daily partitions
of patrol fixes too, and a district's report and its history are read from one shard on one node.

On plain PostgreSQL migration 0035 does nothing, which the last test checks there."""
from __future__ import annotations

import importlib.util
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

citus = os.environ.get("GRIDMAP_TEST_CITUS") == "1"
on_citus = pytest.mark.skipif(not citus, reason="needs the Citus cluster: make test-citus")

_spec = importlib.util.spec_from_file_location(
    "migration_0035_citus", Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0035_citus.py")
migration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(migration)


def rows(db, sql, **params):
    return db.session.execute(text(sql), params).all()


@on_citus
def test_large_tables_are_distributed_by_district_and_colocated(db):
    dist = {t: (m, col, coloc) for t, m, col, coloc in rows(db, """
        SELECT logicalrelid::regclass::text, partmethod,
               column_to_column_name(logicalrelid, partkey), colocationid
        FROM pg_dist_partition""")}
    groups = set()
    for table in migration.LARGE:
        assert table in dist, f"{table} is not distributed"
        method, column, coloc = dist[table]
        assert (method, column) == ("h", "district_code"), table
        groups.add(coloc)
    assert len(groups) == 1, "the large tables are not all co-located"


@on_citus
def test_small_tables_are_reference_tables(db):
    kinds = dict(rows(db, "SELECT table_name::text, citus_table_type FROM citus_tables"))
    for table in migration.REFERENCE:
        assert kinds.get(table) == "reference", table


@on_citus
def test_hot_small_tables_stay_on_the_coordinator(db):
    kinds = dict(rows(db, "SELECT table_name::text, citus_table_type FROM citus_tables"))
    for table in migration.COORDINATOR_ONLY:
        assert table not in kinds, table


@on_citus
def test_reference_tables_are_on_every_worker(db):
    workers = rows(db, "SELECT nodename, nodeport FROM pg_dist_node WHERE noderole = 'primary' "
                       "AND shouldhaveshards AND groupid > 0")
    assert len(workers) == 2
    placed = rows(db, """SELECT count(DISTINCT p.groupid) FROM pg_dist_shard s
                         JOIN pg_dist_placement p USING (shardid)
                         WHERE s.logicalrelid = 'grid'::regclass AND p.groupid > 0""")
    assert placed[0][0] == 2


@on_citus
def test_new_daily_partition_of_patrol_fixes_is_distributed_with_the_others(db):
    from app.patrols.ingest import ensure_partitions

    [name] = ensure_partitions([date(2031, 3, 4)])
    assert name == "patrol_fix_p20310304"
    [(method, coloc)] = rows(db, "SELECT partmethod, colocationid FROM pg_dist_partition "
                                 "WHERE logicalrelid = CAST(:n AS regclass)", n=name)
    [(parent,)] = rows(db, "SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'report'::regclass")
    assert (method, coloc) == ("h", parent)


@on_citus
def test_a_districts_report_and_its_history_live_on_one_shard_of_one_node(client, sample, db):
    res = client.post("/api/v1/reports", json={"category": "0102", "description": "小区门口垃圾堆放",
                                               "channel": "worker_app", "lon": 113.6150, "lat": 34.7525})
    assert res.status_code == 201, res.get_json()
    ticket = res.get_json()["ticket"]
    [(code, report_id)] = rows(db, "SELECT district_code, id FROM report WHERE ticket = :t", t=ticket)
    assert rows(db, "SELECT count(*) FROM report_transition WHERE district_code = :d AND report_id = :r",
                d=code, r=report_id)[0][0] >= 1
    # The shard of the report and the shard of its history: same shard group, same node.
    placements = rows(db, """
        SELECT s.logicalrelid::regclass::text, s.shardid, p.groupid, s.shardminvalue
        FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid)
        WHERE s.shardid IN (get_shard_id_for_distribution_column('report', CAST(:d AS varchar)),
                            get_shard_id_for_distribution_column('report_transition', CAST(:d AS varchar)),
                            get_shard_id_for_distribution_column('report_photo', CAST(:d AS varchar)))""",
                      d=code)
    assert len(placements) == 3
    assert len({g for _, _, g, _ in placements}) == 1, placements
    assert len({lo for _, _, _, lo in placements}) == 1, placements
    # The join of a district's report with its history is one task routed to that node.
    plan = "\n".join(r[0] for r in rows(db, """
        EXPLAIN SELECT r.ticket, t.to_state FROM report r
        JOIN report_transition t ON t.district_code = r.district_code AND t.report_id = r.id
        WHERE r.district_code = :d AND r.id = :r""", d=code, r=report_id))
    assert "Task Count: 1" in plan, plan


@pytest.mark.skipif(citus, reason="plain PostgreSQL only")
def test_plain_postgresql_is_left_alone(db):
    assert rows(db, "SELECT 1 FROM pg_extension WHERE extname = 'citus'") == []
    assert migration.citus_on(db.session.connection()) is False
