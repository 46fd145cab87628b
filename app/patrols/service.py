"""Patrol workflows: a phone's batch of fixes, a CSV import, whose fixes a caller may send."""
from __future__ import annotations

import csv
import io
import itertools
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import audit
from app.actor import current_actor
from app.auth.guard import Forbidden
from app.errors import DomainError, ValidationError
from app.extensions import db
from app.models import User
from app.patrols.ingest import Batch, IncomingFix, IngestResult, ingest, ingest_batch, parse_time, times_to_us

#: CSV header aliases (Chinese exports from patrol apps, English ones) → field.
ALIASES = {
    "worker": "worker", "username": "worker", "user": "worker", "worker_id": "worker", "user_id": "worker",
    "网格员": "worker", "账号": "worker", "用户名": "worker", "网格员账号": "worker", "人员": "worker",
    "time": "time", "timestamp": "time", "datetime": "time", "时间": "time", "定位时间": "time",
    "采集时间": "time",
    "lon": "lon", "lng": "lon", "longitude": "lon", "x": "lon", "经度": "lon",
    "lat": "lat", "latitude": "lat", "y": "lat", "纬度": "lat",
    "accuracy": "accuracy", "accuracy_m": "accuracy", "精度": "accuracy", "定位精度": "accuracy",
    "crs": "crs", "coord_crs": "crs", "坐标系": "crs",
}
FIELDS = ("worker", "time", "lon", "lat", "accuracy", "crs")


class BatchTooLarge(DomainError):
    status = 413
    code = "batch_too_large"


# --------------------------------------------------------------------------- whose fixes

def _user(ref) -> User | None:
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        user = db.session.get(User, int(ref)) if 0 < int(ref) < 2**31 else None
        if user is not None:
            return user
    if isinstance(ref, str) and ref.strip():
        return db.session.scalars(select(User).where(func.lower(User.username) == ref.strip().lower())).first()
    return None


def resolve_worker(ref) -> User:
    """The worker a batch is for: the caller, or (administrators only) the named worker."""
    actor = current_actor()
    if ref is None or ref == "" or (type(ref) is int and ref == actor.id) \
            or (isinstance(ref, str) and ref.strip().lower() == actor.name.lower()):
        return db.session.get(User, actor.id)
    if actor.role != "admin":
        raise Forbidden(_("Only an administrator may send fixes for another worker; leave out worker to send your "
                          "own."), {"field": "worker"})
    user = _user(ref)
    if user is None or not user.active or user.role != "worker":
        raise ValidationError(_("worker must be the user id or username of an active grid worker account."),
                              {"field": "worker", "value": str(ref)[:64]})
    return user


# --------------------------------------------------------------------------- the API batch

def _incoming(index: int, worker_id: int, raw) -> IncomingFix:
    if not isinstance(raw, dict):
        return IncomingFix(index, worker_id, None, sent={"value": raw}, reason="bad_fix")
    sent = {k: raw.get(k) for k in ("time", "lon", "lat", "accuracy", "crs") if k in raw}
    time = parse_time(raw.get("time"))
    return IncomingFix(index, worker_id, time, raw.get("lon"), raw.get("lat"), raw.get("accuracy"),
                       raw.get("crs") or None, sent=sent, reason=None if time else "bad_time")


