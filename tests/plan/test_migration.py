"""Migration 0016_draft_operation_source up, down and up again on a database of its own."""
from __future__ import annotations

from sqlalchemy import text


def _has_source(conn) -> bool:
    return conn.execute(text("SELECT count(*) FROM information_schema.columns "
                             "WHERE table_name = 'draft_operation' AND column_name = 'source'")).scalar_one() == 1


def test_the_edit_log_gains_and_loses_its_source_column(scratch_db):
    scratch_db.upgrade("0015_report_media")
    with scratch_db.begin() as conn:
        assert not _has_source(conn)
    scratch_db.upgrade("0016_draft_operation_source")
    with scratch_db.begin() as conn:
        assert _has_source(conn)
    scratch_db.downgrade("0015_report_media")
    with scratch_db.begin() as conn:
        assert not _has_source(conn)
    scratch_db.upgrade("0016_draft_operation_source")
    with scratch_db.begin() as conn:
        assert _has_source(conn)


def _columns(conn, table: str) -> set[str]:
    return set(conn.execute(text("SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
                            {"t": table}).scalars())


def test_the_guardrails_migration_goes_up_down_and_up(scratch_db):
    """0026: grid.exclave (and grid_current showing it), scheduled versions, the kept validation."""
    scratch_db.upgrade("0023_grid_rules")
    with scratch_db.begin() as conn:
        assert "exclave" not in _columns(conn, "grid_current")
    scratch_db.upgrade("0026_plan_guardrails")
    with scratch_db.begin() as conn:
        assert "exclave" in _columns(conn, "grid") and "exclave" in _columns(conn, "grid_current")
        assert {"scheduled_at", "scheduled_by", "schedule_error", "validation"} <= _columns(conn, "boundary_version")
        conn.execute(text("INSERT INTO boundary_version (name, status, effective_date) "
                          "VALUES ('s', 'scheduled', '2027-01-01')"))
    scratch_db.downgrade("0023_grid_rules")
    with scratch_db.begin() as conn:
        assert "exclave" not in _columns(conn, "grid") and "exclave" not in _columns(conn, "grid_current")
        # The scheduled version is a draft again: nothing is lost.
        assert conn.execute(text("SELECT status FROM boundary_version WHERE name = 's'")).scalar() == "draft"
    scratch_db.upgrade("0026_plan_guardrails")
