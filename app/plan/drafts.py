"""Draft versions: open, read, change their note, discard; the lock every edit takes.

A draft is a ``BoundaryVersion`` with status "draft" that shares the rows of
the generation it was opened on (``base_generation``) until it changes them
(app.plan.family). Several drafts can exist side by side; none of them is
seen by lookups or report assignment, which read the published rows only.

Every change to a draft carries the ``row_version`` the client last saw: the
draft row is locked (``SELECT ... FOR UPDATE``) and the versions compared, so
of two planners editing the same draft one wins and the other gets a 409
with the draft as it is now.

A draft scheduled for publication (status "scheduled", app.plan.publish) is
read-only until it takes effect or its schedule is cancelled; it is still
listed with the drafts.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from app import audit
from app.actor import current_actor
from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.grids.versions import lock_boundaries, published_version
from app.labels import actor_text
from app.models import BoundaryVersion, DraftOperation, Grid, PENDING_STATUSES, User
from app.sqlfiles import statements

MAX_NOTE = 2000
MAX_NAME = 200


def to_dict(draft: BoundaryVersion) -> dict:
    published = published_version(draft.district_code)
    own, ended = db.session.execute(select(
        select(func.count()).where(Grid.draft_id == draft.id).scalar_subquery(),
        select(func.count()).where(Grid.ended_in_drafts.contains([draft.id])).scalar_subquery())).one()
    done, undone = db.session.execute(select(
        func.count().filter(DraftOperation.state == "done"),
        func.count().filter(DraftOperation.state == "undone")).where(DraftOperation.draft_id == draft.id)).one()
    person = db.session.get(User, draft.author_id) if draft.author_id is not None else None
    return {
        "id": draft.id, "name": draft.name, "status": draft.status, "note": draft.note, "author": draft.author,
        "author_id": draft.author_id,
        # Who opened it as pages name people: the account's display name (``author`` is the login).
        "author_name": (person.display_name or person.username) if person is not None
        else actor_text(draft.author) or None,
        "effective_date": draft.effective_date.isoformat() if draft.effective_date else None,
        "base_generation": draft.base_generation, "row_version": draft.row_version,
        "district_code": draft.district_code,
        "created_at": draft.created_at.isoformat() if draft.created_at else None,
        # Another version was published since this one was opened: it cannot be published any more.
        "stale": (published.generation if published else None) != draft.base_generation,
        "own_rows": own, "ended_rows": ended, "operations": done, "can_undo": done > 0, "can_redo": undone > 0,
        "generation": draft.generation,
        "published_at": draft.published_at.isoformat() if draft.published_at else None,
        "scheduled_at": draft.scheduled_at.isoformat() if draft.scheduled_at else None,
        "scheduled_by": draft.scheduled_by, "schedule_error": draft.schedule_error,
        # When a scheduled draft takes effect: 00:00 Beijing time on its effective date.
        "effective_at": _effective_at(draft),
    }


def _effective_at(draft: BoundaryVersion) -> str | None:
    from app.plan.schedule import effective_at

    return effective_at(draft.effective_date).isoformat() if draft.effective_date else None


def snapshot(draft: BoundaryVersion) -> dict:
    return {"name": draft.name, "note": draft.note, "status": draft.status, "row_version": draft.row_version,
            "effective_date": draft.effective_date.isoformat() if draft.effective_date else None,
            "base_generation": draft.base_generation}


#: The draft's fields as the planners' pages label them: messages name a field by its label (the
#: page shows them as they are), ``details.field`` keeps the API's name for programs.
FIELD_LABELS = {"note": _l("Note"), "name": _l("Name"), "effective_date": _l("Effective date")}


def _label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


def _text(value, field: str, limit: int, *, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(_("Fill in the %(label)s.", label=_label(field)), {"field": field})
        return None
    if not isinstance(value, str):
        raise ValidationError(_("The %(label)s must be text.", label=_label(field)), {"field": field})
    if len(value) > limit:
        raise ValidationError(_("The %(label)s is too long (at most %(n)s characters).", label=_label(field),
                                n=limit), {"field": field})
    return value.strip()


def _date(value, field: str = "effective_date", *, required: bool) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ValidationError(_("Fill in the %(label)s: the date the new boundaries take effect, such as "
                                    "2026-07-01.", label=_label(field)), {"field": field})
        return None
    try:
        if not isinstance(value, str):
            raise ValueError
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(_("The %(label)s must be a date such as 2026-07-01.", label=_label(field)),
                              {"field": field, "value": str(value)[:40]}) from None


def body_object(body) -> dict:
    if not isinstance(body, dict):
        raise ValidationError(_("Send a JSON object."), {"field": "body"})
    return body


def current_user_or_none():
    """The signed-in person of a request (None in the CLI, a job, or anonymous)."""
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user.is_authenticated:
        return current_user
    return None


def open_draft(body) -> BoundaryVersion:
    """A new draft on the published boundaries (or on nothing, on an empty database)."""
    body = body_object(body)
    note = _text(body.get("note"), "note", MAX_NOTE, required=True)
    effective = _date(body.get("effective_date"), required=True)
    # A draft belongs to one district (issue 19): the one named, else the planner's, else the default.
    from app.grids.service import check_district

    district_code = check_district(body.get("district_code")
                                   or getattr(current_user_or_none(), "district_code", None))
    published = published_version(district_code)
    name = _text(body.get("name"), "name", MAX_NAME, required=False) or \
        _("Draft of %(date)s", date=dt.date.today().isoformat())
    actor = current_actor()
    draft = BoundaryVersion(name=name, status="draft", note=note, author=actor.name, author_id=actor.id,
                            district_code=district_code,
                            effective_date=effective, base_generation=published.generation if published else None)
    db.session.add(draft)
    db.session.flush()
    audit.record("draft.open", "draft", draft.id, after=snapshot(draft))
    db.session.commit()
    return draft


def list_drafts() -> list[BoundaryVersion]:
    """Open drafts and the ones scheduled for publication."""
    return list(db.session.scalars(select(BoundaryVersion).where(BoundaryVersion.status.in_(PENDING_STATUSES))
                                   .order_by(BoundaryVersion.id)))


def past_versions() -> list[BoundaryVersion]:
    """Published and retired versions, newest first: what the impact preview may compare a draft with."""
    return db.session.scalars(select(BoundaryVersion).where(BoundaryVersion.status.in_(("published", "retired")))
                              .order_by(BoundaryVersion.id.desc())).all()


def get(draft_id: int, statuses=PENDING_STATUSES) -> BoundaryVersion:
    """A draft (or a scheduled one); ``statuses`` widens it, e.g. to read a published draft's edit log."""
    draft = db.session.get(BoundaryVersion, draft_id)
    if draft is None or draft.status not in statuses:
        raise NotFound(_("No draft %(id)s (it may have been published or discarded).", id=draft_id),
                       {"field": "draft_id"})
    return draft


