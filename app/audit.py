"""Writing the audit log (app.models.audit): one call per change, same transaction.

``record`` adds the entry to the session; it is committed (or rolled back)
together with the change it describes.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar

from app.actor import Actor, current_actor
from app.extensions import db
from app.models import AuditEntry
from app.models.district import default_district_code


def _jsonable(value):
    # Dates, decimals and the like become text; the log stores what a person reads.
    return None if value is None else json.loads(json.dumps(value, default=str, ensure_ascii=False))


#: Who changes made by the system itself are recorded against (see :func:`acting_as`).
_acting: ContextVar[Actor | None] = ContextVar("gridmap_audit_actor", default=None)


@contextmanager
def acting_as(actor: Actor):
    """Record the changes made inside the block against ``actor``, not against whoever made the
    request or ran the command that set them off (a scheduled publication runs as "system")."""
    token = _acting.set(actor)
    try:
        yield actor
    finally:
        _acting.reset(token)


def actor() -> Actor:
    """Whom a change made now is recorded against (:func:`acting_as`, else the current actor); for a
    change whose entry is written by its own SQL (app/reports/sql/audit_created.sql)."""
    return _acting.get() or current_actor()


def record(action: str, entity_type: str, entity_id=None, *, before=None, after=None,
           district_code: str | None = None) -> AuditEntry:
    """Add an audit entry to the session. ``district_code``: the district of the thing changed (a
    report's); when not given, the acting person's district, else the default district (issue 19)."""
    who = actor()
    district_code = district_code or who.district or default_district_code()
    entry = AuditEntry(district_code=district_code, actor_id=who.id, actor=who.name, via=who.via, ip=who.ip, action=action,
                       entity_type=entity_type, entity_id=None if entity_id is None else str(entity_id),
                       before=_jsonable(before), after=_jsonable(after))
    db.session.add(entry)
    return entry
