"""GPS fix ingest: check a batch, store the good fixes, keep the bad ones apart.

One path for the API batch and the CSV import:

1. the app's own checks in front (``bad_fix``, ``bad_time``, ``too_old``,
   ``unknown_worker``: things :func:`geo.patrol.check_fixes` needs settled);
2. :func:`geo.patrol.check_fixes` with ``now`` = the server clock and, per
   worker, ``previous`` = the worker's last stored fix before the batch's
   first fix (looked back one day: an older reference can never make a
   speed jump at 40 m/s within a district);
3. the days the accepted fixes fall on get their partitions
   (``gridmap_patrol_partition``). When no worker of the batch has a stored
   fix within the batch's time span (one indexed probe per worker: the
   usual case, new fixes), they are COPYed in binary straight into
   ``patrol_fix``, geometry as EWKB (no staging, no per-row SQL). Otherwise
   (a retried or overlapping batch, or a concurrent one that committed the
   same fixes first) they are COPYed into a temporary staging table and one
   ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` moves them into
   ``patrol_fix``: a retried batch stores nothing twice;
4. the rejected fixes go the same way into ``patrol_fix_rejected`` with
   their reason, params and what was sent (kept out of the figures, never
   dropped silently).

Per-fix verdicts: ``stored``, ``already_stored`` (accepted, the same worker
and instant was stored before: a retry) or a rejection reason.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Sequence

import numpy as np
from flask import current_app
from psycopg2 import errors as pg_errors
from sqlalchemy import text

from app.beijing import BEIJING
from app.bulk import PG_EPOCH_US, copy_binary, copy_rows, ewkb_points
from app.extensions import db
from app.patrols.messages import verdict_message
from app.patrols.rollup import touch_days
from app.sqlfiles import sql
from geo.patrol import check_columns

#: How far back the speed check looks for a worker's last stored fix.
PREVIOUS_LOOKBACK = timedelta(days=1)

REJECT_COLUMNS = ("worker_id", "time", "reason", "params", "sent")


@dataclass
class IncomingFix:
    """One fix as received, before the checks.

    ``reason``/``params`` are set by the parser when the fix cannot even be
    checked (``bad_fix``, ``bad_time``, ``unknown_worker``). ``sent`` is what
    the client sent, kept with a rejected fix.
    """

    index: int
    worker_id: int | None
    time: datetime | None
    lon: object = None
    lat: object = None
    accuracy: object = None
    crs: object = None
    sent: dict = field(default_factory=dict)
    reason: str | None = None
    params: dict = field(default_factory=dict)


@dataclass
class Verdict:
    index: int
    code: str
    params: dict = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.code in ("stored", "already_stored")

    def to_dict(self) -> dict:
        return {"index": self.index, "code": self.code, "params": self.params,
                "message": verdict_message(self.code, self.params)}


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    already_stored: int = 0
    counts: Counter = field(default_factory=Counter)
    verdicts: list[Verdict] = field(default_factory=list)
    first_time: datetime | None = None
    last_time: datetime | None = None

    @property
    def rejected(self) -> int:
        return sum(n for code, n in self.counts.items() if code not in ("stored", "already_stored"))

    def add(self, other: IngestResult) -> None:
        self.received += other.received
        self.stored += other.stored
        self.already_stored += other.already_stored
        self.counts.update(other.counts)
        self.verdicts.extend(other.verdicts)
        for t in (other.first_time, other.last_time):
            if t is not None:
                self.first_time = t if self.first_time is None else min(self.first_time, t)
                self.last_time = t if self.last_time is None else max(self.last_time, t)

    def summary(self) -> dict:
        return {"received": self.received, "stored": self.stored, "already_stored": self.already_stored,
                "rejected": self.rejected,
                "by_reason": {k: v for k, v in sorted(self.counts.items())
                              if k not in ("stored", "already_stored")}}


# --------------------------------------------------------------------------- parsing helpers

def parse_time(value) -> datetime | None:
    """An ISO 8601 date-time; without an offset it is Beijing time (as report imports read it).

    Years outside 1971-2999 are no fix time (and would not fit the arithmetic).
    """
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if len(raw) >= 11 and raw[10] == " ":
        raw = raw[:10] + "T" + raw[11:]
    try:
        parsed = datetime.fromisoformat(raw.replace("/", "-"))
    except ValueError:
        return None
    if not 1971 <= parsed.year <= 2999:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BEIJING)
    return parsed


_PLAIN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")


_DIGITS_19 = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]


def _times_fixed_width(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Whole-column parse of equal-length ``YYYY-MM-DD[T ]HH:MM:SS`` texts, bare, with ``Z`` or
    ``+HH:MM`` (what phones and exports write); None when the column has other shapes."""
    n = values.size
    width = values.dtype.itemsize // 4
    if values.dtype.kind != "U" or n == 0 or width not in (19, 20, 25):
        return None
    codes = np.ascontiguousarray(values).view(np.uint32).reshape(n, width)
    digits = codes[:, _DIGITS_19]
    ok = ((digits >= 48) & (digits <= 57)).all() and (codes[:, [4, 7]] == 45).all() \
        and (codes[:, [13, 16]] == 58).all() and np.isin(codes[:, 10], (84, 32)).all()
    if not ok:
        return None
    shift = np.full(n, 8 * 3600, dtype=np.int64)  # no offset: Beijing time
    if width == 20:
        if not np.isin(codes[:, 19], (90, 122)).all():  # Z, z
            return None
        shift[:] = 0
    elif width == 25:
        tail = codes[:, [20, 21, 23, 24]]
        if not (np.isin(codes[:, 19], (43, 45)).all() and (codes[:, 22] == 58).all()
                and ((tail >= 48) & (tail <= 57)).all()):
            return None
        hh = (tail[:, 0] - 48) * 10 + (tail[:, 1] - 48)
        mm = (tail[:, 2] - 48) * 10 + (tail[:, 3] - 48)
        shift = np.where(codes[:, 19] == 45, -1, 1) * (hh.astype(np.int64) * 3600 + mm.astype(np.int64) * 60)
    try:
        local = values.astype("U19").astype("datetime64[us]")
    except ValueError:  # e.g. month 13: judged one by one
        return None
    if ((local < np.datetime64("1971-01-01")) | (local >= np.datetime64("3000-01-01"))).any():
        return None  # years parse_time refuses: judged one by one
    local = local.astype(np.int64)
    return local - shift * 1_000_000, np.ones(n, dtype=bool)


