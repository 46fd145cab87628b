"""The caller's area on the desk: the grid filter's choices and where the map opens.

An area code stands for itself and everything below it (codes nest), so a grid
worker's or a community dispatcher's desk lists and shows only their part of
the district (app.auth.scope gives the area; None is the whole district).
"""
from __future__ import annotations

import json

from sqlalchemy import false, func, or_, select

from app.auth.scope import actor_district
from app.extensions import db
from app.grids.versions import Scope
from app.models import District, Grid

#: Grid levels offered in the grid filter (micro-grids are too many for a list).
FILTER_LEVELS = ("subdistrict", "community", "grid")
#: The current published rows, as app.grids.versions states the rule.
CURRENT = Scope(None).grid_filter()


def grid_choices(area: tuple[str, ...] | None) -> list[dict]:
    """Subdistricts, communities and grids in code order (a parent before its children), the
    caller's area only: an area code stands for itself and everything below it (codes nest).
    The area's own grids are listed whatever their level (a micro-grid worker sees theirs)."""
    levels = Grid.level.in_(FILTER_LEVELS)
    stmt = (select(Grid.id, Grid.code, Grid.name, Grid.level)
            .where(CURRENT, Grid.kind == "regular")
            .order_by(Grid.code))
    if area is not None:
        stmt = stmt.where(or_(false(), *(Grid.code.startswith(code, autoescape=True) for code in area)),
                          or_(levels, Grid.code.in_(area)))
    else:
        stmt = stmt.where(levels)
    own = actor_district()
    if own is not None:  # a district's user: their district's grids (a city user: every district's)
        stmt = stmt.where(Grid.district_code == own)
    rows = db.session.execute(stmt).all()
    top = min((FILTER_LEVELS.index(lv) for *_, lv in rows if lv in FILTER_LEVELS), default=0)
    return [{"id": i, "code": c, "name": n, "level": lv,
             "depth": (FILTER_LEVELS.index(lv) if lv in FILTER_LEVELS else len(FILTER_LEVELS)) - top}
            for i, c, n, lv in rows]


def home(area: tuple[str, ...] | None) -> tuple[list[list[float]] | None, dict | None]:
    """Where the caller's desk opens: [[south, west], [north, east]] of their area's grids, and
    the outline of those grids as GeoJSON (simplified to about a metre); None for the district.
    A district's user of a city deployment opens on their district (its root grid has its code)."""
    if not area and actor_district() is not None and db.session.scalar(select(func.count(District.code))) > 1:
        area = (actor_district(),)
    if not area:
        return None, None
    shape = func.ST_Union(Grid.geom)
    row = db.session.execute(
        select(func.ST_XMin(func.ST_Extent(Grid.geom)), func.ST_YMin(func.ST_Extent(Grid.geom)),
               func.ST_XMax(func.ST_Extent(Grid.geom)), func.ST_YMax(func.ST_Extent(Grid.geom)),
               func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(shape, 0.00001), 6))
        .where(CURRENT, Grid.code.in_(area))).one()
    if row[0] is None:
        return None, None
    return [[row[1], row[0]], [row[3], row[2]]], json.loads(row[4])
