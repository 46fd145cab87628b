"""Migration 0012_report_updated_idx up, down and up again on a database of its own."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError


def _index_exists(conn) -> bool:
    return bool(conn.execute(text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_report_updated_at'"))
                .scalar_one())


def _history_row(conn, action: str) -> None:
    conn.execute(text(
        "INSERT INTO report_transition (report_id, district_code, actor, action, from_state, to_state) "
        "SELECT id, district_code, 'test', :action, status, status FROM report LIMIT 1"), {"action": action})


def test_upgrade_allows_place_and_indexes_updated_at_and_downgrade_undoes_it(scratch_db):
    scratch_db.upgrade("0011_addresses")
    with scratch_db.begin() as conn:
        conn.execute(text("INSERT INTO report (district_code, category, channel, description) "
                          "VALUES ('410102', '0402', 'hotline_12345', '违停')"))
    with pytest.raises(IntegrityError), scratch_db.begin() as conn:
        _history_row(conn, "place")
    scratch_db.upgrade("0012_report_updated_idx")
    with scratch_db.begin() as conn:
        assert _index_exists(conn)
        _history_row(conn, "place")
    with pytest.raises(IntegrityError), scratch_db.begin() as conn:
        _history_row(conn, "teleport")
    scratch_db.downgrade("0011_addresses")
    with scratch_db.begin() as conn:
        assert not _index_exists(conn)
        assert conn.execute(text("SELECT count(*) FROM report_transition WHERE action = 'place'")) \
            .scalar_one() == 0
    with pytest.raises(IntegrityError), scratch_db.begin() as conn:
        _history_row(conn, "place")
    scratch_db.upgrade("0012_report_updated_idx")
    with scratch_db.begin() as conn:
        assert _index_exists(conn)
