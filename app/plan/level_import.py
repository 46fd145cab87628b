"""Importing a whole level of a draft from a file, as a job: never a timeout, a district's micro-grids in seconds.

The request (``POST /api/v1/drafts/<id>/import``, ``flask plan import-level``) checks what is cheap -- the
form, the draft and its row_version, the parent code, what the file is from its bytes, a zip's directory,
a Shapefile's record headers, a GeoPackage's feature count (:func:`check`) -- and queues a job (app.jobs)
that runs :func:`run`:

1. read the file once (app.grids.files: GeoJSON by json; GeoPackage, zipped Shapefile by locked-down GDAL);
2. check every feature's properties and shape (geo.features, parents left to step 3);
3. lock the draft, COPY the features into ``plan_import`` and, set-based in SQL, find each one's parent
   among the grids of the level above in the draft -- the grid its ``parent_code`` names, or else the one
   holding it (covering it; else the one with the largest part of it) -- and check it lies inside that
   parent, clipping an overhang within geo.containment's tolerance (sql/import_parents.sql). Features
   that fit no parent are listed by index with the reason: ``unknown_parent``, ``parent_level``,
   ``parent_kind``, ``no_parent``, ``outside_scope`` (a parent that exists, outside ``parent=``),
   ``code_parent_mismatch``, ``outside_parent``, and ``wrong_level``/``wrong_kind`` for a feature of
   another level or kind than the one replaced;
4. replace the level: set-based when nothing in the draft hangs below it (micro-grids;
   sql/import_leaves.sql, its log built in SQL too, sql/import_log.sql), through
   geo.planning.replace_level when its grids have children to refit into the new shapes;
5. log the edit (undo, redo, rebase), bump row_version, audit; the job commits it with its own "done".
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import text

from app.bulk import copy_rows
from app.errors import Conflict, ValidationError
from app.extensions import db
from app.grids.service import check_district_codes
from app.grids.messages import feature_error_details
from app.jobs import Progress, run_here, submit
from app.models import BoundaryVersion, KINDS, LEVELS
from app.grids import files
from app.plan import drafts, edits, family as fam
from app.plan.messages import describe
from app.sqlfiles import sql, statements
from geo import hierarchy as h
from geo.containment import OVERHANG_MIN_M2, OVERHANG_RATIO, SLIVER_M2
from geo.crs import UnknownCRSError, parse_crs
from geo.features import FeatureError, parse_grid_collection
from geo.messages import render
from geo.planning import Node

#: The steps a level import reports as its progress (done of STEPS).
STEPS = 4
STAGING_COLUMNS = ("idx", "code", "name", "level", "kind", "parent_code", "parent_from", "households", "population",
                   "counts_given", "geom")


@dataclass(frozen=True)
class LevelImport:
    """What was asked: the file (kept in memory for the job), the level it replaces and where."""

    draft_id: int
    row_version: int
    level: str
    kind: str
    scope: str | None
    layer: str | None
    crs: str | None
    filename: str
    data: bytes
    #: The draft's district: the job row's (app.jobs.runner).
    district_code: str | None = None

    def params(self) -> dict:
        """As the job and the edit log show them (never the file itself)."""
        return {"draft_id": self.draft_id, "district_code": self.district_code, "level": self.level, "scope": self.scope, "kind": self.kind,
                "file": self.filename[:200], "layer": self.layer, "crs": self.crs, "bytes": len(self.data)}


# ----------------------------------------------------------------------------- in the request

def check(draft_id: int, form, data: bytes, filename: str) -> LevelImport:
    """The import asked by ``form`` (level, kind, parent, layer, crs, row_version), checked as far as is cheap."""
    level = form.get("level") or None
    if level not in LEVELS or level == "district":
        raise ValidationError(_("level is required: the level the file replaces (subdistrict, community, grid or "
                                "micro)."), {"field": "level"})
    kind = form.get("kind") or "regular"
    if kind not in KINDS:
        raise ValidationError(_("kind must be regular or dedicated."), {"field": "kind"})
    row_version = drafts.expected_version(form.get("row_version"))
    crs = form.get("crs") or None
    if crs is not None:
        try:
            parse_crs(crs)
        except (UnknownCRSError, TypeError, ValueError):
            raise ValidationError(_("Unknown coordinate system: use an EPSG code such as 4326, 4490 or 4547, "
                                    "or gcj02 / bd09."), {"field": "crs"}) from None
    draft = drafts.get(draft_id)
    if draft.row_version != row_version:
        raise Conflict(_("Someone else changed this draft meanwhile (now version %(now)s, you sent %(sent)s); "
                         "reload it and apply your change again.", now=draft.row_version, sent=row_version),
                       {"field": "row_version", "current": draft.row_version, "draft": drafts.to_dict(draft)})
    scope = form.get("parent") or None
    if scope is not None:
        scope = edits._code(scope, "parent")
        _check_scope(draft, scope, level)
    layer = form.get("layer") or None
    if layer is not None and len(layer) > 200:
        raise ValidationError(_("layer is too long."), {"field": "layer"})
    files.precheck(data)
    return LevelImport(draft_id, row_version, level, kind, scope, layer, crs, filename or "", data,
                       draft.district_code)


def _check_scope(draft: BoundaryVersion, scope: str, level: str) -> None:
    found = db.session.execute(text(
        "SELECT level FROM grid g WHERE g.code = :code AND g.district_code = :district AND "
        "grid_in_version(g.draft_id, g.generation_low, "
        "g.generation_high, g.ended_in_drafts, CAST(:base AS integer), CAST(:draft_id AS integer)) LIMIT 1"),
        {"code": scope, "base": draft.base_generation, "draft_id": draft.id,
         "district": draft.district_code}).scalar()
    if found is None:
        raise ValidationError(_("No grid %(code)s in this draft: parent= names the grid whose %(level)s the file "
                                "replaces.", code=scope, level=level), {"field": "parent"})
    if h.DEPTH[found] >= h.DEPTH[level]:
        raise ValidationError(_("parent= must be a grid above the level the file replaces (%(code)s is a "
                                "%(found)s).", code=scope, found=found), {"field": "parent"})


def queue(request: LevelImport):
    """The job importing ``request`` (queued; inline when JOBS_INLINE)."""
    return submit("level_import", lambda progress: run(request, progress), params=request.params(), total=STEPS,
                  message=_("Waiting to import %(file)s", file=request.filename[:100]))


def run_in_cli(request: LevelImport, on_step):
    return run_here("level_import", lambda progress: run(request, progress), params=request.params(), total=STEPS,
                    on_step=on_step)


# ----------------------------------------------------------------------------- the job

def run(request: LevelImport, progress: Progress) -> dict:
    """Read, check, place and write (see the module docstring); the job's result. Does not commit."""
    progress(0, STEPS, _("Reading %(file)s", file=request.filename[:100]))
    read = files.read(request.data, request.filename, layer=request.layer, crs=request.crs, level=request.level)
    progress(1, STEPS, _("Checking %(n)s features", n=read.features))
    cfg = current_app.config
    # Parents, containment and areas are for the database (step 3): parse_grid_collection does the rest.
    parsed = parse_grid_collection(read.collection, read.crs, {}, max_features=cfg["MAX_IMPORT_FEATURES"],
                                   max_vertices=cfg["MAX_GRID_VERTICES"], parents="defer")
    errors = list(parsed.errors)
    features = []
    for f in parsed.features:
        if f.level != request.level:
            errors.append(_error(f.index, f.code, "properties.level", "wrong_level", got=f.level,
                                 expected=request.level))
        elif f.kind != request.kind:
            errors.append(_error(f.index, f.code, "properties.kind", "wrong_kind", got=f.kind, expected=request.kind))
        else:
            features.append(f)
    if not features:
        _refuse(errors)
        raise ValidationError(_("The file holds no features; nothing was imported."), {"field": "file"})

    # The features without a fault are placed even when others have one: every problem is listed at once.
    progress(2, STEPS, _("Finding the parent of each of %(n)s grids", n=len(features)))
    draft = drafts.lock(request.draft_id, request.row_version)
    # A draft belongs to one district: the file's codes must be that district's (issue 19).
    check_district_codes(features, draft.district_code)
    scope = request.scope or edits._district_code(draft)
    # :district: the draft's; generations are numbered per district, so grid_in_version alone would
    # also match another district's rows of the same generation (issue 19).
    params = {"draft_id": draft.id, "district": draft.district_code, "base": draft.base_generation, "level": request.level,
              "parent_level": h.PARENT_LEVEL[request.level], "kind": request.kind, "scope": scope}
    _stage(features)
    for stmt in statements("plan/import_parents"):
        db.session.execute(stmt, {**params, "overhang_min": OVERHANG_MIN_M2, "overhang_ratio": OVERHANG_RATIO,
                                  "sliver": SLIVER_M2})
    _refuse(errors + _placement_errors(params))

    progress(3, STEPS, _("Writing %(n)s grids into the draft", n=len(features)))
    log_params = {"level": request.level, "scope": request.scope, "kind": request.kind,
                  "file": request.filename[:200], "crs": read.crs}
    if _has_children(params):
        op = _replace_with_refit(draft, request, log_params)
    else:
        op = _replace_leaves(draft, params, log_params)
    db.session.execute(text("DROP TABLE plan_import"))
    progress(STEPS, STEPS, _("Imported %(n)s grids", n=len(features)))
    # A whole level changed: checking again "what the edit touched" is the whole validation, so the answer
    # says to fetch it (null), as other edits do when the draft kept none.
    return {"draft": drafts.to_dict(draft), "operation": describe(op),
            "read": {"features": read.features, "crs": read.crs, "layer": read.layer}, "validation": None}


