"""Migration 0024_desk up, down and up again on a database of its own: the deadline rule,
the reassign / recall history actions, the users' preferences."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, ProgrammingError

ARGS = "('dispatched', now() - interval '1 hour', now() - interval '2 hours', NULL, now())"


def _history_row(conn, action: str) -> None:
    conn.execute(text(
        "INSERT INTO report_transition (report_id, district_code, actor, action, from_state, to_state) "
        "SELECT id, district_code, 'test', :action, status, status FROM report LIMIT 1"), {"action": action})


def test_upgrade_and_downgrade(scratch_db):
    scratch_db.upgrade("0018_move_buildings")
    with scratch_db.begin() as conn:
        conn.execute(text("INSERT INTO report (district_code, category, channel, description) "
                          "VALUES ('410102', '0402', 'hotline_12345', '违停')"))
    with pytest.raises(IntegrityError), scratch_db.begin() as conn:
        _history_row(conn, "reassign")
    scratch_db.upgrade("0024_desk")
    with scratch_db.begin() as conn:
        assert conn.execute(text(f"SELECT gridmap_deadline_state{ARGS}")).scalar_one() == "overdue"
        _history_row(conn, "reassign")
        _history_row(conn, "recall")
        assert conn.execute(text("SELECT preferences FROM app_user LIMIT 0")).all() == []
    with pytest.raises(IntegrityError), scratch_db.begin() as conn:
        _history_row(conn, "teleport")
    scratch_db.downgrade("0018_move_buildings")
    with scratch_db.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM report_transition WHERE action IN ('reassign', 'recall')")) \
            .scalar_one() == 0
    with pytest.raises(ProgrammingError), scratch_db.begin() as conn:
        conn.execute(text(f"SELECT gridmap_deadline_state{ARGS}"))
    with pytest.raises(IntegrityError), scratch_db.begin() as conn:
        _history_row(conn, "recall")
    scratch_db.upgrade("0024_desk")
    with scratch_db.begin() as conn:
        assert conn.execute(text(f"SELECT gridmap_deadline_state{ARGS}")).scalar_one() == "overdue"
