"""COPY rows into a (staging) table: the bulk path every import uses.

``copy_rows`` formats row by row (text, any values); ``copy_binary`` sends
whole numpy columns (numbers, fixed-size text, EWKB points, NULL masks) in
PostgreSQL's binary format (patrol fixes).

Staging tables are temporary tables of the connection. None is ``ON COMMIT DELETE ROWS``: at every
commit of a transaction that touched any temporary table, PostgreSQL truncates *every* such table the
connection has ever made, whether this transaction used it or not, and that cost a report's intake
5 ms of its commit (3 tables; 0.25 ms without). A pooled connection serves all features, so one
feature's table taxed all of them. Instead (issue 16):

- a table of a hot path lives as long as the connection and is emptied before use: ``DELETE`` for
  one row (a report), ``TRUNCATE`` for a batch (a temporary table is never vacuumed, so deleted
  rows would pile up), and a bulk import truncates it again after use;
- a table of a long job is ``ON COMMIT DROP``.
"""
from __future__ import annotations

import io
from typing import Iterable, Sequence

import numpy as np
from sqlalchemy.exc import DBAPIError

from app.extensions import db


def _copy(statement: str, data) -> None:
    """Run a COPY on the session's connection; a lost server raised as SQLAlchemy raises it for any statement.

    COPY goes through the driver's own cursor, so SQLAlchemy never sees its
    errors: a server that went away would surface as a bare psycopg2 error (a
    500 where every other request answers 503, app.errors) and leave a dead
    connection in the session. Here a lost connection is invalidated (the
    pool opens a new one next time) and raised as SQLAlchemy's
    OperationalError. Other errors stay the driver's (callers catch
    ``psycopg2.errors.UniqueViolation`` to fall back, app.patrols.ingest).
    """
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    dialect = connection.dialect
    try:
        with raw.cursor() as cur:
            cur.copy_expert(statement, data)
    except dialect.loaded_dbapi.Error as exc:
        if getattr(exc, "pgcode", None) == "XX000" and "duplicate key value violates unique constraint" in str(exc):
            # Citus relays a worker's unique violation during COPY as an internal error (docs/scale.md).
            from psycopg2 import errors as pg_errors

            raise pg_errors.UniqueViolation(str(exc)) from exc
        if not dialect.is_disconnect(exc, raw, None):
            raise
        connection.invalidate(exc)
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error, connection_invalidated=True,
                                  dialect=dialect) from exc


def _field(value) -> str:
    if value is None:
        return r"\N"
    # Text first: most fields of a bulk import are, and hasattr() on each costs more than the check.
    s = value if type(value) is str else value.isoformat() if hasattr(value, "isoformat") else str(value)
    # COPY text format: escape the characters it treats specially.
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def array_literal(values: Sequence[str] | None) -> str | None:
    """``values`` as a PostgreSQL array literal (``{"a","b"}``) for a ``text[]`` column of
    :func:`copy_rows`: every element quoted, so commas, braces and spaces stay inside it.

    >>> array_literal(['https://x.cn/a.jpg?s=1,2', 'say "hi"'])
    '{"https://x.cn/a.jpg?s=1,2","say \\\\"hi\\\\""}'
    """
    if values is None:
        return None
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY ``rows`` into ``table`` on the session's connection (same transaction).

    ``table`` and ``columns`` are identifiers from the code, never user input.
    """
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join(_field(v) for v in row))
        buf.write("\n")
    buf.seek(0)
    _copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)


#: PostgreSQL's binary COPY header: signature, flags, header extension length.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
#: Microseconds between the Unix epoch and PostgreSQL's (2000-01-01): binary timestamps count from the latter.
PG_EPOCH_US = 946_684_800_000_000
#: A 2D point with an SRID in little-endian EWKB, the form PostGIS's binary input reads.
_EWKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")])


def ewkb_points(lon: np.ndarray, lat: np.ndarray, srid: int = 4326) -> np.ndarray:
    """Points as EWKB values (25 bytes each), for a ``geometry`` column of a binary COPY.

    >>> ewkb_points(np.array([113.6]), np.array([34.7])).tobytes().hex()[:18]
    '0101000020e6100000'
    """
    out = np.empty(len(lon), dtype=_EWKB_POINT)
    out["order"] = 1                      # little-endian
    out["type"] = 0x20000001              # Point with the SRID flag
    out["srid"] = srid
    out["x"], out["y"] = lon, lat
    return out.view(f"V{_EWKB_POINT.itemsize}")


def copy_binary(table: str, columns: Sequence[str], values: Sequence, types: Sequence[str],
                nulls: Sequence | None = None) -> None:
    """COPY whole numpy columns in PostgreSQL's binary format (no text formatting at all).

    ``values`` are equal-length arrays, ``types`` their numpy codes matching
    the table's column types: ``">i4"`` integer, ``">i8"`` bigint (and
    timestamptz as microseconds since :data:`PG_EPOCH_US`), ``">f4"`` real,
    ``">f8"`` double precision, ``"S<n>"`` text of exactly n bytes, ``"V<n>"``
    raw values such as :func:`ewkb_points`. ``nulls`` gives, per column, None
    or a boolean mask of the rows where the column is NULL.
    """
    n = len(values[0]) if values else 0
    fields = [("count", ">i2")]
    for i, code in enumerate(types):
        fields += [(f"len{i}", ">i4"), (f"val{i}", code)]
    rows = np.empty(n, dtype=fields)
    rows["count"] = len(types)
    masks = list(nulls) if nulls is not None else [None] * len(types)
    for i, (column, code) in enumerate(zip(values, types)):
        size = np.dtype(code).itemsize
        rows[f"len{i}"] = size if masks[i] is None else np.where(masks[i], -1, size)
        rows[f"val{i}"] = column
    body = rows.view(np.uint8).reshape(n, rows.dtype.itemsize) if n else np.zeros((0, rows.dtype.itemsize), np.uint8)
    if any(m is not None and np.any(m) for m in masks):
        # A NULL field is its length (-1) alone: drop the value bytes of those cells, row by row in order.
        keep = np.ones(body.shape, dtype=bool)
        for i, m in enumerate(masks):
            if m is not None and np.any(m):
                start = rows.dtype.fields[f"val{i}"][1]
                keep[np.asarray(m, dtype=bool), start:start + np.dtype(types[i]).itemsize] = False
        data = body[keep].tobytes()
    else:
        data = body.tobytes()
    payload = _BINARY_HEADER + data + b"\xff\xff"
    _copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)", io.BytesIO(payload))
