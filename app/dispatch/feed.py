"""The live feed of the dispatch desk: reports created or changed after a cursor.

Every change path sets ``report.updated_at`` from the database clock
(intake and assignment in app/reports/sql/assign.sql, transitions in
app.events.service, overdue escalation in app/events/sql/escalate.sql,
re-assignment on publish in app/plan/sql/reassign.sql, placement in
app.dispatch.placement). A feed answer lists the reports changed after the
client's cursor, through the report list's own query (same properties,
area scope and masking), and hands back the next cursor.

The cursor lags a little behind (see sql/cursor.sql): late commits are
never lost, at the price of a few rows sent twice, which the client drops by
ticket + row_version. A filtered desk also learns which changed reports no
longer match its filters (``unmatched``), so an event closed elsewhere
leaves an "open events" queue.

What the caller may see can change without any report changing in it: a
publish moves events between grids, an administrator changes a worker's
grids. Such events leave the caller's scope, so no scoped answer can name
them. Every answer therefore carries ``scope``, a fingerprint of the
published boundaries and the caller's area; when it changes, the client
loads everything again.

Every answer also counts the new (unaccepted) events of the caller's area,
whatever the filters (``new_events``, app.dispatch.queue): the desk's counter,
tab title and chime must not miss an event a filter hides.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select, text

from app.auth.scope import event_district
from app.dispatch import queue
from app.extensions import db
from app.models import Report
from app.reports import service as reports
from app.sqlfiles import sql

#: Seconds the cursor stays behind the clock (transactions committing late).
DEFAULT_OVERLAP_S = 5
#: A writer open longer than this stops holding the cursor back.
DEFAULT_MAX_LAG_S = 300
#: At most this many reports per answer; more and the client asks again at once.
MAX_FEATURES = 2000


@dataclass(frozen=True)
class FeedPage:
    features: list[str]      # GeoJSON Feature texts (app/reports/sql/list_reports.sql)
    cursor: datetime
    unmatched: list[str]     # tickets changed after ``since`` that no longer match the filters
    truncated: bool
    scope: str               # see scope_fingerprint
    new_events: int = 0      # reported, not yet accepted, in the caller's area (any filter)


def scope_fingerprint(area: tuple[str, ...] | None) -> str:
    """Changes exactly when what the caller may see can change without a report changing:
    a new published version, or another area (``None`` = the whole district)."""
    # Generations are numbered per district (issue 19): every district's published one counts.
    generation = db.session.scalar(text(
        "SELECT string_agg(district_code || ':' || generation, ',' ORDER BY district_code) "
        "FROM boundary_version WHERE status = 'published'"))
    seen = "*" if area is None else ",".join(sorted(area))
    return hashlib.sha256(f"{generation}|{seen}".encode()).hexdigest()[:16]


def next_cursor() -> datetime:
    """Taken before the rows are read: nothing committed in between can fall behind it."""
    cfg = current_app.config
    return db.session.execute(sql("dispatch/cursor"), {
        "overlap": float(cfg.get("DISPATCH_FEED_OVERLAP_S", DEFAULT_OVERLAP_S)),
        "max_lag": float(cfg.get("DISPATCH_FEED_MAX_LAG_S", DEFAULT_MAX_LAG_S)),
    }).scalar_one()


def _tickets(features: list[str]) -> list[str]:
    return [json.loads(f)["id"] for f in features]


def changes(since: datetime | None, filters: dict, *, sort: str, limit: int = MAX_FEATURES, **caller) -> FeedPage:
    """Reports matching ``filters`` changed after ``since`` (all of them when None, in ``sort`` order).

    ``caller`` holds what scopes and masks the list: ``area``, ``personal``,
    ``role``, ``user_id`` (see app.reports.service.list_features).
    """
    cursor = next_cursor()
    scope = scope_fingerprint(caller.get("area"))
    new = queue.new_events(caller.get("area"), filters.get("district"))
    if since is None:
        features = reports.list_features(**filters, sort=sort, limit=limit, queue_ranks=queue.RANKS, **caller)
        return FeedPage(features, cursor, [], len(features) == limit, scope, new)
    features = reports.list_features(**filters, updated_since=since, sort="updated", limit=limit, **caller)
    truncated = len(features) == limit
    if truncated:
        # Resume after the last row sent (oldest change first), not after now.
        last = _tickets(features[-1:])[0]
        cursor = db.session.scalar(select(Report.updated_at).where(Report.ticket == last))
    matched = set(_tickets(features))
    # The same query without the filters, for the tickets that left the filtered view.
    changed = _tickets(reports.list_features(updated_since=since, sort="updated", limit=limit, **caller))
    changed += moved_away(since, filters.get("district"))
    return FeedPage(features, cursor, [t for t in changed if t not in matched], truncated, scope, new)


def moved_away(since: datetime, district: str | None) -> list[str]:
    """Tickets moved out of the caller's district (or the city user's chosen one) since ``since``."""
    scope = event_district(district)
    if scope is None:
        return []
    return list(db.session.execute(sql("dispatch/moved_away"), {"since": since, "district": scope}).scalars())


def format_cursor(cursor: datetime) -> str:
    return cursor.isoformat()
