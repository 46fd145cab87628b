"""Editing a draft: reshape, split, merge, move grids or buildings, import a level; undo and redo.

Each edit runs the same workflow in one transaction: lock the draft and check
the client's ``row_version`` (app.plan.drafts), load the grids the edit
needs, let ``geo.planning`` compute the change (refused edits raise before
anything is written: the draft stays as it was), write it copy-on-write
(app.plan.family), log it with the state of every touched grid before and
after (for undo/redo) and what moved from where to where, bump
``row_version``, check again the grids it touched (app.plan.checks) and
write the audit entry.

:func:`preview` runs the same computation without writing anything: the
households and population of the grids an edit would change, before and
after, while the planner is still choosing (or the reason it would be refused).
"""
from __future__ import annotations

import json
from typing import Callable

import shapely
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, text

from app import audit
from app.actor import current_actor
from app.errors import Conflict, ValidationError
from app.extensions import db
from app.grids.messages import feature_error_details
from app.grids.service import check_district_codes
from app.models import BoundaryVersion, DraftOperation, VERSION_STATUSES
from app.plan import buildings, checks, drafts, family as fam
from app.plan.messages import edit_error
from geo import hierarchy as h
from geo.crs import UnknownCRSError, geometry_to_wgs84, parse_crs
from geo.features import ExistingGrid, parse_grid_collection
from geo.geometry import parse_polygonal
from geo.planning import (Edit, Family, Node, PlanError, allow_exclave, merge, move, move_plots, people_moved,
                          replace_level, reshape, split)
from geo.plots import building_plots

#: Codes listed in an operation's summary (the log keeps every grid in before/after anyway).
SUMMARY_CODES = 200
LEFTOVER = ("refuse", "neighbours")


# ----------------------------------------------------------------------------- input

def _crs(body: dict):
    try:
        return parse_crs(body.get("crs"))
    except (UnknownCRSError, TypeError, ValueError):
        raise ValidationError(_("Unknown coordinate system: use an EPSG code such as 4326, 4490 or 4547, "
                                "or gcj02 / bd09."), {"field": "crs"}) from None


def _code(value, field: str = "code") -> str:
    code = value.strip() if isinstance(value, str) else (str(value) if isinstance(value, int)
                                                         and not isinstance(value, bool) else None)
    if not code or not code.isascii() or not code.isdigit() or len(code) not in h.CODE_LENGTH.values():
        raise ValidationError(_("%(field)s must be a grid code: 6, 9, 12, 15 or 17 digits.", field=field),
                              {"field": field})
    return code


def _codes(value, field: str = "codes") -> list[str]:
    if not isinstance(value, list) or not value or len(value) > 1000:
        raise ValidationError(_("%(field)s must be a list of grid codes.", field=field), {"field": field})
    return [_code(v, field) for v in value]


def _level_of(code: str) -> str:
    return next(level for level, n in h.CODE_LENGTH.items() if n == len(code))


def _parent_of(code: str) -> str | None:
    parent_level = h.PARENT_LEVEL.get(_level_of(code))
    return code[:h.CODE_LENGTH[parent_level]] if parent_level else None


def _polygon(body: dict, field: str = "geometry"):
    crs = _crs(body)
    geom, issues = parse_polygonal(body.get(field), geographic=crs.is_geographic)
    if issues:
        issue = issues[0]
        raise ValidationError(_("%(field)s must be a valid GeoJSON Polygon or MultiPolygon (%(reason)s).",
                                field=field, reason=issue.reason), {"field": field, "reason": issue.reason,
                                                                    "params": _jsonable(issue.params)})
    return _to_wgs84(geom, crs, field)


def _line(body: dict, field: str = "line"):
    crs = _crs(body)
    obj = body.get(field)
    if not isinstance(obj, dict) or obj.get("type") not in ("LineString", "MultiLineString"):
        raise ValidationError(_("line must be a GeoJSON LineString (or MultiLineString) drawn across the grid."),
                              {"field": field})
    try:
        geom = shapely.from_geojson(json.dumps(obj))
    except (shapely.errors.GEOSException, ValueError, TypeError):
        geom = None
    coords = shapely.get_coordinates(geom) if geom is not None else None
    if geom is None or geom.is_empty or coords is None or len(coords) < 2 or not bool(
            (abs(coords) < 1e9).all()):
        raise ValidationError(_("line must be a GeoJSON LineString (or MultiLineString) drawn across the grid."),
                              {"field": field})
    if crs.is_geographic and not ((abs(coords[:, 0]) <= 180).all() and (abs(coords[:, 1]) <= 90).all()):
        raise ValidationError(_("line coordinates must be longitude -180..180 and latitude -90..90 "
                                "(check the coordinate system)."), {"field": field})
    return _to_wgs84(geom, crs, field)


