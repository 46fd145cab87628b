"""COPY rows into a (staging) table: the bulk path every import uses."""
from __future__ import annotations

import io
from typing import Iterable, Sequence

from app.extensions import db


def _field(value) -> str:
    if value is None:
        return r"\N"
    s = value.isoformat() if hasattr(value, "isoformat") else str(value)
    # COPY text format: escape the characters it treats specially.
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY ``rows`` into ``table`` on the session's connection (same transaction).

    ``table`` and ``columns`` are identifiers from the code, never user input.
    """
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join(_field(v) for v in row))
        buf.write("\n")
    buf.seek(0)
    raw = db.session.connection().connection.dbapi_connection
    with raw.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)