def times_to_us(values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Microseconds since the epoch for ISO 8601 texts, and the mask of those that are times.

    The common shapes (``YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]`` with ``Z``,
    ``+HH:MM`` or no offset, which is Beijing time) are parsed by numpy in
    one call; anything else goes through :func:`parse_time` one by one, so
    both read a time the same way.
    """
    if isinstance(values, np.ndarray):
        whole = _times_fixed_width(values)
        if whole is not None:
            return whole
        values = values.tolist()
    n = len(values)
    bases: list[str] = []
    offsets: list[str] = []
    fast = True
    for raw in values:
        s = raw.strip()
        if s.endswith(("Z", "z")):
            base, off = s[:-1], "+00:00"
        elif len(s) > 6 and s[-6] in "+-" and s[-3] == ":":
            base, off = s[:-6], s[-6:]
        else:
            base, off = s, "+08:00"
        if not _PLAIN_TIME.fullmatch(base):
            fast = False
            break
        bases.append(base)
        offsets.append(off)
    if fast and n:
        try:
            stamps = np.array(bases, dtype="datetime64[us]")
            # Years parse_time refuses are judged one by one too.
            fast = not ((stamps < np.datetime64("1971-01-01")) | (stamps >= np.datetime64("3000-01-01"))).any()
            local = stamps.astype(np.int64)
        except ValueError:  # e.g. month 13: let parse_time judge each one
            fast = False
    if not fast or not n:
        out, ok = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
        for i, raw in enumerate(values):
            t = parse_time(raw)
            if t is not None:
                out[i], ok[i] = to_us(t), True
        return out, ok
    shift = {}
    for off in set(offsets):
        sign = -1 if off[0] == "-" else 1
        shift[off] = sign * (int(off[1:3]) * 3600 + int(off[4:6]) * 60) * 1_000_000
    return local - np.array([shift[o] for o in offsets], dtype=np.int64), np.ones(n, dtype=bool)


def number_or_raw(value):
    """Numbers from text (CSV cells); anything else is passed on for the checks to judge."""
    if isinstance(value, str):
        s = value.strip()
        if s == "":
            return None
        try:
            return float(s)
        except ValueError:
            return value
    return value


def jsonable(value):
    """JSON that PostgreSQL's jsonb accepts: NaN/inf become text, odd types their repr."""
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return repr(value)[:200]
    return jsonable(as_float)


