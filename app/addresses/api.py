"""JSON API of the address library (thin: parse, call the service, respond)."""
from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _

from app.addresses import files, geocoding, service
from app.api import params
from app.auth.guard import public, require
from app.auth.roles import ADDRESSES_EDIT, GRIDS_READ
from app.errors import ValidationError
from app.security import rate_limited

api_bp = Blueprint("addresses_api", __name__, url_prefix="/api/v1")

MAX_QUERY = 200


def _text_arg(args, field: str, limit: int = MAX_QUERY) -> str | None:
    value = (args.get(field) or "").strip()
    if len(value) > limit:
        raise ValidationError(_("%(field)s is too long: at most %(n)s characters.", field=field, n=limit),
                              {"field": field})
    return value or None


@api_bp.get("/addresses")
@require(GRIDS_READ)
def list_addresses():
    args = request.args
    grid = _text_arg(args, "grid", 17)
    if grid is not None and not grid.isdigit():
        raise ValidationError(_("grid must be a grid code (digits)."), {"field": "grid", "value": grid[:20]})
    return service.list_addresses(
        q=_text_arg(args, "q"), road=_text_arg(args, "road"), compound=_text_arg(args, "compound"),
        grid=grid, key=_text_arg(args, "key"), outside=params.flag(args, "outside"), bbox=params.bbox(args),
        limit=params.integer(args, "limit", default=100, lo=1, hi=service.MAX_LIST),
        offset=params.integer(args, "offset", default=0, lo=0, hi=10**9))


@api_bp.get("/addresses/suggest")
@public
@rate_limited
def suggest():
    args = request.args
    q = _text_arg(args, "q", 100) or ""
    limit = params.integer(args, "limit", default=geocoding.MAX_SUGGESTIONS, lo=1, hi=geocoding.MAX_SUGGESTIONS)
    found = geocoding.current_library().suggest(q, limit) if q else []
    return {"query": q, "suggestions": [e.brief() for e in found]}


@api_bp.post("/addresses/import")
@require(ADDRESSES_EDIT)
def import_addresses():
    upload = request.files.get("file")
    data = upload.read() if upload else request.get_data()
    if not data:
        raise ValidationError(_("Send a CSV, JSON or GeoJSON file as the body or as the file field."),
                              {"field": "file"})
    crs = params.crs(request.args) if request.args.get("crs") else None
    rows = files.rows_from_bytes(data, upload.filename if upload else "")
    result = service.import_addresses(rows, crs=crs, source="api")
    message = _("%(stored)s of %(received)s addresses stored (%(created)s new, %(updated)s updated); "
                "%(rejected)s rejected.", stored=result.stored, received=result.received, created=result.created,
                updated=result.updated, rejected=result.rejected)
    return {"import": result.to_dict(), "message": message}, 201 if result.stored else 422