def _error(index, feature_code, field: str, reason: str, **params) -> FeatureError:
    return FeatureError(index, feature_code, field, reason, params, render(reason, field, params, index))


def _refuse(errors: list[FeatureError]) -> None:
    if errors:
        errors.sort(key=lambda e: -1 if e.index is None else e.index)
        raise ValidationError(
            _("%(n)s feature(s) of the file are invalid; nothing was imported. Fix them and import again.",
              n=len({e.index for e in errors})),
            {"errors": feature_error_details(errors)[:1000], "field": "file"})


def _stage(features) -> None:
    db.session.execute(text(
        "CREATE TEMP TABLE plan_import (idx integer PRIMARY KEY, code text NOT NULL, name text, level text, kind text,"
        " parent_code text, parent_from text NOT NULL, households integer, population integer,"
        " counts_given boolean NOT NULL, area_m2 double precision, geom geometry(MultiPolygon, 4326) NOT NULL,"
        " reason text, found_level text, covered boolean, inside geometry, outside_m2 double precision,"
        " tolerance_m2 double precision, clipped boolean NOT NULL DEFAULT false) ON COMMIT DROP"))
    geoms = shapely.to_wkb(shapely.set_srid(np.asarray([f.geometry for f in features], dtype=object), 4326),
                           hex=True, include_srid=True, output_dimension=2)
    copy_rows("plan_import", STAGING_COLUMNS, (
        (f.index, f.code, f.name, f.level, f.kind, f.parent_code, "file" if f.parent_code else "containment",
         f.households, f.population, "t" if f.households is not None or f.population is not None else "f",
         wkb) for f, wkb in zip(features, geoms)))
    db.session.execute(text("ANALYZE plan_import"))