# --------------------------------------------------------------------------- a batch as columns

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = timedelta(microseconds=1)


def to_us(t: datetime) -> int:
    return (t - _EPOCH) // _US


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=int(us))


@dataclass
class Batch:
    """A batch held as columns, the form the checks and COPY work on.

    ``index`` is what verdicts report (the API's position in the batch, a
    CSV row number). ``reason``/``params`` hold the app's own verdicts for
    fixes that cannot be checked (None elsewhere). ``sent(i)`` gives what the
    client sent for fix ``i``, asked only for rejected fixes.
    """

    index: np.ndarray
    worker: np.ndarray          # user id, -1 when unknown
    t_us: np.ndarray            # microseconds since the epoch, 0 when the time is bad
    lon: np.ndarray
    lat: np.ndarray
    not_a_number: np.ndarray
    accuracy: np.ndarray
    accuracy_given: np.ndarray
    crs: object                 # None, or one declared system per fix
    reason: list
    params: list
    sent: Callable[[int], dict]

    def __len__(self) -> int:
        return int(self.t_us.size)


def batch_from_fixes(fixes: Sequence[IncomingFix]) -> Batch:
    """Columns from fix objects (the API's small batches)."""
    n = len(fixes)
    lon, lat, nan_mask = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n, bool)
    acc, given = np.full(n, np.nan), np.zeros(n, bool)
    for i, f in enumerate(fixes):
        x, y = _real(f.lon), _real(f.lat)
        if x is None or y is None:
            nan_mask[i] = True
        else:
            lon[i], lat[i] = x, y
        if f.accuracy is not None:
            given[i] = True
            a = _real(f.accuracy)
            acc[i] = np.nan if a is None else a
    reason = [f.reason or (None if f.time is not None else "bad_time") for f in fixes]
    crs = [f.crs for f in fixes]
    return Batch(np.array([f.index for f in fixes], dtype=np.int64),
                 np.array([-1 if f.worker_id is None else f.worker_id for f in fixes], dtype=np.int64),
                 np.array([0 if f.time is None else to_us(f.time) for f in fixes], dtype=np.int64),
                 lon, lat, nan_mask, acc, given, None if all(c is None for c in crs) else crs,
                 reason, [f.params if f.reason else None for f in fixes], lambda i: fixes[i].sent)


def _real(value) -> float | None:
    if type(value) is float:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer beyond any float: as far off as infinity
        return float("inf") if value > 0 else float("-inf")


# --------------------------------------------------------------------------- the pipeline

def _settings() -> dict:
    cfg = current_app.config
    return {"max_accuracy_m": float(cfg["PATROL_MAX_ACCURACY_M"]), "max_speed_mps": float(cfg["PATROL_MAX_SPEED_MPS"])}


