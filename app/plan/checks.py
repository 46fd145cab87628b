"""Validation of a version (a draft, usually): gathers its grids and staff, runs ``geo.validation``.

Thresholds come from ``geo.validation.Thresholds`` defaults, overridden by
the ``PLAN_VALIDATION`` setting (a dict of the same names) and then by the
request (``?sliver_m2=&min_compactness=&max_grids_per_worker=&households_grid=150-300``).

A draft keeps its last validation with the default thresholds
(``boundary_version.validation``, for the ``row_version`` it is for). Reading
it again costs nothing; after an edit only the grids the edit touched and
their parents are checked again (:func:`after_edit`, ``geo.validation.revalidate``)
and the answer says which issues appeared and which were resolved. Any
other threshold runs the whole validation and keeps nothing.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter

import shapely
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import text

from app.errors import ValidationError
from app.extensions import db
from app.grids import export
from app.grids.versions import Scope, scope_of
from app.labels import LEVEL_LABELS, text as label_text
from app.models import BoundaryVersion
from app.plan.messages import geojson, group_label, rule_message
from app.sqlfiles import sql
from geo import hierarchy as h
from geo.hierarchy import LEVELS
from geo.validation import (GridRecord, Issue, Thresholds, ValidationResult, revalidate, sort_issues, validate,
                            worker_issues)

NUMBERS = {"noise_m2": (0.0, 1e4), "sliver_m2": (0.0, 1e7), "sliver_width_m": (0.0, 1e3),
           "min_compactness": (0.0, 1.0), "max_grids_per_worker": (1, 1000)}
#: Issues listed in an edit's answer (what appeared, what was resolved).
MAX_CHANGES = 200


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


def grid_records(scope: Scope, codes=None, *, with_geometry: bool = True) -> list[GridRecord]:
    """The grids of ``scope`` (all of them, or those of ``codes`` and their children)."""
    rows = export.grid_rows(scope, codes=codes, with_geometry=with_geometry)
    geoms = shapely.from_wkb([bytes(r.wkb) for r in rows]) if rows and with_geometry else [None] * len(rows)
    return [GridRecord(r.code, r.level, r.kind, r.parent_code, g, r.households, r.population, tuple(r.staff),
                       bool(r.exclave)) for r, g in zip(rows, geoms)]


def _worker_records(scope: Scope, staff_ids) -> list[GridRecord]:
    """The grids that count towards the load of ``staff_ids`` (no geometry)."""
    if not staff_ids:
        return []
    rows = db.session.execute(sql("plan/worker_grids"), {**scope.params, "staff_ids": sorted(staff_ids)}).all()
    return [GridRecord(r.code, r.level, r.kind, r.parent_code, None, staff=tuple(r.staff)) for r in rows]


def run(scope: Scope, t: Thresholds | None = None) -> ValidationResult:
    return validate(grid_records(scope), t or thresholds())


# ----------------------------------------------------------------------------- kept validation of a draft

def _fingerprint(t: Thresholds) -> str:
    return hashlib.sha1(json.dumps(thresholds_dict(t), sort_keys=True).encode()).hexdigest()[:16]


def _stored_issue(i: Issue) -> dict:
    return {"rule": i.rule, "severity": i.severity, "code": i.code, "level": i.level, "params": i.params,
            "area_m2": i.area_m2, "geometry": geojson(i.geometry), "codes": list(i.codes), "owner": i.owner}


def _issue_from(d: dict) -> Issue:
    geom = shapely.from_geojson(json.dumps(d["geometry"])) if d.get("geometry") else None
    return Issue(d["rule"], d["severity"], d["code"], d["level"], d.get("params") or {}, d.get("area_m2"), geom,
                 tuple(d.get("codes") or ()), d.get("owner"))


def _store(draft: BoundaryVersion, result: ValidationResult, t: Thresholds, row_version: int) -> None:
    # Only for the row_version it was made for: a validation finished after a newer edit is not kept.
    db.session.execute(text(
        "UPDATE boundary_version SET validation = CAST(:v AS jsonb), validation_row_version = :rv "
        "WHERE id = :id AND row_version = :rv"), {
        "id": draft.id, "rv": row_version, "v": json.dumps({
            "thresholds": _fingerprint(t), "stats": result.stats,
            "issues": [_stored_issue(i) for i in result.issues]}, ensure_ascii=False, default=float)})


def _kept(draft: BoundaryVersion, t: Thresholds) -> ValidationResult | None:
    data = draft.validation
    if not data or draft.validation_row_version != draft.row_version or data.get("thresholds") != _fingerprint(t):
        return None
    return ValidationResult([_issue_from(d) for d in data["issues"]], data.get("stats") or {})


def current(version: BoundaryVersion, t: Thresholds | None = None, *, keep: bool = True) -> ValidationResult:
    """The validation of ``version``: a draft's kept one when it is up to date, else a full run (kept
    for a draft when ``t`` are the default thresholds and ``keep``)."""
    default = thresholds()
    t = t or default
    pending = version.status == "draft"
    if pending and t == default:
        kept = _kept(version, t)
        if kept is not None:
            return kept
    result = run(scope_of(version), t)
    if pending and keep and t == default:
        _store(version, result, t, version.row_version)
    return result


def _parents(codes) -> set[str]:
    out = set()
    for code in codes:
        level = next((lv for lv, n in h.CODE_LENGTH.items() if n == len(code)), None)
        parent = h.PARENT_LEVEL.get(level) if level else None
        if parent:
            out.add(code[:h.CODE_LENGTH[parent]])
    return out


def _key(i: Issue) -> tuple:
    """What makes an issue the same one before and after an edit: its rule and grids, not its figures
    (a grid still above the target with other households is not a new issue)."""
    return (i.rule, i.code, tuple(i.codes), i.params.get("staff_id"))


def after_edit(draft: BoundaryVersion, touched, before_row_version: int) -> dict | None:
    """Check again what an edit of ``draft`` touched; keep and return what changed.

    Only when the draft's validation was kept for the state before the edit (else None: the
    client asks for the whole validation). ``touched``: the codes the edit wrote or removed.
    """
    t = thresholds()
    data = draft.validation
    if not data or draft.validation_row_version != before_row_version or data.get("thresholds") != _fingerprint(t):
        return None
    owners = set(touched) | _parents(touched)
    scope = scope_of(draft)
    # The owners, their children (version_grids' :codes) and their parents.
    records = grid_records(scope, owners | _parents(owners))
    fresh = revalidate(records, owners, t)
    old = [_issue_from(d) for d in data["issues"]]
    # A worker's load changes only for the workers of the grids touched (or of what they came from).
    staff = set(db.session.execute(sql("plan/staff_of_codes"), {**scope.params, "codes": sorted(touched)})
                .scalars())
    kept = [i for i in old if i.owner not in owners
            and not (i.rule == "worker_overload" and i.params.get("staff_id") in staff)]
    workers = [i for i in worker_issues(_worker_records(scope, staff), t) if i.params["staff_id"] in staff]
    result = ValidationResult(sort_issues(kept + fresh + workers), data.get("stats") or {})
    _store(draft, result, t, draft.row_version)
    before_keys = Counter(_key(i) for i in old)
    after_keys = Counter(_key(i) for i in result.issues)
    added = [i for i in result.issues if after_keys[_key(i)] > before_keys.get(_key(i), 0)]
    resolved = [i for i in old if before_keys[_key(i)] > after_keys.get(_key(i), 0)]
    return {"summary": summary(result), "publishable": result.publishable, "checked": len(owners),
            "added": [issue_dict(i) for i in added[:MAX_CHANGES]], "added_count": len(added),
            "resolved": [issue_dict(i) for i in resolved[:MAX_CHANGES]], "resolved_count": len(resolved)}


# ----------------------------------------------------------------------------- answers

def issue_dict(issue: Issue, *, with_geometry: bool = True) -> dict:
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
    return {"errors": len(result.errors), "warnings": len(result.warnings), "notices": len(result.notices),
            "by_rule": by_rule}


def groups(result: ValidationResult) -> list[dict]:
    """Issues grouped by kind (rule and level), in the order of the list: errors first.

    Each with its count and a label a planner reads ("户数超出目标：7 个微网格").
    """
    counts: dict[tuple, int] = {}
    for i in result.issues:
        key = (i.severity, i.rule, i.level)
        counts[key] = counts.get(key, 0) + 1
    return [{"severity": s, "rule": r, "level": lv, "count": n,
             "label": group_label(r, n, label_text(LEVEL_LABELS, lv) if lv else "")}
            for (s, r, lv), n in counts.items()]


def to_json(result: ValidationResult, t: Thresholds, *, limit: int, with_geometry: bool = True) -> dict:
    return {"publishable": result.publishable, "summary": summary(result), "groups": groups(result),
            "issues": [issue_dict(i, with_geometry=with_geometry) for i in result.issues[:limit]],
            "truncated": len(result.issues) > limit, "stats": result.stats, "thresholds": thresholds_dict(t)}


def to_geojson(result: ValidationResult, *, limit: int) -> dict:
    """Issues as map features (those without a geometry of their own carry the grid code to join on)."""
    feats = []
    for i in result.issues[:limit]:
        props = issue_dict(i, with_geometry=False)
        feats.append({"type": "Feature", "geometry": geojson(i.geometry), "properties": props})
    return {"type": "FeatureCollection", "features": feats}
