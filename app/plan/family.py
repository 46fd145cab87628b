"""Reading the grids of a draft into ``geo.planning`` and writing an edit back, set-based.

A draft shares the rows of the generation it was opened on (its *base*) until
it changes them (copy-on-write, migration 0008):

* reading: ``grid_in_version`` with 6 arguments (the row's ``ended_in_drafts``
  and the base generation) gives the draft's own rows plus the base rows it
  has not ended;
* writing: a base row is never updated; the draft's id goes into its
  ``ended_in_drafts`` and the draft gets its own row (``draft_id``) for the
  new state; the draft's own rows are updated in place;
* then :func:`normalize` keeps the draft whole, level by level from the
  district down: rows back in their base state are shared again, shared
  children of changed rows are copied (their parent id and lineage change),
  and the draft's own rows get their parent id, lineage and leaf flag.

Every step is a handful of set-based statements (``sql/apply_edit.sql``,
``sql/normalize.sql``), never a statement per grid.
"""
from __future__ import annotations

import shapely
from sqlalchemy import text

from app.bulk import copy_rows
from app.extensions import db
from app.models import BoundaryVersion
from app.sqlfiles import sql, statements
from geo.crs import geodesic_area_m2
from geo.hierarchy import LEVELS
from geo.planning import Edit, Family, Node

STAGING_COLUMNS = ("code", "op", "name", "level", "kind", "parent_code", "households", "population", "predecessors",
                   "area_m2", "wkb", "exclave")


def _params(draft: BoundaryVersion) -> dict:
    return {"draft_id": draft.id, "base": draft.base_generation}


def load(draft: BoundaryVersion, *, codes=(), children_of=(), subtrees=(), taken_under=None) -> Family:
    """The grids of ``draft`` named in ``codes``, the children of ``children_of`` and whole ``subtrees``.

    The codes ever used are read under all of them, or under ``taken_under`` only when the caller knows
    where the edit can make new codes (a move: under its target and the units it recodes), which spares
    reading every code of the district when the district is loaded only to be made again from its children.
    """
    rows = db.session.execute(sql("plan/load_nodes"), {
        **_params(draft), "codes": list(codes), "children_of": list(children_of),
        "prefixes": [f"{c}%" for c in subtrees]}).all()
    nodes = [Node(r.code, r.name, r.level, r.kind, r.parent_code, shapely.from_wkb(bytes(r.wkb)), r.households,
                  r.population, tuple(r.predecessors or ()), bool(r.in_base), bool(r.exclave)) for r in rows]
    roots = set(subtrees) | set(children_of) | set(codes) if taken_under is None else set(taken_under)
    taken = db.session.execute(sql("plan/taken_codes"), {"prefixes": [f"{c}%" for c in roots]}).scalars().all() \
        if roots else []
    return Family(nodes, taken)


def node_to_json(node: Node | None) -> dict | None:
    """A node as stored in the edit log (geometry as WKB hex: exact, so undo restores bit for bit)."""
    if node is None:
        return None
    return {"code": node.code, "name": node.name, "level": node.level, "kind": node.kind,
            "parent_code": node.parent_code, "households": node.households, "population": node.population,
            "predecessors": list(node.predecessors), "in_base": node.in_base, "exclave": node.exclave,
            "wkb": shapely.to_wkb(node.geometry, hex=True, output_dimension=2)}


def node_from_json(data: dict) -> Node:
    return Node(data["code"], data["name"], data["level"], data["kind"], data["parent_code"],
                shapely.from_wkb(data["wkb"]), data["households"], data["population"],
                tuple(data.get("predecessors") or ()), bool(data.get("in_base", True)),
                bool(data.get("exclave", False)))


def snapshot(family: Family, edit: Edit) -> tuple[dict, dict]:
    """(before, after) of every code the edit touches, for the edit log: ``{code: node or None}``."""
    before = {code: node_to_json(family.nodes.get(code)) for code in sorted(edit.touched)}
    after = {code: (node_to_json(edit.upsert[code]) if code in edit.upsert else None) for code in sorted(edit.touched)}
    return before, after


def edit_from_state(state: dict) -> Edit:
    """The edit that puts the draft in ``state`` (``{code: node json or None}``) for those codes."""
    edit = Edit()
    for code, data in state.items():
        if data is None:
            edit.remove.add(code)
        else:
            edit.upsert[code] = node_from_json(data)
    return edit


def stage(conn) -> None:
    """An empty ``plan_edit``, the staging table an edit is written through (code, op upsert/remove, ...)."""
    conn.execute(text(
        "CREATE TEMP TABLE IF NOT EXISTS plan_edit (code text, op text, name text, level text, kind text,"
        " parent_code text, households integer, population integer, predecessors varchar(17)[],"
        " area_m2 double precision, wkb text, exclave boolean) ON COMMIT DROP"))
    conn.execute(text("DELETE FROM plan_edit"))


def apply(draft: BoundaryVersion, edit: Edit) -> None:
    """Write ``edit`` into the draft (copy-on-write), then :func:`normalize` and check it."""
    if edit.empty:
        return
    conn = db.session.connection()
    stage(conn)
    upserts = list(edit.upsert.values())
    wkbs = shapely.to_wkb([n.geometry for n in upserts], hex=True, output_dimension=2) if upserts else []
    rows = [(n.code, "upsert", n.name, n.level, n.kind, n.parent_code, n.households, n.population,
             "{" + ",".join(n.predecessors) + "}", geodesic_area_m2(n.geometry), wkb, n.exclave)
            for n, wkb in zip(upserts, wkbs)]
    rows += [(code, "remove", None, None, None, None, None, None, "{}", None, None, None)
             for code in sorted(edit.remove)]
    copy_rows("plan_edit", STAGING_COLUMNS, rows)
    write_staged(draft)


def write_staged(draft: BoundaryVersion) -> None:
    """Write what ``plan_edit`` holds into the draft (sql/apply_edit.sql), then :func:`normalize` and check it."""
    conn = db.session.connection()
    # The rows travel as one JSON parameter (see sql/apply_edit.sql: Citus cannot write grid from a
    # temporary table); read as text, not decoded into Python objects.
    edit = conn.execute(text("SELECT CAST(coalesce(json_agg(e), '[]') AS text) FROM plan_edit e")).scalar_one()
    for stmt in statements("plan/apply_edit"):
        conn.execute(stmt, {**_params(draft), "edit": edit})
    conn.execute(text("DROP TABLE plan_edit"))
    normalize(draft)


def normalize(draft: BoundaryVersion) -> None:
    """Share again, copy down and relink, level by level (see the module docstring)."""
    conn = db.session.connection()
    steps = statements("plan/normalize")
    for level in LEVELS:
        params = {**_params(draft), "level": level}
        for stmt in steps:
            result = conn.execute(stmt, params)
            if result.returns_rows:  # step 1's pairs (draft row, base row), for the statements after it
                pairs = result.all()
                params["draft_rows"] = [p.draft_row for p in pairs]
                params["base_rows"] = [p.base_row for p in pairs]
    problems = conn.execute(sql("plan/check_draft"), _params(draft)).all()
    if problems:
        # Never expected: an edit that breaks the hierarchy is a bug, and the transaction is rolled back.
        raise RuntimeError(f"draft {draft.id} inconsistent after an edit: {[tuple(p) for p in problems]}")
