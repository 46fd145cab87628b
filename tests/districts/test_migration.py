"""Migration 0032_district_keys up, down and up again with data in the large tables."""
from __future__ import annotations

from sqlalchemy import text


def _pk(conn, table: str) -> list[str]:
    return list(conn.execute(text("""
        SELECT a.attname FROM pg_index i
        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = CAST(:t AS regclass) AND i.indisprimary ORDER BY k.ord"""), {"t": table}).scalars())


def _has_column(conn, table: str, column: str) -> bool:
    return bool(conn.execute(text("SELECT 1 FROM information_schema.columns WHERE table_name = :t "
                                  "AND column_name = :c"), {"t": table, "c": column}).first())


def test_the_keys_migration_goes_up_down_and_up_with_data(scratch_db):
    scratch_db.upgrade("0031_districts")
    with scratch_db.begin() as conn:
        conn.execute(text("INSERT INTO app_user (username, password_hash, role, district_code) "
                          "VALUES ('w', 'x', 'worker', '410102')"))
        conn.execute(text("INSERT INTO standard_address (district_code, full_text, norm_key, location) "
                          "VALUES ('410102', '某路1号', 'k1', ST_SetSRID(ST_MakePoint(113.6, 34.75), 4326))"))
        conn.execute(text("INSERT INTO report (district_code, category, channel, address_id) "
                          "SELECT '410102', '0102', 'worker_app', id FROM standard_address"))
        conn.execute(text("INSERT INTO report_transition (report_id, district_code, actor, action, to_state) "
                          "SELECT id, '410102', 'a', 'report', 'reported' FROM report"))
        conn.execute(text("INSERT INTO audit_entry (actor, via, action, entity_type, entity_id) "
                          "SELECT 'a', 'cli', 'report.create', 'report', ticket FROM report"))
        conn.execute(text("INSERT INTO patrol_day_worker (day, worker_id, crossing, fixes, sessions, seconds, "
                          "metres, slots) SELECT '2026-12-01', id, false, 1, 1, 0, 0, '{}' FROM app_user"))
        conn.execute(text("INSERT INTO boundary_version (name, status, generation) VALUES ('v1', 'published', 1)"))
    scratch_db.upgrade("0032_district_keys")
    with scratch_db.begin() as conn:
        assert _pk(conn, "report") == ["district_code", "id"]
        assert _pk(conn, "patrol_fix") == ["district_code", "worker_id", "time"]
        assert conn.execute(text("SELECT district_code FROM audit_entry")).scalar() == "410102"
        assert conn.execute(text("SELECT district_code FROM patrol_day_worker")).scalar() == "410102"
        # Generations per district: a second district may publish its generation 1 too.
        conn.execute(text("INSERT INTO district (code, name) VALUES ('410103', '二七区')"))
        conn.execute(text("INSERT INTO boundary_version (name, status, generation, district_code) "
                          "VALUES ('v1', 'published', 1, '410103')"))
        conn.execute(text("DELETE FROM boundary_version WHERE district_code = '410103'"))
        conn.execute(text("DELETE FROM district WHERE code = '410103'"))
    scratch_db.downgrade("0031_districts")
    with scratch_db.begin() as conn:
        assert _pk(conn, "report") == ["id"] and _pk(conn, "patrol_fix") == ["worker_id", "time"]
        assert not _has_column(conn, "audit_entry", "district_code")
        assert conn.execute(text("SELECT count(*) FROM report_transition")).scalar() == 1
        assert conn.execute(text("SELECT address_id IS NOT NULL FROM report")).scalar()
    scratch_db.upgrade("0032_district_keys")
    with scratch_db.begin() as conn:
        assert _pk(conn, "report_transition") == ["district_code", "id"]
        # The composite foreign key still cascades.
        conn.execute(text("DELETE FROM report"))
        assert conn.execute(text("SELECT count(*) FROM report_transition")).scalar() == 0
