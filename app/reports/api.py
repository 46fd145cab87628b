"""JSON API for reports (thin: parse, call the service, respond)."""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request
from flask_login import current_user
from flask_babel import gettext as _

from app.api import params
from app.errors import ValidationError
from app.extensions import db
from app.jobs import submit
from app.jobs.api import accepted
from app.labels import STATUS_LABELS, CHANNEL_LABELS
from app.models import CHANNELS, HANDLING_LEVELS, OPEN_STATUSES, STATUSES
from app.reports import files, photos, service
from app.actor import current_actor
from app.auth.guard import public, require
from app.events import categories as category_table
from app.events.deadlines import DEADLINE_STATES
from app.auth.masking import may_see_personal
from app.auth.scope import event_area, requested_district
from app.auth.roles import REPORTS_ACT, REPORTS_IMPORT, REPORTS_READ
from app.security import rate_limited

api_bp = Blueprint("reports_api", __name__, url_prefix="/api/v1")

MAX_LIST = 10_000


@api_bp.post("/reports")
@public
@rate_limited
def create_report():
    payload = request.get_json(silent=True)
    if payload is None:
        raise ValidationError(_("Send the report as a JSON object (Content-Type: application/json)."),
                              {"field": "body"})
    # A key is the caller's own: the signed-in user's (session or token), else the address's.
    report, replayed = service.create_report(payload, request.headers.get("Idempotency-Key"),
                                             caller=current_actor().scope)
    # Open events of the same category nearby, for the caller to check before a second team goes out.
    duplicates = service.possible_duplicates_of(report)
    body = service.report_to_dict(report)
    body["possible_duplicates"] = duplicates
    headers = {"Location": f"/api/v1/reports/{report.ticket}"}
    if replayed:
        # The retry of a request that already stored this report.
        headers["Idempotent-Replayed"] = "true"
        return body, 200, headers
    return body, 201, headers


@api_bp.get("/reports/<ticket>")
@require(REPORTS_READ)
def get_report(ticket: str):
    return service.report_to_dict(service.report_by_ticket(ticket, event_area()))


@api_bp.get("/reports")
@require(REPORTS_READ)
def list_reports():
    args = request.args
    features = service.list_features(
        **report_filters(args),
        bbox=params.bbox(args),
        limit=params.integer(args, "limit", default=1000, lo=1, hi=MAX_LIST),
        offset=params.integer(args, "offset", default=0, lo=0, hi=10**9),
        area=event_area(), personal=may_see_personal(),
        sort=params.choice(args, "sort", ("created", "deadline"), default="created"),
        role=current_user.role, user_id=current_user.id,
    )
    fmt = params.choice(args, "format", ("json", "geojson"), default="json")
    if fmt == "geojson":
        return Response('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}",
                        mimetype="application/geo+json")
    reports = []
    for text_feature in features:
        f = json.loads(text_feature)
        props = f["properties"]
        if f["geometry"]:
            props["lon"], props["lat"] = f["geometry"]["coordinates"]
        reports.append(props)
    return {"reports": reports, "count": len(reports)}


#: ``reported=``: when the report came in ("today": the Beijing calendar day).
REPORTED_CHOICES = ("today",)


