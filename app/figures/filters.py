"""Reading the figures' filters from query arguments (shared by the API and the page).

Every bad value is a 422 naming the field and what would be accepted.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.api import params
from app.auth.scope import actor_district, event_area, event_district, requested_district
from app.errors import ValidationError
from app.events import categories as category_table
from app.extensions import db
from app.figures.events import GROUPINGS, MAX_DAYS, Filters
from app.models import Grid
from app.patrols.period import parse_period

#: Without from/to: the last 30 days up to today.
DEFAULT_DAYS = 30


def category_choices() -> tuple[list[dict], list[dict]]:
    """``(big classes, categories)`` as ``{"code", "label"}`` lists, in code order, for the page's filter."""
    big: dict[str, str] = {}
    small = []
    for c in category_table.all_categories():
        big.setdefault(c.big_class, _(c.big_class_label))
        small.append({"code": c.code, "label": category_table.label(c)})
    return [{"code": code, "label": label} for code, label in big.items()], small


def subdistrict_choices() -> list[dict]:
    query = select(Grid.code, Grid.name).where(
        Grid.level == "subdistrict", Grid.kind == "regular", Grid.generation_high.is_(None),
        Grid.draft_id.is_(None)).order_by(Grid.code)
    own = actor_district()
    if own is not None:
        query = query.where(Grid.district_code == own)
    rows = db.session.execute(query)
    return [{"code": code, "label": name} for code, name in rows]


def _category(raw: str | None) -> tuple[str | None, str | None]:
    """``(category, big_class)``: a 4-digit code is one category, 2 digits a whole big class."""
    if raw in (None, ""):
        return None, None
    raw = raw.strip()
    known = category_table.by_code()
    if raw in known:
        return raw, None
    if len(raw) == 2 and any(c.big_class == raw for c in known.values()):
        return None, raw
    raise ValidationError(_("category must be a category code (4 digits, e.g. 0402) or a big class (2 digits, "
                            "e.g. 04) of the category table."), {"field": "category", "value": raw[:40]})


def _subdistrict(raw: str | None) -> str | None:
    if raw in (None, ""):
        return None
    raw = raw.strip()
    found = db.session.scalar(select(Grid.id).where(
        Grid.code == raw, Grid.level == "subdistrict", Grid.generation_high.is_(None), Grid.draft_id.is_(None)))
    if found is None:
        raise ValidationError(_("subdistrict must be the code of a current subdistrict (9 digits, e.g. "
                                "410102001)."), {"field": "subdistrict", "value": raw[:40]})
    return raw


def parse_filters(args) -> Filters:
    """Filters from ``from``, ``to``, ``by``, ``category``, ``subdistrict``; the area is the caller's."""
    return Filters(
        period=parse_period(args, default_days=DEFAULT_DAYS, max_days=MAX_DAYS),
        by=params.choice(args, "by", GROUPINGS, default="grid"),
        **dict(zip(("category", "big_class"), _category(args.get("category")))),
        subdistrict=_subdistrict(args.get("subdistrict")),
        area=event_area(),
        district=event_district(requested_district(args.get("district"))),
    )


def query_args(filters: Filters) -> dict:
    """The query arguments that ask for ``filters`` again (links, CSV download)."""
    out = {"from": filters.period.first.isoformat(), "to": filters.period.last.isoformat(), "by": filters.by}
    if filters.category or filters.big_class:
        out["category"] = filters.category or filters.big_class
    if filters.subdistrict:
        out["subdistrict"] = filters.subdistrict
    if filters.district and actor_district() is None:
        out["district"] = filters.district
    return out
