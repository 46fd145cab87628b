"""OGC API - Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0), read-only, under /ogc.

Thin routes: check the parameters, build the document (app.ogc.service),
send it as JSON or as a page. Every route needs an API token or a session of
a user who may read grids (QGIS: an "API Header" authentication config).
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from app.auth.guard import page_rule, require
from app.auth.roles import GRIDS_READ
from app.ogc import errors, params, service
from app.ogc.negotiation import GEOJSON, OPENAPI_JSON, requested_format, wants_html
from app.ogc.openapi import document

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
errors.register(bp)
# OGC clients send "Accept: */*" or ?f=json: without a token they get a 401, not the sign-in page.
page_rule(bp.name, wants_html)


@bp.after_request
def vary_on_accept(response: Response) -> Response:
    # The same URL answers JSON or HTML by the Accept header: caches must keep both apart.
    response.vary.add("Accept")
    return response


def _format(allowed=params.COMMON) -> str:
    params.reject_unknown(request.args, allowed)
    return requested_format()


def _respond(doc: dict, fmt: str, template: str, **context):
    if fmt == "html":
        return render_template(f"ogc/{template}.html", doc=doc, **context)
    return jsonify(doc)


@bp.get("/", strict_slashes=False)
@require(GRIDS_READ)
def landing():
    fmt = _format()
    return _respond(service.landing(fmt), fmt, "landing")


@bp.get("/conformance")
@require(GRIDS_READ)
def conformance():
    fmt = _format()
    return _respond(service.conformance(fmt), fmt, "conformance")


@bp.get("/api")
@require(GRIDS_READ)
def service_desc():
    fmt = _format()
    spec = document(url_for("ogc.landing", _external=True).rstrip("/"))
    if fmt == "html":
        return render_template("ogc/api.html", spec=spec)
    return Response(json.dumps(spec, ensure_ascii=False), content_type=OPENAPI_JSON)


@bp.get("/collections")
@require(GRIDS_READ)
def collections():
    fmt = _format()
    return _respond(service.collections(fmt), fmt, "collections")


@bp.get("/collections/<collection_id>")
@require(GRIDS_READ)
def collection(collection_id: str):
    fmt = _format()
    return _respond(service.collection(collection_id, fmt), fmt, "collection")


@bp.get("/collections/<collection_id>/items")
@require(GRIDS_READ)
def items(collection_id: str):
    fmt = _format(params.ITEMS)
    args = request.args
    limit, offset = params.limit(args), params.offset(args)
    area = params.bbox_area(args)
    params.check_datetime(args)
    body, meta = service.items(collection_id, fmt, area=area, limit=limit, offset=offset)
    if fmt == "html":
        return render_template("ogc/items.html", doc=meta, features=json.loads(meta["features_json"]),
                               collection_id=collection_id)
    return Response(body, content_type=GEOJSON)


@bp.get("/collections/<collection_id>/items/<feature_id>")
@require(GRIDS_READ)
def item(collection_id: str, feature_id: str):
    fmt = _format()
    doc = service.item(collection_id, feature_id, fmt)
    if fmt == "html":
        return render_template("ogc/item.html", doc=doc, collection_id=collection_id)
    return Response(json.dumps(doc, ensure_ascii=False), content_type=GEOJSON)
