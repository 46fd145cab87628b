"""JSON API for planning: drafts, their edits, validation, impact, publish, file export (thin routes)."""
from __future__ import annotations

import json

from flask import Blueprint, Response, request
from flask_babel import gettext as _

from app.api import params
from app.auth.guard import require
from app.auth.roles import GRIDS_EDIT, GRIDS_READ
from app.errors import NotFound, ValidationError
from app.extensions import db
from app.grids import export, files
from app.grids.versions import Scope, check_draft_access, resolve, scope_of
from app.models import BoundaryVersion, LEVELS
from app.jobs.api import accepted
from app.plan import buildings, checks, drafts, edits, impact, level_import, publish as publishing, \
    rebase as rebasing
from app.plan.messages import describe

api_bp = Blueprint("plan_api", __name__, url_prefix="/api/v1")

#: Issues returned by one validation request.
MAX_ISSUES = 20_000


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError(_("Send a JSON object with the draft's row_version and the edit."), {"field": "body"})
    return body


def _edited(draft, op, changes=None):
    """An edit's answer: the draft, the logged edit (with its line for the log) and what validation says
    changed (null when the client should fetch the whole validation)."""
    return {"draft": drafts.to_dict(draft), "operation": describe(op), "validation": changes}


# ----------------------------------------------------------------------------- drafts

@api_bp.post("/drafts")
@require(GRIDS_EDIT)
def open_draft():
    draft = drafts.open_draft(request.get_json(silent=True))
    return drafts.to_dict(draft), 201, {"Location": f"/api/v1/drafts/{draft.id}"}


@api_bp.get("/drafts")
@require(GRIDS_EDIT)
def list_drafts():
    return {"drafts": [drafts.to_dict(d) for d in drafts.list_drafts()]}


@api_bp.get("/drafts/<int:draft_id>")
@require(GRIDS_EDIT)
def get_draft(draft_id: int):
    return drafts.to_dict(drafts.get(draft_id))


@api_bp.patch("/drafts/<int:draft_id>")
@require(GRIDS_EDIT)
def update_draft(draft_id: int):
    return drafts.to_dict(drafts.update(draft_id, _json_body()))


@api_bp.delete("/drafts/<int:draft_id>")
@require(GRIDS_EDIT)
def discard_draft(draft_id: int):
    drafts.discard(draft_id, request.args.get("row_version"))
    return {"discarded": draft_id}


@api_bp.get("/drafts/<int:draft_id>/operations")
@require(GRIDS_EDIT)
def list_operations(draft_id: int):
    return {"operations": [describe(op) for op in edits.operations(draft_id)]}


@api_bp.post("/drafts/<int:draft_id>/reshape")
@require(GRIDS_EDIT)
def reshape_grid(draft_id: int):
    return _edited(*edits.reshape_grid(draft_id, _json_body()))


@api_bp.post("/drafts/<int:draft_id>/split")
@require(GRIDS_EDIT)
def split_grid(draft_id: int):
    return _edited(*edits.split_grid(draft_id, _json_body()))


@api_bp.post("/drafts/<int:draft_id>/merge")
@require(GRIDS_EDIT)
def merge_grids(draft_id: int):
    return _edited(*edits.merge_grids(draft_id, _json_body()))


@api_bp.post("/drafts/<int:draft_id>/move")
@require(GRIDS_EDIT)
def move_grids(draft_id: int):
    return _edited(*edits.move_grids(draft_id, _json_body()))


@api_bp.get("/drafts/<int:draft_id>/buildings")
@require(GRIDS_EDIT)
def draft_buildings(draft_id: int):
    bbox = params.bbox(request.args)
    if bbox is None:
        raise ValidationError(_("bbox is required: the map view as min_lon,min_lat,max_lon,max_lat."),
                              {"field": "bbox"})
    return buildings.in_view(drafts.get(draft_id), bbox)


@api_bp.post("/drafts/<int:draft_id>/move-buildings")
@require(GRIDS_EDIT)
def move_buildings(draft_id: int):
    return _edited(*edits.move_buildings(draft_id, _json_body()))


