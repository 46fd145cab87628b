"""The category table at run time: read once per request, edited by administrators.

Intake, validation, lists and maps all ask this module, never the Python
seed list (app/reports/categories.py), so an administrator's edit takes
effect on the next request. Edits apply to new events only: intake copies
the time limit and handling level onto the report.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from flask import Flask, current_app, g, has_app_context, has_request_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.models import HANDLING_LEVELS, TIME_UNITS, Category
from app.models.category import MAX_DUPLICATE_RADIUS_M

#: Fields an administrator may change (the code and classes are identity).
EDITABLE = ("time_limit", "time_unit", "handling_level", "duplicate_radius_m", "color", "active")
#: Longest time limit accepted, in either unit (a year of working days is ~250).
MAX_TIME_LIMIT = 1000
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CACHE_ATTR = "_gridmap_categories"


@lru_cache(maxsize=1)
def _every_row():
    return select(*Category.__table__.columns).order_by(Category.code)


def all_categories() -> list[Category]:
    """Every category in code order; read once per request.

    Read-only rows with the columns as attributes (``c.code``, ``c.active``...), not ORM objects: a
    commit in the request (intake commits before it answers) cannot expire them, and building and
    detaching 23 mapped objects cost each report's intake about a millisecond. Edits go through
    :func:`get`, which loads the mapped row."""
    cached = g.get(_CACHE_ATTR) if has_request_context() else None
    if cached is None:
        cached = list(db.session.execute(_every_row()))
        if has_request_context():
            setattr(g, _CACHE_ATTR, cached)
    return cached


def forget() -> None:
    """Drop this request's cached copy (after an edit, and when the request ends)."""
    if has_app_context():
        g.pop(_CACHE_ATTR, None)


def init_app(app: Flask) -> None:
    """Every request reads the table afresh. ``g`` belongs to the app context, which outlives a
    request when it was pushed before it (tests, a CLI command), so the copy goes when the request ends."""
    app.teardown_request(lambda _exc: forget())


def by_code() -> dict[str, Category]:
    return {c.code: c for c in all_categories()}


_APP_COPY = "gridmap_active_categories"


def active_codes(*, app_copy: bool = False) -> frozenset[str]:
    """Codes a new event may use.

    ``app_copy``: the codes as this process last read them (no round trip), for a check whose "yes" the
    database confirms as it writes (one report's intake: its store refuses a category no longer
    active) and whose "no" is asked again afresh. Every fresh read renews the copy."""
    if app_copy:
        copy = current_app.extensions.get(_APP_COPY)
        if copy is not None:
            return copy
    codes = frozenset(c.code for c in all_categories() if c.active)
    if has_app_context():
        current_app.extensions[_APP_COPY] = codes
    return codes


def label(category: Category | None, code: str | None = None) -> str | None:
    """The category's name in the request language (the stored text is the English msgid)."""
    if category is None:
        return code
    return _(category.label)


def labels() -> dict[str, str]:
    return {c.code: label(c) for c in all_categories()}


def colors() -> dict[str, str]:
    return {c.code: c.color for c in all_categories()}


def to_dict(c: Category) -> dict:
    return {
        "code": c.code, "label": label(c), "big_class": _(c.big_class_label), "color": c.color,
        "big_class_code": c.big_class, "small_class_code": c.small_class,
        "time_limit": _number(c.time_limit), "time_unit": c.time_unit,
        "handling_level": c.handling_level, "duplicate_radius_m": c.duplicate_radius_m,
        "active": c.active, "row_version": c.row_version,
    }


def _number(value) -> int | float:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def snapshot(c: Category) -> dict:
    return {"time_limit": _number(c.time_limit), "time_unit": c.time_unit, "handling_level": c.handling_level,
            "duplicate_radius_m": c.duplicate_radius_m, "color": c.color, "active": c.active}


def get(code: str) -> Category:
    category = db.session.get(Category, code)
    if category is None:
        raise NotFound(_("No category %(code)s: use a code from /api/v1/categories.", code=str(code)[:20]),
                       {"field": "code"})
    return category


def update(code: str, changes: dict, *, expected_version: int | None = None) -> Category:
    """Change a category's rules; events already filed keep theirs.

    The row is locked first, so of two administrators holding the same
    ``row_version`` one wins and the other gets a 409.
    """
    category = get(code)
    db.session.refresh(category, with_for_update=True)
    if expected_version is not None and expected_version != category.row_version:
        raise Conflict(_("Someone else changed this category meanwhile; reload and apply your change again."),
                       {"field": "row_version", "current": category.row_version})
    before = snapshot(category)
    clean = _check(changes, category)
    for name, value in clean.items():
        setattr(category, name, value)
    after = snapshot(category)
    if after != before:
        category.row_version = category.row_version + 1
        category.updated_at = func.now()
        audit.record("category.update", "category", category.code, before=before, after=after)
        db.session.flush()
        db.session.refresh(category)
    forget()
    return category


