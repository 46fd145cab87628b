"""Writing the audit log (app.models.audit): one call per change, same transaction.

``record`` adds the entry to the session; it is committed (or rolled back)
together with the change it describes.
"""
from __future__ import annotations

import json

from app.actor import current_actor
from app.extensions import db
from app.models import AuditEntry


def _jsonable(value):
    # Dates, decimals and the like become text; the log stores what a person reads.
    return None if value is None else json.loads(json.dumps(value, default=str, ensure_ascii=False))


def record(action: str, entity_type: str, entity_id=None, *, before=None, after=None) -> AuditEntry:
    actor = current_actor()
    entry = AuditEntry(actor_id=actor.id, actor=actor.name, via=actor.via, ip=actor.ip, action=action,
                       entity_type=entity_type, entity_id=None if entity_id is None else str(entity_id),
                       before=_jsonable(before), after=_jsonable(after))
    db.session.add(entry)
    return entry
