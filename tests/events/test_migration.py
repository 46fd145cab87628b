"""Migration 0007_events on a database holding reports from before it, down and up again.

Runs on a database of its own (the session's test database stays at the heads).
"""
from __future__ import annotations

from sqlalchemy import text



def test_upgrade_backfills_old_reports_and_downgrade_restores_the_old_schema(scratch_db):
    scratch_db.upgrade("0006_masking")
    with scratch_db.begin() as conn:
        conn.execute(text(
            "INSERT INTO report (district_code, category, channel, description, status, location) VALUES "
            "('410102', '0501', 'hotline_12345', '水管爆裂', 'dispatched', "
            " ST_SetSRID(ST_MakePoint(113.61, 34.75), 4326)),"
            "('410102', '0402', 'walk_in', '违停', 'closed', NULL)"))
    scratch_db.upgrade("0007_events")
    with scratch_db.engine.connect() as conn:
        rows = conn.execute(text("SELECT category, handling_level, time_limit, time_unit, row_version "
                                 "FROM report ORDER BY id")).all()
        assert [(r[0], r[1], float(r[2]), r[3], r[4]) for r in rows] == [
            ("0501", "department", 2.0, "hours", 1), ("0402", "grid", 2.0, "hours", 1)]
        steps = conn.execute(text("SELECT action, from_state, to_state, actor FROM report_transition "
                                  "ORDER BY report_id")).all()
        assert [tuple(s) for s in steps] == [("report", None, "dispatched", "migration"),
                                             ("report", None, "closed", "migration")]
        assert conn.execute(text("SELECT count(*) FROM category")).scalar_one() == 23
    with scratch_db.begin() as conn:
        conn.execute(text("UPDATE report SET status = 'suspended', suspended_from = 'dispatched' "
                          "WHERE category = '0501'"))
    scratch_db.downgrade("0006_masking")
    with scratch_db.engine.connect() as conn:
        columns = set(conn.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'report'")).scalars())
        assert not columns & {"assignee_id", "handling_level", "deadline", "row_version", "duplicate_of"}
        assert conn.execute(text("SELECT to_regclass('category'), to_regclass('report_transition')")).one() \
            == (None, None)
        # A state the old schema does not know is parked where it still shows as open.
        assert conn.execute(text("SELECT status FROM report WHERE category = '0501'")).scalar_one() \
            == "accepted"
    scratch_db.upgrade("0007_events")
    with scratch_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM report_transition")).scalar_one() == 2