def receive_batch(payload, *, now: datetime | None = None) -> tuple[IngestResult, User]:
    """Check and store a phone's batch ``{"fixes": [...], "worker": optional}``; commits."""
    if not isinstance(payload, dict):
        raise ValidationError(_("Send the batch as a JSON object {\"fixes\": [...]} (Content-Type: "
                                "application/json)."), {"field": "body"})
    raw_fixes = payload.get("fixes")
    if not isinstance(raw_fixes, list) or not raw_fixes:
        raise ValidationError(_("fixes must be a non-empty list of {time, lon, lat, accuracy, crs} objects."),
                              {"field": "fixes"})
    limit = int(current_app.config["PATROL_MAX_BATCH"])
    if len(raw_fixes) > limit:
        raise BatchTooLarge(_("Too many fixes in one batch: %(n)s, at most %(limit)s; send them in several "
                              "batches.", n=len(raw_fixes), limit=limit), {"field": "fixes", "limit": limit})
    worker = resolve_worker(payload.get("worker"))
    result = ingest([_incoming(i, worker.id, raw) for i, raw in enumerate(raw_fixes)], now=now)
    actor = current_actor()
    if actor.id != worker.id:
        # Routine batches from a worker's own phone are not audited: the fixes are
        # themselves an append-only, attributed record (29 million a day at city
        # scale). Sending for someone else is an act worth a log line.
        audit.record("patrol.fixes_for_worker", "patrol", worker.id, after={"worker": worker.username,
                                                                            **result.summary()})
    # The answer names the worker, read in this transaction: a plain commit would expire it and load it again.
    db.session().commit_keeping_loaded()
    return result, worker


# --------------------------------------------------------------------------- CSV import

def _normalise_header(name: str) -> str:
    key = (name or "").strip().lstrip("\ufeff")
    return ALIASES.get(key, ALIASES.get(key.lower(), key.lower()))


def csv_chunks(handle: io.TextIOBase, chunk: int) -> Iterator[tuple[list[int], dict]]:
    """A fixes CSV (Chinese or English headers) as columns, ``chunk`` lines at a time.

    Yields (data row numbers, counted from 1 after the header; {field:
    cells}). Blank lines are skipped but counted. A chunk of plain lines
    (no quotes, every line with all its cells) is split in one go into numpy
    string columns; anything else goes through the csv module. A quoted cell
    must not span lines (fixes have no such text).
    """
    header = next(csv.reader([handle.readline()]), None)
    if not header:
        raise ValidationError(_("The CSV file has no header row."), {"field": "file"})
    names = [_normalise_header(h) for h in header]
    missing = [f for f in ("worker", "time", "lon", "lat") if f not in names]
    if missing:
        raise ValidationError(_("The CSV file needs the columns worker, time, lon and lat (or 网格员, 时间, 经度, "
                                "纬度); missing: %(missing)s.", missing=", ".join(missing)), {"field": "header"})
    wanted = [(names.index(f), f) for f in FIELDS if f in names]
    width = len(names)
    row_no = 0
    while True:
        lines = list(itertools.islice(handle, chunk))
        if not lines:
            return
        first = row_no + 1
        row_no += len(lines)
        flat = _split_plain(lines, width)
        if flat is not None:
            yield list(range(first, row_no + 1)), {f: flat[i::width] for i, f in wanted}
            continue
        numbers, block = [], []
        for n, row in zip(range(first, row_no + 1), csv.reader(lines)):
            if not any(c.strip() for c in row):
                continue
            numbers.append(n)
            block.append(row if len(row) == width else (row + [""] * width)[:width])
        if block:
            columns = list(zip(*block))
            yield numbers, {f: list(columns[i]) for i, f in wanted}


def _split_plain(lines: list[str], width: int) -> list[str] | None:
    """Every cell, row after row, or None when the lines need the csv module."""
    text = "".join(lines)
    if '"' in text or "\r" in text:
        return None
    if not text.endswith("\n"):
        text += "\n"
    flat = text.replace("\n", ",").split(",")
    flat.pop()  # after the last line's newline
    if len(flat) != len(lines) * width:
        return None  # a blank or short line somewhere
    return flat


