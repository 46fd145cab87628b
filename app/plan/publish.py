"""Publishing a draft: at once, or scheduled for its effective date; one transaction, or nothing.

1. Lock the draft (``row_version`` as for every change) and the published
   version. A draft opened on an older generation than the one published now
   is stale: publishing it would undo the other publication, so it is refused
   (409); open a new draft. While another version is scheduled, nothing else
   is published or scheduled (409 ``scheduled_pending``): it would make the
   scheduled one stale behind its planner's back.
2. Validate; any error (gap, overlap, grid outside its parent, invalid
   geometry) refuses the publication (422 with the errors).
3. ``when``: a draft whose effective date is after today (Beijing time) is
   *scheduled* unless the planner asks for ``now``: it becomes read-only
   and is published at 00:00 Beijing time on that date (app.plan.schedule).
   Published now, a future effective date becomes today: lookups with
   ``at=`` then give the version that really was in force on each day.
4. Publishing: the rows the draft ended stop at the old generation; the
   draft's own rows become the next generation; shared rows carry on. The old
   version is retired (kept as history), the draft becomes the published
   version.
5. Every open report is re-assigned to the new grids in one set-based
   statement (``current_*`` columns); closed ones keep the grid they were
   handled in; the assignment on arrival is never touched. The count
   answered (``open_reports_reassigned``) is of the open reports whose grid
   changed, by the rule the impact preview counts them with, so the
   confirmation and the outcome show the same number. A report whose point the
   new grids leave outside the district (issue 19) cannot change district by
   an UPDATE and is not moved unasked: it gets no current grid and is flagged
   ``outside_district`` (``point_district``: whose grids cover it), shown on
   the desks until a dispatcher hands it over (交办/转办); the answer counts
   them (``open_reports_outside_district``).
6. Staff assignments and account areas follow split and merged grids to
   their new codes; assignments on retired codes end (app.plan.staffing).
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select, text

from app import citus
from app import audit, dbclock
from app.addresses.service import reassign_addresses
from app.actor import current_actor
from app.errors import Conflict, ValidationError
from app.extensions import db
from app.grids.versions import scope_of
from app.models import BoundaryVersion, OPEN_STATUSES
from app.models.boundary import next_generation
from app.plan import checks, drafts, schedule, staffing
from app.sqlfiles import sql, statements

#: Errors listed in a refused publication's details.
MAX_LISTED = 200
WHEN = ("now", "scheduled")


def _when(body: dict, draft: BoundaryVersion, today: dt.date) -> str:
    when = body.get("when")
    future = draft.effective_date is not None and draft.effective_date > today
    if when in (None, ""):
        return "scheduled" if future else "now"
    if when not in WHEN:
        raise ValidationError(_("when must be now or scheduled."), {"field": "when"})
    if when == "scheduled" and not future:
        raise ValidationError(_("Only a draft whose effective date is after today can be scheduled (today is "
                                "%(today)s in Beijing); publish it now, or change its effective date.",
                                today=today.isoformat()), {"field": "effective_date", "reason": "not_in_future"})
    return when


def _lock_published(district_code: str) -> BoundaryVersion | None:
    """The district's published version, locked: publishing in one district never touches another's."""
    return db.session.execute(select(BoundaryVersion).where(BoundaryVersion.status == "published",
                                                            BoundaryVersion.district_code == district_code)
                              .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()


def _check_publishable(draft: BoundaryVersion, published: BoundaryVersion | None, args=None):
    """Refuse a stale draft, a second scheduled version, a draft with errors; return its validation."""
    current = published.generation if published else None
    if current != draft.base_generation:
        raise Conflict(_("This draft was opened on generation %(base)s, but generation %(now)s has been published "
                         "since; open a new draft and redo the changes there.", base=draft.base_generation,
                         now=current), {"field": "draft_id", "reason": "stale", "base_generation": draft.base_generation,
                                        "published_generation": current})
    other = db.session.scalars(select(BoundaryVersion).where(BoundaryVersion.status == "scheduled",
                                                             BoundaryVersion.district_code == draft.district_code,
                                                             BoundaryVersion.id != draft.id)).first()
    if other is not None:
        raise Conflict(_("Version %(id)s (%(name)s) is scheduled to take effect on %(date)s; cancel that schedule "
                         "before publishing or scheduling another draft.", id=other.id, name=other.name,
                         date=other.effective_date.isoformat()),
                       {"field": "draft_id", "reason": "scheduled_pending", "scheduled_version": other.id})
    # The whole validation, not the kept one: publishing is the moment to be sure.
    result = checks.run(scope_of(draft), checks.thresholds(args))
    if not result.publishable:
        raise ValidationError(
            _("The draft has %(n)s error(s) (gaps, overlaps, grids outside their parent or invalid shapes); "
              "fix them before publishing.", n=len(result.errors)),
            {"field": "draft_id", "summary": checks.summary(result),
             "issues": [checks.issue_dict(i) for i in result.errors[:MAX_LISTED]]},
            code="draft_invalid")
    return result


def publish(draft_id: int, body: dict, args=None) -> dict:
    """Publish now or schedule (see the module docstring); the answer says which it did."""
    body = drafts.body_object(body)
    draft = drafts.lock(draft_id, body.get("row_version"))
    at = schedule.now()
    today = schedule.beijing_day(at)
    when = _when(body, draft, today)
    published = _lock_published(draft.district_code)
    result = _check_publishable(draft, published, args)
    if when == "scheduled":
        return _schedule(draft, at)
    if draft.effective_date is None or draft.effective_date > today:
        draft.effective_date = today  # published early: in force from today
    return publish_locked(draft, published, len(result.warnings))


def _schedule(draft: BoundaryVersion, at: dt.datetime) -> dict:
    before = drafts.snapshot(draft)
    actor = current_actor()
    draft.status = "scheduled"
    draft.scheduled_at = at
    draft.scheduled_by, draft.scheduled_by_id = actor.name, actor.id
    draft.schedule_error = None
    drafts.bump(draft)
    db.session.flush()
    effective = schedule.effective_at(draft.effective_date)
    audit.record("draft.schedule", "draft", draft.id, before=before,
                 after={**drafts.snapshot(draft), "effective_at": effective.isoformat()})
    db.session.commit()
    schedule.forget()
    return {"scheduled": True, "effective_at": effective.isoformat(), "draft": drafts.to_dict(draft),
            "version": draft.to_dict()}


def unschedule(draft_id: int, body: dict) -> dict:
    """Cancel a scheduled publication: the version is an editable draft again."""
    body = drafts.body_object(body)
    draft = drafts.lock(draft_id, body.get("row_version"), status="scheduled")
    before = drafts.snapshot(draft)
    draft.status = "draft"
    draft.scheduled_at = draft.scheduled_by = draft.scheduled_by_id = None
    drafts.bump(draft)
    db.session.flush()
    audit.record("draft.unschedule", "draft", draft.id, before=before, after=drafts.snapshot(draft))
    db.session.commit()
    schedule.forget()
    return drafts.to_dict(draft)


def reassign(generation: int, old_generation: int | None, district_code: str):
    """Every open report of ``district_code`` to its grid in the boundaries of ``generation``
    (sql/reassign.sql); answers the row (checked, moved): how many open reports were checked, how
    many changed grid since ``old_generation``, and how many its new grids leave outside the district
    (flagged ``outside_district``, issue 19)."""
    params = {"generation": generation, "old_generation": old_generation, "district_code": district_code,
              "open_statuses": list(OPEN_STATUSES), "clock": dbclock.clock_timestamp()}
    counts = None
    for stmt in statements("plan/reassign"):
        result = db.session.execute(stmt, params)
        if result.returns_rows:
            counts = result.one()
    return counts


def publish_locked(draft: BoundaryVersion, published: BoundaryVersion | None, warnings: int) -> dict:
    """Make the locked, validated ``draft`` the published version (steps 4-6), and commit."""
    current = published.generation if published else None
    new_generation = next_generation(draft.district_code)
    before = drafts.snapshot(draft)
    for stmt in statements("plan/publish"):
        db.session.execute(stmt, {"draft_id": draft.id, "old_generation": current,
                                  "new_generation": new_generation})
    if published is not None:
        published.status = "retired"
        published.retired_at = func.now()
        db.session.flush()  # the one-published index: retire first, then publish
    draft.status = "published"
    draft.generation = new_generation
    draft.published_at = func.now()
    draft.validation = None
    drafts.bump(draft)
    db.session.flush()
    moved = reassign(new_generation, current, draft.district_code)
    staff_carried, staff_ended = staffing.carry(draft.id, current, draft.district_code)
    audit.record("draft.publish", "draft", draft.id, before=before, after={
        "status": "published", "generation": new_generation, "retired_version": published.id if published else None,
        "effective_date": draft.effective_date.isoformat() if draft.effective_date else None,
        "open_reports_reassigned": moved.moved, "open_reports_checked": moved.checked,
        "open_reports_outside_district": moved.outside,
        "staff_carried": staff_carried, "staff_ended": staff_ended, "warnings": warnings})
    # Fresh statistics: the partial indexes of current rows just changed membership.
    citus.analyze(db.session, "grid")
    # Standard addresses follow the boundaries in the same transaction.
    reassign_addresses()
    db.session.commit()
    db.session.refresh(draft)
    return {"scheduled": False, "version": draft.to_dict(), "retired": published.to_dict() if published else None,
            "generation": new_generation, "open_reports_reassigned": moved.moved,
            "open_reports_checked": moved.checked, "open_reports_outside_district": moved.outside,
            "staff_carried": staff_carried, "staff_ended": staff_ended,
            "warnings": warnings, "draft": drafts.to_dict(draft)}


def publish_scheduled(version_id: int) -> dict:
    """Publish one due scheduled version (app.plan.schedule), as the system on its planner's behalf."""
    from app.grids.versions import lock_boundaries

    lock_boundaries()
    draft = db.session.execute(select(BoundaryVersion).where(BoundaryVersion.id == version_id)
                               .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if draft is None or draft.status != "scheduled":
        return {"version_id": version_id, "published": False, "skipped": True}
    published = _lock_published(draft.district_code)
    result = _check_publishable(draft, published)
    out = publish_locked(draft, published, len(result.warnings))
    return {"version_id": version_id, "published": True, **{k: out[k] for k in (
        "generation", "open_reports_reassigned", "open_reports_checked", "open_reports_outside_district",
        "staff_carried", "staff_ended")}}

