"""What publishing a draft would change (or what changed between any two versions).

For each grid that differs (matched by code): the change (added, removed,
reshaped, attributes), area gained and lost in m², households and population
before and after. Reports whose grid would change, all and open, grouped by
(from, to) grid; standard addresses and their buildings that would change
grid, the same way. Households moved: for each changed leaf grid, its
households times the share of its area it loses (an areal estimate: grids
carry household counts, the address library has no household register). Workers: staff of the
grids that disappear or change, and the new grids publishing will give them
(``suggested``, kept as the API's name): a new grid gets the active staff of
its predecessors in every role nobody holds there yet (app.plan.staffing).
A diff as GeoJSON: old and new outlines.
"""
from __future__ import annotations

import json

from app.extensions import db
from app.grids.versions import Scope
from app.models import OPEN_STATUSES
from app.sqlfiles import sql


def _params(a: Scope, b: Scope, with_geometry: bool) -> dict:
    # Two versions of one district (generations are numbered per district): only its grids are compared.
    version = b.version or a.version
    return {"a_generation": a.generation, "a_draft_id": a.draft_id, "b_generation": b.generation,
            "b_draft_id": b.draft_id, "with_geometry": with_geometry, "open_statuses": list(OPEN_STATUSES),
            "district_code": version.district_code if version is not None else None}


def version_brief(scope: Scope) -> dict | None:
    v = scope.version
    if v is None:
        return None
    return {"id": v.id, "name": v.name, "status": v.status, "generation": v.generation}


def grid_changes(a: Scope, b: Scope, *, with_geometry: bool = False) -> list:
    return db.session.execute(sql("plan/impact_grids"), _params(a, b, with_geometry)).all()


def _households_moved(rows) -> int:
    moved = 0.0
    for r in rows:
        if r.kind != "regular" or not r.a_leaf or r.a_households is None:
            continue
        if r.change == "removed":
            moved += r.a_households
        elif r.change == "reshaped" and r.area_before_m2:
            moved += r.a_households * float(r.area_lost_m2) / float(r.area_before_m2)
    return int(round(moved))


def _workers(rows) -> list[dict]:
    """Per active staff member: grids lost, changed grids, and the new grids publishing carries them to.

    ``suggested`` is what publish will do (plan/sql/carry_staff.sql), not a hint: for each new
    grid, the assignments of its predecessors in the roles nobody holds on the new grid yet.
    """
    lost = {r.code for r in rows if r.change == "removed"}
    changed = {r.code: r for r in rows if r.change in ("reshaped", "attributes")}
    sources = {r.code: list(r.b_predecessors or []) for r in rows if r.change == "added"}
    wanted = lost | set(changed) | set(sources) | {p for ps in sources.values() for p in ps}
    if not wanted:
        return []
    staff_rows = db.session.execute(sql("plan/staff_of"), {"codes": sorted(wanted)}).all()
    # Roles already held on a new grid are not carried there (someone was assigned ahead).
    held = {(s.grid_code, s.role) for s in staff_rows if s.grid_code in sources}
    people: dict[int, dict] = {}
    for s in staff_rows:
        person = people.setdefault(s.staff_id, {"staff_id": s.staff_id, "name": s.name, "loses": [],
                                                "changes": [], "suggested": []})
        if s.grid_code in lost and s.grid_code not in person["loses"]:
            person["loses"].append(s.grid_code)
        if s.grid_code in changed and all(c["code"] != s.grid_code for c in person["changes"]):
            r = changed[s.grid_code]
            person["changes"].append({"code": r.code, "area_gained_m2": float(r.area_gained_m2),
                                      "area_lost_m2": float(r.area_lost_m2),
                                      "households_before": r.a_households, "households_after": r.b_households})
        for new_code, preds in sources.items():
            if s.grid_code in preds and (new_code, s.role) not in held and new_code not in person["suggested"]:
                person["suggested"].append(new_code)
    return [p for p in people.values() if p["loses"] or p["changes"] or p["suggested"]]


def compare(a: Scope, b: Scope) -> dict:
    """The impact of going from version ``a`` to version ``b``."""
    rows = grid_changes(a, b)
    moves = db.session.execute(sql("plan/impact_moves"), _params(a, b, False)).all()
    grids = [{
        "code": r.code, "level": r.level, "kind": r.kind, "change": r.change,
        "name_before": r.a_name, "name_after": r.b_name, "parent_before": r.a_parent, "parent_after": r.b_parent,
        "households_before": r.a_households, "households_after": r.b_households,
        "population_before": r.a_population, "population_after": r.b_population,
        "area_before_m2": float(r.area_before_m2), "area_after_m2": float(r.area_after_m2),
        "area_gained_m2": float(r.area_gained_m2), "area_lost_m2": float(r.area_lost_m2),
        "predecessors": list(r.b_predecessors or []),
    } for r in rows]
    reports = [{"from_code": m.from_code, "to_code": m.to_code, "reports": m.moved, "open_reports": m.open_reports,
                "sample_tickets": list(m.samples or [])} for m in moves if m.kind == "report"]
    addresses = [{"from_code": m.from_code, "to_code": m.to_code, "addresses": m.moved, "buildings": m.buildings,
                  "sample_addresses": list(m.samples or [])} for m in moves if m.kind == "address"]
    counts = {c: sum(1 for g in grids if g["change"] == c) for c in ("added", "removed", "reshaped", "attributes")}
    return {
        "from": version_brief(a), "to": version_brief(b),
        "summary": {"grids_changed": len(grids), **counts,
                    "reports_moved": sum(m["reports"] for m in reports),
                    "open_reports_moved": sum(m["open_reports"] for m in reports),
                    "addresses_moved": sum(m["addresses"] for m in addresses),
                    "buildings_moved": sum(m["buildings"] for m in addresses),
                    "households_moved": _households_moved(rows)},
        "grids": grids, "reports": reports, "addresses": addresses, "workers": _workers(rows),
    }


def diff_geojson(a: Scope, b: Scope) -> dict:
    """Old and new outlines of every grid that changed shape or exists in one version only."""
    feats = []
    for r in grid_changes(a, b, with_geometry=True):
        if r.change == "attributes":
            continue
        common = {"code": r.code, "level": r.level, "kind": r.kind, "change": r.change,
                  "area_gained_m2": float(r.area_gained_m2), "area_lost_m2": float(r.area_lost_m2)}
        if r.a_geojson:
            feats.append({"type": "Feature", "geometry": json.loads(r.a_geojson),
                          "properties": {**common, "side": "old", "name": r.a_name, "households": r.a_households}})
        if r.b_geojson:
            feats.append({"type": "Feature", "geometry": json.loads(r.b_geojson),
                          "properties": {**common, "side": "new", "name": r.b_name, "households": r.b_households}})
    return {"type": "FeatureCollection", "features": feats}
