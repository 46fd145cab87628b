"""Migration 0015_report_media up, down and up again on a database of its own."""
from __future__ import annotations

from sqlalchemy import text

NEW_COLUMNS = {"media_urls", "reporter_email", "reporter_device"}


def _columns(conn) -> set[str]:
    return set(conn.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'report'")).scalars())


def _mask_function(conn) -> bool:
    return conn.execute(text("SELECT to_regprocedure('gridmap_mask_email(text)')")).scalar_one() is not None


def test_upgrade_adds_photos_and_contact_to_old_reports_and_downgrade_removes_them(scratch_db):
    scratch_db.upgrade("0014_household_view")
    with scratch_db.begin() as conn:
        assert not _columns(conn) & NEW_COLUMNS and not _mask_function(conn)
        conn.execute(text("INSERT INTO report (district_code, category, channel, description) "
                          "VALUES ('410102', '0402', 'photo', '违停')"))
    scratch_db.upgrade("0015_report_media")
    with scratch_db.begin() as conn:
        # The report from before keeps working: no photos, no contact.
        assert conn.execute(text("SELECT media_urls, reporter_email, reporter_device FROM report")).one() \
            == ([], None, None)
        assert conn.execute(text("SELECT gridmap_mask_email('wang@example.com')")).scalar_one() \
            == "w***@example.com"
        conn.execute(text("INSERT INTO report (district_code, category, channel, description, media_urls, "
                          "reporter_email) VALUES ('410102', '0102', 'photo', '垃圾', "
                          "ARRAY['https://example.com/a.jpg'], 'li@example.com')"))
    scratch_db.downgrade("0014_household_view")
    with scratch_db.begin() as conn:
        assert not _columns(conn) & NEW_COLUMNS and not _mask_function(conn)
        assert conn.execute(text("SELECT count(*) FROM report")).scalar_one() == 2
    scratch_db.upgrade("0015_report_media")
    with scratch_db.begin() as conn:
        assert _columns(conn) >= NEW_COLUMNS and _mask_function(conn)
        assert conn.execute(text("SELECT count(*) FROM report WHERE media_urls = '{}'")).scalar_one() == 2
