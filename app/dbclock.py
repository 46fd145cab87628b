"""The database clock, read once and written as a value (issue 19).

``report.updated_at`` is the dispatch desk's live-feed cursor (app.dispatch.feed): every change path
sets it from the database's ``clock_timestamp()`` (one clock for all app servers, moving within a
transaction). The clock is read by its own ``SELECT`` and passed to the ``UPDATE`` as a parameter:
Citus refuses volatile functions in an ``UPDATE`` of a distributed table ("functions used in UPDATE
queries on distributed tables must not be VOLATILE"), and one code path serves plain PostgreSQL too.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text


def clock_timestamp(session=None) -> datetime:
    """``clock_timestamp()`` of the database of ``session`` (default: the app's session)."""
    if session is None:
        from app.extensions import db

        session = db.session
    return session.execute(text("SELECT clock_timestamp()")).scalar_one()
