"""Which events a user may see and act on: enforced in the SQL, not the UI.

``event_area()`` returns None for "the whole district" or a tuple of grid
codes; an event is in the area when any grid of its lineage (or one of its
dedicated grids) has one of those codes. A grid worker with no grids gets
the empty tuple and so sees nothing: the safe default.
"""
from __future__ import annotations

from sqlalchemy import exists, select

from app.actor import current_actor
from app.auth.roles import AREA_BOUND
from app.extensions import db
from app.models import Grid


def event_area() -> tuple[str, ...] | None:
    actor = current_actor()
    bound = AREA_BOUND.get(actor.role or "")
    if bound == "required":
        return actor.areas
    if bound == "optional" and actor.areas:
        return actor.areas
    return None


def area_param(area: tuple[str, ...] | None):
    """The value to bind to ``:area`` in queries over reports."""
    return None if area is None else list(area)


def in_area(grid_ids: list[int], area: tuple[str, ...] | None) -> bool:
    """Whether an event with these grids (lineage and dedicated) lies in ``area``."""
    if area is None:
        return True
    if not area or not grid_ids:
        return False
    return bool(db.session.scalar(select(exists().where(Grid.id.in_(grid_ids), Grid.code.in_(area)))))
