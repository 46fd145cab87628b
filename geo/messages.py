"""English messages for :mod:`geo.features` reason codes.

The app translates ``reason`` + ``params`` itself; these plain English
texts are the fallback and what the CLI prints. Each names what is wrong and
how to fix it.
"""
from __future__ import annotations

TEMPLATES = {
    "invalid_json": "The upload is not valid JSON ({detail}); export it again as GeoJSON.",
    "not_feature_collection": "The file must be a GeoJSON FeatureCollection with a \"features\" array "
                              "(got {got}); export the layer as a FeatureCollection.",
    "unknown_crs": "The collection's \"crs\" member names an unknown coordinate system ({got}); "
                   "declare one of: EPSG code, wgs84, cgcs2000, gcj02, bd09.",
    "too_many_vertices": "{field} has {got} positions, more than the limit of {limit} per grid; "
                         "simplify the boundary before importing it.",
    "too_many_features": "The collection has {got} features, more than the limit of {limit}; "
                         "split the file and import it in parts.",
    "feature_not_object": "{field} is not a GeoJSON Feature object (got {got}); "
                          "each entry of \"features\" must be {{\"type\": \"Feature\", ...}}.",
    "missing_property": "{field} is missing or empty; add it to the feature's properties.",
    "bad_code": "{field} must be {expected} digits for level '{level}' (got {value!r}); correct the code.",
    "bad_code:nolevel": "{field} must be a string of digits whose length fits the grid's level "
                        "(got {value!r}); correct the code and the level.",
    "bad_level": "{field} must be one of {allowed} (got {got!r}); correct the level.",
    "dedicated_level": "{field} is {got!r}, a dedicated grid, but neither parent_code nor code says where it "
                       "hangs; add the parent's code (a dedicated grid sits one level below its parent).",
    "bad_kind": "{field} must be one of {allowed} (got {got!r}); correct the kind.",
    "bad_kind:dedicated": "{field}: a {level} cannot be a dedicated grid; a dedicated grid hangs under a "
                          "district, subdistrict, community or grid, one level below it.",
    "bad_count": "{field} must be a whole number of 0 or more (got {got!r}); correct or remove it.",
    "unexpected_parent": "{field} must be empty for a district (got {got!r}); remove it.",
    "code_parent_mismatch": "{field}: code {code} does not start with its parent's code {parent_code}; "
                            "fix the code or the parent_code.",
    "duplicate_code": "{field}: code {code} is already used {where}; give each grid its own code.",
    "unknown_parent": "{field}: parent {parent_code} is neither in this file nor in the database; "
                      "import the parent first or correct parent_code.",
    "parent_level": "{field}: parent {parent_code} is a {parent_level}, but a {level} must belong to a "
                    "{expected}; correct parent_code.",
    "parent_level:dedicated": "{field}: parent {parent_code} is a {parent_level}; a dedicated grid under it is "
                              "at level {fits} (or write level: dedicated), with a code of its parent's code "
                              "and 3 more digits (2 under a grid).",
    "parent_kind": "{field}: parent {parent_code} is a dedicated grid; a regular {level} must belong to a "
                   "regular grid. Correct parent_code or mark this grid dedicated.",
    "missing_geometry": "{field} is missing or empty; draw the grid's boundary.",
    "geometry_type": "{field} must be a Polygon or MultiPolygon (got {got}); export areas, not lines or points.",
    "bad_coordinates": "{field} has a bad position at {path} ({detail}); fix or remove that vertex, "
                       "and check the declared coordinate system.",
    "too_few_points": "{field}: ring {path} has {got} distinct positions, at least {minimum} are needed "
                      "(first = last); redraw the ring.",
    "invalid_ring": "{field} is not a valid polygon: {explanation} near {location}; "
                    "remove the self-intersection or overlapping parts.",
    "outside_parent": "{field} extends {outside_m2:.1f} m² beyond parent {parent_code} "
                      "(tolerance {tolerance_m2:.1f} m²); redraw it inside its parent.",
    "wrong_level": "{field} is '{got}', but this import replaces level '{expected}'; import each level on its own.",
    "other_district": "{field}: code {code} does not start with {district}, the code of the district "
                      "(district_code) the grids are imported into; import it into its own district.",
    "wrong_kind": "{field} is '{got}', but this import replaces the {expected} grids; import each kind on its own.",
    "no_parent": "{field} lies in no {parent_level} of the draft under {scope}; redraw it inside one, "
                 "or give its parent_code.",
    "outside_scope": "{field}: parent {parent_code} is outside {scope}, the part of the draft this import "
                     "replaces; import without parent= to replace the whole level, or leave this grid out.",
}


def template_key(reason: str, params: dict) -> str:
    """The template of a reason for these params: some reasons read differently in one case.

    >>> template_key("bad_code", {"expected": None}), template_key("bad_code", {"expected": 15})
    ('bad_code:nolevel', 'bad_code')
    >>> template_key("parent_level", {"kind": "dedicated", "fits": "community"})
    'parent_level:dedicated'
    """
    if reason == "bad_code" and params.get("expected") is None:
        return "bad_code:nolevel"
    if reason == "bad_kind" and params.get("got") == "dedicated":
        return "bad_kind:dedicated"
    if reason == "parent_level" and params.get("kind") == "dedicated" and params.get("fits"):
        return "parent_level:dedicated"
    return reason


def render(reason: str, field: str, params: dict, index: int | None = None) -> str:
    """Fill the template for ``reason``; never fails (a bad template is a bug, not user error).

    >>> render("bad_count", "properties.households", {"got": -3})
    'properties.households must be a whole number of 0 or more (got -3); correct or remove it.'
    """
    values = {"field": field, "index": index, **params}
    try:
        return TEMPLATES[template_key(reason, params)].format(**values)
    except (KeyError, IndexError, ValueError):
        return f"{field}: {reason} {params}"
