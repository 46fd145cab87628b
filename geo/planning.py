"""Edits of a boundary draft -- reshape, split, merge, move, replace a level. Pure Shapely.

The app loads the part of a draft an edit needs (a :class:`Family` of
:class:`Node` objects: a parent and its whole subtree, say), calls one
function here and writes back the :class:`Edit` it returns. An edit that
cannot be made raises :class:`PlanError` with a stable reason code and
nothing is returned, so the draft is never half-changed.

How the tiling stays seamless
-----------------------------
An edit changes the geometry of some grids of one level (a reshape: the grid
and the siblings it takes area from or gives area to; a split: the pieces).
The children of those grids are then *refitted* level by level:

* a child goes to the changed grid holding the larger part of it -- its own
  parent when at least half of it stays there -- clipped to that grid;
* the parts of it that now lie in another changed grid are absorbed by that
  grid's child sharing the longest border with them;
* dedicated grids (专属网格) are never cut: they follow the grid holding most
  of their area.

Area only moves between the changed grids, so every level still tiles its
parent. Households and population of leaves whose shape changed are
estimated from the area they took from each original leaf (areal
interpolation, rounded so totals are kept); parents get the sums of their
children.

Contiguity
----------
A regular grid of a level that must be one piece (communities, grids and
micro-grids: ``Thresholds.contiguous_levels``) may not be left in more
pieces than it had by any edit (``not_contiguous``, the detached pieces as
its geometry) unless the planner allowed it as an exclave (``Node.exclave``,
:func:`allow_exclave`). Pieces are counted as validation counts them
(:func:`geo.validation.count_parts`: slivers are not pieces).

Codes
-----
A grid keeps its code while it keeps its parent (a reshape keeps identity).
Split and merged grids, and grids moved to another parent, get new codes by
the 15-digit scheme: the parent's code plus the lowest free number (3 digits;
2 for micro-grids), numbered west→east then north→south; regular grids use
001-899 (01-89), dedicated grids 901-999 (91-99). Numbers ever used under the
parent, in any version, are not reused. A new grid records the codes it
came from (``predecessors``), traced back to the version the draft started
from. A grid whose name is its number ("第3网格", "2号微网格") is renamed
after its new number (:func:`numbered_name`), unless the caller named it:
the micro-grids of a merged grid are numbered 1号, 2号 ... again, and the
parts of a split are named after their codes.

Examples
--------
>>> from shapely import box
>>> fam = Family([Node("410102", "D", "district", "regular", None, box(0, 0, 0.02, 0.01)),
...               Node("410102001", "A", "subdistrict", "regular", "410102", box(0, 0, 0.01, 0.01), 100),
...               Node("410102002", "B", "subdistrict", "regular", "410102", box(0.01, 0, 0.02, 0.01), 100)])
>>> edit = reshape(fam, "410102001", box(0, 0, 0.012, 0.01))
>>> sorted(edit.upsert), round(edit.upsert["410102002"].geometry.bounds[0], 3)
(['410102001', '410102002'], 0.012)
>>> edit.upsert["410102001"].households + edit.upsert["410102002"].households
200
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo import hierarchy as h
from geo.containment import overhang_tolerance_m2
from geo.crs import geodesic_area_m2
from geo.tiling import reading_order
from geo.validation import Thresholds, count_parts, is_sliver

__all__ = ["Node", "Family", "Edit", "PlanError", "reshape", "split", "merge", "move", "move_plots",
           "replace_level", "allow_exclave", "clean", "numbered_name", "REASONS", "shared_border_m",
           "NOISE_M2", "MIN_SHARED_BORDER_M", "people_moved"]

#: Overlay residue below this is not territory.
NOISE_M2 = Thresholds().noise_m2
#: Two grids are adjacent when their shared border is at least this long (a shared corner is not enough).
MIN_SHARED_BORDER_M = 1.0

REASONS = (
    "unknown_grid", "district_fixed", "wrong_level", "wrong_kind", "empty_geometry", "outside_parent",
    "swallows_sibling", "leaves_gap", "line_not_crossing", "too_few_grids", "different_parents", "not_adjacent",
    "already_in_target", "would_empty", "no_free_code", "bad_parent", "outside_scope", "duplicate_code",
    "plot_outside_grid", "plot_not_adjacent", "plot_is_whole_grid", "not_contiguous",
)

_GEOD = Geod(ellps="WGS84")


class PlanError(ValueError):
    """An edit that cannot be made. ``params`` carry what a message needs (and ``geometry`` where to look)."""

    def __init__(self, reason: str, field: str = "", geometry: BaseGeometry | None = None, **params):
        assert reason in REASONS, reason
        super().__init__(f"{reason}: {params}")
        self.reason = reason
        self.field = field
        self.geometry = geometry
        self.params = params


@dataclass(frozen=True)
class Node:
    """One grid as the draft holds it (WGS-84 geometry). ``in_base``: the code exists in the base version."""

    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    geometry: BaseGeometry
    households: int | None = None
    population: int | None = None
    predecessors: tuple[str, ...] = ()
    in_base: bool = True
    exclave: bool = False       # the planner allowed it to lie in separate pieces


class Family:
    """The grids an edit may read, and every code already used under them (in any version).

    The caller loads whole sets of children: when an edit touches a grid's
    children, all of them must be here.
    """

    def __init__(self, nodes: Iterable[Node], taken_codes: Iterable[str] = ()):
        self.nodes: dict[str, Node] = {n.code: n for n in nodes}
        self.taken: set[str] = set(taken_codes) | set(self.nodes)

    def get(self, code: str, field: str = "code") -> Node:
        node = self.nodes.get(code)
        if node is None:
            raise PlanError("unknown_grid", field, code=code)
        return node


@dataclass
class Edit:
    """What an edit changes: grids to write (by final code) and codes to remove.

    ``moves``: what went from where to where, for the edit log (``move``: a grid ``code`` from
    parent ``from`` to ``to``, as ``new_code``; ``move_plots``: ``households`` of the plot of grid
    ``from`` to grid ``to``).
    """

    upsert: dict[str, Node] = field(default_factory=dict)
    remove: set[str] = field(default_factory=set)
    created: list[str] = field(default_factory=list)
    recoded: dict[str, str] = field(default_factory=dict)
    moves: list[dict] = field(default_factory=list)

    @property
    def touched(self) -> set[str]:
        return set(self.upsert) | self.remove

    @property
    def empty(self) -> bool:
        return not self.upsert and not self.remove


# ----------------------------------------------------------------------------- geometry helpers

def clean(geom: BaseGeometry | None, min_area_m2: float = NOISE_M2) -> MultiPolygon:
    """Valid polygonal parts of ``geom`` as a MultiPolygon (RFC 7946 winding), residue dropped.

    >>> from shapely import box, GeometryCollection, LineString
    >>> clean(GeometryCollection([box(0, 0, 0.01, 0.01), LineString([(0, 0), (1, 1)])])).geom_type
    'MultiPolygon'
    """
    if geom is None or geom.is_empty:
        return MultiPolygon()
    if not shapely.is_valid(geom):
        geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in parts for q in (p.geoms if p.geom_type == "MultiPolygon" else [p])]
    polys = [p for p in polys if not p.is_empty and geodesic_area_m2(p) >= min_area_m2]
    if not polys:
        return MultiPolygon()
    return shapely.orient_polygons(MultiPolygon(polys), exterior_cw=False)


def _area(geom) -> float:
    return geodesic_area_m2(geom)


def _pieces(geom) -> list[Polygon]:
    return [p for p in getattr(clean(geom), "geoms", [])]


def shared_border_m(a: BaseGeometry, b: BaseGeometry) -> float:
    """Length in metres of the border two polygons share.

    >>> from shapely import box
    >>> round(shared_border_m(box(113.60, 34.70, 113.61, 34.71), box(113.61, 34.70, 113.62, 34.71)))
    1109
    >>> shared_border_m(box(0, 0, 1, 1), box(1, 1, 2, 2))
    0.0
    """
    line = shapely.intersection(a.boundary, b.boundary)
    if line.is_empty:
        return 0.0
    lines = [g for g in shapely.get_parts(line) if g.geom_type in ("LineString", "MultiLineString", "LinearRing")]
    return float(sum(_GEOD.geometry_length(g) for g in lines))


def _same(a: BaseGeometry, b: BaseGeometry) -> bool:
    return a is b or shapely.equals_exact(a, b, 0.0)


# ----------------------------------------------------------------------------- the working state

@dataclass
class _Item:
    key: str                    # the original code, or "+n" for a grid this edit creates
    original: Node | None
    name: str
    level: str
    kind: str
    parent_key: str | None
    geometry: BaseGeometry
    households: int | None
    population: int | None
    predecessors: tuple[str, ...] = ()
    code: str | None = None     # a code fixed by the caller (an imported grid)
    counts_given: bool = False  # households/population set by the caller: not interpolated
    removed: bool = False
    exclave: bool = False
    name_given: bool = False    # named by the caller: not renamed after its number


class _Work:
    def __init__(self, family: Family):
        self.family = family
        self.items: dict[str, _Item] = {
            n.code: _Item(n.code, n, n.name, n.level, n.kind, n.parent_code, n.geometry, n.households,
                          n.population, n.predecessors, exclave=n.exclave) for n in family.nodes.values()}
        self._next = 0

    def get(self, code: str, field: str = "code") -> _Item:
        item = self.items.get(code)
        if item is None or item.removed:
            raise PlanError("unknown_grid", field, code=code)
        return item

    def add(self, **values) -> _Item:
        self._next += 1
        item = _Item(key=f"+{self._next}", original=None, **values)
        self.items[item.key] = item
        return item

    def children(self, key: str, kind: str | None = None) -> list[_Item]:
        return sorted((i for i in self.items.values()
                       if i.parent_key == key and not i.removed and (kind is None or i.kind == kind)),
                      key=lambda i: i.key)

    def remove_subtree(self, item: _Item) -> None:
        item.removed = True
        for child in self.children(item.key):
            self.remove_subtree(child)

    def origin(self, item: _Item) -> tuple[str, ...]:
        """The codes of the base version this grid stands for."""
        if item.original is not None and item.original.in_base:
            return (item.original.code,)
        if item.predecessors:
            return item.predecessors
        return (item.original.code,) if item.original is not None else ()

    def parent_of(self, item: _Item) -> _Item | None:
        return self.items.get(item.parent_key) if item.parent_key else None

    def depth(self, item: _Item) -> int:
        return h.DEPTH[item.level]


def _best_neighbour(piece, candidates: Sequence[_Item]) -> _Item | None:
    """The candidate sharing the longest border with ``piece``, else the nearest one."""
    if not candidates:
        return None
    borders = [shared_border_m(piece, c.geometry) for c in candidates]
    best = int(np.argmax(borders))
    if borders[best] > 0:
        return candidates[best]
    distances = [shapely.distance(piece, c.geometry) for c in candidates]
    return candidates[int(np.argmin(distances))]


def _absorb(item: _Item, piece) -> None:
    item.geometry = clean(shapely.union_all([item.geometry, piece]))


def _refit(work: _Work, parents: Sequence[_Item], pool: Sequence[_Item]) -> None:
    """Fit ``pool`` (the children of ``parents`` before the edit) into the parents' new shapes.

    See the module docstring for the rule. Recurses to the next level with
    the children whose shape changed.
    """
    parents = [p for p in parents if not p.removed]
    pool = [c for c in pool if not c.removed]
    if not pool or not parents:
        return
    geoms = np.asarray([p.geometry for p in parents], dtype=object)
    tree = shapely.STRtree(geoms)
    changed: list[_Item] = []
    orphans: list[tuple[int, BaseGeometry]] = []
    for child in pool:
        idx = tree.query(child.geometry, predicate="intersects")
        parts = {}
        for j in idx.tolist():
            piece = clean(shapely.intersection(child.geometry, geoms[j]))
            area = _area(piece)
            if area >= NOISE_M2:
                parts[j] = (piece, area)
        if not parts:
            continue  # cannot happen for a tiling; a stray child keeps what it has
        if child.kind == "dedicated":
            # Never cut: it stays while its parent holds half of it, else follows the grid holding most.
            home = [j for j in parts if parents[j].key == child.parent_key]
            if not home or parts[home[0]][1] * 2 < _area(child.geometry):
                child.parent_key = parents[max(parts, key=lambda j: parts[j][1])].key
            continue
        total = sum(a for _, a in parts.values())
        home = [j for j in parts if parents[j].key == child.parent_key]
        if home and parts[home[0]][1] * 2 >= total:
            owner = home[0]
        else:
            owner = max(parts, key=lambda j: parts[j][1])
        child.parent_key = parents[owner].key
        piece = parts[owner][0]
        if not _same(piece, child.geometry) and abs(_area(piece) - _area(child.geometry)) >= NOISE_M2:
            child.geometry = piece
            changed.append(child)
        orphans.extend((j, parts[j][0]) for j in parts if j != owner)
    for j, piece in orphans:
        target = _best_neighbour(piece, work.children(parents[j].key, "regular"))
        if target is None:
            continue  # that grid has no children: nothing below it to keep tiled
        _absorb(target, piece)
        if target not in changed:
            changed.append(target)
    if changed:
        _refit(work, changed, [c for p in changed for c in work.children(p.key)])


def _union_of_children(work: _Work, item: _Item) -> BaseGeometry:
    kids = work.children(item.key, "regular")
    return clean(shapely.union_all([k.geometry for k in kids])) if kids else item.geometry


# ----------------------------------------------------------------------------- finishing an edit

def _round_keeping_total(values: list[float]) -> list[int]:
    """Largest-remainder rounding: the integers add up to the rounded total.

    >>> _round_keeping_total([0.5, 0.5, 1.0])
    [1, 0, 1]
    """
    if not values:
        return []
    floors = [int(np.floor(v)) for v in values]
    missing = int(round(sum(values))) - sum(floors)
    order = sorted(range(len(values)), key=lambda i: -(values[i] - floors[i]))
    for i in order[:max(missing, 0)]:
        floors[i] += 1
    return floors


def _interpolate_counts(work: _Work) -> None:
    """Households/population of changed leaves from the area they hold of each original leaf."""
    originals = [n for n in work.family.nodes.values() if n.kind == "regular"]
    parents = {n.parent_code for n in originals if n.kind == "regular"}
    leaves = [n for n in originals if n.code not in parents]
    live = [i for i in work.items.values() if not i.removed]
    live_parents = {i.parent_key for i in live if i.kind == "regular"}
    targets = [i for i in live if i.kind == "regular" and i.key not in live_parents and not i.counts_given
               and (i.original is None or not _same(i.geometry, i.original.geometry))]
    if not targets or not leaves:
        return
    tree = shapely.STRtree(np.asarray([n.geometry for n in leaves], dtype=object))
    for attr in ("households", "population"):
        estimates: list[float | None] = []
        for t in targets:
            total, known = 0.0, False
            for j in tree.query(t.geometry, predicate="intersects").tolist():
                src = leaves[j]
                value = getattr(src, attr)
                if value is None:
                    continue
                share = shapely.area(shapely.intersection(t.geometry, src.geometry)) / max(src.geometry.area, 1e-30)
                if share > 1e-12:
                    total += value * min(share, 1.0)
                    known = True
            estimates.append(total if known else None)
        have = [k for k, e in enumerate(estimates) if e is not None]
        rounded = _round_keeping_total([estimates[k] for k in have])
        for k, value in zip(have, rounded):
            setattr(targets[k], attr, value)


def _sum_counts(work: _Work) -> None:
    """Parents (bottom-up) get the sums of their regular children when every child has a value."""
    live = [i for i in work.items.values() if not i.removed]
    for item in sorted(live, key=lambda i: -work.depth(i)):
        if item.counts_given or item.kind != "regular":
            continue
        kids = work.children(item.key, "regular")
        if not kids or not any(_child_changed(work, k) for k in kids) and not _membership_changed(work, item):
            continue
        for attr in ("households", "population"):
            if item.original is not None and getattr(item.original, attr) is None:
                continue  # no figure before: do not invent one
            values = [getattr(k, attr) for k in kids]
            if all(v is not None for v in values):
                setattr(item, attr, int(sum(values)))


def _child_changed(work: _Work, item: _Item) -> bool:
    o = item.original
    return o is None or item.parent_key != o.parent_code or item.households != o.households \
        or item.population != o.population


def _membership_changed(work: _Work, item: _Item) -> bool:
    before = {n.code for n in work.family.nodes.values() if n.parent_code == item.key}
    now = {k.key for k in work.children(item.key)}
    return before != now


def _code_ranges(level: str, kind: str) -> range:
    width = h.CODE_LENGTH[level] - h.CODE_LENGTH[h.PARENT_LEVEL[level]]
    top = 10 ** width
    first_dedicated = top - top // 10  # 900 or 90
    return range(first_dedicated + 1, top) if kind == "dedicated" else range(1, first_dedicated)


def _allocate(work: _Work, parent_code: str, item: _Item, taken: set[str], *, keep: bool = True) -> str:
    width = h.CODE_LENGTH[item.level] - h.CODE_LENGTH[h.PARENT_LEVEL[item.level]]
    if keep and item.original is not None:
        # Moved under a new parent: keep its own number when that is free there.
        own = parent_code + item.original.code[-width:]
        if own not in taken and int(item.original.code[-width:]) in _code_ranges(item.level, item.kind):
            return own
    for n in _code_ranges(item.level, item.kind):
        code = f"{parent_code}{n:0{width}d}"
        if code not in taken:
            return code
    raise PlanError("no_free_code", "code", parent_code=parent_code, level=item.level)


#: Names that are a grid's number: "第3网格", "2号微网格" (the numbering local practice and the demo use).
_NUMBERED = (re.compile(r"^(第)\d+(.*)$"), re.compile(r"^()\d+(号.*)$"))


def numbered_name(name: str, code: str, level: str) -> str | None:
    """``name`` with the number of ``code`` in it, when ``name`` is a numbered name; else None.

    >>> numbered_name("第3网格", "410102001001012", "grid"), numbered_name("2号微网格", "41010200100101205", "micro")
    ('第12网格', '5号微网格')
    >>> numbered_name("东风路网格", "410102001001012", "grid") is None
    True
    """
    parent_level = h.PARENT_LEVEL.get(level)
    if parent_level is None:
        return None
    number = int(code[h.CODE_LENGTH[parent_level]:])
    for pattern in _NUMBERED:
        m = pattern.match(name or "")
        if m:
            return f"{m.group(1)}{number}{m.group(2)}"
    return None


def _renumbered(item: _Item, code: str) -> str:
    """The name of ``item`` once it has ``code``: its number follows the code, unless it was named."""
    if item.name_given or (item.original is not None and item.original.code == code):
        return item.name
    return numbered_name(item.name, code, item.level) or item.name


def _check_contiguous(items: dict[str, _Item], edit: Edit, t: Thresholds) -> None:
    """Refuse an edit that leaves a grid in more pieces than it had (see "Contiguity" above).

    ``items``: the working item of each code the edit writes.
    """
    broken = []
    for node in edit.upsert.values():
        if node.kind != "regular" or node.exclave or node.level not in t.contiguous_levels:
            continue
        parts = count_parts(node.geometry, t)
        if parts <= 1:
            continue
        original = items[node.code].original
        before = count_parts(original.geometry, t) if original is not None else 1
        if parts > max(before, 1):
            broken.append((node, parts))
    if not broken:
        return
    # The coarsest grid first: a community in pieces says more than its micro-grids in pieces.
    node, parts = min(broken, key=lambda b: (h.DEPTH[b[0].level], b[0].code))
    pieces = sorted(_pieces(node.geometry), key=_area, reverse=True)
    raise PlanError("not_contiguous", "codes", geometry=clean(shapely.union_all(pieces[1:])), code=node.code,
                    name=node.name, parts=parts, level=node.level, codes=sorted(n.code for n, _ in broken))


def _finish(work: _Work, thresholds: Thresholds | None = None, *, contiguous: bool = True) -> Edit:
    _interpolate_counts(work)
    _sum_counts(work)
    live = [i for i in work.items.values() if not i.removed]
    final: dict[str, str] = {}
    taken = set(work.family.taken) | {i.code for i in live if i.code}
    # Top-down, and within one parent in reading order, so numbers run west→east, north→south.
    for depth in range(len(h.LEVELS)):
        level_items = [i for i in live if h.DEPTH[i.level] == depth]
        needing: dict[str, list[_Item]] = {}
        for item in level_items:
            parent = work.items.get(item.parent_key) if item.parent_key else None
            parent_final = final.get(item.parent_key) if parent is not None else None
            if item.code:
                final[item.key] = item.code
            elif item.original is not None and item.parent_key == item.original.parent_code \
                    and (parent is None or parent_final == parent.key):
                final[item.key] = item.original.code
            else:
                needing.setdefault(parent_final, []).append(item)
        for parent_code, items in sorted(needing.items()):
            # Under a grid this edit creates, every child is numbered afresh (1, 2, 3 ...); elsewhere a
            # grid that changes parent keeps its number when it is free there.
            fresh = parent_code not in work.family.nodes
            for k in reading_order([i.geometry for i in items]).tolist():
                code = _allocate(work, parent_code, items[k], taken, keep=not fresh)
                taken.add(code)
                final[items[k].key] = code

    edit = Edit()
    written: dict[str, _Item] = {}
    for item in work.items.values():
        o = item.original
        if item.removed:
            if o is not None:
                edit.remove.add(o.code)
            continue
        code = final[item.key]
        # A parent outside the family (the top of a loaded subtree) keeps its code.
        parent_code = final.get(item.parent_key, item.parent_key) if item.parent_key else None
        predecessors = item.predecessors
        if o is not None and code != o.code:
            predecessors = work.origin(item)
            edit.remove.add(o.code)
            edit.recoded[o.code] = code
        node = Node(code, _renumbered(item, code), item.level, item.kind, parent_code, item.geometry,
                    item.households, item.population, tuple(predecessors),
                    in_base=(o is not None and o.in_base and code == o.code), exclave=item.exclave)
        if o is None:
            edit.created.append(code)
        if o is not None and code == o.code and node == replace(o, geometry=node.geometry) \
                and _same(item.geometry, o.geometry):
            continue
        edit.upsert[code] = node
        written[code] = item
    edit.remove -= set(edit.upsert)
    edit.created.sort()
    if contiguous:
        _check_contiguous(written, edit, thresholds or Thresholds())
    return edit


# ----------------------------------------------------------------------------- the edits

def _check_geometry(geom, field: str = "geometry") -> MultiPolygon:
    out = clean(geom)
    if out.is_empty:
        raise PlanError("empty_geometry", field)
    return out


def _inside_parent(geom, parent: _Item, field: str = "geometry") -> MultiPolygon:
    outside = _area(shapely.difference(geom, parent.geometry))
    tolerance = overhang_tolerance_m2(_area(geom))
    if outside > tolerance:
        raise PlanError("outside_parent", field, geometry=clean(shapely.difference(geom, parent.geometry)),
                        parent_code=parent.key, outside_m2=round(outside, 1), tolerance_m2=round(tolerance, 1))
    return _check_geometry(shapely.intersection(geom, parent.geometry), field)


def reshape(family: Family, code: str, geometry: BaseGeometry, *, leftover: str = "refuse",
            thresholds: Thresholds | None = None) -> Edit:
    """Give grid ``code`` a new shape; its siblings give up or take the difference.

    Parameters
    ----------
    family : Family
        The grid's parent and the parent's whole subtree.
    geometry : Polygon or MultiPolygon (WGS-84)
        The new shape; clipped to the parent when it overhangs by no more
        than the import tolerance, refused beyond it.
    leftover : {"refuse", "neighbours"}
        What happens to area the grid gives up: "refuse" raises
        ``leaves_gap`` (with the gap's geometry) unless every piece is a
        sliver; "neighbours" gives each piece to the sibling sharing the
        longest border with it. Slivers always go to a neighbour.

    Raises
    ------
    PlanError
        unknown_grid, district_fixed, empty_geometry, outside_parent,
        swallows_sibling (a sibling would vanish: merge instead), leaves_gap.
    """
    t = thresholds or Thresholds()
    work = _Work(family)
    target = work.get(code)
    if target.parent_key is None:
        raise PlanError("district_fixed", "code", code=code)
    parent = work.get(target.parent_key)
    new = _inside_parent(_check_geometry(geometry), parent)
    if target.kind == "dedicated":
        old_children = work.children(target.key)
        target.geometry = new
        _refit(work, [target], old_children)
        return _finish(work, t)

    pool = {target.key: target}
    siblings = [s for s in work.children(parent.key, "regular") if s.key != target.key]
    for s in siblings:
        if not shapely.intersects(s.geometry, new):
            continue
        taken = _area(shapely.intersection(s.geometry, new))
        if taken < NOISE_M2:
            continue
        rest = clean(shapely.difference(s.geometry, new))
        if rest.is_empty or is_sliver(rest, t):
            raise PlanError("swallows_sibling", "geometry", code=code, sibling=s.key)
        s.geometry = rest
        pool[s.key] = s
    given_up = [p for p in _pieces(shapely.difference(target.geometry, new))]
    gaps = [p for p in given_up if not is_sliver(p, t)]
    if gaps and leftover != "neighbours":
        union = clean(shapely.union_all(gaps))
        raise PlanError("leaves_gap", "geometry", geometry=union, code=code, area_m2=round(_area(union), 1))
    target.geometry = new
    for piece in given_up:
        neighbour = _best_neighbour(piece, [s for s in siblings if shared_border_m(piece, s.geometry) > 0])
        if neighbour is None:
            if not is_sliver(piece, t):
                raise PlanError("leaves_gap", "geometry", geometry=piece, code=code, area_m2=round(_area(piece), 1))
            _absorb(target, piece)  # a sliver enclosed by the grid itself: keep it
            continue
        _absorb(neighbour, piece)
        pool[neighbour.key] = neighbour
    old_children = [c for p in pool.values() for c in work.children(p.key)]
    _refit(work, list(pool.values()), old_children)
    return _finish(work, t)


def split(family: Family, code: str, line: BaseGeometry, *, names: Sequence[str] | None = None,
          thresholds: Thresholds | None = None) -> Edit:
    """Cut grid ``code`` in two (or more) along ``line``; the pieces get new codes.

    The line must cross the grid from one side to the other: a line that
    ends inside it, runs along its border or misses it cuts nothing
    (``line_not_crossing``). Pieces too small or thin to be grids go to the
    piece beside them. Children are refitted into the pieces. A part is
    named ``names[i]`` (in reading order) when given, else after its new
    number when the grid's name is a numbered name ("第3网格" cut in two
    gives "第9网格" and "第10网格"), else "<name>-1", "<name>-2".
    """
    t = thresholds or Thresholds()
    work = _Work(family)
    target = work.get(code)
    if target.parent_key is None:
        raise PlanError("district_fixed", "code", code=code)
    if target.kind != "regular":
        raise PlanError("wrong_kind", "code", code=code, kind=target.kind)
    if line is None or line.is_empty or line.geom_type not in ("LineString", "MultiLineString"):
        raise PlanError("line_not_crossing", "line", code=code)
    from shapely.ops import split as cut

    pieces = []
    try:
        for poly in getattr(target.geometry, "geoms", [target.geometry]):
            pieces.extend(p for p in cut(poly, line).geoms if p.geom_type == "Polygon")
    except (shapely.errors.GEOSException, ValueError):
        raise PlanError("line_not_crossing", "line", code=code) from None
    pieces = [p for p in pieces if _area(p) >= NOISE_M2]
    big = [p for p in pieces if not is_sliver(p, t)]
    if len(big) < 2:
        raise PlanError("line_not_crossing", "line", code=code)
    big_geoms = [clean(p) for p in big]
    for p in pieces:
        if any(p is b for b in big):
            continue
        borders = [shared_border_m(p, b) for b in big_geoms]
        k = int(np.argmax(borders))
        big_geoms[k] = clean(shapely.union_all([big_geoms[k], p]))
    names = list(names or [])
    order = reading_order(big_geoms).tolist()
    new_items = []
    numbered = any(p.match(target.name or "") for p in _NUMBERED)
    for n, k in enumerate(order, start=1):
        given = n - 1 < len(names) and bool(names[n - 1])
        name = names[n - 1] if given else (target.name if numbered else f"{target.name}-{n}")
        new_items.append(work.add(name=name, level=target.level, kind="regular", parent_key=target.parent_key,
                                  geometry=big_geoms[k], households=None, population=None,
                                  predecessors=work.origin(target), name_given=given or not numbered))
    children = work.children(target.key)
    target.removed = True
    _refit(work, new_items, children)
    for c in work.children(target.key):  # a stray child that fitted nowhere
        work.remove_subtree(c)
    return _finish(work, t)


def merge(family: Family, codes: Sequence[str], *, name: str | None = None,
          thresholds: Thresholds | None = None) -> Edit:
    """Merge adjacent grids of one parent into one grid with a new code; children follow.

    The merged grid is named ``name``, else after the first grid (renumbered
    when that is a numbered name); its children are numbered afresh in
    reading order (1号微网格, 2号微网格 ... not two of each).

    Raises ``not_adjacent`` when the grids do not form one connected group
    (sharing a corner is not adjacency), ``different_parents`` when they
    hang under different grids.
    """
    work = _Work(family)
    codes = list(dict.fromkeys(codes))
    if len(codes) < 2:
        raise PlanError("too_few_grids", "codes", got=len(codes))
    items = [work.get(c, "codes") for c in codes]
    first = items[0]
    for item in items:
        if item.kind != "regular":
            raise PlanError("wrong_kind", "codes", code=item.key, kind=item.kind)
        if item.level != first.level:
            raise PlanError("wrong_level", "codes", code=item.key, level=item.level, expected=first.level)
        if item.parent_key != first.parent_key:
            raise PlanError("different_parents", "codes", code=item.key, parent_code=item.parent_key,
                            expected=first.parent_key)
    if first.parent_key is None:
        raise PlanError("district_fixed", "codes", code=first.key)
    # Connected through shared borders (or overlaps, which validation reports separately).
    group, frontier = {0}, [0]
    while frontier:
        i = frontier.pop()
        for j in range(len(items)):
            if j not in group and (shared_border_m(items[i].geometry, items[j].geometry) >= MIN_SHARED_BORDER_M
                                   or _area(shapely.intersection(items[i].geometry, items[j].geometry)) >= NOISE_M2):
                group.add(j)
                frontier.append(j)
    if len(group) < len(items):
        apart = [items[j].key for j in range(len(items)) if j not in group]
        raise PlanError("not_adjacent", "codes", codes=codes, apart=apart)
    counts = {}
    for attr in ("households", "population"):
        values = [getattr(i, attr) for i in items]
        counts[attr] = int(sum(values)) if all(v is not None for v in values) else None
    predecessors = tuple(sorted({c for i in items for c in work.origin(i)}))
    merged = work.add(name=(name or first.name), level=first.level, kind="regular", parent_key=first.parent_key,
                      geometry=clean(shapely.union_all([i.geometry for i in items])), predecessors=predecessors,
                      counts_given=counts["households"] is not None, name_given=bool(name),
                      exclave=any(i.exclave for i in items), **counts)
    for item in items:
        for child in work.children(item.key):
            child.parent_key = merged.key
        item.removed = True
    return _finish(work, thresholds)


def move(family: Family, codes: Sequence[str], target: str, *, thresholds: Thresholds | None = None) -> Edit:
    """Move whole grids (micro-grids, usually) under another parent, as redistricting tools assign units.

    The moved grids keep their shape and get codes under the new parent;
    the old and new parents, and their ancestors up to the first one they
    share, become the unions of their children. ``family`` must hold every
    grid on those paths with all its children, and the moved grids' subtrees.

    Raises ``already_in_target``, ``wrong_level`` (the target must be one
    level up), ``would_empty`` (a parent would lose its last child),
    ``not_contiguous`` (the target, or a parent the units leave, would be in
    pieces: units that do not touch the target, or a bridge taken away).
    """
    work = _Work(family)
    codes = list(dict.fromkeys(codes))
    if not codes:
        raise PlanError("too_few_grids", "codes", got=0)
    units = [work.get(c, "codes") for c in codes]
    dest = work.get(target, "target")
    for u in units:
        if h.PARENT_LEVEL.get(u.level) != dest.level:
            raise PlanError("wrong_level", "target", code=u.key, level=dest.level,
                            expected=h.PARENT_LEVEL.get(u.level))
        if dest.kind != "regular":
            raise PlanError("wrong_kind", "target", code=dest.key, kind=dest.kind)
        if u.parent_key == dest.key:
            raise PlanError("already_in_target", "codes", code=u.key, target=dest.key)
    sources = {u.parent_key for u in units}
    for s in sources:
        staying = [c for c in work.children(s, "regular") if c.key not in codes]
        if any(u.kind == "regular" and u.parent_key == s for u in units) and not staying:
            raise PlanError("would_empty", "codes", code=s)
    moves = [{"code": u.key, "from": u.parent_key, "to": dest.key} for u in units]
    for u in units:
        u.parent_key = dest.key
    _regroup(work, sources | {dest.key})
    edit = _finish(work, thresholds)
    edit.moves = [{**m, "new_code": edit.recoded.get(m["code"], m["code"])} for m in moves]
    return edit


def _regroup(work: _Work, keys: set[str]) -> None:
    """Grids ``keys`` lost or gained territory or children: they, and their ancestors up to the
    first one they all share, become the unions of their children, bottom-up."""
    def chain(key):
        out = []
        while key is not None:
            out.append(key)
            key = work.items[key].parent_key if key in work.items else None
        return out

    chains = [chain(k) for k in keys]
    common = set(chains[0]).intersection(*map(set, chains[1:]))
    affected = {k for c in chains for k in c if k not in common}
    for key in sorted(affected, key=lambda k: -work.depth(work.items[k])):
        item = work.items[key]
        if work.children(item.key, "regular"):
            item.geometry = _union_of_children(work, item)
    # Dedicated grids under a reshaped parent follow the grid that now holds them.
    regrouped = [work.items[k] for k in affected]
    by_level: dict[str, list[_Item]] = {}
    for item in regrouped:
        by_level.setdefault(item.level, []).append(item)
    for level_items in by_level.values():
        dedicated = [c for p in level_items for c in work.children(p.key, "dedicated")]
        if dedicated:
            _refit(work, level_items, dedicated)


def move_plots(family: Family, plots: Sequence[tuple[str, BaseGeometry, int | None]], target: str, *,
               thresholds: Thresholds | None = None) -> Edit:
    """Move plots of land (buildings' plots, geo.plots) out of their leaf grids into ``target``.

    ``plots``: (leaf grid code, plot, households on it or None). ``target`` is
    a leaf of the plots' level, or a grid one level up: then the plot goes to
    the child of ``target`` it shares the longest border with. The leaf
    keeps the rest of its land; the households move with the plot (when
    known), and the people living in them: the leaf's people per household
    times those households (:func:`people_moved`); parents up to the first shared ancestor become the unions of
    their children, as in ``move``. ``family`` must hold those paths with all
    their children.

    Raises ``wrong_level``, ``wrong_kind``, ``already_in_target``,
    ``plot_not_adjacent`` (the plot does not touch the receiving grid),
    ``plot_is_whole_grid`` (the plot is the whole leaf: move the leaf instead),
    ``plot_outside_grid`` (the plot lies outside its leaf), ``would_empty`` (``target`` has no children).
    """
    work = _Work(family)
    dest = work.get(target, "target")
    if dest.kind != "regular":
        raise PlanError("wrong_kind", "target", code=dest.key, kind=dest.kind)
    if not plots:
        raise PlanError("too_few_grids", "address_ids", got=0)
    touched: set[str] = set()
    moves = []
    for code, plot, households in plots:
        leaf = work.get(code, "address_ids")
        if leaf.kind != "regular" or work.children(leaf.key, "regular"):
            raise PlanError("wrong_level", "address_ids", code=leaf.key, level=leaf.level, expected=leaf.level)
        piece = clean(shapely.intersection(plot, leaf.geometry))
        if piece.is_empty:
            raise PlanError("plot_outside_grid", "address_ids", code=leaf.key)
        if dest.level == leaf.level:
            receiver = dest
        elif h.PARENT_LEVEL.get(leaf.level) == dest.level:
            if dest.key == leaf.parent_key:
                raise PlanError("already_in_target", "target", code=leaf.key, target=dest.key)
            kids = work.children(dest.key, "regular")
            receiver = max(kids, key=lambda c: shared_border_m(piece, c.geometry), default=None)
            if receiver is None:
                raise PlanError("would_empty", "target", code=dest.key)
        else:
            raise PlanError("wrong_level", "target", code=dest.key, level=dest.level, expected=leaf.level)
        if receiver.key == leaf.key:
            raise PlanError("already_in_target", "target", code=leaf.key, target=dest.key)
        if shared_border_m(piece, receiver.geometry) < MIN_SHARED_BORDER_M:
            raise PlanError("plot_not_adjacent", "target", geometry=piece, code=leaf.key, target=dest.key)
        rest = clean(shapely.difference(leaf.geometry, piece))
        if rest.is_empty:
            raise PlanError("plot_is_whole_grid", "address_ids", code=leaf.key)
        leaf.geometry = rest
        receiver.geometry = clean(shapely.union(receiver.geometry, piece))
        if households is not None:
            people = people_moved(households, leaf.households, leaf.population)
            for item, delta, moved in ((leaf, -households, -people), (receiver, households, people)):
                if item.households is not None:
                    item.households = max(item.households + delta, 0)
                    item.counts_given = True
                if item.population is not None and moved:
                    item.population = max(item.population + moved, 0)
                    item.counts_given = True
        touched |= {leaf.key, receiver.key}
        moves.append({"from": leaf.key, "to": receiver.key, "households": households})
    _regroup(work, touched)
    edit = _finish(work, thresholds)
    edit.moves = moves
    return edit


def people_moved(households: int, leaf_households: int | None, leaf_population: int | None) -> int:
    """People who move with ``households`` households out of a grid: its people per household.

    The address library counts households, not people; the grid's own ratio is the best estimate.

    >>> people_moved(10, 200, 500), people_moved(10, None, 500), people_moved(10, 0, 0)
    (25, 0, 0)
    """
    if not households or not leaf_households or leaf_population is None:
        return 0
    return min(int(round(households * leaf_population / leaf_households)), leaf_population)


def allow_exclave(family: Family, code: str, allowed: bool = True) -> Edit:
    """Allow grid ``code`` to lie in separate pieces (or withdraw that); nothing else changes.

    Raises ``wrong_kind`` for a dedicated grid (they may always be in pieces) and
    ``district_fixed`` for the district.
    """
    work = _Work(family)
    item = work.get(code)
    if item.parent_key is None:
        raise PlanError("district_fixed", "code", code=code)
    if item.kind != "regular":
        raise PlanError("wrong_kind", "code", code=code, kind=item.kind)
    item.exclave = bool(allowed)
    return _finish(work, contiguous=False)


def replace_level(family: Family, features: Sequence[Node], *, level: str, scope: str,
                  kind: str = "regular") -> Edit:
    """Replace every grid of ``level`` (and ``kind``) under ``scope`` by ``features`` (an imported level).

    A feature whose code is already a grid of that level keeps its identity
    (reshaped); other codes are new; grids missing from the features are
    removed. The children of the old grids are refitted into the new ones
    (and get new codes when their parent changes). The imported shapes are
    taken as they are: whether they tile their parents is for validation.
    """
    work = _Work(family)
    scope_item = work.get(scope, "parent")
    if h.DEPTH[level] <= h.DEPTH[scope_item.level]:
        raise PlanError("wrong_level", "level", code=scope, level=level, expected=scope_item.level)
    seen: set[str] = set()
    new_items = []
    for f in features:
        if f.level != level or f.kind != kind:
            raise PlanError("wrong_level", "level", code=f.code, level=f.level, expected=level)
        if f.code in seen:
            raise PlanError("duplicate_code", "code", code=f.code)
        seen.add(f.code)
        parent = work.items.get(f.parent_code or "")
        if parent is None or parent.removed or parent.level != h.PARENT_LEVEL[level]:
            raise PlanError("bad_parent", "parent_code", code=f.code, parent_code=f.parent_code)
        if not (f.parent_code or "").startswith(scope):
            raise PlanError("outside_scope", "parent_code", code=f.code, scope=scope)
        given = f.households is not None or f.population is not None
        existing = work.items.get(f.code)
        if existing is not None and not existing.removed:
            existing.name, existing.geometry = f.name, clean(f.geometry)
            existing.households, existing.population = f.households, f.population
            existing.counts_given = given
            existing.code = f.code
            new_items.append(existing)
        else:
            new_items.append(work.add(name=f.name, level=level, kind=kind, parent_key=f.parent_code,
                                      geometry=clean(f.geometry), households=f.households,
                                      population=f.population, code=f.code, counts_given=given,
                                      name_given=True))
    old = [i for i in work.items.values() if not i.removed and i.level == level and i.kind == kind
           and i.original is not None and i.key.startswith(scope)]
    pool = [c for o in old for c in work.children(o.key)]
    for o in old:
        if o.key not in seen:
            o.removed = True
    _refit(work, new_items, pool)
    for o in old:
        if o.removed:
            for c in work.children(o.key):
                work.remove_subtree(c)
    # Whether an imported level may hold grids in pieces is decided with the import (app.plan.files):
    # contiguous=True refuses them as the other edits do.
    return _finish(work, contiguous=False)
