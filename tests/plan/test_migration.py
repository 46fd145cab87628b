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
