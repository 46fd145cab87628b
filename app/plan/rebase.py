"""Rebase a stale draft: replay its edits on the version published now.

A draft opened before another draft was published is stale and cannot be
published (app.plan.publish). Rebasing spares the planner redoing the work by
hand, in one transaction:

1. Lock the draft (``row_version`` as for every change) and, for reading, the
   published version, so no publication slips in between.
2. Read the draft's edit log: only the edits currently applied (state
   "done", in order); undone ones are dropped with the rest of the log.
3. Reset the draft to a plain copy of the published generation (its own rows
   go, the rows it ended are shared again) keeping its id, author, note and
   effective date.
4. Replay every edit through the same factories and workflow as the original
   request (app.plan.edits), so every check runs again. An edit that is now
   refused (its grid is gone, the shape leaves a gap, ...) is skipped and
   reported with its reason; the others are applied and logged afresh (undo
   works on the rebased draft).

Codes given out by split and merge depend on the codes already taken, so a
replayed split may get other codes than the original one. The replay keeps a
map from the original codes to the replayed ones and rewrites the codes of
later edits through it; an edit that names a grid made by an edit that was
skipped (or whose new codes cannot be matched) is skipped too, never applied
to whatever grid now carries that code.

Limits: a reshape is replayed with the shape the grid had after the original
edit (the log keeps that, not the drawing). An import is replayed from the
features it read, kept in the log's ``source`` (migration 0016), as a new
import of the same file would: it replaces the whole level under its scope,
including grids of that level published since. Imports logged before the
features were kept cannot be replayed.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import shapely
from flask_babel import gettext as _
from sqlalchemy import delete, select

from app import audit
from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models import BoundaryVersion, DraftOperation
from app.plan import drafts, edits, family as fam
from app.sqlfiles import statements


class Skip(Exception):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class Codes:
    """Original code -> code in the rebased draft, and original codes that no longer stand for anything."""

    renamed: dict[str, str] = field(default_factory=dict)
    lost: set[str] = field(default_factory=set)

    def __call__(self, code: str) -> str:
        if code in self.lost:
            raise Skip("depends_on_skipped",
                       _("This edit works on grid %(code)s, which an earlier edit made and which could not be "
                         "replayed.", code=code))
        return self.renamed.get(code, code)

    def follow(self, op: dict, edit) -> dict[str, str]:
        """Match the codes the original edit gave out with the replayed ones; the changes, for the report."""
        changed: dict[str, str] = {}
        created = list(op["summary"].get("created") or [])
        if len(created) == len(edit.created):
            pairs = zip(created, edit.created)
        else:
            self.lost |= set(created)
            pairs = ()
        for old, new in pairs:
            self.renamed[old] = new
            if old != new:
                changed[old] = new
        for was, became in (op["summary"].get("recoded") or {}).items():
            now = edit.recoded.get(self.renamed.get(was, was), self.renamed.get(was, was))
            self.renamed[became] = now
            if became != now:
                changed[became] = now
        return changed

    def lose(self, op: dict) -> None:
        self.lost |= set(op["summary"].get("created") or [])
        self.lost |= set((op["summary"].get("recoded") or {}).values())


def _operation(op: dict, codes: Codes, source: dict) -> edits.Operation:
    """The replay of one logged edit, its codes rewritten: (compute, params) as the original request built.
    ``source`` receives what the replayed edit must log as its source (an import's features)."""
    params, kind = op["params"], op["kind"]
    if kind == "reshape":
        state = (op["after"] or {}).get(params["code"])
        if state is None:
            raise Skip("not_replayable", _("This edit cannot be replayed; make it again."))
        return edits.reshape_op(codes(params["code"]), shapely.from_wkb(state["wkb"]), params["leftover"])
    if kind == "split":
        return edits.split_op(codes(params["code"]), shapely.from_wkt(params["line"]), params.get("names"))
    if kind == "merge":
        return edits.merge_op([codes(c) for c in params["codes"]], params.get("name"))
    if kind == "move":
        return edits.move_op([codes(c) for c in params["codes"]], codes(params["target"]))
    if kind == "exclave":
        return edits.exclave_op(codes(params["code"]), params.get("allowed", True))
    if kind == "move_buildings":
        # The buildings are found again by their addresses, in the grids of the new version.
        return edits.move_buildings_op(params["address_ids"], codes(params["target"]))
    if kind == "import" and (op.get("source") or {}).get("features"):
        nodes = [fam.node_from_json(f) for f in op["source"]["features"]]
        # Read before replaying, so an imported code that an earlier skipped edit made skips this one too.
        nodes = [replace(n, code=codes(n.code), parent_code=codes(n.parent_code) if n.parent_code else None,
                         in_base=False) for n in nodes]
        scope = codes(params["scope"]) if params.get("scope") else None
        return edits.import_op(lambda family: nodes, level=params["level"], scope=scope, kind=params["kind"],
                               params=params, source=source)
    raise Skip("not_replayable", _("An import cannot be replayed: the file is not kept. Import it again."))


def _brief(op: dict) -> dict:
    return {"seq": op["seq"], "kind": op["kind"], "params": op["params"]}


def rebase(draft_id: int, body) -> dict:
    body = drafts.body_object(body)
    draft = drafts.lock(draft_id, body.get("row_version"))
    published = db.session.execute(select(BoundaryVersion).where(BoundaryVersion.status == "published",
                                                                 BoundaryVersion.district_code == draft.district_code)
                                   .with_for_update(read=True)
                                   .execution_options(populate_existing=True)).scalar_one_or_none()
    current = published.generation if published else None
    if current == draft.base_generation:
        raise Conflict(_("This draft is already based on the published version; there is nothing to rebase."),
                       {"field": "draft_id", "reason": "not_stale", "base_generation": draft.base_generation})

    log = [{"seq": o.seq, "kind": o.kind, "params": o.params, "summary": o.summary or {}, "after": o.after,
            "source": o.source}
           for o in db.session.scalars(select(DraftOperation).where(DraftOperation.draft_id == draft.id,
                                                                    DraftOperation.state == "done")
                                       .order_by(DraftOperation.seq))]
    before = drafts.snapshot(draft)
    db.session.execute(delete(DraftOperation).where(DraftOperation.draft_id == draft.id)
                       .execution_options(synchronize_session=False))
    for stmt in statements("plan/discard"):
        db.session.execute(stmt, {"draft_id": draft.id})
    draft.base_generation = current
    db.session.flush()

    codes, applied, skipped = Codes(), [], []
    for op in log:
        try:
            source: dict = {}
            compute, params = _operation(op, codes, source)
            # A refused edit raises before writing anything, so the draft stays as the last applied one left it.
            new_op, edit = edits.perform(draft, op["kind"], compute, params, record=False, source=source)
        except Skip as exc:
            codes.lose(op)
            skipped.append({"operation": _brief(op), "reason": exc.reason, "message": exc.message})
            continue
        except ValidationError as exc:
            codes.lose(op)
            reason = (exc.details or {}).get("reason") or exc.code
            skipped.append({"operation": _brief(op), "reason": reason, "message": exc.message})
            continue
        applied.append({"operation": _brief(op), "seq": new_op.seq, "params": params,
                        "codes": codes.follow(op, edit)})

    old = draft.row_version
    drafts.bump(draft)
    db.session.flush()
    audit.record("draft.rebase", "draft", draft.id, before={**before, "row_version": old}, after={
        **drafts.snapshot(draft), "applied": [a["operation"]["seq"] for a in applied],
        "skipped": [{"seq": s["operation"]["seq"], "reason": s["reason"]} for s in skipped]})
    db.session.commit()
    return {"draft": drafts.to_dict(draft), "applied": applied, "skipped": skipped}
