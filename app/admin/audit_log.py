"""Reading the audit log, newest first, with filters and keyset paging."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.beijing import BEIJING
from app.errors import ValidationError
from app.extensions import db
from app.models import AuditEntry
from app.models.audit import ENTITY_TYPES
PAGE = 100


def _day(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(_("%(field)s must be a date like 2026-11-22.", field=field), {"field": field}) from exc


def entries(*, entity_type=None, entity_id=None, actor=None, action=None, day_from=None, day_to=None,
            before_id=None, limit=PAGE) -> list[AuditEntry]:
    if entity_type and entity_type not in ENTITY_TYPES:
        raise ValidationError(_("entity_type must be one of: %(allowed)s.", allowed=", ".join(ENTITY_TYPES)),
                              {"field": "entity_type"})
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity_type:
        q = q.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        q = q.where(AuditEntry.entity_id == entity_id[:100])
    if actor:
        q = q.where(AuditEntry.actor == actor[:64])
    if action:
        q = q.where(AuditEntry.action.startswith(action[:48], autoescape=True))
    start, end = _day(day_from, "from"), _day(day_to, "to")
    if start:
        q = q.where(AuditEntry.at >= datetime.combine(start, time.min, BEIJING))
    if end:
        q = q.where(AuditEntry.at < datetime.combine(end + timedelta(days=1), time.min, BEIJING))
    if before_id:
        q = q.where(AuditEntry.id < before_id)
    return list(db.session.scalars(q))