def _check_size(geom, field: str) -> None:
    limit = current_app.config["MAX_GRID_VERTICES"]
    n = int(shapely.get_num_coordinates(geom))
    if n > limit:
        raise ValidationError(_("The %(field)s has %(n)s positions, more than the limit of %(limit)s; simplify it.",
                                field=field, n=n, limit=limit), {"field": field})


def _to_wgs84(geom, crs, field: str):
    _check_size(geom, field)
    if not crs.is_wgs84:
        geom = geometry_to_wgs84(geom, crs)
        coords = shapely.get_coordinates(geom)
        if not (len(coords) and (abs(coords[:, 0]) <= 180).all() and (abs(coords[:, 1]) <= 90).all()):
            raise ValidationError(_("The coordinates do not convert to points on Earth; check crs."),
                                  {"field": "crs"})
    return geom


def _jsonable(params: dict) -> dict:
    return {k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v) for k, v in params.items()}


def _names(value) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v.strip()) <= 100 for v in value):
        raise ValidationError(_("names must be a list of grid names (1-100 characters each)."), {"field": "names"})
    return [v.strip() for v in value]


def _name(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value.strip()) <= 100:
        raise ValidationError(_("name must be 1-100 characters."), {"field": "name"})
    return value.strip()


# ----------------------------------------------------------------------------- the workflow

def _summary(edit: Edit, family: Family) -> dict:
    moves = edit.moves[:SUMMARY_CODES]
    names = {}
    for code in named_in_log(edit.created, moves, edit.touched):
        node = edit.upsert.get(code) or family.nodes.get(code)
        if node is not None:
            names[code] = node.name
    return summary_of(sorted(edit.upsert), sorted(edit.remove), edit.created, edit.recoded) | {
        "moves": moves, "names": names}


def named_in_log(created: list[str], moves: list[dict], touched) -> list[str]:
    """The codes whose names the edit log's line mentions (new grids, what moved and between which grids,
    the first grids touched); their names are kept as they are after the edit, else as they were."""
    named = set(created[:SUMMARY_CODES]) | {m[k] for m in moves for k in ("code", "from", "to", "new_code")
                                            if m.get(k)}
    named |= set(sorted(touched, key=lambda c: (len(c), c))[:SUMMARY_CODES])
    return sorted(named)


def summary_of(changed: list[str], removed: list[str], created: list[str], recoded: dict) -> dict:
    """What an edit changed, as logged and audited (the first codes of each list, and their counts)."""
    return {"changed": changed[:SUMMARY_CODES], "changed_count": len(changed),
            "removed": removed[:SUMMARY_CODES], "removed_count": len(removed),
            "created": created[:SUMMARY_CODES], "recoded": dict(list(recoded.items())[:SUMMARY_CODES])}


def log_operation(draft: BoundaryVersion, kind: str, params: dict, summary: dict, before: dict, after: dict,
                  source: dict | None = None) -> DraftOperation:
    """Log one edit of ``draft`` (its codes before and after, for undo and redo); undone edits are dropped."""
    # A new edit makes the undone ones unreachable: redo only replays the edit just undone.
    db.session.execute(delete(DraftOperation).where(DraftOperation.draft_id == draft.id,
                                                    DraftOperation.state == "undone"))
    seq = (db.session.scalar(select(func.max(DraftOperation.seq)).where(DraftOperation.draft_id == draft.id))
           or 0) + 1
    actor = current_actor()
    op = DraftOperation(draft_id=draft.id, seq=seq, kind=kind, state="done", params=params, summary=summary,
                        before=before, after=after, source=source or None, actor_id=actor.id, actor=actor.name)
    db.session.add(op)
    return op


