"""The deterministic point-to-grid rule, in Python.

The database applies this rule in SQL; this module states it once and
implements it in pure Python so tests can cross-check the SQL.

The rule
--------
1. A point belongs to the finest *regular* grid that **covers** it
   (``ST_Covers``: the boundary counts as inside, so a point on an edge is
   never lost between two grids).
2. When several grids of that finest level cover it -- the point lies on a
   shared edge or vertex -- the one with the **lowest code** wins. Codes of
   one level have equal length, so string order equals numeric order.
3. Dedicated grids (专属网格) covering the point are reported *in addition*;
   they never replace the regular assignment.
4. A point covered by no regular grid is *out of coverage*: it is stored
   and flagged, never dropped.

Examples
--------
>>> choose_grid([("41010200100200301", 4), ("41010200100200201", 4), ("410102001002002", 3)])
'41010200100200201'
>>> choose_grid([]) is None
True
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import shapely

from geo.hierarchy import DEPTH


def choose_grid(candidates: Iterable[tuple[str, int]]) -> str | None:
    """Pick the grid a point belongs to among the regular grids covering it.

    Parameters
    ----------
    candidates : iterable of (code, depth)
        Every regular grid covering the point, with its depth
        (``geo.hierarchy.DEPTH``: district 0 ... micro 4).

    Returns
    -------
    str or None
        The code of the deepest candidate, lowest code among equals; None
        when there is no candidate (out of coverage).

    Examples
    --------
    >>> choose_grid([("410102001002", 2), ("410102001002001", 3)])
    '410102001002001'
    >>> choose_grid([("410102001002003", 3), ("410102001002001", 3)])
    '410102001002001'
    """
    best = None
    for code, depth in candidates:
        key = (-int(depth), code)
        if best is None or key < best:
            best = key
    return None if best is None else best[1]


@dataclass
class Assignment:
    grid: str | None                                   # None = out of coverage
    dedicated: list[str] = field(default_factory=list)  # sorted codes


def assign_points(lon, lat, grids: Sequence[tuple[str, str, str, object]]) -> list[Assignment]:
    """Assign points to grids with the rule above (reference implementation).

    Parameters
    ----------
    lon, lat : array_like
        WGS-84 coordinates.
    grids : sequence of (code, level, kind, geometry)

    Returns
    -------
    list of Assignment, one per point.

    Examples
    --------
    >>> from shapely import box
    >>> grids = [("410102001001001", "grid", "regular", box(0, 0, 1, 1)),
    ...          ("410102001001002", "grid", "regular", box(1, 0, 2, 1)),
    ...          ("410102001001501", "grid", "dedicated", box(0.5, 0, 1.5, 1))]
    >>> [(a.grid, a.dedicated) for a in assign_points([1.0, 0.2, 5], [0.5, 0.5, 5], grids)]
    [('410102001001001', ['410102001001501']), ('410102001001001', []), (None, [])]
    """
    points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    points = np.atleast_1d(points)
    result = [Assignment(None) for _ in range(len(points))]
    if not grids:
        return result
    tree = shapely.STRtree([g[3] for g in grids])
    # STRtree answers "which geometries cover each point" in one vectorised call.
    pt_idx, grid_idx = tree.query(points, predicate="covered_by")
    regular: dict[int, list[tuple[str, int]]] = {}
    for p, g in zip(pt_idx.tolist(), grid_idx.tolist()):
        code, level, kind, _ = grids[g]
        if kind == "dedicated":
            result[p].dedicated.append(code)
        else:
            regular.setdefault(p, []).append((code, DEPTH[level]))
    for p, cands in regular.items():
        result[p].grid = choose_grid(cands)
    for a in result:
        a.dedicated.sort()
    return result