def _placement_errors(params: dict) -> list[FeatureError]:
    rows = db.session.execute(text(
        "SELECT idx, code, reason, parent_code, found_level, outside_m2, tolerance_m2 FROM plan_import "
        "WHERE reason IS NOT NULL ORDER BY idx")).all()
    out = []
    for r in rows:
        field = "geometry" if r.reason in ("no_parent", "outside_parent") else "properties.parent_code"
        if r.reason == "no_parent":
            extra = {"parent_level": params["parent_level"], "scope": params["scope"]}
        elif r.reason == "outside_parent":
            extra = {"parent_code": r.parent_code, "outside_m2": round(r.outside_m2, 3),
                     "tolerance_m2": round(r.tolerance_m2, 3)}
        elif r.reason == "outside_scope":
            extra = {"parent_code": r.parent_code, "scope": params["scope"]}
        elif r.reason == "code_parent_mismatch":
            field = "properties.code"
            extra = {"code": r.code, "parent_code": r.parent_code}
        elif r.reason == "parent_level":
            extra = {"parent_code": r.parent_code, "level": params["level"], "expected": params["parent_level"],
                     "parent_level": r.found_level}
        else:  # unknown_parent, parent_kind
            extra = {"parent_code": r.parent_code, "level": params["level"]}
        out.append(_error(r.idx, r.code, field, r.reason, **extra))
    return out


