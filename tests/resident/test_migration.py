"""Migration 0025_resident_ticket up, down and up again on a database of its own."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

REPORT = ("INSERT INTO report (district_code, category, channel, description, status_token_hash) "
          "VALUES ('410102', '0402', 'resident_app', '占道', :h)")
PHOTO = ("INSERT INTO report_photo (district_code, token, sha256, content_type, size, data, channel) "
         "VALUES ('410102', :token, :sha, :kind, :size, :data, 'resident_app')")


def _exists(conn, table: str, column: str | None = None) -> bool:
    if column is None:
        return conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table}).scalar_one()
    return bool(conn.execute(text("SELECT count(*) FROM information_schema.columns WHERE table_name = :t "
                                  "AND column_name = :c"), {"t": table, "c": column}).scalar_one())


def test_upgrade_adds_the_status_token_and_the_photo_store_and_downgrade_removes_them(scratch_db):
    scratch_db.upgrade("0018_move_buildings")
    scratch_db.upgrade("0025_resident_ticket")
    with scratch_db.begin() as conn:
        conn.execute(text(REPORT), {"h": "a" * 64})
        conn.execute(text(REPORT), {"h": None})
        conn.execute(text(REPORT), {"h": None})    # many reports without a link
        conn.execute(text(PHOTO), {"token": "t1" * 11, "sha": "b" * 64, "kind": "image/jpeg", "size": 3,
                                   "data": b"\xff\xd8\xff"})
        assert conn.execute(text("SELECT attstorage FROM pg_attribute WHERE attrelid = 'report_photo'::regclass "
                                 "AND attname = 'data'")).scalar_one() == "e"
    with pytest.raises(IntegrityError), scratch_db.begin() as conn:
        conn.execute(text(REPORT), {"h": "a" * 64})    # one link, one report
    with pytest.raises(IntegrityError), scratch_db.begin() as conn:   # the same picture twice
        conn.execute(text(PHOTO), {"token": "t2" * 11, "sha": "b" * 64, "kind": "image/jpeg", "size": 3,
                                   "data": b"\xff\xd8\xff"})
    with pytest.raises(IntegrityError), scratch_db.begin() as conn:   # not an accepted type
        conn.execute(text(PHOTO), {"token": "t3" * 11, "sha": "c" * 64, "kind": "image/svg+xml", "size": 4,
                                   "data": b"<svg"})
    with pytest.raises(IntegrityError), scratch_db.begin() as conn:   # size must match the bytes
        conn.execute(text(PHOTO), {"token": "t4" * 11, "sha": "d" * 64, "kind": "image/png", "size": 99,
                                   "data": b"\x89PNG"})
    scratch_db.downgrade("0018_move_buildings")
    with scratch_db.begin() as conn:
        assert not _exists(conn, "report_photo") and not _exists(conn, "report", "status_token_hash")
        assert conn.execute(text("SELECT count(*) FROM report")).scalar_one() == 3
    scratch_db.upgrade("0025_resident_ticket")
    with scratch_db.begin() as conn:
        assert _exists(conn, "report_photo") and _exists(conn, "report", "status_token_hash")
