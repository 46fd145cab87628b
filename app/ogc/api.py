"""OGC API - Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS; Part 3 queryables),
read-only, under /ogc.

Thin routes: check the parameters, build the document (app.ogc.service),
send it as JSON or as a page. Every route needs an API token (Bearer, or as
the password of HTTP Basic), a user name and password (HTTP Basic: QGIS) or a
session of a user who may read grids. Every error under /ogc, an unknown
path included, is an OGC exception in JSON (or a page for a browser).
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import MethodNotAllowed

from app.auth.guard import page_rule, require
from app.auth.roles import GRIDS_READ
from app.errors import NotFound
from app.ogc import cors, crs as crs_, errors, params, queryables, service
from app.ogc.negotiation import GEOJSON, JSON_SCHEMA, OPENAPI_JSON, requested_format, wants_html
from app.ogc.openapi import document

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
errors.register(bp)
bp.record_once(lambda state: cors.init_app(state.app))
# OGC clients send "Accept: */*" or ?f=json: without a token they get a 401, not the sign-in page.
page_rule(bp.name, wants_html)

#: Parameters of /items: Part 1's, Part 2's CRS pair, and the queryables.
ITEMS = params.ITEMS + ("crs", "bbox-crs") + queryables.NAMES
ITEM = params.COMMON + ("crs",)


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


@bp.get("/collections/<collection_id>/queryables", endpoint="queryables")
@require(GRIDS_READ)
def queryables_doc(collection_id: str):
    fmt = _format()
    doc = service.queryables(collection_id)
    if fmt == "html":
        return render_template("ogc/queryables.html", doc=doc, collection_id=collection_id)
    return Response(json.dumps(doc, ensure_ascii=False), content_type=JSON_SCHEMA)


@bp.get("/collections/<collection_id>/items")
@require(GRIDS_READ)
def items(collection_id: str):
    fmt = _format(ITEMS)
    args = request.args
    limit, offset = params.limit(args), params.offset(args)
    out_crs = crs_.parse(args, "crs")
    area = crs_.bbox_area(args, crs_.parse(args, "bbox-crs"))
    params.check_datetime(args)
    body, meta = service.items(collection_id, fmt, area=area, limit=limit, offset=offset,
                               properties=queryables.filters(args), crs=out_crs, query=args.to_dict())
    if fmt == "html":
        return render_template("ogc/items.html", doc=meta, features=json.loads(meta["features_json"]),
                               collection_id=collection_id)
    return Response(body, content_type=GEOJSON, headers={"Content-Crs": out_crs.header})


@bp.get("/collections/<collection_id>/items/<feature_id>")
@require(GRIDS_READ)
def item(collection_id: str, feature_id: str):
    fmt = _format(ITEM)
    out_crs = crs_.parse(request.args, "crs")
    doc = service.item(collection_id, feature_id, fmt, out_crs)
    if fmt == "html":
        return render_template("ogc/item.html", doc=doc, collection_id=collection_id)
    return Response(json.dumps(doc, ensure_ascii=False), content_type=GEOJSON, headers={"Content-Crs": out_crs.header})


@bp.route("/<path:unknown>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
@require(GRIDS_READ)
def unknown_resource(unknown: str):
    # Unmatched paths would otherwise get the app's HTML 404 or 405, which OGC clients show as garbage.
    if request.method not in ("GET", "HEAD"):
        rule, _args = current_app.url_map.bind_to_environ(request.environ).match(method="GET", return_rule=True)
        if rule.endpoint != request.endpoint:
            raise MethodNotAllowed(valid_methods=["GET", "HEAD"])  # the API is read-only
    raise NotFound(_("No resource /ogc/%(path)s: start from /ogc (the landing page) and follow its links.",
                     path=unknown[:80]), {"field": "path"})
