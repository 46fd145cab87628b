"""Connection settings the app needs when its database is a Citus coordinator (issue 19).

Checked once per new connection: when the ``citus`` extension is installed in the database (and
``GRIDMAP_CITUS`` is not ``0``), the session gets the settings below; on plain PostgreSQL nothing
is sent. See docs/scale.md.
"""
from __future__ import annotations

import os
import re
import time

from sqlalchemy import event

#: ``sequential``: a transaction that wrote a reference table on the coordinator's own copy (local
#: execution) may go on to statements touching many shards, which Citus otherwise refuses ("cannot
#: execute command because a local execution has accessed a placement in the transaction"); a
#: district's work touches one shard group, so nothing is lost by not fanning out in parallel.
#: (Local execution stays on: the app's temporary staging tables are joined with reference tables,
#: which only the coordinator's own copy can do.)
SETTINGS = (
    "SET citus.multi_shard_modify_mode TO 'sequential'",
)


def _on_connect(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    try:
        cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        on = cur.fetchone() is not None
        _record.info["citus"] = on
        if on:
            for stmt in SETTINGS:
                cur.execute(stmt)
    finally:
        cur.close()
    # Not rolled back when the pool resets the connection: the settings are session-wide.
    dbapi_connection.commit()


#: Statements that change the address library (migration 0011's statement triggers bump its version
#: on plain PostgreSQL; on Citus those triggers would run on the shards, on the workers, where a
#: write to the reference table is a nested distributed query, which Citus refuses: migration 0035
#: drops them there and the app bumps the version after each such statement instead).
_ADDRESS_WRITE = re.compile(
    r"\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(\s+TABLE)?)\s+(ONLY\s+)?(standard_address|address_alias)\b",
    re.I)
#: The new number: the clock in microseconds, never below the last one plus 1, so that a number a
#: rolled-back change had seen is not handed out again (the sequence of 0011 is per node on Citus).
#: Computed here: Citus refuses a volatile function in an UPDATE of a reference table.
BUMP_ADDRESS_VERSION = "UPDATE address_library_version SET version = greatest(version + 1, %s) WHERE id = 1"


def _after_cursor_execute(conn, cursor, statement, parameters, context, executemany) -> None:
    if conn.info.get("citus") and _ADDRESS_WRITE.search(statement):
        # Another cursor: the statement's own results stay as they are.
        bump = conn.connection.dbapi_connection.cursor()
        try:
            bump.execute(BUMP_ADDRESS_VERSION, (time.time_ns() // 1000,))
        finally:
            bump.close()


def init_app(app) -> None:
    if os.environ.get("GRIDMAP_CITUS", "").strip() == "0":
        return
    from app.extensions import db

    with app.app_context():
        event.listen(db.engine, "connect", _on_connect)
        event.listen(db.engine, "after_cursor_execute", _after_cursor_execute)


def is_citus(session) -> bool:
    """Whether ``session``'s connection is to a Citus coordinator."""
    return bool(session.connection().info.get("citus"))


def analyze(session, table: str) -> None:
    """ANALYZE ``table`` (a fixed name) after a bulk change, on plain PostgreSQL.

    On Citus it is left to each node's autovacuum: an ANALYZE of a distributed or reference table
    fans out to its shards, which Citus refuses in a transaction that has already written the
    coordinator's copy of a reference table.
    """
    from sqlalchemy import text

    if not is_citus(session):
        session.execute(text(f"ANALYZE {table}"))
