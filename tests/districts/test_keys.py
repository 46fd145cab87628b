"""Citus-compatible keys (issue 19, design item 4; migration 0032): every large table carries
district_code NOT NULL, first in its primary key and in every unique constraint or index, and the
foreign keys between large tables are composite."""
from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import text

#: What only a plain PostgreSQL schema has (docs/scale.md, "make test-citus"): on Citus these keys are
#: NO ACTION and a coordinator's plan is Citus's, not the shard's index scan.
plain_only = pytest.mark.skipif(os.environ.get("GRIDMAP_TEST_CITUS") == "1", reason="plain PostgreSQL only")

LARGE = ("report", "report_transition", "report_photo", "patrol_fix", "patrol_fix_rejected", "patrol_session",
         "household_visit", "patrol_day_grid", "patrol_day_place", "patrol_day_worker", "patrol_day_worker_grid",
         "patrol_rollup_state", "patrol_day_version", "standard_address", "address_alias", "audit_entry", "job")


def test_every_large_table_has_district_code_in_every_key(db):
    for table in LARGE:
        nullable = db.session.execute(text(
            "SELECT is_nullable FROM information_schema.columns WHERE table_name = :t "
            "AND column_name = 'district_code'"), {"t": table}).scalar()
        assert nullable == "NO", table
        indexes = db.session.execute(text("""
            SELECT i.indexrelid::regclass::text AS name, i.indisprimary,
                   array_agg(a.attname ORDER BY k.ord) AS cols
            FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = CAST(:t AS regclass) AND i.indisunique
            GROUP BY i.indexrelid, i.indisprimary"""), {"t": table}).all()
        assert any(ix.indisprimary for ix in indexes), table
        for ix in indexes:
            assert "district_code" in ix.cols, (table, ix.name, ix.cols)
            if ix.indisprimary:
                assert ix.cols[0] == "district_code", (table, ix.cols)


def test_foreign_keys_between_large_tables_are_composite(db):
    rows = db.session.execute(text("""
        SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
               pg_get_constraintdef(c.oid) AS definition
        FROM pg_constraint c
        WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(:large)
          AND c.confrelid::regclass::text = ANY(:large)"""), {"large": list(LARGE)}).all()
    assert {(r.child, r.parent) for r in rows} == {("report_transition", "report"), ("report", "report"),
                                                    ("report", "standard_address"),
                                                    ("household_visit", "standard_address")}
    for r in rows:
        assert r.definition.startswith("FOREIGN KEY (district_code, "), r.definition
        assert "REFERENCES %s(district_code, id)" % r.parent in r.definition, r.definition
    # No reference table points at a large one (Citus does not allow it).
    assert not db.session.execute(text("""
        SELECT 1 FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid::regclass::text = ANY(:large)
          AND NOT c.conrelid::regclass::text = ANY(:large)"""), {"large": list(LARGE)}).first()


@plain_only  # on Citus the key is NO ACTION (Citus refuses SET NULL in it; GridMap deletes no address)
def test_deleting_an_address_clears_only_the_reports_address(db, sample):
    """ON DELETE SET NULL (address_id): the report keeps its district_code (part of its key)."""
    from app.reports.service import import_reports

    db.session.execute(text(
        "INSERT INTO standard_address (district_code, full_text, norm_key, location) "
        "VALUES ('410102', '某路1号', 'k1', ST_SetSRID(ST_MakePoint(113.605, 34.757), 4326))"))
    address_id = db.session.execute(text("SELECT id FROM standard_address WHERE norm_key = 'k1'")).scalar()
    import_reports([{"category": "0102", "channel": "worker_app", "description": "x", "lon": 113.605,
                     "lat": 34.757}], commit=False)
    db.session.execute(text("UPDATE report SET address_id = :a"), {"a": address_id})
    db.session.execute(text("DELETE FROM standard_address WHERE id = :a"), {"a": address_id})
    assert db.session.execute(text("SELECT district_code, address_id FROM report")).one() == ("410102", None)


@plain_only  # on Citus the coordinator's EXPLAIN shows a Citus custom scan; tests/citus checks routing
def test_rows_found_by_id_ticket_or_token_alone_use_an_index_of_their_own(db, sample):
    """With district_code first in every key (0032), a query naming only a report's id or ticket
    would read the whole key index (PostgreSQL 15 has no skip scan); 0034 gives each its own.

    On near-empty tables the composite index and the lookup index cost the same and the planner may
    take either (CI did), so the report table gets a few thousand rows with status tokens first: the
    size at which reading the whole composite index costs more, as it does in production."""
    from app.reports.service import import_reports

    import_reports([{"category": "0102", "channel": "worker_app", "description": "x", "lon": 113.605,
                     "lat": 34.757}] * 3000, commit=False)
    db.session.execute(text("UPDATE report SET status_token_hash = md5(id::text)"))
    db.session.execute(text("ANALYZE report"))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    for table, column, value in (("report", "id", "1"), ("report", "ticket", "'GM1'"),
                                 ("report", "status_token_hash", "'x'"), ("report_photo", "token", "'x'"),
                                 ("standard_address", "id", "1"), ("patrol_session", "id", "1"), ("job", "id", "1")):
        plan = "\n".join(db.session.execute(text(f"EXPLAIN SELECT * FROM {table} WHERE {column} = {value}")).scalars())
        index = re.search(r"Index (?:Only )?Scan (?:using|on) (\w+)", plan)[1]
        used = db.session.execute(text(
            "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
            "WHERE c.relname = :index"), {"index": index}).scalar()
        assert used == column, f"{table}.{column}: {plan}"


@plain_only
def test_a_retried_key_is_probed_by_scope_and_key_without_reading_the_whole_index(db, sample):
    """An intake looks for the caller's Idempotency-Key before it knows the report's district: the unique
    index leads with scope and key (0037), so the probe is a range scan of one key, not a full scan of
    the index (one entry per keyed report ever filed: every intake grew slower with the table)."""
    from app.reports.service import _idempotency_probe, import_reports

    import_reports([{"category": "0102", "channel": "worker_app", "description": "x", "lon": 113.605,
                     "lat": 34.757}] * 3000, commit=False)
    db.session.execute(text("UPDATE report SET idempotency_scope = 'user:' || (id % 7), "
                            "idempotency_key = md5(id::text)"))
    db.session.execute(text("ANALYZE report"))
    probe = _idempotency_probe().params(scope="user:3", key="x").compile(
        db.session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.session.execute(text("EXPLAIN " + str(probe))).scalars())
    assert "uq_report_idempotency_key" in plan, plan
    assert re.search(r"Index Cond: \(\(\(?idempotency_scope\)?(::text)? = ", plan), plan