def _has_children(params: dict) -> bool:
    """Whether grids of the level being replaced have children in the draft (to refit into the new shapes)."""
    child_level = {v: k for k, v in h.PARENT_LEVEL.items()}.get(params["level"])
    if child_level is None:
        return False
    return bool(db.session.execute(text(
        "SELECT EXISTS (SELECT 1 FROM grid c JOIN grid p ON p.code = c.parent_code"
        " WHERE c.level = :child AND p.level = :level AND p.kind = :kind AND p.code LIKE :scope || '%'"
        " AND c.district_code = :district AND p.district_code = :district"
        " AND grid_in_version(c.draft_id, c.generation_low, c.generation_high, c.ended_in_drafts,"
        "                     CAST(:base AS integer), CAST(:draft_id AS integer))"
        " AND grid_in_version(p.draft_id, p.generation_low, p.generation_high, p.ended_in_drafts,"
        "                     CAST(:base AS integer), CAST(:draft_id AS integer)))"),
        {**params, "child": child_level}).scalar())


def _replace_with_refit(draft: BoundaryVersion, request: LevelImport, log_params: dict):
    """Grids with children: geo.planning.replace_level refits the children into the new shapes."""
    rows = db.session.execute(text(
        "SELECT code, name, level, kind, parent_code, households, population, ST_AsBinary(geom) AS wkb "
        "FROM plan_import ORDER BY idx")).all()
    geoms = shapely.from_wkb([bytes(r.wkb) for r in rows])
    nodes = [Node(r.code, r.name, r.level, r.kind, r.parent_code, g, r.households, r.population, in_base=False)
             for r, g in zip(rows, geoms)]
    source: dict = {}
    compute, params = edits.import_op(lambda family: nodes, level=request.level, scope=request.scope,
                                      kind=request.kind, params=log_params, source=source)
    op, _edit = edits.perform(draft, "import", compute, params, source=source)
    return op


def _replace_leaves(draft: BoundaryVersion, params: dict, log_params: dict):
    """A level with nothing below it: the edit worked out in SQL (sql/import_leaves.sql) and logged there."""
    conn = db.session.connection()
    fam.stage(conn)
    for stmt in statements("plan/import_leaves"):
        conn.execute(stmt, params)
    _stage_parent_sums(params)
    changed, removed, created = [], [], []
    for code, op, is_new in conn.execute(text(
            "SELECT e.code, e.op, n.code IS NOT NULL AND NOT n.existed FROM plan_edit e "
            "LEFT JOIN plan_new n ON n.code = e.code ORDER BY e.code")):
        (changed if op == "upsert" else removed).append(code)
        if is_new:
            created.append(code)
    if not changed and not removed:
        raise ValidationError(_("This edit changes nothing."), {"field": "body", "reason": "no_change"},
                              code="invalid_edit")
    named = edits.named_in_log(created, [], set(changed) | set(removed))
    # Names after the edit (plan_edit's upserts), else as they were (the draft's grid of that code).
    names = dict(conn.execute(text(
        "SELECT e.code, coalesce(e.name, g.name) FROM plan_edit e LEFT JOIN grid g ON g.code = e.code "
        " AND g.district_code = :district AND grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts,"
        " CAST(:base AS integer), CAST(:draft_id AS integer)) WHERE e.code = ANY(CAST(:named AS text[]))"),
        {**params, "named": named}).all())
    summary = edits.summary_of(changed, removed, created, {}) | {"moves": [], "names": names}
    op = edits.log_operation(draft, "import", log_params, summary, {}, {})
    db.session.flush()
    # The log's before/after/source are built where the rows are (megabytes of WKB for a district).
    log = conn.execute(sql("plan/import_log"), params).one()
    conn.execute(text("UPDATE draft_operation SET before = CAST(:before AS jsonb), after = CAST(:after AS jsonb),"
                      " source = CAST(:source AS jsonb) WHERE id = :operation_id"),
                 {"before": log.before, "after": log.after, "source": log.source, "operation_id": op.id})
    db.session.expire(op, ["before", "after", "source"])
    fam.write_staged(draft)
    conn.execute(text("DROP TABLE plan_new, plan_estimate"))
    edits.record_edit(draft, op)
    return op


