"""Which events a user may see and act on: enforced in the SQL, not the UI.

``event_area()`` returns None for "the whole district" or a tuple of grid
codes; an event is in the area when any grid of its lineage (or one of its
dedicated grids) has one of those codes. A grid worker with no grids gets
the empty tuple and so sees nothing: the safe default.

On top of the area, the district (issue 19): a district's user sees and acts on
their district's rows only (``report.district_code`` ...); a city user
(``app_user.district_code`` NULL) sees every district and may narrow to one.
``event_district()`` is the value every query binds to ``:district``.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, select

from app.actor import current_actor
from app.auth.roles import AREA_BOUND
from app.errors import ValidationError
from app.extensions import db
from app.models import District, Grid


def event_area() -> tuple[str, ...] | None:
    actor = current_actor()
    bound = AREA_BOUND.get(actor.role or "")
    if bound == "required":
        return actor.areas
    if bound == "optional" and actor.areas:
        return actor.areas
    return None


def actor_district() -> str | None:
    """The signed-in user's district; None for a city user and for callers without a user."""
    actor = current_actor()
    return actor.district if actor.id is not None else None


def event_district(requested: str | None = None) -> str | None:
    """The district a query is limited to (``:district``): a district user's own whatever they ask;
    for a city user (and public callers) ``requested`` (a filter), None for every district."""
    own = actor_district()
    if own is not None:
        return own
    return (requested or "").strip() or None


def requested_district(raw: str | None) -> str | None:
    """``district=`` of a list, a feed or the figures: a district of this deployment, or None (every
    district). Only a city user's choice counts (``event_district``); a bad code is an error for all."""
    if raw in (None, ""):
        return None
    raw = raw.strip()
    if db.session.get(District, raw) is None:
        raise ValidationError(_("district must be the code of one of this deployment's districts (6 digits, "
                                "e.g. 410102)."), {"field": "district", "value": raw[:40]})
    return raw


def in_district(district_code: str) -> bool:
    """Whether the caller may see and act on a row of ``district_code``."""
    own = actor_district()
    return own is None or own == district_code


def district_choices() -> list[dict]:
    """The districts a city user may narrow a page to (``{"code", "label"}``); none for a district's
    user, who has only theirs."""
    if actor_district() is not None:
        return []
    return [{"code": d.code, "label": d.name} for d in db.session.scalars(select(District).order_by(District.code))]


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
