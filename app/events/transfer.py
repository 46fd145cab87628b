"""Moving an event to another district (issue 19): 交办 and 转办.

A city dispatcher hands an event to a district (交办, ``kind="handover"``): typically one that came
in outside every district and was stored under the default one. A district's dispatcher transfers
an event filed in the wrong district to the right one (转办, ``kind="transfer"``), saying why.
Either way the event keeps its id, ticket and whole history; it gets one more history row (action
``transfer``) and an audit entry, and the old district no longer sees it.

Only events nobody is working on move: reported, accepted or returned (a dispatched event is
recalled first). district_code is the distribution column, so the rows are moved by
events/sql/move_district.sql (copy, delete, insert) rather than updated. The caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_login import current_user

from app import audit, dbclock
from app.auth.guard import Forbidden
from app.auth.scope import actor_district
from app.errors import Conflict, ValidationError
from app.events import deadlines, service as loop
from app.events import workflow as wf
from app.extensions import db
from app.labels import STATUS_LABELS, text as label_text
from app.models import District, Report, ReportTransition
from app.sqlfiles import statements

#: States an event may leave its district from: nobody is working on it yet (or any more).
MOVABLE_STATES = (wf.REPORTED, wf.ACCEPTED, wf.RETURNED)
#: Roles that hand events over and transfer them.
MOVING_ROLES = (wf.DISPATCHER, wf.ADMIN)
HANDOVER, TRANSFER = "handover", "transfer"


@dataclass(frozen=True)
class TransferRequest:
    district_code: str
    reason: str | None = None
    row_version: int | None = None


def _district(code: str) -> District:
    district = db.session.get(District, (code or "").strip()) if isinstance(code, str) else None
    if district is None:
        raise ValidationError(_("Choose the district to move the event to: one of this deployment's districts."),
                              {"field": "district_code"})
    return district


def districts() -> list[dict]:
    """The districts an event can be moved to (every one of the deployment), by code."""
    return [d.to_dict() for d in db.session.query(District).order_by(District.code)]


def move(ticket: str, req: TransferRequest, *, area: tuple[str, ...] | None) -> tuple[Report, ReportTransition]:
    """Move the event ``ticket`` to ``req.district_code`` for the signed-in dispatcher; the caller commits."""
    if current_user.role not in MOVING_ROLES:
        raise Forbidden(_("Only dispatchers hand events to a district or transfer them between districts."),
                        {"field": "district_code"}, code="forbidden")
    # Another district's event is "not found" (lock_report): no probing other districts' tickets.
    report = loop.lock_report(ticket, area)
    if req.row_version is not None and req.row_version != report.row_version:
        raise Conflict(_("Someone else changed this event meanwhile (it is now %(state)s); reload and try again.",
                         state=label_text(STATUS_LABELS, report.status)),
                       {"field": "row_version", "current_state": report.status, "row_version": report.row_version},
                       code="stale_state")
    target = _district(req.district_code)
    source = report.district_code
    if target.code == source:
        raise ValidationError(_("The event is in %(name)s already: choose another district.", name=target.name),
                              {"field": "district_code"}, code="same_district")
    if report.status not in MOVABLE_STATES:
        raise Conflict(_("The event is %(state)s: only a reported, accepted or returned event can move to another "
                         "district (recall it first).", state=label_text(STATUS_LABELS, report.status)),
                       {"field": "district_code", "current_state": report.status}, code="illegal_transition")
    kind = HANDOVER if actor_district() is None else TRANSFER
    reason = (req.reason or "").strip() or None
    if kind == TRANSFER and reason is None:
        raise ValidationError(_("Say why the event belongs to another district (the reason is kept in its "
                                "history)."), {"field": "reason"}, code="note_required")
    if reason is not None and len(reason) > loop.MAX_NOTE:
        raise ValidationError(_("The reason is too long (at most %(n)s characters).", n=loop.MAX_NOTE),
                              {"field": "reason"})
    report, entry = move_rows(report, target, kind=kind, reason=reason)
    return report, entry


def move_rows(report: Report, target: District, *, kind: str, reason: str | None = None,
              details: dict | None = None) -> tuple[Report, ReportTransition]:
    """Move the locked ``report`` (and the events merged into it) to ``target`` by copy and delete
    (events/sql/move_district.sql), with its history row ``transfer`` and the audit entry; the moved
    report and that row. Checks are the caller's (``move``, app.dispatch.placement)."""
    source = report.district_code
    before = {"district_code": source, "grid_id": report.grid_id, "assignee_id": report.assignee_id,
              "row_version": report.row_version}
    report_id, status, ticket = report.id, report.status, report.ticket
    at = deadlines.now()
    db.session.flush()
    params = {"id": report_id, "from_district": source, "to_district": target.code, "at": at,
              "actor_id": current_user.id, "actor": current_user.username, "ticket": ticket,
              "clock": dbclock.clock_timestamp()}
    for stmt in statements("events/move_district"):
        db.session.execute(stmt, params)
    # The ORM's copies are of the deleted rows (the event's, its duplicates'): read the moved ones.
    db.session.expire_all()
    report = db.session.get(Report, report_id, populate_existing=True)
    source_name = db.session.get(District, source)
    entry = ReportTransition(
        report_id=report.id, district_code=report.district_code, at=at, actor_id=current_user.id,
        actor=current_user.username, action="transfer", from_state=status, to_state=status, note=reason,
        details={"kind": kind, "from_district": source, "to_district": target.code,
                 "from_district_name": source_name.name if source_name else source,
                 "to_district_name": target.name, **(details or {})})
    db.session.add(entry)
    audit.record(f"report.{kind}", "report", report.ticket, before=before,
                 after={"district_code": report.district_code, "grid_id": report.grid_id, "assignee_id": None,
                        "row_version": report.row_version, "reason": reason, **(details or {})})
    return report, entry
