"""Translated messages for the reason codes of ``geo.planning`` and ``geo.validation``."""
from __future__ import annotations

import json

import shapely
from flask_babel import lazy_gettext as _l

from app.errors import ValidationError

EDIT_MESSAGES = {
    "unknown_grid": _l("No grid %(code)s in this draft."),
    "district_fixed": _l("The district outline cannot be edited in a draft; edit its subdistricts."),
    "wrong_level": _l("Grid %(code)s is at the wrong level here: expected %(expected)s."),
    "wrong_kind": _l("Grid %(code)s is a %(kind)s grid; this edit works on regular grids."),
    "empty_geometry": _l("The geometry is empty; draw a polygon."),
    "outside_parent": _l("The new shape reaches %(outside_m2)s m² beyond its parent %(parent_code)s; "
                         "keep it inside the parent."),
    "swallows_sibling": _l("The new shape would take all of grid %(sibling)s; merge the two grids instead."),
    "leaves_gap": _l("The new shape gives up %(area_m2)s m² that no neighbouring grid takes: that would be a gap. "
                     "Draw the shape to cover it, or send leftover=\"neighbours\" to hand it to the neighbours."),
    "line_not_crossing": _l("The line must cross grid %(code)s from one side to the other to split it."),
    "too_few_grids": _l("Name at least two grids to merge (one or more to move)."),
    "different_parents": _l("Grid %(code)s belongs to %(parent_code)s, not %(expected)s: only grids of one "
                            "parent can be merged."),
    "not_adjacent": _l("The grids %(apart)s do not share a border with the others; only adjacent grids can be "
                       "merged."),
    "already_in_target": _l("Grid %(code)s already belongs to %(target)s."),
    "would_empty": _l("Grid %(code)s would be left with no grids inside; merge it instead."),
    "no_free_code": _l("No free code is left under %(parent_code)s."),
    "bad_parent": _l("The parent %(parent_code)s of grid %(code)s is not in this draft at the level above."),
    "outside_scope": _l("Grid %(code)s is not under %(scope)s, the part of the draft being replaced."),
    "duplicate_code": _l("The code %(code)s appears more than once."),
    "plot_outside_grid": _l("The building lies outside grid %(code)s; reload the map and pick it again."),
    "plot_not_adjacent": _l("The building's plot in %(code)s does not touch %(target)s: a building can only move "
                            "to a neighbouring grid."),
    "plot_is_whole_grid": _l("The chosen buildings hold all of grid %(code)s; move the whole grid instead."),
}

RULE_MESSAGES = {
    "invalid_geometry": _l("The geometry of %(code)s is invalid: %(reason)s."),
    "empty_geometry": _l("Grid %(code)s has no area."),
    "unknown_parent": _l("The parent %(parent_code)s of %(code)s is not in this version."),
    "outside_parent": _l("Grid %(code)s reaches beyond its parent %(parent_code)s."),
    "gap": _l("Part of %(code)s is covered by none of its grids (a gap)."),
    "overlap": _l("Grids %(code)s and %(other_code)s overlap."),
    "sliver": _l("A sliver (%(kind)s) at %(code)s: too small or thin to be a planning decision."),
    "multipart": _l("Grid %(code)s is in %(parts)s separate pieces."),
    "households_low": _l("%(code)s has %(value)s households, fewer than the target %(min)s-%(max)s."),
    "households_high": _l("%(code)s has %(value)s households, more than the target %(min)s-%(max)s."),
    "population_low": _l("%(code)s has %(value)s people, fewer than the target %(min)s-%(max)s."),
    "population_high": _l("%(code)s has %(value)s people, more than the target %(min)s-%(max)s."),
    "not_compact": _l("%(code)s is far from compact (Polsby-Popper %(compactness)s, below %(minimum)s)."),
    "unstaffed": _l("Grid %(code)s has no worker."),
    "worker_overload": _l("Worker %(staff_id)s answers for %(grids)s grids (more than %(maximum)s)."),
}


def _render(template, params: dict) -> str:
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def geojson(geom) -> dict | None:
    if geom is None or geom.is_empty:
        return None
    return json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-7)))


def edit_error(exc) -> ValidationError:
    """A ``geo.planning.PlanError`` as the 422 the API returns (the geometry to show, when there is one)."""
    params = {k: (", ".join(v) if isinstance(v, (list, tuple)) else v) for k, v in exc.params.items()}
    details = {"field": exc.field or None, "reason": exc.reason,
               "params": {k: v if isinstance(v, (str, int, float, bool, type(None), list)) else str(v)
                          for k, v in exc.params.items()}}
    if exc.geometry is not None:
        details["geometry"] = geojson(exc.geometry)
    return ValidationError(_render(EDIT_MESSAGES.get(exc.reason, exc.reason), params), details,
                           code="invalid_edit")


def rule_message(rule: str, code, params: dict) -> str:
    return _render(RULE_MESSAGES.get(rule, rule), {"code": code or "-", **params})
