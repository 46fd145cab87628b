"""COPY rows into a (staging) table: the bulk path every import uses.

``copy_rows`` formats row by row (text, any values); ``copy_binary`` sends
whole numeric numpy columns in PostgreSQL's binary format (patrol fixes).
"""
from __future__ import annotations

import io
from typing import Iterable, Sequence

import numpy as np

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


#: PostgreSQL's binary COPY header: signature, flags, header extension length.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"


def copy_binary(table: str, columns: Sequence[str], values: Sequence, types: Sequence[str]) -> None:
    """COPY whole numpy columns in PostgreSQL's binary format (no text formatting at all).

    ``values`` are equal-length arrays, ``types`` their big-endian numpy
    codes matching the table's column types: ``">i4"`` integer, ``">i8"``
    bigint, ``">f8"`` double precision. No NULLs: callers pass sentinels
    (e.g. NaN) and turn them into NULL in SQL.
    """
    n = len(values[0]) if values else 0
    fields = [("count", ">i2")]
    for i, code in enumerate(types):
        fields += [(f"len{i}", ">i4"), (f"val{i}", code)]
    rows = np.empty(n, dtype=fields)
    rows["count"] = len(types)
    for i, (column, code) in enumerate(zip(values, types)):
        rows[f"len{i}"] = np.dtype(code).itemsize
        rows[f"val{i}"] = column
    payload = _BINARY_HEADER + rows.tobytes() + b"\xff\xff"
    raw = db.session.connection().connection.dbapi_connection
    with raw.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)", io.BytesIO(payload))
