"""Publishing a draft: one transaction, or nothing.

1. Lock the draft (``row_version`` as for every change) and the published
   version. A draft opened on an older generation than the one published now
   is stale: publishing it would undo the other publication, so it is refused
   (409); open a new draft.
2. Validate; any error (gap, overlap, grid outside its parent, invalid
   geometry) refuses the publication (422 with the errors).
3. The rows the draft ended stop at the old generation; the draft's own rows
   become the next generation; shared rows carry on. The old version is
   retired (kept as history), the draft becomes the published version.
4. Every open report is re-assigned to the new grids in one set-based
   statement (``current_*`` columns); closed ones keep the grid they were
   handled in; the assignment on arrival is never touched.
5. Staff assignments and account areas follow split and merged grids to
   their new codes; assignments on retired codes end (app.plan.staffing).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, text

from app.addresses.service import reassign_addresses
from app import audit
from app.errors import Conflict, ValidationError
from app.extensions import db
from app.grids.versions import scope_of
from app.models import BoundaryVersion, OPEN_STATUSES
from app.plan import checks, drafts, staffing
from app.sqlfiles import sql, statements

#: Errors listed in a refused publication's details.
MAX_LISTED = 200


def publish(draft_id: int, body: dict, args=None) -> dict:
    body = drafts.body_object(body)
    draft = drafts.lock(draft_id, body.get("row_version"))
    published = db.session.execute(select(BoundaryVersion).where(BoundaryVersion.status == "published")
                                   .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    current = published.generation if published else None
    if current != draft.base_generation:
        raise Conflict(_("This draft was opened on generation %(base)s, but generation %(now)s has been published "
                         "since; open a new draft and redo the changes there.", base=draft.base_generation,
                         now=current), {"field": "draft_id", "reason": "stale", "base_generation": draft.base_generation,
                                        "published_generation": current})
    t = checks.thresholds(args)
    result = checks.run(scope_of(draft), t)
    if not result.publishable:
        raise ValidationError(
            _("The draft has %(n)s error(s) (gaps, overlaps, grids outside their parent or invalid shapes); "
              "fix them before publishing.", n=len(result.errors)),
            {"field": "draft_id", "summary": checks.summary(result),
             "issues": [checks.issue_dict(i) for i in result.errors[:MAX_LISTED]]},
            code="draft_invalid")

    new_generation = (db.session.scalar(select(func.max(BoundaryVersion.generation))) or 0) + 1
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
    drafts.bump(draft)
    db.session.flush()
    reassigned = db.session.execute(sql("plan/reassign"), {"generation": new_generation,
                                                            "open_statuses": list(OPEN_STATUSES)}).rowcount
    staff_carried, staff_ended = staffing.carry(draft.id, current)
    audit.record("draft.publish", "draft", draft.id, before=before, after={
        "status": "published", "generation": new_generation, "retired_version": published.id if published else None,
        "open_reports_reassigned": reassigned, "staff_carried": staff_carried, "staff_ended": staff_ended,
        "warnings": len(result.warnings)})
    # Fresh statistics: the partial indexes of current rows just changed membership.
    db.session.execute(text("ANALYZE grid"))
    # Standard addresses follow the boundaries in the same transaction.
    reassign_addresses()
    db.session.commit()
    db.session.refresh(draft)
    return {"version": draft.to_dict(), "retired": published.to_dict() if published else None,
            "generation": new_generation, "open_reports_reassigned": reassigned,
            "staff_carried": staff_carried, "staff_ended": staff_ended, "warnings": len(result.warnings)}
