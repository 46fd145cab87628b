"""/api/v1/districts: the districts and their own settings (base map tiles, working calendar)."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from app.auth.guard import require
from app.auth.roles import DISTRICTS_EDIT
from app.districts import api_bp, service
from app.errors import ValidationError
from app.extensions import db


@api_bp.get("/districts/settings")
@require(DISTRICTS_EDIT)
def list_district_settings():
    """The districts the caller looks after (GET /api/v1/districts lists every district to move an event to)."""
    return {"districts": service.listing()}


@api_bp.get("/districts/<code>/settings")
@require(DISTRICTS_EDIT)
def get_settings(code: str):
    return service.describe(code)


@api_bp.put("/districts/<code>/settings")
@require(DISTRICTS_EDIT)
def put_settings(code: str):
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationError(_("Send a JSON object (Content-Type: application/json)."), {"field": "body"})
    result = service.change(code, payload)
    db.session.commit()
    return result