@api_bp.post("/drafts/<int:draft_id>/exclave")
@require(GRIDS_EDIT)
def set_exclave(draft_id: int):
    return _edited(*edits.set_exclave(draft_id, _json_body()))


@api_bp.post("/drafts/<int:draft_id>/preview")
@require(GRIDS_EDIT)
def preview_edit(draft_id: int):
    return edits.preview(draft_id, _json_body())


@api_bp.post("/drafts/<int:draft_id>/undo")
@require(GRIDS_EDIT)
def undo(draft_id: int):
    return _edited(*edits.undo(draft_id, _json_body()))


@api_bp.post("/drafts/<int:draft_id>/redo")
@require(GRIDS_EDIT)
def redo(draft_id: int):
    return _edited(*edits.redo(draft_id, _json_body()))


@api_bp.post("/drafts/<int:draft_id>/rebase")
@require(GRIDS_EDIT)
def rebase_draft(draft_id: int):
    return rebasing.rebase(draft_id, _json_body())


@api_bp.post("/drafts/<int:draft_id>/import")
@require(GRIDS_EDIT)
def import_level(draft_id: int):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError(_("Send the file as the multipart field file (.geojson, .gpkg or a zipped Shapefile)."),
                              {"field": "file"})
    asked = level_import.check(draft_id, request.form, upload.read(), upload.filename)
    return accepted(level_import.queue(asked))


@api_bp.post("/drafts/<int:draft_id>/publish")
@require(GRIDS_EDIT)
def publish_draft(draft_id: int):
    return publishing.publish(draft_id, _json_body(), request.args)


@api_bp.post("/drafts/<int:draft_id>/unschedule")
@require(GRIDS_EDIT)
def unschedule_draft(draft_id: int):
    return publishing.unschedule(draft_id, _json_body())


# ----------------------------------------------------------------------------- any version

def _version_scope(version_id: int) -> Scope:
    version = db.session.get(BoundaryVersion, version_id)
    if version is None:
        raise NotFound(_("No boundary version %(id)s.", id=version_id), {"field": "version_id"})
    return check_draft_access(scope_of(version))


@api_bp.get("/versions/<int:version_id>/validation")
@require(GRIDS_READ)
def validate_version(version_id: int):
    fmt = params.choice(request.args, "format", ("json", "geojson"), default="json")
    limit = params.integer(request.args, "limit", default=MAX_ISSUES, lo=1, hi=MAX_ISSUES)
    t = checks.thresholds(request.args)
    scope = _version_scope(version_id)
    result = checks.current(scope.version, t)
    db.session.commit()  # a draft keeps its validation
    if fmt == "geojson":
        return Response(json.dumps(checks.to_geojson(result, limit=limit), ensure_ascii=False),
                        mimetype="application/geo+json")
    return {"version": impact.version_brief(scope), **checks.to_json(result, t, limit=limit)}


@api_bp.get("/versions/<int:version_id>/impact")
@require(GRIDS_READ)
def version_impact(version_id: int):
    fmt = params.choice(request.args, "format", ("json", "geojson"), default="json")
    against = request.args.get("against")
    target = _version_scope(version_id)
    base = check_draft_access(resolve(against))
    if base.version is None:
        raise NotFound(_("No published version to compare with; say which one with against=<id>."),
                       {"field": "against"})
    if fmt == "geojson":
        return Response(json.dumps(impact.diff_geojson(base, target), ensure_ascii=False),
                        mimetype="application/geo+json")
    return impact.compare(base, target)


@api_bp.get("/versions/<int:version_id>/export")
@require(GRIDS_READ)
def export_version(version_id: int):
    fmt = params.choice(request.args, "format", tuple(files.FORMATS), default="geojson")
    level = params.choice(request.args, "level", LEVELS)
    out_crs = params.crs(request.args) if request.args.get("crs") else None
    scope = _version_scope(version_id)
    rows = export.grid_rows(scope, level)
    layer = f"grids_v{version_id}" + (f"_{level}" if level else "")
    data, mimetype, filename = files.write(rows, fmt, layer=layer, out_crs=out_crs)
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
