"""JSON API of the address library (thin: parse, call the service, respond)."""
from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_babel import gettext as _

from app.addresses import files, geocoding, service
from app.api import params
from app.auth.guard import public, require
from app.auth.scope import actor_district, requested_district
from app.auth.roles import ADDRESSES_EDIT, GRIDS_READ
from app.errors import ValidationError
from app.jobs import submit
from app.jobs.api import accepted
from app.security import rate_limited

api_bp = Blueprint("addresses_api", __name__, url_prefix="/api/v1")

MAX_QUERY = 200


def _text_arg(args, field: str, limit: int = MAX_QUERY) -> str | None:
    return params.text(args, field, limit)


@api_bp.get("/addresses")
@require(GRIDS_READ)
def list_addresses():
    args = request.args
    grid = _text_arg(args, "grid", 17)
    if grid is not None and not grid.isdigit():
        raise ValidationError(_("grid must be a grid code (digits)."), {"field": "grid", "value": grid[:20]})
    return service.list_addresses(
        district_code=service.acting_district(args.get("district")), q=_text_arg(args, "q"), road=_text_arg(args, "road"), compound=_text_arg(args, "compound"),
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
    # A district's user: their library; anyone else the district asked for, else the city's rule.
    requested = requested_district(args.get("district"))
    own = actor_district()
    found = geocoding.suggest_in_city(q, limit, district_code=own or requested) if q else []
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
    district = service.acting_district(request.args.get("district"))
    name = upload.filename if upload else ""
    if len(data) > current_app.config["IMPORT_JOB_BYTES"]:
        # A large register would hold this worker for many seconds: a job reads, checks and stores it.
        return accepted(submit("address_import", lambda progress: _imported(files.rows_from_bytes(data, name), crs,
                                                                            district, progress, commit=False),
                               params={"file": name[:200], "bytes": len(data), "crs": crs.label if crs else None,
                                       "district": district},
                               message=_("Waiting to import %(file)s", file=name[:100] or "CSV")))
    body = _imported(files.rows_from_bytes(data, name), crs, district)
    return body, 201 if body["import"]["stored"] else 422


def _counting(rows: list, progress):
    """``rows`` as they are checked, telling a job's ``progress`` how far it got."""
    def wrap(iterable):
        for i, row in enumerate(iterable, start=1):
            if i % 1000 == 0:
                progress(i, len(rows))
            yield row
        progress(len(rows), len(rows))
    return wrap


def _imported(rows: list, crs, district: str, progress=None, commit: bool = True) -> dict:
    result = service.import_addresses(rows, crs=crs, source="api", commit=commit, district_code=district,
                                      progress=_counting(rows, progress) if progress is not None else None)
    message = _("%(stored)s of %(received)s addresses stored (%(created)s new, %(updated)s updated); "
                "%(rejected)s rejected.", stored=result.stored, received=result.received, created=result.created,
                updated=result.updated, rejected=result.rejected)
    return {"import": result.to_dict(), "message": message}


@api_bp.get("/addresses/prefixes")
@require(GRIDS_READ)
def get_prefixes():
    """A district's address prefixes (``district=``: a city user's pick; a district's user has theirs)."""
    return service.prefixes_of(service.acting_district(request.args.get("district")))


@api_bp.put("/addresses/prefixes")
@require(ADDRESSES_EDIT)
def put_prefixes():
    """Set a district's address prefixes (``{"prefixes": [...]}``; null: back to the default) and re-key its
    library, as a job (a large library takes a while); the list is checked here first (422)."""
    district = service.acting_district(request.args.get("district"))
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "prefixes" not in body:
        raise ValidationError(_("Address prefixes: send {\"prefixes\": [\"中国\", \"河南省\", ...]} (null: the default)."),
                              {"field": "address_prefixes"})
    return accepted(submit_prefixes(district, service.check_prefixes(body["prefixes"], district)))


def submit_prefixes(district: str, prefixes: list[str] | None):
    """The job that stores a district's prefixes and re-keys its library (API and the admin page)."""
    return submit("address_prefixes", lambda progress: service.set_prefixes(district, prefixes),
                  params={"district": district, "prefixes": prefixes},
                  message=_("Waiting to re-key the address library of %(district)s", district=district))
