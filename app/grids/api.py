"""JSON API for grids (thin: parse, call the query or service, respond)."""
from __future__ import annotations

import json

from flask import Blueprint, Response, request
from flask_babel import gettext as _

from app import jsontext
from app.api import params
from app.errors import NotFound, ValidationError
from app.grids import queries, service
from app.grids import versions
from app.models import LEVELS, KINDS
from geo.crs import to_wgs84
from app.auth.guard import require
from app.auth.roles import GRIDS_EDIT, GRIDS_READ

api_bp = Blueprint("grids_api", __name__, url_prefix="/api/v1")

#: Upper bound on features per export request; clients page with bbox.
MAX_EXPORT = 20_000


@api_bp.get("/grids")
@require(GRIDS_READ)
def list_grids():
    args = request.args
    scope = versions.resolve(args.get("version"), args.get("at"), guard=True)
    zoom = params.integer(args, "zoom", lo=0, hi=24)
    tolerance = params.number(args, "tolerance", lo=0, hi=1)
    if tolerance is None and zoom is not None and zoom < queries.MAX_SIMPLIFY_ZOOM:
        tolerance = queries.tolerance_for_zoom(zoom)
    out_crs = params.crs(args) if args.get("crs") else None
    bbox = params.bbox(args)
    if bbox and out_crs is not None and not out_crs.is_wgs84:
        # A map drawn on AMap tiles asks with its own (GCJ-02) view box.
        xs, ys = to_wgs84([bbox[0], bbox[2]], [bbox[1], bbox[3]], out_crs)
        bbox = (float(xs[0]), float(ys[0]), float(xs[1]), float(ys[1]))
    body = queries.export_features(
        scope,
        level=params.choice(args, "level", LEVELS),
        kind=params.choice(args, "kind", KINDS),
        parent=args.get("parent") or None,
        bbox=bbox,
        tolerance=tolerance,
        limit=params.integer(args, "limit", default=MAX_EXPORT, lo=1, hi=MAX_EXPORT),
        out_crs=out_crs,
    )
    return Response(body, mimetype="application/geo+json")


@api_bp.get("/grids/<code>")
@require(GRIDS_READ)
def get_grid(code: str):
    scope = versions.resolve(request.args.get("version"), request.args.get("at"), guard=True)
    features = json.loads(queries.export_features(scope, code=code, limit=1))["features"]
    if not features:
        raise NotFound(_("No grid with code %(code)s in this version.", code=code[:20]), {"field": "code"})
    return Response(json.dumps(features[0], ensure_ascii=False), mimetype="application/geo+json")


@api_bp.post("/grids/import")
@require(GRIDS_EDIT)
def import_grids():
    collection = _read_collection()
    crs = request.args.get("crs") or request.form.get("crs")
    version = params.integer(request.args, "version", lo=1) if request.args.get("version") else None
    district = request.args.get("district_code") or request.form.get("district_code")
    result = service.import_grids(collection, crs, version_id=version, district_code=district)
    return {"imported": result.to_dict(), "message": _("%(n)s grids imported.", n=result.created)}, 201


def _read_collection():
    upload = request.files.get("file")
    raw = upload.read() if upload else request.get_data()
    if not raw:
        raise ValidationError(_("Send a GeoJSON FeatureCollection as the request body or as the file field."),
                              {"field": "body"})
    try:
        return jsontext.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(_("The body is not valid JSON: %(error)s", error=str(exc)[:200]),
                              {"field": "body"}) from exc
    except RecursionError:  # nested thousands deep: no grid file, and no reason for a 500
        raise ValidationError(_("The file is not valid JSON: it is nested too deep."), {"field": "body"}) from None


@api_bp.get("/versions")
@require(GRIDS_READ)
def list_versions():
    return {"versions": [v.to_dict() for v in versions.all_versions()]}