def expected_version(value) -> int:
    """The ``row_version`` a client sends with every change."""
    if value is None or value == "":
        raise ValidationError(_("row_version is required: send the row_version of the draft you are editing."),
                              {"field": "row_version"})
    try:
        number = int(value)
        if isinstance(value, bool) or isinstance(value, float) or number < 1:
            raise ValueError
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(1e400)
        raise ValidationError(_("row_version must be a whole number of 1 or more."),
                              {"field": "row_version"}) from None
    return number


def lock(draft_id: int, expected, *, status: str = "draft") -> BoundaryVersion:
    """The draft row, locked until commit, after checking the client saw the latest version of it and that
    it is still a ``status`` one (an editable draft; "scheduled" to cancel a schedule).
    The boundary lock comes first, always, so no two changes wait on each other's rows."""
    expected = expected_version(expected)
    lock_boundaries()
    draft = db.session.execute(select(BoundaryVersion).where(BoundaryVersion.id == draft_id)
                               .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if draft is None:
        raise NotFound(_("No draft %(id)s.", id=draft_id), {"field": "draft_id"})
    if draft.status != status:
        if draft.status == "scheduled":
            raise Conflict(_("Draft %(id)s is scheduled to take effect on %(date)s and cannot change; cancel the "
                             "schedule first.", id=draft_id, date=draft.effective_date.isoformat()),
                           {"field": "draft_id", "status": draft.status, "reason": "scheduled"})
        raise Conflict(_("Version %(id)s is not a draft any more (%(status)s).", id=draft_id, status=draft.status),
                       {"field": "draft_id", "status": draft.status})
    if draft.row_version != expected:
        raise Conflict(_("Someone else changed this draft meanwhile (now version %(now)s, you sent %(sent)s); "
                         "reload it and apply your change again.", now=draft.row_version, sent=expected),
                       {"field": "row_version", "current": draft.row_version, "draft": to_dict(draft)})
    return draft


def bump(draft: BoundaryVersion) -> None:
    draft.row_version = draft.row_version + 1


def update(draft_id: int, body) -> BoundaryVersion:
    body = body_object(body)
    draft = lock(draft_id, body.get("row_version"))
    before = snapshot(draft)
    if "name" in body:
        draft.name = _text(body.get("name"), "name", MAX_NAME, required=True)
    if "note" in body:
        draft.note = _text(body.get("note"), "note", MAX_NOTE, required=True)
    if "effective_date" in body:
        draft.effective_date = _date(body.get("effective_date"), required=True)
    if snapshot(draft) != before:
        bump(draft)
        audit.record("draft.update", "draft", draft.id, before=before, after=snapshot(draft))
    db.session.commit()
    return draft


def discard(draft_id: int, expected=None) -> None:
    """Drop a draft: its own rows, its edit log; the rows it ended are shared again."""
    draft = lock(draft_id, expected) if expected not in (None, "") else get(draft_id)
    if expected in (None, ""):
        lock_boundaries()
        db.session.refresh(draft, with_for_update=True)
        if draft.status != "draft":
            raise Conflict(_("Version %(id)s is not a draft any more (%(status)s).", id=draft_id,
                             status=draft.status), {"field": "draft_id", "status": draft.status})
    before = snapshot(draft)
    for stmt in statements("plan/discard"):
        db.session.execute(stmt, {"draft_id": draft.id})
    db.session.delete(draft)
    audit.record("draft.discard", "draft", draft_id, before=before)
    db.session.commit()