#: Fields of a new category besides the rules (EDITABLE).
NEW_FIELDS = ("big_class", "small_class", "label", "big_class_label")
MAX_LABEL = 40
TWO_DIGITS = re.compile(r"^[0-9]{2}$")
#: Rules a new category gets when the request leaves them out.
NEW_DEFAULTS = {"handling_level": "grid", "duplicate_radius_m": 50, "color": "#1f77b4", "active": True}


def create(values: dict) -> Category:
    """Add a small class (小类), under an existing big class (大类) or a new one.

    The time limit and its unit are required; the other rules default to
    NEW_DEFAULTS. A new big class needs its name; an existing one keeps its
    own. The code is big + small class; a code in use is a 409.
    """
    big, small = values.get("big_class"), values.get("small_class")
    for field, value in (("big_class", big), ("small_class", small)):
        if not isinstance(value, str) or not TWO_DIGITS.match(value) or value == "00":
            raise ValidationError(_("%(field)s must be two digits from 01 to 99, as in GB/T 30428.2.", field=field),
                                  {"field": field})
    code = big + small
    if db.session.get(Category, code) is not None:
        raise Conflict(_("Category %(code)s exists already; edit it, or choose another small class.", code=code),
                       {"field": "small_class", "code": code})
    label = _label(values.get("label"), "label")
    sibling = db.session.scalars(select(Category).where(Category.big_class == big).limit(1)).first()
    big_label = sibling.big_class_label if sibling else _label(values.get("big_class_label"), "big_class_label")
    for field in ("time_limit", "time_unit"):
        if values.get(field) in (None, ""):
            raise ValidationError(_("%(field)s is required for a new category.", field=field), {"field": field})
    draft = Category(code=code, big_class=big, small_class=small, label=label, big_class_label=big_label,
                     time_limit=Decimal(1), time_unit="hours", **NEW_DEFAULTS)
    rules = _check({**NEW_DEFAULTS, **{k: v for k, v in values.items() if k in EDITABLE}}, draft)
    for name, value in rules.items():
        setattr(draft, name, value)
    try:
        # Two administrators adding the same code at once: the second insert meets the first's key.
        with db.session.begin_nested():
            db.session.add(draft)
    except IntegrityError:
        raise Conflict(_("Category %(code)s exists already; edit it, or choose another small class.", code=code),
                       {"field": "small_class", "code": code}) from None
    audit.record("category.create", "category", code, after={"label": label, "big_class_label": big_label,
                                                                   **snapshot(draft)})
    forget()
    return draft


def _label(value, field: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_LABEL:
        raise ValidationError(_("%(field)s must be a name of 1 to %(n)s characters.", field=field, n=MAX_LABEL),
                              {"field": field})
    return text


def _check(changes: dict, current: Category) -> dict:
    """The changes, validated field by field (the message names the field and the fix)."""
    clean: dict = {}
    if "time_limit" in changes:
        value = changes["time_limit"]
        try:
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise InvalidOperation
            number = Decimal(str(value))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not 0 < number <= MAX_TIME_LIMIT \
                or number != number.quantize(Decimal("0.01")):
            raise ValidationError(_("time_limit must be a number above 0 and at most %(n)s, with at most two "
                                    "decimals.", n=MAX_TIME_LIMIT), {"field": "time_limit"})
        clean["time_limit"] = number
    if "time_unit" in changes:
        if changes["time_unit"] not in TIME_UNITS:
            raise ValidationError(_("time_unit must be one of: %(allowed)s.", allowed=", ".join(TIME_UNITS)),
                                  {"field": "time_unit"})
        clean["time_unit"] = changes["time_unit"]
    unit = clean.get("time_unit", current.time_unit)
    limit = clean.get("time_limit", Decimal(current.time_limit))
    if unit == "days" and limit != limit.to_integral_value():
        raise ValidationError(_("A time limit in working days must be a whole number; use hours for part-days."),
                              {"field": "time_limit"})
    if "handling_level" in changes:
        if changes["handling_level"] not in HANDLING_LEVELS:
            raise ValidationError(_("handling_level must be one of: %(allowed)s.",
                                    allowed=", ".join(HANDLING_LEVELS)), {"field": "handling_level"})
        clean["handling_level"] = changes["handling_level"]
    if "duplicate_radius_m" in changes:
        radius = changes["duplicate_radius_m"]
        if not isinstance(radius, int) or isinstance(radius, bool) or not 0 <= radius <= MAX_DUPLICATE_RADIUS_M:
            raise ValidationError(_("duplicate_radius_m must be a whole number of metres from 0 (no duplicate "
                                    "check) to %(n)s.", n=MAX_DUPLICATE_RADIUS_M), {"field": "duplicate_radius_m"})
        clean["duplicate_radius_m"] = radius
    if "color" in changes:
        color = changes["color"]
        if not isinstance(color, str) or not COLOR.match(color):
            raise ValidationError(_("color must be a colour like #1f77b4."), {"field": "color"})
        clean["color"] = color.lower()
    if "active" in changes:
        if not isinstance(changes["active"], bool):
            raise ValidationError(_("active must be true or false."), {"field": "active"})
        clean["active"] = changes["active"]
    return clean
