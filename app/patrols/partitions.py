"""The daily partitions of ``patrol_fix``: list, create ahead, detach (and drop) old ones.

Each partition holds one Beijing day and is named ``patrol_fix_pYYYYMMDD``.
Detaching takes a brief ACCESS EXCLUSIVE lock on ``patrol_fix``: run it at a
quiet hour (cron, e.g. nightly). A detached partition is an ordinary table:
archive it (``pg_dump -t patrol_fix_p20240506``) and drop it, or pass
``--drop`` to drop it at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text

from app import audit
from app.extensions import db
from app.patrols import rollup
from app.patrols.ingest import ensure_partitions
from app.patrols.period import last_full_working_day, today

_NAME = re.compile(r"^patrol_fix_p(\d{8})$")


@dataclass(frozen=True)
class Partition:
    name: str
    day: date
    rows: int | None = None


def partitions(with_counts: bool = False) -> list[Partition]:
    names = db.session.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'patrol_fix'::regclass ORDER BY c.relname")).scalars()
    out = []
    for name in names:
        m = _NAME.match(name)
        if not m:
            continue
        day = date(int(m[1][:4]), int(m[1][4:6]), int(m[1][6:]))
        rows = None
        if with_counts:
            # The name comes from pg_class and matched the strict pattern above.
            rows = db.session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
        out.append(Partition(name, day, rows))
    return out


def create_ahead(days: int) -> list[str]:
    """Partitions for today and the next ``days - 1`` days (so ingest never waits to create one)."""
    first = today()
    names = ensure_partitions([first + timedelta(days=i) for i in range(max(days, 0))])
    db.session.commit()
    return names


def detach_before(day: date, *, drop: bool = False) -> list[Partition]:
    """Detach every partition of a day before ``day``; drop them too when ``drop``.

    Rejected fixes from before ``day`` are deleted in the same transaction.
    """
    old = [p for p in partitions(with_counts=True) if p.day < day]
    for p in old:
        db.session.execute(text(f'ALTER TABLE patrol_fix DETACH PARTITION "{p.name}"'))
        if drop:
            db.session.execute(text(f'DROP TABLE "{p.name}"'))
    rollup.forget_before(day)
    deleted = db.session.execute(text(
        "DELETE FROM patrol_fix_rejected WHERE time < (CAST(:day AS date) "
        "+ time '00:00') AT TIME ZONE 'Asia/Shanghai'"),
        {"day": day}).rowcount  # every district's: the partitions hold every district's fixes
    audit.record("patrol.partitions_detach", "patrol", None, after={
        "before": day.isoformat(), "dropped": drop, "partitions": [p.name for p in old],
        "rows": sum(p.rows or 0 for p in old), "rejected_deleted": deleted})
    db.session.commit()
    return old


def latest_day(until: date | None = None) -> date | None:
    """The most recent day (on or before ``until``, when given) whose partition holds a fix.

    Cheap: partitions newest first, one ``LIMIT 1`` probe each until a
    non-empty one (usually the first).
    """
    days = sorted((p for p in partitions() if until is None or p.day <= until), key=lambda p: p.day, reverse=True)
    for p in days[:60]:
        if db.session.execute(text(f'SELECT 1 FROM "{p.name}" LIMIT 1')).first() is not None:
            return p.day
    return None


def opening_day() -> date:
    """The day the patrol map opens on: the last full working day (a day judged whole, not one
    barely begun); when that day has no fix, the latest day before it with one (old or imported
    data); failing that, the latest day with a fix at all (the first patrols, today), else today."""
    full = last_full_working_day()
    return latest_day(until=full) or latest_day() or today()