def _previous(workers: np.ndarray, t_us: np.ndarray, districts: dict[int, str]) -> tuple:
    """Each worker's last stored fix before their first fix of the batch, as columns (one statement).
    ``districts``: each worker's (:func:`worker_districts`)."""
    if workers.size == 0:
        return None
    order = np.lexsort((t_us, workers))
    first = np.ones(order.size, bool)
    first[1:] = workers[order][1:] != workers[order][:-1]
    ws, ts = workers[order][first], t_us[order][first]
    rows = db.session.execute(sql("patrols/previous_fixes"), {
        "workers": ws.tolist(), "districts": _districts_of(ws, districts), "firsts": [from_us(t) for t in ts.tolist()],
        "lookback_s": PREVIOUS_LOOKBACK.total_seconds(),
        "t_from": from_us(int(ts.min())) - PREVIOUS_LOOKBACK, "t_to": from_us(int(ts.max()))}).all()
    if not rows:
        return None
    return ([r.worker_id for r in rows], [to_us(r.time) for r in rows], [r.lon for r in rows],
            [r.lat for r in rows])


def ensure_partitions(days: Sequence[date]) -> list[str]:
    """Create the daily partitions of ``patrol_fix`` that do not exist yet; return their names."""
    if not days:
        return []
    return list(db.session.execute(text("SELECT gridmap_patrol_partition(d) FROM unnest(CAST(:days AS date[])) d"),
                                   {"days": list(days)}).scalars())


