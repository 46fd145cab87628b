"""Validation of a version (a draft, usually): gathers its grids and staff, runs ``geo.validation``.

Thresholds come from ``geo.validation.Thresholds`` defaults, overridden by
the ``PLAN_VALIDATION`` setting (a dict of the same names) and then by the
request (``?sliver_m2=&min_compactness=&max_grids_per_worker=&households_grid=150-300``).
"""
from __future__ import annotations

import shapely
from flask import current_app
from flask_babel import gettext as _

from app.errors import ValidationError
from app.extensions import db
from app.grids.versions import Scope
from app.plan.messages import geojson, rule_message
from app.sqlfiles import sql
from geo.hierarchy import LEVELS
from geo.validation import GridRecord, Thresholds, ValidationResult, validate

NUMBERS = {"noise_m2": (0.0, 1e4), "sliver_m2": (0.0, 1e7), "sliver_width_m": (0.0, 1e3),
           "min_compactness": (0.0, 1.0), "max_grids_per_worker": (1, 1000)}


def _range(raw: str, field: str) -> tuple[int, int] | None:
    if raw.strip().lower() in ("", "none", "off"):
        return None
    try:
        lo, hi = (int(p) for p in raw.replace("–", "-").split("-", 1))
    except ValueError:
        lo = hi = -1
    if lo < 0 or hi < lo:
        raise ValidationError(_("%(field)s must be a range such as 150-300 (or 'none').", field=field),
                              {"field": field, "value": raw[:40]})
    return lo, hi


def thresholds(args=None) -> Thresholds:
    """Defaults, then the PLAN_VALIDATION setting, then the request's query parameters."""
    base = Thresholds().with_overrides(**(current_app.config.get("PLAN_VALIDATION") or {}))
    if not args:
        return base
    values: dict = {}
    for name, (lo, hi) in NUMBERS.items():
        raw = args.get(name)
        if raw in (None, ""):
            continue
        try:
            value = float(raw)
            if not lo <= value <= hi:
                raise ValueError
        except ValueError:
            raise ValidationError(_("%(field)s must be a number between %(lo)s and %(hi)s.", field=name, lo=lo, hi=hi),
                                  {"field": name, "value": str(raw)[:40]}) from None
        values[name] = int(value) if name == "max_grids_per_worker" else value
    for attr in ("households", "population"):
        per_level = {}
        for level in LEVELS:
            raw = args.get(f"{attr}_{level}")
            if raw is not None:
                per_level[level] = _range(str(raw), f"{attr}_{level}")
        if per_level:
            values[attr] = per_level
    return base.with_overrides(**values)


def grid_records(scope: Scope) -> list[GridRecord]:
    rows = db.session.execute(sql("plan/version_grids"), {**scope.params, "level": None}).all()
    geoms = shapely.from_wkb([bytes(r.wkb) for r in rows]) if rows else []
    return [GridRecord(r.code, r.level, r.kind, r.parent_code, g, r.households, r.population, tuple(r.staff))
            for r, g in zip(rows, geoms)]


def run(scope: Scope, t: Thresholds | None = None) -> ValidationResult:
    return validate(grid_records(scope), t or thresholds())


def issue_dict(issue, *, with_geometry: bool = True) -> dict:
    out = {"rule": issue.rule, "severity": issue.severity, "code": issue.code, "level": issue.level,
           "message": rule_message(issue.rule, issue.code, issue.params),
           "area_m2": round(issue.area_m2, 2) if issue.area_m2 is not None else None,
           "codes": list(issue.codes), "params": issue.params}
    if with_geometry:
        out["geometry"] = geojson(issue.geometry)
    return out


def thresholds_dict(t: Thresholds) -> dict:
    return {"noise_m2": t.noise_m2, "sliver_m2": t.sliver_m2, "sliver_width_m": t.sliver_width_m,
            "min_compactness": t.min_compactness, "max_grids_per_worker": t.max_grids_per_worker,
            "households": {k: list(v) if v else None for k, v in t.households.items()},
            "population": {k: list(v) if v else None for k, v in t.population.items()}}


def summary(result: ValidationResult) -> dict:
    by_rule: dict[str, int] = {}
    for i in result.issues:
        by_rule[i.rule] = by_rule.get(i.rule, 0) + 1
    return {"errors": len(result.errors), "warnings": len(result.warnings), "by_rule": by_rule}


def to_json(result: ValidationResult, t: Thresholds, *, limit: int, with_geometry: bool = True) -> dict:
    return {"publishable": result.publishable, "summary": summary(result),
            "issues": [issue_dict(i, with_geometry=with_geometry) for i in result.issues[:limit]],
            "truncated": len(result.issues) > limit, "stats": result.stats, "thresholds": thresholds_dict(t)}


def to_geojson(result: ValidationResult, *, limit: int) -> dict:
    """Issues as map features (those without a geometry of their own carry the grid code to join on)."""
    feats = []
    for i in result.issues[:limit]:
        props = issue_dict(i, with_geometry=False)
        feats.append({"type": "Feature", "geometry": geojson(i.geometry), "properties": props})
    return {"type": "FeatureCollection", "features": feats}
