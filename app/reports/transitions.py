"""The closed loop on one report over HTTP: transitions, history, assignees (thin: parse, call, respond).

The rules are app.events (workflow, service); these routes sit with the other
``/api/v1/reports/...`` routes on the reports API's blueprint, because they
answer with the report as app.reports.service shows it.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

from app.api.params import json_body as _body, json_text as _text, json_whole as _whole
from app.auth.guard import require
from app.auth.roles import REPORTS_ACT, REPORTS_READ
from app.auth.scope import event_area
from app.beijing import BEIJING
from app.errors import ValidationError
from app.events import deadlines, service, transfer
from app.events import workflow as wf
from app.extensions import db
from app.reports import service as reports
from app.reports.api import api_bp
from app.reports.validation import check_media_urls

TRANSITION_FIELDS = ("action", "expected_state", "note", "assignee", "deadline", "duplicate_of", "row_version",
                     "photos")
#: A deadline further out than this is a typo (and would make the calendar walk for ages).
MAX_DEADLINE_AHEAD = timedelta(days=366)


def _deadline(payload: dict) -> datetime | None:
    raw = _text(payload, "deadline", 40)
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(_("deadline must be a date and time like 2026-11-23T17:30:00+08:00."),
                              {"field": "deadline"}) from None
    # Without a zone it is Beijing time, as everywhere in GridMap.
    when = when if when.tzinfo else when.replace(tzinfo=BEIJING)
    if abs(when - deadlines.now()) > MAX_DEADLINE_AHEAD:
        raise ValidationError(_("deadline must be within a year from now."), {"field": "deadline"})
    return when


def _photos(payload: dict) -> tuple[str, ...]:
    """Photo links of the step (what the site looks like after handling), as a report's media_urls."""
    problems: list = []
    urls = check_media_urls(payload.get("photos"), 0, problems, "photos")
    if problems:
        raise ValidationError(problems[0].message, {"field": "photos"})
    return tuple(urls)


@api_bp.post("/reports/<ticket>/transitions")
@require(REPORTS_ACT)
def transition(ticket: str):
    p = _body(TRANSITION_FIELDS)
    action = _text(p, "action", 16, required=True)
    expected = _text(p, "expected_state", 16, required=True)
    if expected not in wf.STATES:
        raise ValidationError(_("expected_state must be the state you saw, one of: %(allowed)s.",
                                allowed=", ".join(wf.STATES)), {"field": "expected_state"})
    req = service.TransitionRequest(
        action=action, expected_state=expected, note=_text(p, "note", service.MAX_NOTE),
        assignee=_whole(p, "assignee"), deadline=_deadline(p), duplicate_of=_text(p, "duplicate_of", 32), row_version=_whole(p, "row_version"),
        photos=_photos(p))
    report, entry = service.apply_transition(ticket, req, area=event_area())
    db.session.commit()
    return {"report": reports.report_to_dict(report), "transition": service.history_for_caller(report, [entry])[0]}


@api_bp.get("/reports/<ticket>/history")
@require(REPORTS_READ)
def history(ticket: str):
    report = reports.report_by_ticket(ticket, event_area())
    return {"ticket": report.ticket, "status": report.status,
            "history": service.history_for_caller(report, service.history(report))}


@api_bp.get("/reports/<ticket>/assignees")
@require(REPORTS_ACT)
def assignees(ticket: str):
    report = reports.report_by_ticket(ticket, event_area())
    return {"ticket": report.ticket, "assignees": service.assignees(report)}


TRANSFER_FIELDS = ("district_code", "reason", "row_version")


@api_bp.post("/reports/<ticket>/district")
@require(REPORTS_ACT)
def move_district(ticket: str):
    """交办 / 转办: move the event to another district (app.events.transfer), keeping its history."""
    p = _body(TRANSFER_FIELDS)
    req = transfer.TransferRequest(district_code=_text(p, "district_code", 6, required=True),
                                   reason=_text(p, "reason", service.MAX_NOTE), row_version=_whole(p, "row_version"))
    report, entry = transfer.move(ticket, req, area=event_area())
    db.session.commit()
    return {"report": reports.report_to_dict(report), "transition": service.history_for_caller(report, [entry])[0]}


@api_bp.get("/districts")
@require(REPORTS_READ)
def districts():
    """The deployment's districts (code, name, city): the choices of a transfer and of a city user's filter."""
    return {"districts": transfer.districts()}
