"""JSON API of the dispatch desk: the live feed, manual placement and the user's desk
preferences (thin: parse, call, respond)."""
from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from flask_login import current_user

from app.api import params
from app.auth.guard import require
from app.auth.masking import may_see_personal
from app.auth.roles import REPORTS_ACT, REPORTS_READ
from app.auth.scope import event_area
from app.dispatch import feed, placement, preferences
from app.errors import ValidationError
from app.events import service as loop
from app.api.params import json_body as _body, json_text as _text, json_whole as _whole
from app.extensions import db
from app.reports import service as reports
from app.reports.api import report_filters
from app.reports.validation import check_point
from app.models import User

api_bp = Blueprint("dispatch_api", __name__, url_prefix="/api/v1")

PLACEMENT_FIELDS = ("lon", "lat", "crs", "row_version", "note")


def _since(raw: str | None) -> datetime | None:
    if raw in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValidationError(_("since must be the cursor of the previous answer (a date and time with its "
                                "offset); leave it out for the first call."), {"field": "since", "value": raw[:40]})
    return when


@api_bp.get("/reports/changes")
@require(REPORTS_READ)
def changes():
    args = request.args
    page = feed.changes(
        _since(args.get("since")), report_filters(args),
        sort=params.choice(args, "sort", ("created", "deadline", "priority"), default="created"),
        limit=params.integer(args, "limit", default=feed.MAX_FEATURES, lo=1, hi=feed.MAX_FEATURES),
        area=event_area(), personal=may_see_personal(), role=current_user.role, user_id=current_user.id)
    # The features are JSON text from the database: spliced, not parsed and dumped again.
    head = json.dumps({"type": "FeatureCollection", "cursor": feed.format_cursor(page.cursor),
                       "unmatched": page.unmatched, "truncated": page.truncated, "scope": page.scope,
                       "new_events": page.new_events},
                      ensure_ascii=False)
    body = head[:-1] + ',"features":[' + ",".join(page.features) + "]}"
    return Response(body, mimetype="application/geo+json", headers={"Cache-Control": "no-store"})


@api_bp.post("/reports/<ticket>/placement")
@require(REPORTS_ACT)
def place(ticket: str):
    p = _body(PLACEMENT_FIELDS)
    crs = p.get("crs") if p.get("crs") is not None else "wgs84"
    if crs not in placement.PLACEMENT_CRS:
        raise ValidationError(_("crs must be one of: %(allowed)s (the map's coordinate system).",
                                allowed=", ".join(placement.PLACEMENT_CRS)), {"field": "crs"})
    errors: list = []
    lon, lat, parsed = check_point({"lon": p.get("lon"), "lat": p.get("lat"), "crs": crs}, 0, errors)
    if errors:
        raise ValidationError(errors[0].message, {"field": errors[0].field,
                                                  "errors": [e.to_dict() for e in errors]})
    req = placement.PlacementRequest(lon=lon, lat=lat, crs=parsed, row_version=_whole(p, "row_version"),
                                     note=_text(p, "note", loop.MAX_NOTE))
    report, entry = placement.place(ticket, req, area=event_area())
    db.session.commit()
    return {"report": reports.report_to_dict(report), "transition": loop.history_for_caller(report, [entry])[0]}


@api_bp.get("/dispatch/preferences")
@require(REPORTS_READ)
def desk_preferences():
    return preferences.of(_me())


@api_bp.put("/dispatch/preferences")
@require(REPORTS_READ)
def set_desk_preferences():
    choices = preferences.update(_me(), _body(tuple(preferences.DEFAULTS)))
    db.session.commit()
    return choices


def _me() -> User:
    # The stored row, not the session's copy: the choice is written back to it.
    return db.session.get(User, current_user.id)
