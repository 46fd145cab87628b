"""Migration 0017_report_address up, down and up again on a database of its own."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

NEW_COLUMNS = {"address_id", "address_confidence"}


def _columns(conn) -> set[str]:
    return set(conn.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'report'")).scalars())


def _index(conn) -> bool:
    return conn.execute(text("SELECT to_regclass('ix_report_address_id')")).scalar_one() is not None


def _address(conn, full_text: str) -> int:
    return conn.execute(text(
        "INSERT INTO standard_address (district_code, full_text, norm_key, location) "
        "VALUES ('410102', :t, :t, ST_SetSRID(ST_MakePoint(113.61, 34.75), 4326)) RETURNING id"),
        {"t": full_text}).scalar_one()


def test_reports_gain_and_lose_their_standard_address(scratch_db):
    scratch_db.upgrade("0016_draft_operation_source")
    with scratch_db.begin() as conn:
        assert not _columns(conn) & NEW_COLUMNS and not _index(conn)
        conn.execute(text("INSERT INTO report (district_code, category, channel, description, address) "
                          "VALUES ('410102', '0402', 'phone', '违停', '前进路32号')"))
        kept = _address(conn, "前进路32号")
    scratch_db.upgrade("0017_report_address")
    with scratch_db.begin() as conn:
        # The report from before has no match on record: nothing is guessed.
        assert conn.execute(text("SELECT address_id, address_confidence FROM report")).one() == (None, None)
        assert _index(conn)
        gone = _address(conn, "伊河路148号院")
        conn.execute(text("INSERT INTO report (district_code, category, channel, description, address_id, "
                          "address_confidence) VALUES ('410102', '0102', 'phone', 'a', :k, 1), "
                          "('410102', '0102', 'phone', 'b', :g, 0.8125)"), {"k": kept, "g": gone})
        # The address leaves the library: its report stays, the link goes.
        conn.execute(text("DELETE FROM standard_address WHERE id = :g"), {"g": gone})
        rows = conn.execute(text("SELECT description, address_id, address_confidence FROM report "
                                 "ORDER BY id")).all()
        assert [(r[0], r[1], None if r[2] is None else float(r[2])) for r in rows] == [
            ("违停", None, None), ("a", kept, 1.0), ("b", None, 0.8125)]
    with pytest.raises(IntegrityError, match="ck_report_address_confidence"):
        with scratch_db.begin() as conn:
            conn.execute(text("INSERT INTO report (district_code, category, channel, description, "
                              "address_confidence) VALUES ('410102', '0102', 'phone', 'c', 1.5)"))
    with pytest.raises(IntegrityError, match="fk_report_address_id_standard_address"):
        with scratch_db.begin() as conn:
            conn.execute(text("INSERT INTO report (district_code, category, channel, description, address_id) "
                              "VALUES ('410102', '0102', 'phone', 'd', 999999)"))
    scratch_db.downgrade("0016_draft_operation_source")
    with scratch_db.begin() as conn:
        assert not _columns(conn) & NEW_COLUMNS and not _index(conn)
        assert conn.execute(text("SELECT count(*) FROM report")).scalar_one() == 3
        # The library no longer has a table pointing at it.
        conn.execute(text("DELETE FROM standard_address"))
    scratch_db.upgrade("0017_report_address")
    with scratch_db.begin() as conn:
        assert _columns(conn) >= NEW_COLUMNS and _index(conn)
        assert conn.execute(text("SELECT count(*) FROM report WHERE address_id IS NULL")).scalar_one() == 3