def perform(draft: BoundaryVersion, kind: str, compute: Callable[[BoundaryVersion], tuple[Family, Edit]],
            params: dict, *, record: bool = True, source: dict | None = None) -> tuple[DraftOperation, Edit]:
    """Compute, write and log one edit of the locked ``draft`` (no commit).

    Raises the 422 of a refused edit before anything is written. ``record`` bumps ``row_version`` and
    writes the edit's audit entry; a rebase replays many edits and does both once for all of them.
    ``source`` is logged as it stands once ``compute`` has run (an import fills it in, see import_op).
    """
    try:
        family, edit = compute(draft)
    except PlanError as exc:
        raise edit_error(exc) from None
    if edit.empty:
        raise ValidationError(_("This edit changes nothing."), {"field": "body", "reason": "no_change"},
                              code="invalid_edit")
    # A draft is one district's (issue 19): whatever made the grids (the editor, a file, a rebase's
    # replay), each code is that district's, as for an import (the same refusal and message).
    check_district_codes(list(edit.upsert.values()), draft.district_code)
    before, after = fam.snapshot(family, edit)
    fam.apply(draft, edit)
    summary = _summary(edit, family)
    op = log_operation(draft, kind, params, summary, before, after, source)
    if record:
        record_edit(draft, op)
    return op, edit


def record_edit(draft: BoundaryVersion, op: DraftOperation) -> None:
    """The draft's next row_version and the edit's audit entry (once per request, or once per rebase)."""
    old = draft.row_version
    drafts.bump(draft)
    db.session.flush()
    # The names are for the edit log's lines; the audit keeps codes.
    audit.record(f"draft.{op.kind}", "draft", draft.id, before={"row_version": old},
                 after={"row_version": draft.row_version, "operation": op.seq, "kind": op.kind, "params": op.params,
                        **{k: v for k, v in op.summary.items() if k != "names"}})


Edited = tuple[BoundaryVersion, DraftOperation, "dict | None"]


def run(draft_id: int, body: dict, kind: str, compute: Callable[[BoundaryVersion], tuple[Family, Edit]],
        params: dict, source: dict | None = None) -> Edited:
    """Lock, compute, write, log, audit, check again, commit. ``compute`` raises PlanError for an edit
    that cannot be made. Returns the draft, the logged edit and what validation says changed (None when
    the draft had no kept validation to start from: the client asks for the whole of it)."""
    draft = drafts.lock(draft_id, body.get("row_version"))
    before = draft.row_version
    op, edit = perform(draft, kind, compute, params, source=source)
    changes = checks.after_edit(draft, edit.touched, before)
    db.session.commit()
    return draft, op, changes


# Each edit is built by a factory (code and shapes already checked) into its ``compute`` and logged
# params, so that a rebase (app.plan.rebase) replays logged edits through the very same path.
Operation = tuple[Callable[[BoundaryVersion], tuple[Family, Edit]], dict]


def reshape_op(code: str, geometry, leftover: str) -> Operation:
    parent = _parent_of(code)

    def compute(draft):
        family = fam.load(draft, codes=[code], subtrees=[parent] if parent else [])
        return family, reshape(family, code, geometry, leftover=leftover, thresholds=checks.thresholds())

    return compute, {"code": code, "leftover": leftover}


def split_op(code: str, line, names: list[str] | None) -> Operation:
    parent = _parent_of(code)

    def compute(draft):
        family = fam.load(draft, codes=[code], subtrees=[parent] if parent else [])
        return family, split(family, code, line, names=names, thresholds=checks.thresholds())

    return compute, {"code": code, "line": shapely.to_wkt(line, rounding_precision=7), "names": names}


def merge_op(codes: list[str], name: str | None) -> Operation:
    parents = sorted({p for p in (_parent_of(c) for c in codes) if p})

    def compute(draft):
        family = fam.load(draft, codes=codes, subtrees=parents)
        return family, merge(family, codes, name=name, thresholds=checks.thresholds())

    return compute, {"codes": codes, "name": name}


def _ancestors(code: str) -> list[str]:
    return [code[:n] for n in sorted(h.CODE_LENGTH.values()) if n <= len(code)]


