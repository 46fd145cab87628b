"""Translated messages for the reason codes that ``geo.features`` reports."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

MESSAGES = {
    "not_feature_collection": _l("The file must be a GeoJSON FeatureCollection with a \"features\" list."),
    "feature_not_object": _l("Each feature must be a GeoJSON Feature object."),
    "missing_property": _l("The property %(field)s is missing or empty; every grid needs it."),
    "bad_code": _l("The code must be digits only, %(expected)s digits long for this level."),
    "bad_level": _l("Unknown level: use district, subdistrict, community, grid or micro."),
    "bad_kind": _l("Unknown kind: use regular or dedicated."),
    "bad_count": _l("Households and population must be whole numbers of 0 or more."),
    "code_parent_mismatch": _l("The code must start with its parent's code."),
    "duplicate_code": _l("This code appears more than once (in the file or already in the version)."),
    "unknown_parent": _l("The parent code is neither in the file nor in the version: import the parent first."),
    "parent_level": _l("The parent is at the wrong level: a grid hangs under the level directly above it."),
    "missing_geometry": _l("The feature has no geometry."),
    "geometry_type": _l("The geometry must be a Polygon or MultiPolygon."),
    "bad_coordinates": _l("Coordinates must be numbers within longitude -180..180 and latitude -90..90 "
                          "(check the coordinate system)."),
    "too_few_points": _l("A ring needs at least 4 positions (3 corners and the closing point)."),
    "invalid_ring": _l("The polygon is invalid (for example a self-intersecting ring); redraw it."),
    "outside_parent": _l("The grid extends beyond its parent; redraw it inside the parent boundary."),
    "too_many_features": _l("Too many features in one import; split the file."),
    "too_many_vertices": _l("The boundary has %(got)s positions, more than the limit of %(limit)s per grid "
                            "(setting GRIDMAP_MAX_GRID_VERTICES); simplify it before importing."),
    "parent_kind": _l("The parent %(parent_code)s is a dedicated grid; a regular grid must belong to a regular one."),
    "no_parent": _l("The grid lies in no %(parent_level)s of the draft under %(scope)s: redraw it inside one, or "
                    "give its parent_code."),
    "outside_scope": _l("Its parent %(parent_code)s is outside %(scope)s, the part of the draft this import "
                        "replaces: import without a parent code to replace the whole level, or leave it out."),
    "wrong_level": _l("The feature is a %(got)s, but this import replaces the level %(expected)s."),
    "wrong_kind": _l("The feature is a %(got)s grid, but this import replaces the %(expected)s grids."),
}


def feature_error_details(errors) -> list[dict]:
    """JSON-ready error list; the English text from geo is kept as ``detail``."""
    out = []
    for e in errors:
        template = MESSAGES.get(e.reason)
        params = dict(e.params or {})
        params.setdefault("field", e.field)
        try:
            message = str(template) % params if template is not None else e.message
        except (KeyError, TypeError, ValueError):
            message = str(template) if template is not None else e.message
        out.append({"index": e.index, "code": e.code, "field": e.field, "reason": e.reason,
                    "message": message, "detail": e.message, "params": _jsonable(params)})
    return out


def _jsonable(params: dict) -> dict:
    return {k: (v if isinstance(v, (str, int, float, bool, type(None))) else str(v)) for k, v in params.items()}