def _days_of(t_us: np.ndarray) -> list[date]:
    """Beijing days of the instants (UTC+8 all year: no daylight saving since 1991)."""
    day_numbers = np.unique((t_us // 1_000_000 + 8 * 3600) // 86400)
    return [date(1970, 1, 1) + timedelta(days=int(d)) for d in day_numbers]


#: The staging tables of a batch that is not the plain case (fixes a stored batch overlaps, rejected fixes).
_STAGING = {
    "patrol_fix_staging": "row_no integer, worker_id integer, t_us bigint, lon double precision,"
                          " lat double precision, accuracy double precision",
    "patrol_reject_staging": "worker_id integer, time timestamptz, reason text, params text, sent text",
}


def _staging(table: str) -> None:
    """``table`` (of _STAGING), empty, made when first needed: a phone's plain batch is copied straight into
    patrol_fix and touches no temporary table. Kept for the connection's life and emptied here, not ON
    COMMIT DELETE ROWS (app/bulk.py, on staging tables); TRUNCATE, not DELETE: a batch is many rows, and
    a temporary table is never vacuumed."""
    conn = db.session.connection()
    conn.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({_STAGING[table]}); TRUNCATE {table}"))


def ingest(fixes: Sequence[IncomingFix], *, now: datetime | None = None, lookup_already: bool = True,
           max_age_days: float | None = None) -> IngestResult:
    """Check and store one batch of fix objects (any mix of workers). The caller commits."""
    return ingest_batch(batch_from_fixes(fixes), now=now, lookup_already=lookup_already, max_age_days=max_age_days)


def ingest_batch(batch: Batch, *, now: datetime | None = None, lookup_already: bool = True,
                 max_age_days: float | None = None, all_verdicts: bool = True) -> IngestResult:
    """Check and store one batch held as columns. The caller commits.

    ``lookup_already=False`` skips telling ``already_stored`` from
    ``stored`` per fix (bulk imports only need the count of each);
    ``all_verdicts=False`` lists only the rejected fixes.
    """
    now = now or datetime.now(timezone.utc)
    cfg = current_app.config
    max_age = timedelta(days=float(max_age_days if max_age_days is not None else cfg["PATROL_MAX_AGE_DAYS"]))
    n = len(batch)
    result = IngestResult(received=n)
    codes = list(batch.reason)
    params = list(batch.params)
    # Too old: before geo.patrol's checks, so a stale fix never anchors the speed rule.
    now_us = to_us(now)
    limit_us = max_age // _US
    for i in np.flatnonzero(np.equal(codes, None) & (now_us - batch.t_us > limit_us)).tolist():
        codes[i] = "too_old"
        params[i] = {"age_days": round((now_us - int(batch.t_us[i])) / 86_400e6, 1), "limit_days": max_age.days}
    cand = np.flatnonzero(np.equal(codes, None))
    districts = worker_districts(batch.worker[cand]) if cand.size else {}
    accepted = np.zeros(0, dtype=np.int64)
    lon = lat = np.zeros(0)
    if cand.size:
        crs = None if batch.crs is None else [batch.crs[i] for i in cand.tolist()]
        checked = check_columns(batch.worker[cand], batch.t_us[cand], batch.lon[cand], batch.lat[cand],
                                batch.accuracy[cand], now=now, crs=crs, not_a_number=batch.not_a_number[cand],
                                accuracy_given=batch.accuracy_given[cand],
                                previous=_previous(batch.worker[cand], batch.t_us[cand], districts),
                                **_settings())
        ok = checked.accepted
        accepted, lon, lat = cand[ok], checked.lon[ok], checked.lat[ok]
        for k in np.flatnonzero(~ok).tolist():
            p = dict(checked.params[k])
            for key in ("first_index", "previous_index"):  # positions among the candidates -> client indices
                if p.get(key) is not None:
                    p[key] = int(batch.index[cand[p[key]]])
            codes[int(cand[k])] = checked.reasons[k]
            params[int(cand[k])] = p

    already: list[int] = []
    if accepted.size:
        result.stored, already = _store_accepted(batch, accepted, lon, lat, lookup_already, districts)
        if result.stored:
            # After the fixes are stored (it holds a row lock per day until the commit): the days' roll-ups
            # are computed again on their next read (app.patrols.rollup).
            touch_days(_days_of(batch.t_us[accepted]), sorted(set(_districts_of(batch.worker[accepted], districts))))
        result.already_stored = int(accepted.size) - result.stored
        t = batch.t_us[accepted]
        result.first_time, result.last_time = from_us(int(t.min())), from_us(int(t.max()))
    rejected = [i for i, c in enumerate(codes) if c is not None]
    _store_rejected(batch, rejected, codes, params, now)
    result.counts = Counter(c for c in codes if c is not None)
    result.counts["stored"] = result.stored
    result.counts["already_stored"] = result.already_stored
    if all_verdicts:
        verdicts = [Verdict(int(batch.index[i]), codes[i] or "stored", params[i] or {}) for i in range(n)]
        for pos in already:
            verdicts[pos].code = "already_stored"
    else:
        verdicts = [Verdict(int(batch.index[i]), codes[i], params[i] or {}) for i in rejected]
    result.verdicts = verdicts
    return result


def _districts_of(workers: np.ndarray, districts: dict[int, str]) -> list[str]:
    default = current_app.config["DISTRICT_CODE"]
    return [districts.get(int(w), default) for w in workers.tolist()]


def worker_districts(workers: np.ndarray) -> dict[int, str]:
    """Each worker's district (app_user.district_code; a city user's fixes go to the default district):
    a fix, session and visit carries its worker's district (issue 19)."""
    ids = sorted({int(w) for w in workers.tolist() if w >= 0})
    default = current_app.config["DISTRICT_CODE"]
    found = dict(db.session.execute(text("SELECT id, district_code FROM app_user WHERE id = ANY(:ids)"),
                                    {"ids": ids}).all()) if ids else {}
    return {w: found.get(w) or default for w in ids}


def _store_accepted(batch: Batch, rows: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                    lookup_already: bool, districts: dict[int, str]) -> tuple[int, list[int]]:
    """Create the days' partitions and store the accepted fixes.

    Returns the number of new rows and the batch positions of fixes that were
    already stored (only looked up when ``lookup_already``).
    """
    t_us = batch.t_us[rows]
    workers = batch.worker[rows]
    # In time order, so each partition's BRIN ranges are filled in order.
    order = np.argsort(t_us, kind="stable")
    acc = np.where(batch.accuracy_given[rows], batch.accuracy[rows], np.nan)  # NaN: none sent (NULL)
    ensure_partitions(_days_of(t_us))
    if not _overlaps_stored(workers, t_us, districts):
        try:
            # A savepoint: a concurrent batch may commit the same fixes between the probe and the COPY.
            with db.session.begin_nested():
                _copy_fixes(workers[order], t_us[order], lon[order], lat[order], acc[order], districts)
            return int(rows.size), []
        except pg_errors.UniqueViolation:
            pass  # it did: store what is new the slower, idempotent way
    _staging("patrol_fix_staging")
    copy_binary("patrol_fix_staging", ("row_no", "worker_id", "t_us", "lon", "lat", "accuracy"),
                [rows[order], workers[order], t_us[order], lon[order], lat[order], acc[order]],
                (">i4", ">i4", ">i8", ">f8", ">f8", ">f8"))
    already: list[int] = []
    if lookup_already:
        bounds = {"t_min": from_us(int(t_us.min())), "t_max": from_us(int(t_us.max()))}
        already = list(db.session.execute(sql("patrols/already_stored"), bounds).scalars())
    # Counted from RETURNING (see insert_fixes.sql: Citus's row count includes the skipped rows).
    inserted = len(db.session.execute(sql("patrols/insert_fixes"),
                                      {"district_code": current_app.config["DISTRICT_CODE"]}).all())
    return inserted, already


def _overlaps_stored(workers: np.ndarray, t_us: np.ndarray, districts: dict[int, str]) -> bool:
    """Whether any worker has a stored fix between their first and last fix of the batch (``districts``:
    each worker's, :func:`worker_districts`)."""
    order = np.lexsort((t_us, workers))
    w, t = workers[order], t_us[order]
    starts = np.flatnonzero(np.r_[True, w[1:] != w[:-1]])
    ends = np.r_[starts[1:], w.size] - 1
    return bool(db.session.execute(sql("patrols/overlaps_stored"), {
        "workers": w[starts].tolist(), "districts": _districts_of(w[starts], districts),
        "firsts": [from_us(x) for x in t[starts].tolist()],
        "lasts": [from_us(x) for x in t[ends].tolist()],
        "t_min": from_us(int(t.min())), "t_max": from_us(int(t.max()))}).scalar())


def _copy_fixes(workers: np.ndarray, t_us: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                accuracy: np.ndarray, districts: dict[int, str]) -> None:
    """Binary COPY straight into ``patrol_fix`` (same values as insert_fixes.sql writes)."""
    ids = np.array(sorted(districts), dtype=np.int64)
    by_id = np.array([districts[i].encode("utf-8") for i in ids.tolist()], dtype="S6")
    codes = by_id[np.searchsorted(ids, workers)]
    copy_binary("patrol_fix", ("district_code", "worker_id", "time", "geom", "accuracy"),
                [codes, workers, t_us - PG_EPOCH_US, ewkb_points(lon, lat), accuracy],
                ("S6", ">i4", ">i8", "V25", ">f4"),
                nulls=[None, None, None, None, np.isnan(accuracy)])


def _store_rejected(batch: Batch, rejected: list[int], codes: list, params: list, now: datetime) -> int:
    # A fix with no known worker cannot be attributed: it is reported back only.
    rows = []
    for i in rejected:
        w = int(batch.worker[i])
        if w < 0:
            continue
        t = from_us(int(batch.t_us[i])) if codes[i] != "bad_time" else None
        rows.append((w, t, codes[i], json.dumps(jsonable(params[i] or {}), ensure_ascii=False),
                     json.dumps(jsonable(batch.sent(i)), ensure_ascii=False, sort_keys=True)))
    if not rows:
        return 0
    _staging("patrol_reject_staging")
    copy_rows("patrol_reject_staging", REJECT_COLUMNS, rows)
    return db.session.execute(sql("patrols/insert_rejected"),
                              {"district_code": current_app.config["DISTRICT_CODE"]}).rowcount