def move_op(codes: list[str], target: str) -> Operation:
    chain = sorted({a for c in codes for a in _ancestors(_parent_of(c) or c)} | set(_ancestors(target)))

    def compute(draft):
        # Every grid on the way from the old and new parents up to the district, with all its
        # children (parents are recomputed as unions of them), and the moved grids' subtrees.
        family = fam.load(draft, codes=chain + codes, children_of=chain, subtrees=codes,
                          taken_under=[target, *codes])
        return family, move(family, codes, target, thresholds=checks.thresholds())

    return compute, {"codes": codes, "target": target}


def move_buildings_op(address_ids: list[int], target: str) -> Operation:
    """Move the buildings of ``address_ids`` (each address stands for its whole building) into
    ``target``: each takes its plot of its leaf grid along (geo.plots, geo.planning.move_plots)."""
    def compute(draft):
        picked, sites = buildings.picked(draft, address_ids)
        leaves = sorted(sites)
        chain = sorted({a for c in leaves for a in _ancestors(_parent_of(c) or c)} | set(_ancestors(target)))
        # Plots change hands but no grid changes parent: no new code is made (taken codes under the leaves).
        family = fam.load(draft, codes=chain + leaves, children_of=chain, subtrees=leaves, taken_under=leaves)
        plots = []
        for leaf in leaves:
            of_leaf = building_plots(sites[leaf], family.get(leaf, "address_ids").geometry)
            mine = [b for b in picked if b.leaf == leaf]
            plots.append((leaf, shapely.union_all([of_leaf[b.key] for b in mine]), sum(b.households for b in mine)))
        edit = move_plots(family, plots, target, thresholds=checks.thresholds())
        for m in edit.moves:  # the log names the buildings
            m["buildings"] = [b.key for b in picked if b.leaf == m["from"]][:20]
        return family, edit

    return compute, {"address_ids": address_ids, "target": target}


def exclave_op(code: str, allowed: bool) -> Operation:
    def compute(draft):
        family = fam.load(draft, codes=[code])
        return family, allow_exclave(family, code, allowed)

    return compute, {"code": code, "allowed": allowed}


def reshape_grid(draft_id: int, body: dict):
    body = drafts.body_object(body)
    code = _code(body.get("code"))
    geometry = _polygon(body)
    leftover = body.get("leftover") or "refuse"
    if leftover not in LEFTOVER:
        raise ValidationError(_("leftover must be refuse or neighbours."), {"field": "leftover"})
    return run(draft_id, body, "reshape", *reshape_op(code, geometry, leftover))


def split_grid(draft_id: int, body: dict):
    body = drafts.body_object(body)
    code = _code(body.get("code"))
    line = _line(body)
    names = _names(body.get("names"))
    return run(draft_id, body, "split", *split_op(code, line, names))


def merge_grids(draft_id: int, body: dict):
    body = drafts.body_object(body)
    codes = _codes(body.get("codes"))
    name = _name(body.get("name"))
    return run(draft_id, body, "merge", *merge_op(codes, name))


def move_grids(draft_id: int, body: dict):
    body = drafts.body_object(body)
    codes = _codes(body.get("codes"))
    target = _code(body.get("target"), "target")
    return run(draft_id, body, "move", *move_op(codes, target))


def _address_ids(body: dict) -> list[int]:
    ids = body.get("address_ids")
    if not isinstance(ids, list) or not ids or len(ids) > 500 or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids):
        raise ValidationError(_("address_ids must be a list of 1 to 500 standard address ids (one per building)."),
                              {"field": "address_ids"})
    return sorted(set(ids))


def move_buildings(draft_id: int, body: dict):
    body = drafts.body_object(body)
    ids = _address_ids(body)
    target = _code(body.get("target"), "target")
    return run(draft_id, body, "move_buildings", *move_buildings_op(ids, target))


def set_exclave(draft_id: int, body: dict):
    """Allow a grid to lie in separate pieces (``allowed``: true, the default) or withdraw that."""
    body = drafts.body_object(body)
    code = _code(body.get("code"))
    allowed = body.get("allowed", True)
    if not isinstance(allowed, bool):
        raise ValidationError(_("allowed must be true or false."), {"field": "allowed"})
    return run(draft_id, body, "exclave", *exclave_op(code, allowed))


