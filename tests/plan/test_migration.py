"""Migration 0016_draft_operation_source up, down and up again on a database of its own."""
from __future__ import annotations

from sqlalchemy import create_engine, text


def _has_source(conn) -> bool:
    return conn.execute(text("SELECT count(*) FROM information_schema.columns "
                             "WHERE table_name = 'draft_operation' AND column_name = 'source'")).scalar_one() == 1


def test_the_edit_log_gains_and_loses_its_source_column(scratch_url):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url, "SECRET_KEY": "m"})
    engine = create_engine(scratch_url)
    try:
        with app.app_context():
            upgrade(revision="0015_report_media")
            with engine.begin() as conn:
                assert not _has_source(conn)
            upgrade(revision="0016_draft_operation_source")
            with engine.begin() as conn:
                assert _has_source(conn)
            downgrade(revision="0015_report_media")
            with engine.begin() as conn:
                assert not _has_source(conn)
            upgrade(revision="0016_draft_operation_source")
            with engine.begin() as conn:
                assert _has_source(conn)
    finally:
        engine.dispose()
        with app.app_context():
            db.engine.dispose()