def _floats(cells) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers from text: values (NaN where none), the mask of empty cells and of cells that are not numbers."""
    try:
        values = np.array(list(map(float, cells)), dtype=np.float64)
        return values, np.zeros(values.size, bool), np.zeros(values.size, bool)
    except (ValueError, TypeError):
        pass
    cells = _texts(cells)
    n = len(cells)
    values, empty, bad = np.full(n, np.nan), np.zeros(n, bool), np.zeros(n, bool)
    for i, c in enumerate(cells):
        c = c.strip()
        if not c:
            empty[i] = True
            continue
        try:
            values[i] = float(c)
        except ValueError:
            bad[i] = True
    return values, empty, bad


class WorkerDirectory:
    """Username or id → user id for an import, looked up in bulk per chunk."""

    def __init__(self):
        self.ids: dict[str, int | None] = {}

    def resolve(self, refs: Iterable[str]) -> None:
        wanted = {r.strip() for r in refs if r and r.strip()} - set(self.ids)
        if not wanted:
            return
        digits = [int(r) for r in wanted if r.isdigit()]
        rows = db.session.execute(select(User.id, User.username).where(
            User.active, (func.lower(User.username).in_([r.lower() for r in wanted])) | User.id.in_(digits))).all()
        by_name = {name.lower(): uid for uid, name in rows}
        by_id = {uid for uid, _ in rows}
        for r in wanted:
            self.ids[r] = by_name.get(r.lower()) or (int(r) if r.isdigit() and int(r) in by_id else None)

    def get(self, ref: str) -> int | None:
        return self.ids.get((ref or "").strip())


def batch_from_columns(numbers: list[int], cols: dict, directory: WorkerDirectory) -> Batch:
    """A Batch from CSV columns (lists of text, or numpy string arrays)."""
    n = len(numbers)
    refs = _texts(cols["worker"])
    names = set(refs)
    directory.resolve(names)
    code = {r: directory.get(r) or -1 for r in names}
    worker = np.array([code[r] for r in refs], dtype=np.int64)
    t_us, time_ok = times_to_us(np.array(_texts(cols["time"])))
    lon, lon_empty, lon_bad = _floats(cols["lon"])
    lat, lat_empty, lat_bad = _floats(cols["lat"])
    if "accuracy" in cols:
        acc, acc_empty, _bad = _floats(cols["accuracy"])
        given = ~acc_empty
    else:
        acc, given = np.full(n, np.nan), np.zeros(n, bool)
    crs = None
    if "crs" in cols:
        declared = [c.strip() or None for c in _texts(cols["crs"])]
        if any(declared):
            crs = declared
    reason: list = [None] * n
    params: list = [None] * n
    for i in np.flatnonzero(worker < 0).tolist():
        reason[i], params[i] = "unknown_worker", {"worker": str(refs[i]).strip()[:64]}
    for i in np.flatnonzero(~time_ok).tolist():
        if reason[i] is None:
            reason[i] = "bad_time"

    def sent(i: int) -> dict:
        return {k: str(v[i]) for k, v in cols.items() if str(v[i]) != ""}

    return Batch(np.asarray(numbers, dtype=np.int64), worker, t_us, lon, lat,
                 lon_empty | lon_bad | lat_empty | lat_bad, acc, given, crs, reason, params, sent)


def _texts(cells) -> list[str]:
    return cells.tolist() if isinstance(cells, np.ndarray) else list(cells)


def import_csv(handle: io.TextIOBase, *, chunk: int = 100_000, now: datetime | None = None,
               max_age_days: float | None = None, progress: Callable[[int], None] = lambda n: None,
               max_errors: int = 10_000) -> IngestResult:
    """Store the fixes of a CSV file in chunks, committing each (a rerun skips what is stored).

    The result's ``verdicts`` lists the rejected rows (at most ``max_errors``),
    by data row number (1 = the first row after the header).
    """
    now = now or datetime.now(timezone.utc)
    total = IngestResult()
    directory = WorkerDirectory()
    for numbers, cols in csv_chunks(handle, chunk):
        part = ingest_batch(batch_from_columns(numbers, cols, directory), now=now, lookup_already=False,
                            max_age_days=max_age_days, all_verdicts=False)
        room = max(0, max_errors - len(total.verdicts))
        part.verdicts = part.verdicts[:room]
        total.add(part)
        db.session.commit()
        progress(len(numbers))
    if total.received:
        audit.record("patrol.import", "patrol", None, after=total.summary() | {
            "first_time": total.first_time, "last_time": total.last_time})
        db.session.commit()
    return total
