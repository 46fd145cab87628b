"""Translated messages for the reason codes that ``geo.features`` reports.

Every reason (and each of its variants, ``geo.messages.template_key``) has
its message here, so an import error reads as a sentence in Chinese and in
English alike; levels are named by their labels (区, 街道 ...), never by the
ids in the data, and a parameter a reason may lack (a code of no known level)
picks the variant that does without it.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.labels import KIND_LABELS, LEVEL_LABELS, text
from geo.messages import template_key

MESSAGES = {
    "invalid_json": _l("The upload is not valid JSON; export it again as GeoJSON."),
    "not_feature_collection": _l("The file must be a GeoJSON FeatureCollection with a \"features\" list."),
    "unknown_crs": _l("The file's \"crs\" member names a coordinate system GridMap does not know (%(got)s): use "
                      "an EPSG code such as 4326, 4490 or 4547, or gcj02 / bd09."),
    "feature_not_object": _l("Each feature must be a GeoJSON Feature object."),
    "missing_property": _l("The property %(property)s is missing or empty; every grid needs it."),
    "bad_code": _l("The code must be digits only, %(expected)s digits long for the level %(level)s."),
    "bad_code:nolevel": _l("The code must be digits only, as long as its level needs (district 6, subdistrict 9, "
                           "community 12, grid 15, micro-grid 17 digits); correct the code and the level."),
    "bad_level": _l("Unknown level: use district, subdistrict, community, grid or micro (or dedicated for a "
                    "dedicated grid)."),
    "dedicated_level": _l("The level says dedicated grid, but neither parent_code nor code tells where it hangs: "
                          "give the code of its parent."),
    "bad_kind": _l("Unknown kind: use regular or dedicated."),
    "bad_kind:dedicated": _l("A %(level)s cannot be a dedicated grid: a dedicated grid hangs under a district, "
                             "subdistrict, community or grid, one level below it."),
    "bad_count": _l("Households and population must be whole numbers of 0 or more."),
    "unexpected_parent": _l("A district has no parent: remove its parent_code."),
    "code_parent_mismatch": _l("The code %(code)s must start with its parent's code %(parent_code)s."),
    "duplicate_code": _l("This code appears more than once (in the file or already in the version)."),
    "unknown_parent": _l("The parent code is neither in the file nor in the version: import the parent first."),
    "parent_level": _l("The parent %(parent_code)s is a %(parent_level)s, but a %(level)s belongs to a "
                       "%(expected)s: correct parent_code."),
    "parent_level:dedicated": _l("The parent %(parent_code)s is a %(parent_level)s: a dedicated grid under it is "
                                 "at the level %(fits)s (or give the level as dedicated), its code the parent's "
                                 "code and 3 more digits (2 under a grid)."),
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
    "other_district": _l("The code %(code)s is not in district %(district)s (district_code): the codes of a "
                         "district's grids start with its code; import it into its own district."),
    "wrong_kind": _l("The feature is a %(got)s, but this import replaces the kind %(expected)s."),
}

#: Parameters that hold a level id: the message names the level by its label.
_LEVEL_PARAMS = ("level", "parent_level", "expected", "fits")


def message(reason: str, params: dict, fallback: str = "") -> str:
    """The reason's message in the current language, filled with ``params``."""
    template = MESSAGES.get(template_key(reason, params))
    if template is None:
        return fallback
    values = dict(params)
    labels, keys = (KIND_LABELS, ("got", "expected")) if reason == "wrong_kind" else (LEVEL_LABELS, _LEVEL_PARAMS)
    if reason == "wrong_level":
        keys = ("got", "expected")
    for key in keys:
        if isinstance(values.get(key), str):
            values[key] = text(labels, values[key])
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return str(template)


def feature_error_details(errors) -> list[dict]:
    """JSON-ready error list; the English text from geo is kept as ``detail``."""
    out = []
    for e in errors:
        params = dict(e.params or {})
        params.setdefault("field", e.field)
        out.append({"index": e.index, "code": e.code, "field": e.field, "reason": e.reason,
                    "message": message(e.reason, params, e.message), "detail": e.message,
                    "params": _jsonable(params)})
    return out


def _jsonable(params: dict) -> dict:
    return {k: (v if isinstance(v, (str, int, float, bool, type(None))) else str(v)) for k, v in params.items()}
