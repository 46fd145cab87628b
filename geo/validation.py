"""Check a boundary version: coverage, geometry, balance and worker load. Pure Shapely.

A version is valid for publishing when every parent is tiled by its regular
children with no gap and no overlap (无缝拼接), every child lies inside its
parent and every geometry is valid; those rules are *errors* and block
publishing. The rest are *warnings* a planner weighs: slivers, grids in
several pieces, households or population outside the target range of their
level, shapes that are far from compact, grids without a worker and workers
with too many grids. Grids the planner allowed to lie in pieces
(``GridRecord.exclave``) are listed as *notices*: known, not a problem.

Where the numbers come from
---------------------------
Overlays run in the stored plane (WGS-84 degrees), exactly on the stored
vertices: children cut from their parent share its vertices, so an exact
tiling leaves nothing behind. Reprojecting first would move every vertex by
a rounding error and invent slivers along every shared edge. Only the
*results* (a gap, an overlap) are measured, on the ellipsoid
(:func:`geo.crs.geodesic_area_m2`), in m². Pieces under ``noise_m2`` are
floating-point residue and ignored; pieces that are small (``sliver_m2``) or
thin (mean width ``2·area/perimeter`` under ``sliver_width_m``) are slivers:
warnings, not errors, because they come from digitising, not from planning.

Compactness is Polsby-Popper, ``4π·area/perimeter²`` (1 for a circle, 0.785
for a square, 0.5 for a 1:4 rectangle), computed for all grids at once in a
local frame where longitude is scaled by cos(latitude): a ratio, so the
frame's scale cancels (:func:`polsby_popper` is the geodesic reference).

Speed: the areas decide first. With every child inside its parent, the gap
is ``area(parent) - area(union of children)`` and the overlap
``sum(areas) - area(union)``; only parents whose figures exceed the noise get
the overlays that locate the pieces.

Reason codes (stable; the app translates them)
----------------------------------------------
errors:   invalid_geometry, empty_geometry, unknown_parent, outside_parent, gap, overlap
warnings: sliver, multipart, households_low, households_high, population_low,
          population_high, not_compact, unstaffed, worker_overload
notices:  exclave

Checking again after an edit
----------------------------
Every issue has an *owner*: the grid whose check produced it (a parent for
gaps, overlaps and children outside it; the grid itself for its shape,
balance and staff; none for a worker's load). An edit can only change the
issues owned by the grids it touched and their parents, so
:func:`revalidate` checks those alone (given them, their parents and their
children) and the caller keeps every other issue as it was.

Examples
--------
>>> from shapely import box
>>> grids = [GridRecord("410102", "district", "regular", None, box(0, 0, 0.02, 0.01)),
...          GridRecord("410102001", "subdistrict", "regular", "410102", box(0, 0, 0.01, 0.01)),
...          GridRecord("410102002", "subdistrict", "regular", "410102", box(0.01, 0, 0.019, 0.01))]
>>> result = validate(grids)
>>> [(i.rule, i.code, round(i.area_m2 / 1e3)) for i in result.errors]
[('gap', '410102', 123)]
>>> result.publishable
False
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping, Sequence

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from geo.containment import overhang_tolerance_m2
from geo.crs import geodesic_area_m2

__all__ = ["SEVERITIES", "Thresholds", "GridRecord", "Issue", "ValidationResult", "validate", "revalidate", "worker_issues",
           "count_parts", "is_sliver", "polsby_popper", "approx_m2", "sort_issues", "ERROR_RULES", "WARNING_RULES",
           "NOTICE_RULES"]

ERROR_RULES = ("invalid_geometry", "empty_geometry", "unknown_parent", "outside_parent", "gap", "overlap")
WARNING_RULES = ("sliver", "multipart", "households_low", "households_high", "population_low", "population_high",
                 "not_compact", "unstaffed", "worker_overload")
NOTICE_RULES = ("exclave",)
SEVERITIES = ("error", "warning", "notice")

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Thresholds:
    """What counts as noise, a sliver, unbalanced or overloaded. Defaults follow practice.

    Households: one Zhengzhou community split 4,839 households into 21 grids
    of 160-255 households; the usual rule is 150-300 households per grid (about
    300-800 people), micro-grids of 20-100 households, communities of a few
    thousand. ``None`` for a level means "no target".
    """

    noise_m2: float = 0.01
    sliver_m2: float = 10.0
    sliver_width_m: float = 1.0
    min_compactness: float = 0.2
    max_grids_per_worker: int = 3
    households: Mapping[str, tuple[int, int] | None] = field(default_factory=lambda: {
        "community": (1000, 6000), "grid": (150, 300), "micro": (20, 100)})
    population: Mapping[str, tuple[int, int] | None] = field(default_factory=lambda: {
        "community": (2000, 15000), "grid": (300, 800), "micro": (40, 250)})
    #: Levels whose grids should be one piece (districts and subdistricts may have exclaves).
    contiguous_levels: tuple[str, ...] = ("community", "grid", "micro")
    #: Levels whose compactness is judged (and that need a worker: the last two).
    compact_levels: tuple[str, ...] = ("community", "grid", "micro")
    staffed_levels: tuple[str, ...] = ("grid", "micro")

    def with_overrides(self, **values) -> "Thresholds":
        """A copy with some values replaced; ``households``/``population`` are merged per level.

        >>> Thresholds().with_overrides(households={"grid": (100, 200)}).households["grid"]
        (100, 200)
        """
        merged = {}
        for key, value in values.items():
            if value is None:
                continue
            if key in ("households", "population"):
                merged[key] = {**getattr(self, key), **value}
            else:
                merged[key] = value
        return replace(self, **merged)


@dataclass
class GridRecord:
    code: str
    level: str
    kind: str
    parent_code: str | None
    geometry: BaseGeometry
    households: int | None = None
    population: int | None = None
    staff: tuple = ()
    exclave: bool = False             # allowed to lie in separate pieces


@dataclass
class Issue:
    rule: str
    severity: str                     # "error" | "warning" | "notice"
    code: str | None                  # the grid concerned (for coverage rules: the parent)
    level: str | None
    params: dict = field(default_factory=dict)
    area_m2: float | None = None
    geometry: BaseGeometry | None = None
    codes: tuple[str, ...] = ()       # other grids involved (the children overlapping, ...)
    owner: str | None = None          # the grid whose check found it (see "Checking again after an edit")

    def __post_init__(self):
        if self.owner is None and self.rule != "worker_overload":
            self.owner = self.code


@dataclass
class ValidationResult:
    issues: list[Issue]
    stats: dict

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def notices(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "notice"]

    @property
    def publishable(self) -> bool:
        return not self.errors


def _perimeter_m(geom) -> float:
    if geom is None or geom.is_empty:
        return 0.0
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    _, perimeter = _GEOD.geometry_area_perimeter(oriented)
    return float(perimeter)


def is_sliver(geom, thresholds: Thresholds | None = None, area_m2: float | None = None) -> bool:
    """Small or thin: a digitising artefact rather than territory.

    >>> from shapely import box
    >>> is_sliver(box(113.6, 34.7, 113.6 + 1e-6, 34.71))   # 0.09 m wide, 1.1 km long
    True
    >>> is_sliver(box(113.6, 34.7, 113.601, 34.701))        # about 100 m x 110 m
    False
    """
    t = thresholds or Thresholds()
    area = geodesic_area_m2(geom) if area_m2 is None else area_m2
    if area < t.sliver_m2:
        return True
    perimeter = _perimeter_m(geom)
    return perimeter > 0 and 2 * area / perimeter < t.sliver_width_m


def count_parts(geom, thresholds: Thresholds | None = None) -> int:
    """Separate pieces of a grid that are territory: its polygons, slivers not counted.

    Two polygons that meet at a corner only are two pieces (as for merging, a shared corner is
    not adjacency).

    >>> from shapely import MultiPolygon, box
    >>> count_parts(box(113.60, 34.75, 113.61, 34.76))
    1
    >>> count_parts(MultiPolygon([box(113.60, 34.75, 113.61, 34.76), box(113.62, 34.75, 113.63, 34.76)]))
    2
    >>> count_parts(MultiPolygon([box(113.60, 34.75, 113.61, 34.76), box(113.62, 34.75, 113.62 + 1e-7, 34.76)]))
    1
    """
    if geom is None or geom.is_empty:
        return 0
    if geom.geom_type == "Polygon":
        return 1
    pieces = _pieces(geom)
    if len(pieces) <= 1:
        return len(pieces)
    t = thresholds or Thresholds()
    rough = approx_m2(pieces)
    return sum(1 for p, a in zip(pieces, rough) if a >= t.noise_m2 / 2 and not is_sliver(p, t))


def polsby_popper(geom) -> float:
    """``4π·area/perimeter²`` on the ellipsoid: 1 for a circle, about 0.785 for a square.

    >>> from shapely import box
    >>> round(polsby_popper(box(113.60, 34.70, 113.61, 34.71)), 2)
    0.78
    """
    if geom is None or geom.is_empty:
        return 0.0
    oriented = shapely.orient_polygons(geom, exterior_cw=False)
    area, perimeter = _GEOD.geometry_area_perimeter(oriented)
    return 4 * math.pi * abs(area) / perimeter ** 2 if perimeter > 0 else 0.0


def _pieces(geom) -> list:
    """Polygonal parts of an overlay result (lines and points from touching edges dropped)."""
    if geom is None or geom.is_empty:
        return []
    return [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty] \
        if geom.geom_type != "Polygon" else [geom]


# Disagreement in degrees that is only rounding (about 0.01 mm).
_ROUNDING_DEG = 1e-10
# Square metres per square degree at the equator on a sphere of the authalic radius; times cos(latitude).
_M2_PER_DEG2 = (math.pi / 180 * 6_371_007.2) ** 2


def approx_m2(geoms) -> np.ndarray:
    """Fast area in m² (planar degrees scaled at each centroid's latitude; ~0.5 % at district scale).

    Used to skip what is clearly noise or clearly fine; issues are measured geodesically.

    >>> from shapely import box
    >>> round(float(approx_m2([box(113.65, 34.75, 113.66, 34.76)])[0]) / 1e6, 2)   # geodesic: 1.016
    1.02
    """
    arr = np.asarray(list(geoms), dtype=object)
    centroids = shapely.centroid(arr)
    has = ~shapely.is_empty(centroids)
    lat = np.zeros(len(arr))
    lat[has] = shapely.get_y(centroids[has])
    return shapely.area(arr) * _M2_PER_DEG2 * np.cos(np.radians(lat))


def _piece_issues(geom, rule: str, code, level, t: Thresholds, codes=(), **params) -> list[Issue]:
    """One issue per piece of ``geom`` above noise: an error, or a sliver warning."""
    out = []
    pieces = _pieces(geom)
    if not pieces:
        return out
    rough = approx_m2(pieces)
    for piece, estimate in zip(pieces, rough):
        if estimate < t.noise_m2 / 2:
            continue
        area = geodesic_area_m2(piece)
        if area < t.noise_m2:
            continue
        if is_sliver(piece, t, area):
            out.append(Issue("sliver", "warning", code, level, {"kind": rule, **params}, area, piece, tuple(codes)))
        else:
            out.append(Issue(rule, "error", code, level, dict(params), area, piece, tuple(codes)))
    return out


def _usable(grids: Sequence[GridRecord], issues: list[Issue]) -> list[BaseGeometry | None]:
    """Geometries fit for overlays: invalid ones reported and repaired, empty ones reported and skipped."""
    arr = np.asarray([g.geometry for g in grids], dtype=object)
    empty = shapely.is_missing(arr) | shapely.is_empty(arr)
    valid = shapely.is_valid(arr)
    out = []
    for g, geom, is_empty, ok in zip(grids, arr, empty, valid):
        if is_empty:
            issues.append(Issue("empty_geometry", "error", g.code, g.level))
            out.append(None)
            continue
        if not ok:
            issues.append(Issue("invalid_geometry", "error", g.code, g.level,
                                {"reason": shapely.is_valid_reason(geom)}))
            geom = shapely.make_valid(geom)
        out.append(geom)
    return out


def _sibling_overlaps(grids, geoms, idx: list[int], t: Thresholds, issues: list[Issue],
                      owner: str | None = None) -> None:
    """Pairs of ``idx`` that share area, each overlap measured (only called when the areas say there is one)."""
    arr = np.asarray([geoms[i] for i in idx], dtype=object)
    tree = shapely.STRtree(arr)
    pairs = set()
    # "overlaps" and "contains" skip the neighbours that only touch: no intersection is built for them.
    for predicate in ("overlaps", "contains"):
        a, b = tree.query(arr, predicate=predicate)
        pairs |= {(min(x, y), max(x, y)) for x, y in zip(a.tolist(), b.tolist()) if x != y}
    for x, y in sorted(pairs):
        gx, gy = grids[idx[x]], grids[idx[y]]
        inter = shapely.intersection(arr[x], arr[y])
        found = _piece_issues(inter, "overlap", gx.code, gx.level, t, codes=(gx.code, gy.code), other_code=gy.code)
        for issue in found:
            issue.owner = owner
        issues.extend(found)


def _coverage(grids, geoms, by_code, t: Thresholds, issues: list[Issue], only: set[str] | None = None) -> None:
    """Per parent: children inside it, no gap left by the regular ones, no overlap between them.

    The areas decide first: with every child inside, the gap is ``area(parent) - area(union)`` and the
    overlap ``sum(areas) - area(union)``; only a parent whose figures exceed the noise gets the overlays.
    ``only``: check these parents alone (the others may not have all their children here).
    """
    children: dict[str | None, list[int]] = defaultdict(list)
    for i, g in enumerate(grids):
        if geoms[i] is None:
            continue
        if g.parent_code is not None and g.parent_code not in by_code:
            if only is None:
                issues.append(Issue("unknown_parent", "error", g.code, g.level, {"parent_code": g.parent_code}))
            continue
        children[g.parent_code].append(i)
    noise_deg2 = t.noise_m2 / _M2_PER_DEG2

    for parent_code, idx in children.items():
        if only is not None and parent_code not in only:
            continue
        regular = [i for i in idx if grids[i].kind == "regular"]
        if parent_code is None:
            # Roots (districts) have no parent to fill; they must not overlap each other.
            if len(regular) > 1:
                _sibling_overlaps(grids, geoms, regular, t, issues)
            continue
        p = by_code[parent_code]
        parent_geom = geoms[p]
        if parent_geom is None:
            continue
        shapely.prepare(parent_geom)
        kids = np.asarray([geoms[i] for i in idx], dtype=object)
        covered = shapely.covers(parent_geom, kids)
        if not covered.all():
            # Children cut from their parent share its edges only up to rounding, so exact
            # "covers" fails for many of them; within 1e-10 degrees (0.01 mm) is inside.
            padded = shapely.buffer(parent_geom, _ROUNDING_DEG, quad_segs=1, join_style="mitre")
            shapely.prepare(padded)
            covered = covered | shapely.covers(padded, kids)
        for i, ok in zip(idx, covered):
            if ok:
                continue
            outside = shapely.difference(geoms[i], parent_geom)
            if approx_m2([outside])[0] < t.noise_m2 / 2:
                continue
            area = geodesic_area_m2(outside)
            if area < t.noise_m2:
                continue
            child = grids[i]
            tolerance = overhang_tolerance_m2(geodesic_area_m2(geoms[i]))
            severity = "error" if area > tolerance and not is_sliver(outside, t, area) else "warning"
            rule = "outside_parent" if severity == "error" else "sliver"
            issues.append(Issue(rule, severity, child.code, child.level,
                                {"parent_code": parent_code, "kind": "outside_parent"}, area, outside,
                                owner=parent_code))
        if not regular:
            continue  # a leaf (or a parent of dedicated grids only): nothing has to tile it
        scale = math.cos(math.radians(shapely.get_y(shapely.centroid(parent_geom)) or 0.0))
        reg = [geoms[i] for i in regular]
        union = shapely.union_all(reg)
        union_area = shapely.area(union)
        all_inside = all(ok for i, ok in zip(idx, covered) if grids[i].kind == "regular")
        if not all_inside or (shapely.area(parent_geom) - union_area) * scale > noise_deg2:
            gap = shapely.difference(parent_geom, union)
            issues.extend(_piece_issues(gap, "gap", parent_code, grids[p].level, t))
        if len(regular) > 1 and (float(np.sum(shapely.area(np.asarray(reg, dtype=object)))) - union_area) * scale \
                > noise_deg2:
            _sibling_overlaps(grids, geoms, regular, t, issues, owner=parent_code)


def _local(geoms: np.ndarray) -> np.ndarray:
    """Degrees to a local frame where x is shrunk by cos(latitude): shapes keep their proportions."""
    centroids = shapely.centroid(geoms)
    has = ~shapely.is_empty(centroids)
    lat = float(np.mean(shapely.get_y(centroids[has]))) if has.any() else 0.0
    k = math.cos(math.radians(lat))
    return shapely.transform(geoms, lambda xy: xy * np.array([k, 1.0]))


def _shape(grids, geoms, t: Thresholds, issues: list[Issue], stats: dict) -> None:
    """Multipart grids and compactness, vectorised over all grids."""
    idx = [i for i, g in enumerate(grids) if geoms[i] is not None and g.kind == "regular"
           and (g.level in t.contiguous_levels or g.level in t.compact_levels or g.exclave)]
    if not idx:
        return
    arr = np.asarray([geoms[i] for i in idx], dtype=object)
    local = _local(arr)
    # Polsby-Popper in the local frame (a ratio: the scale cancels, the shape does not).
    pp = 4 * math.pi * shapely.area(local) / np.maximum(shapely.length(local), 1e-300) ** 2
    parts = shapely.get_num_geometries(arr)
    compactness: dict[str, list[float]] = defaultdict(list)
    for k, i in enumerate(idx):
        g = grids[i]
        if g.exclave:
            # Allowed to lie in pieces: listed, so the allowance stays visible (and can be withdrawn).
            n = count_parts(geoms[i], t) if parts[k] > 1 else 1
            issues.append(Issue("exclave", "notice", g.code, g.level, {"parts": n}))
        elif g.level in t.contiguous_levels and parts[k] > 1:
            n = count_parts(geoms[i], t)
            if n > 1:
                issues.append(Issue("multipart", "warning", g.code, g.level, {"parts": n}))
        if g.level in t.compact_levels:
            value = float(pp[k])
            compactness[g.level].append(value)
            if value < t.min_compactness:
                issues.append(Issue("not_compact", "warning", g.code, g.level,
                                    {"compactness": round(value, 3), "minimum": t.min_compactness}))
    for level, values in compactness.items():
        stats.setdefault(level, {})["compactness_mean"] = round(float(np.mean(values)), 3)
        stats[level]["compactness_min"] = round(float(np.min(values)), 3)


def _balance(grids, t: Thresholds, issues: list[Issue], stats: dict) -> None:
    for attr, targets in (("households", t.households), ("population", t.population)):
        values: dict[str, list[int]] = defaultdict(list)
        for g in grids:
            if g.kind != "regular":
                continue
            value = getattr(g, attr)
            if value is None:
                continue
            values[g.level].append(value)
            target = targets.get(g.level)
            if not target:
                continue
            lo, hi = target
            if value < lo:
                issues.append(Issue(f"{attr}_low", "warning", g.code, g.level, {"value": value, "min": lo, "max": hi}))
            elif value > hi:
                issues.append(Issue(f"{attr}_high", "warning", g.code, g.level, {"value": value, "min": lo, "max": hi}))
        for level, vs in values.items():
            s = stats.setdefault(level, {})
            s[f"{attr}_min"], s[f"{attr}_max"] = int(min(vs)), int(max(vs))
            s[f"{attr}_mean"] = round(float(np.mean(vs)), 1)
            if targets.get(level):
                s[f"{attr}_target"] = list(targets[level])


def _unstaffed(grids, t: Thresholds, issues: list[Issue]) -> None:
    for g in grids:
        if g.level in t.staffed_levels and not g.staff:
            issues.append(Issue("unstaffed", "warning", g.code, g.level, {"kind": g.kind}))


def worker_issues(grids: Iterable[GridRecord], thresholds: Thresholds | None = None,
                  stats: dict | None = None) -> list[Issue]:
    """Workers answering for more grids of one level than ``max_grids_per_worker``.

    Needs every grid's ``code``, ``level`` and ``staff`` only (no geometry): a worker's load spans
    the version, so it is counted over all of it even when the rest is checked again in part.
    """
    t = thresholds or Thresholds()
    grids = list(grids)
    issues: list[Issue] = []
    per_worker: dict = defaultdict(list)
    for g in grids:
        for staff_id in g.staff:
            per_worker[staff_id].append(g)
    loads = []
    for staff_id, gs in per_worker.items():
        by_level: dict[str, list[str]] = defaultdict(list)
        for g in gs:
            by_level[g.level].append(g.code)
        load = max(len(v) for v in by_level.values())
        loads.append(load)
        if load > t.max_grids_per_worker:
            level, codes = max(by_level.items(), key=lambda kv: len(kv[1]))
            issues.append(Issue("worker_overload", "warning", None, level,
                                {"staff_id": staff_id, "grids": len(codes), "maximum": t.max_grids_per_worker},
                                codes=tuple(sorted(codes))))
    if stats is not None:
        staffed_levels = [g for g in grids if g.level in t.staffed_levels]
        stats["workers"] = {
            "workers": len(per_worker),
            "grids_per_worker_mean": round(float(np.mean(loads)), 2) if loads else None,
            "grids_per_worker_max": int(max(loads)) if loads else None,
            "unstaffed": sum(1 for g in staffed_levels if not g.staff),
        }
    return issues


def sort_issues(issues: list[Issue]) -> list[Issue]:
    """Errors first, then warnings, then notices; by rule, code, and larger pieces first."""
    order = {r: i for i, r in enumerate(ERROR_RULES + WARNING_RULES + NOTICE_RULES)}
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(issues, key=lambda i: (rank.get(i.severity, 9), order.get(i.rule, 99), i.code or "",
                                         -(i.area_m2 or 0)))


def validate(grids: Iterable[GridRecord], thresholds: Thresholds | None = None) -> ValidationResult:
    """Every check above over the grids of one version.

    Parameters
    ----------
    grids : iterable of GridRecord
        All grids of the version, any order, WGS-84. ``staff`` holds the ids
        of the workers assigned to the grid (by code).
    thresholds : Thresholds, optional

    Returns
    -------
    ValidationResult
        ``issues`` sorted errors first, then by rule and code; ``stats`` per
        level (count, households, population, compactness) and for workers.
    """
    t = thresholds or Thresholds()
    grids = list(grids)
    issues: list[Issue] = []
    stats: dict = {}
    geoms = _usable(grids, issues)
    by_code = {g.code: i for i, g in enumerate(grids)}
    for g in grids:
        s = stats.setdefault(g.level, {})
        s["grids"] = s.get("grids", 0) + 1
    _coverage(grids, geoms, by_code, t, issues)
    _shape(grids, geoms, t, issues, stats)
    _balance(grids, t, issues, stats)
    _unstaffed(grids, t, issues)
    issues += worker_issues(grids, t, stats)
    return ValidationResult(sort_issues(issues), stats)


def revalidate(grids: Iterable[GridRecord], owners: Iterable[str], thresholds: Thresholds | None = None) -> list[Issue]:
    """The issues owned by the grids ``owners`` (see "Checking again after an edit"), worker loads aside.

    ``grids`` must hold the owners that still exist, their parents and all their children; other grids
    may be there too (their issues are not returned). Same answers as :func:`validate` over the whole
    version gives for those owners.

    >>> from shapely import box
    >>> grids = [GridRecord("410102", "district", "regular", None, box(0, 0, 0.02, 0.01)),
    ...          GridRecord("410102001", "subdistrict", "regular", "410102", box(0, 0, 0.01, 0.01)),
    ...          GridRecord("410102002", "subdistrict", "regular", "410102", box(0.01, 0, 0.019, 0.01))]
    >>> [(i.rule, i.code) for i in revalidate(grids, ["410102"])]
    [('gap', '410102')]
    >>> revalidate(grids, ["410102001"])
    []
    """
    t = thresholds or Thresholds()
    wanted = set(owners)
    grids = list(grids)
    issues: list[Issue] = []
    geoms = _usable(grids, issues)
    by_code = {g.code: i for i, g in enumerate(grids)}
    _coverage(grids, geoms, by_code, t, issues, only=wanted)
    mine = [i for i, g in enumerate(grids) if g.code in wanted]
    _shape([grids[i] for i in mine], [geoms[i] for i in mine], t, issues, {})
    _balance([grids[i] for i in mine], t, issues, {})
    _unstaffed([grids[i] for i in mine], t, issues)
    for i, g in enumerate(grids):
        if g.code in wanted and g.parent_code is not None and g.parent_code not in by_code and geoms[i] is not None:
            issues.append(Issue("unknown_parent", "error", g.code, g.level, {"parent_code": g.parent_code}))
    return sort_issues([i for i in issues if i.owner in wanted])
