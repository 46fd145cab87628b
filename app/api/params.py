"""Parsing of query parameters: every bad value becomes a 422 naming the field and the fix."""
from __future__ import annotations

import math

from flask_babel import gettext as _

from app.errors import ValidationError
from geo.crs import UnknownCRSError, parse_crs


def _fail(field: str, message: str, value=None):
    raise ValidationError(message, {"field": field, "value": None if value is None else str(value)[:80]})


def number(args, field: str, *, required=False, lo=None, hi=None) -> float | None:
    raw = args.get(field)
    if raw in (None, ""):
        if required:
            _fail(field, _("%(field)s is required.", field=field))
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        _fail(field, _("%(field)s must be a number.", field=field), raw)
    if not math.isfinite(value):
        _fail(field, _("%(field)s must be a finite number.", field=field), raw)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        _fail(field, _("%(field)s must be between %(lo)s and %(hi)s.", field=field, lo=lo, hi=hi), raw)
    return value


def integer(args, field: str, *, default=None, lo=None, hi=None) -> int | None:
    raw = args.get(field)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        _fail(field, _("%(field)s must be a whole number.", field=field), raw)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        _fail(field, _("%(field)s must be between %(lo)s and %(hi)s.", field=field, lo=lo, hi=hi), raw)
    return value


def choice(args, field: str, allowed, *, default=None) -> str | None:
    raw = args.get(field)
    if raw in (None, ""):
        return default
    if raw not in allowed:
        _fail(field, _("%(field)s must be one of: %(allowed)s.", field=field, allowed=", ".join(allowed)), raw)
    return raw


def bbox(args, field: str = "bbox") -> tuple[float, float, float, float] | None:
    raw = args.get(field)
    if raw in (None, ""):
        return None
    parts = str(raw).split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        _fail(field, _("bbox must be four numbers: min_lon,min_lat,max_lon,max_lat."), raw)
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        _fail(field, _("bbox must lie within -180..180, -90..90 with min before max."), raw)
    return minx, miny, maxx, maxy


def crs(args_or_value, field: str = "crs"):
    raw = args_or_value.get(field) if hasattr(args_or_value, "get") else args_or_value
    try:
        return parse_crs(raw)
    except (UnknownCRSError, TypeError, ValueError):
        _fail(field, _("Unknown coordinate system: use an EPSG code such as 4326, 4490 or 4547, or gcj02 / bd09."),
              raw)
