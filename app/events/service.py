"""Applying the closed loop to stored events: one transition, in one transaction.

``apply_transition`` locks the report row (``SELECT ... FOR UPDATE``), refuses
a request made from a stale state (409 with the current state), asks
app.events.workflow whether the caller's role may take the action from that
state, checks what the workflow cannot (grid scope and assignment, the
assignee's area, the merge target), applies the plan (state, assignee,
level, deadline clock), appends the history row and the audit entry. The
caller commits. Two dispatchers acting at once: the second waits on the row
lock, then sees the first one's state and gets the 409.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, update

from app import audit, dbclock
from app.auth.guard import Forbidden
from app.auth.masking import free_text_of
from app.auth.scope import in_area, in_district
from app.errors import Conflict, DomainError, NotFound, ValidationError
from app.events import deadlines
from app.events import workflow as wf
from app.extensions import db
from app.labels import STATUS_LABELS, text as label_text
from app.models import Report, ReportTransition, User
from app.beijing import BEIJING
from app.sqlfiles import execute_prepared, sql

#: Actions only the assignee takes (the field work itself).
ASSIGNEE_ACTIONS = frozenset({wf.START, wf.HANDLE, wf.RETURN})
#: The longest note a step of the loop keeps.
MAX_NOTE = 2000


@dataclass(frozen=True)
class TransitionRequest:
    """What a client asks for, parsed (app.reports.transitions) but not yet checked against the event."""

    action: str
    expected_state: str
    note: str | None = None
    assignee: int | None = None
    deadline: datetime | None = None
    duplicate_of: str | None = None
    row_version: int | None = None
    #: Photo links (app.reports.photos) kept in the history row: the site after handling, for the check.
    photos: tuple[str, ...] = ()


# --- Who may do what -----------------------------------------------------------


def caller_actions(status: str, level: str, assignee_id: int | None, role: str | None,
                   user_id: int | None) -> list[str]:
    """Actions this caller may take on an event (grid scope aside: the caller already sees it).

    A grid worker acts only on events that are unassigned or assigned to
    them, and only the assignee does the field work (start, handle, return).
    """
    if role not in wf.ROLES or status not in wf.STATES:
        return []
    actions = list(wf.allowed_actions(status, role, level=level))
    if role == wf.WORKER:
        if assignee_id is not None and assignee_id != user_id:
            return []
        if assignee_id is None:
            actions = [a for a in actions if a not in ASSIGNEE_ACTIONS]
    return actions


def action_maps(role: str | None) -> tuple[str, str]:
    """JSON maps for the list SQL: ``status`` (or ``status/top`` at the last level) → actions,
    for an event assigned to the caller (or any event, for roles not bound to assignment)
    and for an unassigned one."""
    mine, unassigned = {}, {}
    for status in wf.STATES:
        for suffix, level in (("", wf.LEVELS[0]), ("/top", wf.LEVELS[-1])):
            mine[status + suffix] = caller_actions(status, level, 1, role, 1)
            unassigned[status + suffix] = caller_actions(status, level, None, role, 1)
    return json.dumps(mine), json.dumps(unassigned)


def _caller() -> tuple[str | None, int | None]:
    if current_user and current_user.is_authenticated:
        return current_user.role, current_user.id
    return None, None


# --- The event as the loop sees it --------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(BEIJING).isoformat(timespec="seconds") if value else None


_ASK = object()


def loop_fields(report: Report, at: datetime | None = None, known_state=_ASK) -> dict:
    """The closed-loop part of a report's JSON, with the actions open to the caller.
    ``known_state``: its deadline state when read already (app.reports.service.read_for_answer)."""
    role, user_id = _caller()
    assignee = report.assignee
    duplicate_ticket = None
    if report.duplicate_of is not None:
        duplicate_ticket = db.session.scalar(select(Report.ticket).where(Report.id == report.duplicate_of))
    return {
        "level": report.handling_level,
        "assignee": {"id": assignee.id, "username": assignee.username, "display_name": assignee.display_name}
        if assignee else None,
        "dispatched_at": _iso(report.dispatched_at),
        "deadline": _iso(report.deadline),
        "deadline_state": deadline_state(report, at or deadlines.now()) if known_state is _ASK else known_state,
        "handled_at": _iso(report.handled_at),
        "closed_at": _iso(report.closed_at),
        "suspended_from": report.suspended_from,
        "duplicate_of": duplicate_ticket,
        "rework_count": report.rework_count,
        "row_version": report.row_version,
        "allowed_actions": caller_actions(report.status, report.handling_level, report.assignee_id, role, user_id),
    }


def deadline_state(report: Report, at: datetime) -> str | None:
    """Where ``report`` stands against its deadline at ``at``: the SQL rule every list uses
    (``gridmap_deadline_state``, app.events.deadlines.DEADLINE_STATES), asked, not copied."""
    return db.session.scalar(select(func.gridmap_deadline_state(
        report.status, report.deadline, report.warn_at, report.handled_at, at)))


def snapshot(report: Report) -> dict:
    """What the audit log keeps before and after a transition."""
    return {"status": report.status, "level": report.handling_level, "assignee_id": report.assignee_id,
            "deadline": _iso(report.deadline), "dispatched_at": _iso(report.dispatched_at),
            "handled_at": _iso(report.handled_at), "suspended_from": report.suspended_from,
            "duplicate_of": report.duplicate_of, "rework_count": report.rework_count,
            "row_version": report.row_version}


def _grid_ids(report: Report) -> list[int]:
    return report.area_grid_ids


def _not_found(ticket: str) -> NotFound:
    return NotFound(_("No report with ticket %(ticket)s.", ticket=ticket[:40]), {"field": "ticket"})


def lock_report(ticket: str, area: tuple[str, ...] | None) -> Report:
    """The report, row-locked until commit, if it lies in ``area`` and the caller's district; else 404
    (no probing other grids' or districts' tickets).

    The ticket's district is read first and the lock taken with it: a row lock by ticket alone
    would have to ask every shard on Citus, which refuses it ("could not run distributed query with
    FOR UPDATE/SHARE commands"); with the district it is one shard's row (on plain PostgreSQL the
    same row by the same index)."""
    district = db.session.scalar(select(Report.district_code).where(Report.ticket == ticket).limit(1))
    report = None if district is None else db.session.scalars(
        select(Report).where(Report.district_code == district, Report.ticket == ticket).with_for_update()
        .execution_options(populate_existing=True)).first()
    if report is None or not in_district(report.district_code) or not in_area(_grid_ids(report), area):
        raise _not_found(ticket)
    return report


# --- Refusals --------------------------------------------------------------------


def _refusal(err: wf.TransitionError, report: Report, allowed: list[str]) -> DomainError:
    details = {"current_state": report.status, "action": err.action, "allowed_actions": allowed,
               "row_version": report.row_version, "field": err.field}
    if err.code in ("forbidden", "unknown_role"):
        return Forbidden(_("Your role (%(role)s) may not %(action)s events.", role=err.role, action=err.action),
                         details, code="forbidden")
    if err.code == "illegal_transition":
        return Conflict(_("The event is %(state)s: %(action)s is not possible from there.",
                          state=_state(report.status), action=err.action), details, code="illegal_transition")
    if err.code == "top_level":
        return Conflict(_("The event is already handled at the top level (%(level)s): it cannot be escalated.",
                          level=report.handling_level), details, code="top_level")
    if err.code in ("unknown_state", "invalid_level", "invalid_suspended_from"):
        # Stored data the loop does not know: a conflict with the current state, not the client's input.
        return Conflict(_("The event's stored state does not allow this action (%(code)s).", code=err.code),
                        details, code=err.code)
    messages = {
        "unknown_action": (_("action must be one of: %(allowed)s.", allowed=", ".join(wf.ACTIONS)), "action"),
        "note_required": (_("This action needs a note saying why or what was done."), "note"),
        "assignee_required": (_("Choose who takes the event: the user id of a person on the event's "
                                "assignees list."), "assignee"),
        "same_assignee": (_("The event is assigned to this grid worker already: choose another one to "
                            "reassign it to."), "assignee"),
        "deadline_required": (_("Extending needs the new deadline (an ISO date and time)."), "deadline"),
        "invalid_deadline": (_("deadline must be a date and time like 2026-11-23T17:30:00+08:00."), "deadline"),
        "deadline_not_later": (_("The new deadline must be later than the current one."), "deadline"),
        "duplicate_of_required": (_("Merging needs duplicate_of: the ticket of the event this one "
                                    "duplicates."), "duplicate_of"),
    }
    message, field = messages.get(err.code, (err.code, err.field))
    return ValidationError(message, details | {"field": field}, code=err.code)


# --- Checks the workflow leaves to the data layer ---------------------------------


def _check_scope(report: Report, action: str, role: str, user_id: int) -> None:
    if role != wf.WORKER:
        return
    if report.assignee_id is not None and report.assignee_id != user_id:
        raise Forbidden(_("This event is assigned to someone else; only its assignee or a dispatcher may act "
                          "on it."), {"current_state": report.status, "field": "assignee"}, code="not_assignee")
    if action in ASSIGNEE_ACTIONS and report.assignee_id != user_id:
        raise Forbidden(_("Only the event's assignee may %(action)s it.", action=action),
                        {"current_state": report.status, "field": "assignee"}, code="not_assignee")


def _assignee(report: Report, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.role != wf.WORKER:
        raise ValidationError(_("assignee must be the user id of an active grid worker account."),
                              {"field": "assignee", "value": user_id})
    if not any(c["id"] == user.id for c in assignees(report)):
        raise ValidationError(_("%(name)s works neither in this event's grid nor in its community; choose one "
                                "from the event's assignees list.", name=_name(user)),
                              {"field": "assignee", "value": user_id})
    return user


def _merge_target(report: Report, ticket: str, area: tuple[str, ...] | None) -> Report:
    target = db.session.scalars(select(Report).where(Report.ticket == ticket)).first()
    if target is None or not in_district(target.district_code) or not in_area(_grid_ids(target), area):
        raise ValidationError(_("No report with ticket %(ticket)s to merge into.", ticket=ticket[:40]),
                              {"field": "duplicate_of"})
    if target.id == report.id:
        raise ValidationError(_("An event cannot be merged into itself."), {"field": "duplicate_of"})
    if target.district_code != report.district_code:
        # The link is a composite key (district_code, duplicate_of): both events are one district's rows.
        raise ValidationError(_("%(ticket)s belongs to another district (%(district)s): transfer this event "
                                "there first, then merge it.", ticket=ticket[:40], district=target.district_code),
                              {"field": "duplicate_of", "reason": "other_district"})
    if target.duplicate_of is not None or target.status == wf.CANCELLED:
        raise ValidationError(_("%(ticket)s is cancelled or itself a duplicate: merge into the event that "
                                "stays open.", ticket=ticket[:40]), {"field": "duplicate_of"})
    return target


# --- Applying one transition --------------------------------------------------------


def apply_transition(ticket: str, req: TransitionRequest, *, area: tuple[str, ...] | None) -> \
        tuple[Report, ReportTransition]:
    """Carry out ``req`` on the event ``ticket`` for the signed-in user; the caller commits."""
    role, user_id = _caller()
    report = lock_report(ticket, area)
    if req.row_version is not None and req.row_version != report.row_version:
        raise Conflict(_("Someone else changed this event meanwhile (it is now %(state)s); reload and try "
                         "again.", state=_state(report.status)), _stale_details(report, role, user_id),
                       code="stale_state")
    if req.expected_state != report.status:
        raise Conflict(_("The event is now %(state)s, not %(expected)s: someone else acted on it meanwhile; "
                         "reload and try again.", state=_state(report.status), expected=_state(req.expected_state)),
                       _stale_details(report, role, user_id), code="stale_state")
    try:
        plan = wf.plan_transition(report.status, req.action, role, note=req.note, assignee=req.assignee,
                                  deadline=req.deadline, current_deadline=report.deadline,
                                  level=report.handling_level, suspended_from=report.suspended_from,
                                  duplicate_of=req.duplicate_of, current_assignee=report.assignee_id)
    except wf.TransitionError as err:
        raise _refusal(err, report, caller_actions(report.status, report.handling_level, report.assignee_id,
                                                   role, user_id)) from None
    _check_scope(report, req.action, role, user_id)
    extra: dict = {}
    assignee = target = None
    if plan.action in (wf.DISPATCH, wf.REASSIGN):
        assignee = _assignee(report, req.assignee)
        extra["assignee_name"] = _name(assignee)
    if plan.from_assignee is not None:
        # Who held it, by name as it was: the history must still read right when the account is gone.
        previous = db.session.get(User, plan.from_assignee)
        extra["from_assignee_name"] = _name(previous) if previous else None
    if plan.action == wf.MERGE:
        target = _merge_target(report, req.duplicate_of, area)
    at = deadlines.now()
    if plan.action == wf.DISPATCH and plan.deadline is not None and plan.deadline <= at:
        raise ValidationError(_("The deadline must be in the future."), {"field": "deadline"})
    before = snapshot(report)
    _apply(report, plan, at, assignee=assignee, target=target)
    if plan.clock in (wf.CLOCK_START, wf.CLOCK_RESUME) or plan.action == wf.EXTEND:
        extra["deadline"] = _iso(report.deadline)
    if target is not None:
        extra["duplicate_of_id"] = target.id
    if req.photos:
        extra["photos"] = list(req.photos)
    actor_name = current_user.username
    entry = _history_row(report, plan, at, current_user.id, actor_name, extra)
    audit.record(f"report.{plan.action}", "report", report.ticket, before=before, after=snapshot(report),
                 district_code=report.district_code)
    return report, entry


def _name(user: User) -> str:
    return user.display_name or user.username


def _state(code: str) -> str:
    return label_text(STATUS_LABELS, code)


def _stale_details(report: Report, role, user_id) -> dict:
    return {"field": "expected_state", "current_state": report.status, "row_version": report.row_version,
            "allowed_actions": caller_actions(report.status, report.handling_level, report.assignee_id, role,
                                              user_id)}


def _apply(report: Report, plan: wf.Transition, at: datetime, *, assignee: User | None,
           target: Report | None) -> None:
    district = report.district_code
    report.status = plan.to_state
    if assignee is not None:
        report.assignee_id = assignee.id
    if plan.clear_assignee:
        report.assignee_id = None
    if plan.level is not None:
        report.handling_level = plan.level
    if plan.clock == wf.CLOCK_START:
        report.dispatched_at = at
        # Counted on the event's district's calendar (its own hours and days, app.districts.settings).
        report.deadline = plan.deadline or deadlines.deadline_for(at, report.time_limit, report.time_unit,
                                                                  district)
        report.warn_at = deadlines.warn_at(at, report.deadline, district) if report.deadline else None
        report.handled_at = None
    elif plan.clock == wf.CLOCK_STOP:
        report.handled_at = at
    elif plan.clock == wf.CLOCK_RESUME and report.deadline is not None and report.suspended_at is not None:
        report.deadline = deadlines.push_back(report.deadline, report.suspended_at, at, district)
        report.warn_at = deadlines.warn_at(report.dispatched_at or at, report.deadline, district)
    if plan.action == wf.EXTEND:
        report.deadline = plan.deadline
        report.warn_at = deadlines.warn_at(report.dispatched_at or at, plan.deadline, district)
    if plan.action == wf.SUSPEND:
        report.suspended_from, report.suspended_at = plan.suspended_from, at
    elif plan.action == wf.RESUME:
        report.suspended_from, report.suspended_at = None, None
    if plan.rework:
        report.rework_count = report.rework_count + 1
        report.handled_at = None
    if target is not None:
        report.duplicate_of = target.id
        # Events already merged into this one follow it, so links stay one step long.
        db.session.execute(update(Report).where(Report.duplicate_of == report.id)
                           .values(duplicate_of=target.id, updated_at=dbclock.clock_timestamp()))
    if plan.closes:
        report.closed_at = at
    elif plan.reopens:
        report.closed_at = None
    report.row_version = report.row_version + 1
    # The database clock, not the loop's (which tests move): updated_at is the live feed's cursor.
    report.updated_at = dbclock.clock_timestamp()


def _history_row(report: Report, plan: wf.Transition, at: datetime, actor_id: int | None, actor: str,
                 extra: dict) -> ReportTransition:
    details = {k: v for k, v in plan.log_entry().items() if k not in ("action", "from_state", "to_state", "note")}
    details.update(extra)
    entry = ReportTransition(report_id=report.id, district_code=report.district_code, at=at, actor_id=actor_id,
                             actor=actor, action=plan.action, from_state=plan.from_state, to_state=plan.to_state,
                             note=plan.note, details=details)
    db.session.add(entry)
    return entry


# --- Reading --------------------------------------------------------------------------


def history_to_dict(entry: ReportTransition) -> dict:
    return {"at": _iso(entry.at), "actor_id": entry.actor_id, "actor": entry.actor, "action": entry.action,
            "from_state": entry.from_state, "to_state": entry.to_state, "note": entry.note,
            "details": entry.details or {}}


def actor_names(entries: list[ReportTransition]) -> list[str]:
    """Who took each step, as people read it: the account's display name today (the
    ``actor`` column keeps the login name as it was), else what the row kept; the
    escalation job and anonymous intake by what they are."""
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    names = dict(db.session.execute(select(User.id, func.coalesce(func.nullif(User.display_name, ""), User.username))
                                    .where(User.id.in_(ids))).all()) if ids else {}
    kinds = {"system": _("the system (automatic)"), "anonymous": _("an anonymous reporter")}

    def name(e: ReportTransition) -> str:
        if e.actor_id in names:
            return names[e.actor_id]
        if e.actor and e.actor.startswith("cli:"):
            return _("the command line (%(user)s)", user=e.actor[4:])
        return kinds.get(e.actor) or e.actor

    return [name(e) for e in entries]


def history_for_caller(report: Report, entries: list[ReportTransition]) -> list[dict]:
    """History entries of ``report`` as the caller may see them: notes masked like the
    description for roles without reports:personal (app.auth.masking), and the actor by name."""
    notes = free_text_of([e.note for e in entries], name=report.reporter_name, phone=report.reporter_phone,
                         email=report.reporter_email)
    return [history_to_dict(e) | {"note": note, "actor_name": name}
            for e, note, name in zip(entries, notes, actor_names(entries))]


def history(report: Report) -> list[ReportTransition]:
    return list(db.session.scalars(select(ReportTransition).where(ReportTransition.report_id == report.id)
                                   .order_by(ReportTransition.at, ReportTransition.id)))


def assignees(report: Report) -> list[dict]:
    """The one definition of who may take the event (dispatch or reassign; events/sql/assignees.sql):
    the workers of its grid, of its community and of the community's other grids, one entry per
    person, closest first, then the least loaded, with name, their grids, how they stand to the
    event (``relation``: grid, community, neighbour), phone and open workload. The transition
    check (:func:`_assignee`) refuses anyone not on this list."""
    rows = db.session.execute(sql("events/assignees"), {"grid_ids": _grid_ids(report)}).mappings().all()
    return [dict(r) for r in rows]


def possible_duplicates(report_id: int) -> list[dict]:
    """Open events of the same category within the category's radius (nearest first)."""
    # Prepared: every intake answers with it, and planning it cost more than running it.
    rows = execute_prepared("events/possible_duplicates", {"report_id": "bigint"},
                            {"report_id": report_id}).mappings().all()
    return [{"ticket": r["ticket"], "distance_m": float(r["distance_m"]), "status": r["status"]} for r in rows]