def import_op(nodes_of: Callable[[Family], list[Node]], *, level: str, scope: str | None, kind: str,
              params: dict, source: dict) -> Operation:
    """Replace ``level`` (of ``kind``) under ``scope`` (the district when None) by the grids
    ``nodes_of(family)`` gives. They are also put into ``source`` (the log's ``source`` column):
    a rebase replays the import from there, as the file itself is not kept."""
    def compute(draft):
        root = scope or _district_code(draft)
        family = fam.load(draft, codes=[root], subtrees=[root])
        nodes = nodes_of(family)
        source["features"] = [fam.node_to_json(n) for n in nodes]
        return family, replace_level(family, nodes, level=level, scope=root, kind=kind)

    return compute, params


def import_level(draft_id: int, body: dict, collection: dict, crs: str | None, *, level: str, scope: str | None,
                 kind: str, filename: str):
    """Replace a level of the draft by the features of a file (already read by app.grids.files)."""
    def read(family: Family) -> list[Node]:
        parent_level = h.PARENT_LEVEL.get(level)
        existing = {n.code: ExistingGrid(n.code, n.level, n.kind, n.geometry)
                    for n in family.nodes.values() if n.level == parent_level}
        parsed = parse_grid_collection(collection, crs, existing,
                                       max_features=current_app.config["MAX_IMPORT_FEATURES"],
                                       max_vertices=current_app.config["MAX_GRID_VERTICES"])
        if not parsed.ok:
            raise ValidationError(
                _("%(n)s feature(s) of the file are invalid; nothing was imported. Fix them and import again.",
                  n=len({e.index for e in parsed.errors})),
                {"errors": feature_error_details(parsed.errors)[:1000], "field": "file"})
        if not parsed.features:
            raise ValidationError(_("The file holds no features; nothing was imported."), {"field": "file"})
        return [Node(f.code, f.name, f.level, f.kind, f.parent_code, f.geometry, f.households, f.population,
                     in_base=False) for f in parsed.features]

    params = {"level": level, "scope": scope, "kind": kind, "file": filename[:200], "crs": crs}
    source: dict = {}
    compute, params = import_op(read, level=level, scope=scope, kind=kind, params=params, source=source)
    return run(draft_id, body, "import", compute, params, source=source)


def _district_code(draft: BoundaryVersion) -> str:
    codes = db.session.execute(text(
        "SELECT code FROM grid g WHERE g.level = 'district' AND g.district_code = :district_code "
        "AND grid_in_version(g.draft_id, g.generation_low, "
        "g.generation_high, g.ended_in_drafts, CAST(:base AS integer), CAST(:draft_id AS integer))"),
        {"base": draft.base_generation, "draft_id": draft.id, "district_code": draft.district_code}).scalars().all()
    if len(codes) != 1:
        raise ValidationError(_("Say which part of the draft the file replaces: parent=<code>."), {"field": "parent"})
    return codes[0]


# ----------------------------------------------------------------------------- undo / redo

def _replay(draft_id: int, body: dict, *, undo: bool) -> Edited:
    body = drafts.body_object(body)
    draft = drafts.lock(draft_id, body.get("row_version"))
    state = "done" if undo else "undone"
    order = DraftOperation.seq.desc() if undo else DraftOperation.seq.asc()
    op = db.session.scalars(select(DraftOperation).where(DraftOperation.draft_id == draft.id,
                                                         DraftOperation.state == state).order_by(order)
                            .limit(1)).first()
    if op is None:
        raise Conflict(_("Nothing to undo in this draft.") if undo else _("Nothing to redo in this draft."),
                       {"field": "draft_id", "reason": "nothing_to_undo" if undo else "nothing_to_redo"})
    edit = fam.edit_from_state(op.before if undo else op.after)
    fam.apply(draft, edit)
    op.state = "undone" if undo else "done"
    old = draft.row_version
    drafts.bump(draft)
    db.session.flush()
    audit.record("draft.undo" if undo else "draft.redo", "draft", draft.id, before={"row_version": old},
                 after={"row_version": draft.row_version, "operation": op.seq, "kind": op.kind})
    changes = checks.after_edit(draft, edit.touched, old)
    db.session.commit()
    return draft, op, changes


def undo(draft_id: int, body: dict):
    return _replay(draft_id, body, undo=True)


def redo(draft_id: int, body: dict):
    return _replay(draft_id, body, undo=False)


