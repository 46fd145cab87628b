"""Reading the audit log, newest first (time, then id), with filters and keyset paging; and the names
a page of entries mentions (app.admin.audit_labels shows them)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select, tuple_

from app.beijing import BEIJING
from app.errors import ValidationError
from app.extensions import db
from app.admin.audit_labels import Person
from app.models import AuditEntry, BoundaryVersion, Category, Grid, User
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
    # Newest first by the time of the change; entries of one transaction share it, so id breaks the tie
    # (ids alone are not in time order: a long transaction takes its id late but keeps its start time).
    q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if entity_type:
        q = q.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        q = q.where(AuditEntry.entity_id == entity_id[:100])
    if actor:
        # The login recorded, or the display name the page shows for it.
        q = q.where(or_(AuditEntry.actor == actor[:64],
                        AuditEntry.actor_id.in_(select(User.id).where(User.display_name == actor[:64]))))
    if action:
        q = q.where(AuditEntry.action.startswith(action[:48], autoescape=True))
    start, end = _day(day_from, "from"), _day(day_to, "to")
    if start:
        q = q.where(AuditEntry.at >= datetime.combine(start, time.min, BEIJING))
    if end:
        q = q.where(AuditEntry.at < datetime.combine(end + timedelta(days=1), time.min, BEIJING))
    if before_id:
        # The page after entry ``before_id`` in that order (keyset on (at, id)).
        mark = select(AuditEntry.at).where(AuditEntry.id == before_id).scalar_subquery()
        q = q.where(tuple_(AuditEntry.at, AuditEntry.id) < tuple_(mark, before_id))
    return list(db.session.scalars(q))


def lookups(rows: list[AuditEntry]) -> tuple[dict[int, Person], dict[tuple[str, str], str]]:
    """The people (by user id) and object names (by (entity type, id)) a page of entries mentions."""
    user_ids = {r.actor_id for r in rows if r.actor_id is not None}
    user_ids |= {int(r.entity_id) for r in rows
                 if r.entity_type in ("user", "auth", "patrol") and r.entity_id and r.entity_id.isdigit()}
    people = {}
    if user_ids:
        for uid, login, name in db.session.execute(
                select(User.id, User.username, User.display_name).where(User.id.in_(user_ids))):
            people[uid] = Person(name or login, login if name and name != login else None)
    names: dict[tuple[str, str], str] = {}
    versions = {int(r.entity_id) for r in rows
                if r.entity_type in ("draft", "boundary_version") and r.entity_id and r.entity_id.isdigit()}
    if versions:
        for vid, name in db.session.execute(
                select(BoundaryVersion.id, BoundaryVersion.name).where(BoundaryVersion.id.in_(versions))):
            names[("draft", str(vid))] = names[("boundary_version", str(vid))] = name
    codes = {r.entity_id for r in rows if r.entity_type == "category" and r.entity_id}
    if codes:
        for code, label in db.session.execute(select(Category.code, Category.label).where(Category.code.in_(codes))):
            names[("category", code)] = label
    grids = {r.entity_id for r in rows if r.entity_type == "grid" and r.entity_id}
    if grids:
        for code, name in db.session.execute(select(Grid.code, Grid.name).where(
                Grid.code.in_(grids), Grid.generation_high.is_(None), Grid.draft_id.is_(None))):
            names[("grid", code)] = name
    return people, names