def _stage_parent_sums(params: dict) -> None:
    """The parents' households and population after the import, as geo.planning sums them: bottom-up, a
    regular grid whose regular children changed (or which gained or lost children) gets their sum when every
    child has a figure and it had one before. Added to ``plan_edit``."""
    conn = db.session.connection()
    depth = h.DEPTH[params["level"]]
    old = {r.code: r for r in conn.execute(text(
        "SELECT code, level, kind, parent_code, households, population FROM grid g "
        "WHERE g.code LIKE :scope || '%' AND g.district_code = :district AND g.level = ANY(CAST(:levels AS text[])) "
        "AND grid_in_version(g.draft_id, g.generation_low, g.generation_high, g.ended_in_drafts, "
        "CAST(:base AS integer), CAST(:draft_id AS integer))"),
        {**params, "levels": list(h.LEVELS[:depth + 1])})}
    removed = set(conn.execute(text("SELECT code FROM plan_edit WHERE op = 'remove'")).scalars())
    new = {r.code: r for r in conn.execute(text(
        "SELECT code, level, kind, parent_code, households, population FROM plan_new"))}
    live = {code: r for code, r in old.items() if code not in removed and code not in new}
    live.update(new)
    counts = {code: (r.households, r.population) for code, r in live.items()}
    children, before = defaultdict(list), defaultdict(set)
    for code, r in live.items():
        children[r.parent_code].append(code)
    for code, r in old.items():
        before[r.parent_code].add(code)

    def changed(code: str) -> bool:
        o = old.get(code)
        return o is None or live[code].parent_code != o.parent_code or counts[code] != (o.households, o.population)

    for level in reversed(h.LEVELS[:depth]):
        for code, r in live.items():
            if r.level != level or r.kind != "regular":
                continue
            kids = [k for k in children[code] if live[k].kind == "regular"]
            if not kids or (not any(changed(k) for k in kids) and set(children[code]) == before[code]):
                continue
            values = list(counts[code])
            for i, original in enumerate((r.households, r.population)):
                figures = [counts[k][i] for k in kids]
                if original is not None and all(v is not None for v in figures):
                    values[i] = int(sum(figures))
            counts[code] = tuple(values)
    updates = [(code, *counts[code]) for code, r in old.items()
               if code in live and h.DEPTH[r.level] < depth and counts[code] != (r.households, r.population)]
    if updates:
        codes, households, population = zip(*updates)
        conn.execute(text(
            "INSERT INTO plan_edit (code, op, name, level, kind, parent_code, households, population, predecessors,"
            " area_m2, wkb, exclave) "
            "SELECT g.code, 'upsert', g.name, g.level, g.kind, g.parent_code, x.households, x.population,"
            " g.predecessors, g.area_m2, encode(ST_AsBinary(g.geom), 'hex'), g.exclave "
            "FROM grid g JOIN unnest(CAST(:codes AS text[]), CAST(:households AS integer[]),"
            " CAST(:population AS integer[])) AS x(code, households, population) ON x.code = g.code "
            "WHERE g.district_code = :district AND grid_in_version(g.draft_id, g.generation_low, g.generation_high,"
            " g.ended_in_drafts, CAST(:base AS integer), CAST(:draft_id AS integer))"),
            {**params, "codes": list(codes), "households": list(households), "population": list(population)})