def report_filters(args) -> dict:
    """The filters of the report list (status, category, channel, grid, deadline state ...) as
    keyword arguments of ``service.list_features``; shared with the live feed (app.dispatch.api)."""
    status_arg = args.get("status") or ""
    statuses = None
    if status_arg == "open":
        statuses = OPEN_STATUSES
    elif status_arg:
        statuses = [s.strip() for s in status_arg.split(",") if s.strip()]
        bad = [s for s in statuses if s not in STATUSES]
        if bad:
            raise ValidationError(_("status must be 'open' or a comma-separated list of: %(allowed)s.",
                                    allowed=", ".join(STATUSES)), {"field": "status", "value": bad[0][:40]})
    category = args.get("category") or None
    if category is not None and category not in category_table.by_code():
        raise ValidationError(_("Unknown category %(code)s: use a code from /api/v1/categories.",
                                code=category[:20]), {"field": "category"})
    ooc = args.get("out_of_coverage")
    if ooc not in (None, "", "true", "false", "1", "0"):
        raise ValidationError(_("out_of_coverage must be true or false."), {"field": "out_of_coverage"})
    return {
        "statuses": statuses, "category": category,
        "channel": params.choice(args, "channel", CHANNELS),
        "out_of_coverage": None if ooc in (None, "") else ooc in ("true", "1"),
        "grid_id": params.integer(args, "grid_id", lo=1, hi=2**31 - 1),
        "deadline_state": params.choice(args, "deadline_state", DEADLINE_STATES),
        "level": params.choice(args, "level", HANDLING_LEVELS),
        "assignee_id": _assignee_filter(args.get("assignee")),
        "needs_placement": params.flag(args, "needs_placement"),
        # Left outside its district's grids by a publication (migration 0036): to hand over.
        "outside_district": params.flag(args, "outside_district"),
        "reported": params.choice(args, "reported", REPORTED_CHOICES),
        "district": requested_district(args.get("district")),
    }


def _assignee_filter(raw: str | None) -> int | None:
    """``assignee=me`` (the caller) or a user id."""
    if raw in (None, ""):
        return None
    if raw == "me":
        return current_user.id
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 2**31 - 1:
        raise ValidationError(_("assignee must be me or a user id."), {"field": "assignee", "value": raw[:40]})
    return int(raw)


@api_bp.post("/reports/import")
@require(REPORTS_IMPORT)
def import_reports():
    upload = request.files.get("file")
    data = upload.read() if upload else request.get_data()
    if not data:
        raise ValidationError(_("Send a CSV or JSON file as the body or as the file field."), {"field": "file"})
    name = upload.filename if upload else ""
    if len(data) > current_app.config["IMPORT_JOB_BYTES"]:
        # A large file would hold this worker for many seconds: a job reads, checks and stores it.
        return accepted(submit("report_import", lambda progress: _imported(files.rows_from_bytes(data, name),
                                                                           progress, commit=False),
                               params={"file": name[:200], "bytes": len(data)},
                               message=_("Waiting to import %(file)s", file=name[:100] or "CSV")))
    body = _imported(files.rows_from_bytes(data, name))
    return body, 201 if body["import"]["stored"] else 422


def _imported(rows: list, progress=None, commit: bool = True) -> dict:
    result = service.import_reports(rows, progress=progress, commit=commit)
    return {"import": result.to_dict(),
            "message": _("%(stored)s of %(received)s reports stored; %(rejected)s rejected.",
                         stored=result.stored, received=result.received,
                         rejected=len({e.row for e in result.errors}))}


@api_bp.get("/categories")
@public
def categories():
    return {"categories": [category_table.to_dict(c) for c in category_table.all_categories()]}


@api_bp.get("/statuses")
@public
def statuses():
    return {"statuses": [{"code": s, "label": str(STATUS_LABELS[s]), "open": s in OPEN_STATUSES}
                         for s in STATUSES]}


@api_bp.get("/channels")
@public
def channels():
    return {"channels": [{"code": c, "label": str(CHANNEL_LABELS[c])} for c in CHANNELS]}


@api_bp.post("/photos")
@require(REPORTS_ACT)
def upload_photo():
    """A photo for a report or a handling step (the worker's phone); the answer's url goes into
    media_urls or photos. Sending the same picture again answers 200 with the same url."""
    upload = request.files.get("photo")
    photo, created = photos.store(upload.read() if upload else request.get_data(), "worker_app")
    db.session.commit()
    return photos.to_dict(photo), 201 if created else 200


@api_bp.get("/photos/<token>")
@require(REPORTS_READ)
def get_photo(token: str):
    photo = photos.by_token(token)
    response = Response(photo.data, mimetype=photo.content_type)
    # A photo never changes under its URL; only signed-in users may fetch it, so no shared cache.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