def operations(draft_id: int) -> list[DraftOperation]:
    """The edit log of a draft, or of the published version it became."""
    drafts.get(draft_id, statuses=VERSION_STATUSES)
    return list(db.session.scalars(select(DraftOperation).where(DraftOperation.draft_id == draft_id)
                                   .order_by(DraftOperation.seq)))


# ----------------------------------------------------------------------------- preview (live totals)

#: Grids listed in a preview.
PREVIEW_GRIDS = 60


def _counts(node: Node | None) -> dict | None:
    return None if node is None else {"households": node.households, "population": node.population}


def _entry(code: str, before: Node | None, after: Node | None) -> dict:
    node = after or before
    return {"code": code, "name": node.name, "level": node.level, "before": _counts(before), "after": _counts(after)}


def _minus(node: Node, households: int | None, population: int | None) -> dict:
    """Counts of ``node`` once units holding those households and people leave it."""
    def less(value, gone):
        return None if value is None or gone is None else max(value - gone, 0)
    return {"households": less(node.households, households), "population": less(node.population, population)}


def _leaving(family: Family, losses: dict[str, list[int | None]]) -> list[dict]:
    """Grids that lose units before a target is chosen: ``losses`` code -> [households, people]."""
    out = []
    for code, (households, people) in sorted(losses.items()):
        node = family.nodes.get(code)
        if node is not None:
            out.append({**_entry(code, node, None), "after": _minus(node, households, people)})
    return out


def preview(draft_id: int, body: dict) -> dict:
    """What an edit would do to households and population, computed as the edit computes it, writing nothing.

    ``action``: move (``codes``, ``target`` optional: without it, what the units' grids lose),
    move-buildings (``address_ids``, ``target`` optional), split (``code``, ``line``, ``names``).
    Answers ``grids`` (code, name, level, before and after counts), ``moves``, the ``created`` codes
    with their names, and ``refused`` (the edit's 422 error, with its geometry) when it would be refused.
    """
    body = drafts.body_object(body)
    draft = drafts.get(draft_id)
    action = body.get("action")
    target = _code(body["target"], "target") if body.get("target") not in (None, "") else None
    if action == "move":
        codes = _codes(body.get("codes"))
        if target is None:
            family = fam.load(draft, codes=codes)
            losses: dict[str, list] = {}
            for code in codes:
                unit = family.nodes.get(code)
                if unit is None or unit.parent_code is None:
                    continue
                total = losses.setdefault(unit.parent_code, [0, 0])
                for k, value in enumerate((unit.households, unit.population)):
                    total[k] = None if value is None or total[k] is None else total[k] + value
            family = fam.load(draft, codes=sorted(set(codes) | set(losses)))
            return {"grids": _leaving(family, losses), "moves": [], "created": [], "refused": None}
        compute, _params = move_op(codes, target)
    elif action == "move-buildings":
        ids = _address_ids(body)
        if target is None:
            chosen, _sites = buildings.picked(draft, ids)
            leaves = sorted({b.leaf for b in chosen})
            family = fam.load(draft, codes=leaves)
            losses = {}
            for leaf in leaves:
                node = family.nodes[leaf]
                households = sum(b.households for b in chosen if b.leaf == leaf)
                losses[leaf] = [households, people_moved(households, node.households, node.population)]
            return {"grids": _leaving(family, losses), "moves": [], "created": [], "refused": None}
        compute, _params = move_buildings_op(ids, target)
    elif action == "split":
        compute, _params = split_op(_code(body.get("code")), _line(body), _names(body.get("names")))
    else:
        raise ValidationError(_("action must be move, move-buildings or split."), {"field": "action"})
    try:
        family, edit = compute(draft)
    except PlanError as exc:
        err = edit_error(exc)
        return {"grids": [], "moves": [], "created": [], "refused": {"code": err.code, "message": err.message,
                                                                      "details": err.details}}
    entries = []
    for code in sorted(edit.touched, key=lambda c: (len(c), c)):
        before = family.nodes.get(code)
        after = edit.upsert.get(code)
        if before is None and after is None:
            continue
        entries.append(_entry(code, before, after))
    return {"grids": entries[:PREVIEW_GRIDS], "moves": edit.moves,
            "created": [{"code": c, "name": edit.upsert[c].name} for c in edit.created if c in edit.upsert],
            "refused": None}
