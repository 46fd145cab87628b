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
    "not_contiguous": _l("%(name)s (%(code)s) would be in %(parts)s separate pieces. Choose units that touch it, "
                         "or, if it really is to lie in pieces, allow it as an exclave first."),
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
    "exclave": _l("%(code)s is allowed as an exclave (%(parts)s piece(s))."),
}

#: What a group of issues of one kind is called, with its count and level ("户数超出目标：7 个微网格").
GROUP_MESSAGES = {
    "invalid_geometry": _l("Invalid shapes: %(n)s %(level)s"),
    "empty_geometry": _l("Grids without area: %(n)s %(level)s"),
    "unknown_parent": _l("Parent missing: %(n)s %(level)s"),
    "outside_parent": _l("Beyond their parent: %(n)s %(level)s"),
    "gap": _l("Gaps: %(n)s, in %(level)s"),
    "overlap": _l("Overlaps: %(n)s, between %(level)s"),
    "sliver": _l("Slivers: %(n)s, at %(level)s"),
    "multipart": _l("In separate pieces: %(n)s %(level)s"),
    "households_low": _l("Households below the target: %(n)s %(level)s"),
    "households_high": _l("Households above the target: %(n)s %(level)s"),
    "population_low": _l("Population below the target: %(n)s %(level)s"),
    "population_high": _l("Population above the target: %(n)s %(level)s"),
    "not_compact": _l("Far from compact: %(n)s %(level)s"),
    "unstaffed": _l("Without a worker: %(n)s %(level)s"),
    "worker_overload": _l("Workers with too many grids: %(n)s (%(level)s)"),
    "exclave": _l("Allowed exclaves: %(n)s %(level)s"),
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


def group_label(rule: str, n: int, level: str) -> str:
    return _render(GROUP_MESSAGES.get(rule, rule), {"n": n, "level": level})


# ----------------------------------------------------------------------------- the edit log

OPERATION_TEXTS = {
    "reshape": _l("Redrew %(grid)s"),
    "split": _l("Split %(grid)s into %(parts)s"),
    "merge": _l("Merged %(grids)s into %(grid)s"),
    "move": _l("Moved %(what)s from %(from)s to %(to)s"),
    "move_buildings": _l("Moved %(what)s (%(households)s households) from %(from)s to %(to)s"),
    "exclave_on": _l("Allowed %(grid)s to lie in separate pieces (exclave)"),
    "exclave_off": _l("Withdrew the exclave allowance of %(grid)s"),
    "import": _l("Imported %(file)s (%(level)s)"),
}
MORE = _l("and %(n)s more")
NOW_CODED = _l("now %(grid)s")
BUILDINGS = _l("%(n)s building(s)")


def _grid(code: str | None, names: dict) -> str:
    if not code:
        return "-"
    name = names.get(code)
    return f"{name}（{code}）" if name else code


def _listed(items: list[str], limit: int = 3) -> str:
    shown = "、".join(items[:limit])
    if len(items) > limit:
        shown += " " + _render(MORE, {"n": len(items) - limit})
    return shown


def operation_text(kind: str, params: dict, summary: dict) -> str:
    """One line of the edit log: what the edit did, naming what moved, from where, to where."""
    params, summary = params or {}, summary or {}
    names = summary.get("names") or {}
    moves = summary.get("moves") or []
    if kind == "move" and moves:
        groups: dict[tuple, list[str]] = {}
        for m in moves:
            what = _grid(m["code"], names)
            if m.get("new_code") and m["new_code"] != m["code"]:
                what += f"（{_render(NOW_CODED, {'grid': _grid(m['new_code'], names)})}）"
            groups.setdefault((m["from"], m["to"]), []).append(what)
        return "；".join(_render(OPERATION_TEXTS["move"], {"what": _listed(w), "from": _grid(a, names),
                                                           "to": _grid(b, names)}) for (a, b), w in groups.items())
    if kind == "move_buildings" and moves:
        lines = []
        for m in moves:
            buildings = m.get("buildings") or []
            what = _listed(buildings) if buildings else _render(BUILDINGS, {"n": len(params.get("address_ids") or [])})
            lines.append(_render(OPERATION_TEXTS["move_buildings"], {
                "what": what, "households": m.get("households") if m.get("households") is not None else "-",
                "from": _grid(m["from"], names), "to": _grid(m["to"], names)}))
        return "；".join(lines)
    if kind == "split":
        created = summary.get("created") or []
        return _render(OPERATION_TEXTS["split"], {"grid": _grid(params.get("code"), names),
                                                  "parts": _listed([_grid(c, names) for c in created
                                                                    if len(c) == len(params.get("code") or "")], 6)})
    if kind == "merge":
        created = [c for c in summary.get("created") or [] if len(c) == len((params.get("codes") or [""])[0])]
        merged = _listed([_grid(c, names) for c in params.get("codes") or []], 6)
        return _render(OPERATION_TEXTS["merge"], {"grids": merged,
                                                  "grid": _grid(created[0] if created else None, names)})
    if kind == "exclave":
        key = "exclave_on" if params.get("allowed", True) else "exclave_off"
        return _render(OPERATION_TEXTS[key], {"grid": _grid(params.get("code"), names)})
    if kind == "import":
        return _render(OPERATION_TEXTS["import"], {"file": params.get("file") or "",
                                                   "level": params.get("level") or ""})
    if kind == "reshape":
        return _render(OPERATION_TEXTS["reshape"], {"grid": _grid(params.get("code"), names)})
    target = params.get("target") or params.get("code") or ", ".join(params.get("codes") or [])
    return f"{kind} {target}"


def describe(op) -> dict:
    """A logged edit as the API answers it: its row and its line for the edit log."""
    return {**op.to_dict(), "description": operation_text(op.kind, op.params, op.summary)}
