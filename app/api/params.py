"""Parsing of query parameters: every bad value becomes a 422 naming the field and the fix."""
from __future__ import annotations

import math
import re

from flask import request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict

from app import jsontext
from app.errors import NotFound, ValidationError
from geo.crs import UnknownCRSError, parse_crs


def _fail(field: str, message: str, value=None):
    raise ValidationError(message, {"field": field, "value": None if value is None else str(value)[:80]})


def text(args, field: str, limit: int) -> str | None:
    """A text parameter, stripped; blank is absent; over ``limit`` characters a 422 naming the field."""
    value = (args.get(field) or "").strip()
    if len(value) > limit:
        raise ValidationError(_("%(field)s is too long: at most %(n)s characters.", field=field, n=limit),
                              {"field": field})
    return value or None


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


def flag(args, field: str) -> bool | None:
    """``true``/``1`` or ``false``/``0``; None when absent."""
    raw = args.get(field)
    if raw in (None, ""):
        return None
    if raw not in ("true", "false", "1", "0"):
        _fail(field, _("%(field)s must be true or false.", field=field), raw)
    return raw in ("true", "1")


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


# PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate (which JSON's
# "\ud800" escapes can produce) cannot be encoded as UTF-8: either would reach
# the database as an error (a 500) instead of a message.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_text(value, path: str = "", *, depth: int = 0) -> str | None:
    """The path (``reporter.name``, ``areas[3]``; ``body`` for the whole body) of the first
    text PostgreSQL cannot store, or None."""
    if isinstance(value, str):
        return (path or "body") if _UNSTORABLE.search(value) else None
    if depth > 64:  # deeper than any document of ours; json.loads itself stops far beyond this
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if _UNSTORABLE.search(str(key)):
                return path or "body"
            found = unstorable_text(item, f"{path}.{key}" if path else str(key), depth=depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = unstorable_text(item, f"{path}[{i}]", depth=depth + 1)
            if found:
                return found
    return None


def _refuse(field: str):
    _fail(field, _("%(field)s contains a NUL character or an invalid Unicode escape; remove it.", field=field[:80]))


class CheckedArgs(ImmutableMultiDict):
    """Query parameters that refuse unstorable text when the app reads them.

    Checked on access, not up front: a parameter no view reads (an unknown
    one) cannot turn a request into an error the document does not list.
    """

    # lang (app.i18n) and OGC's f (app.ogc.negotiation) are only compared with
    # fixed values, and they are read while any error is rendered: refusing them
    # there would raise again inside the error handler.
    _EXEMPT = frozenset({"lang", "f"})

    def __getitem__(self, key):
        value = super().__getitem__(key)
        if key not in self._EXEMPT and isinstance(value, str) and _UNSTORABLE.search(value):
            _refuse(str(key))
        return value

    def getlist(self, key, type=None):  # noqa: A002 (werkzeug's name)
        values = super().getlist(key, type=type)
        if key not in self._EXEMPT and any(isinstance(v, str) and _UNSTORABLE.search(v) for v in values):
            _refuse(str(key))
        return values


def reject_unstorable_text(view_args, body) -> None:
    """404 for such a path segment (no resource has that name); 422 naming the first
    JSON member holding a NUL character or a lone surrogate."""
    for field, value in (view_args or {}).items():
        if isinstance(value, str) and _UNSTORABLE.search(value):
            raise NotFound(_("No such resource: check the URL."), {"field": field})
    found = unstorable_text(body)
    if found:
        _refuse(found)


# --- JSON bodies -------------------------------------------------------------

#: Methods whose JSON body is read and checked before the view runs.
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Bodies werkzeug parses into ``request.form``.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def request_json():
    """The request's JSON body (None when absent or malformed: the view says what it expects);
    a 422 naming the limit when the body is over one of app.jsontext's limits."""
    body = request.get_json(silent=True)
    if body is None and request.get_data(cache=True):
        try:
            jsontext.loads(request.get_data(cache=True))
        except jsontext.JSONLimitError as exc:
            raise ValidationError(exc.msg, {"field": "body", "limit": exc.reason}) from None
        except ValueError:
            pass
    return body



def json_body(allowed: tuple[str, ...]) -> dict:
    """The request's JSON object, refusing fields outside ``allowed`` (a typo must not pass silently)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationError(_("Send a JSON object (Content-Type: application/json)."), {"field": "body"})
    unknown = sorted(str(k) for k in payload if k not in allowed)
    if unknown:
        raise ValidationError(_("Unknown field %(field)s; allowed: %(allowed)s.", field=unknown[0][:40],
                                allowed=", ".join(allowed)), {"field": unknown[0][:40]})
    return payload


def json_text(payload: dict, name: str, limit: int, *, required: bool = False) -> str | None:
    """A text field; blank counts as absent (a blank note is no note)."""
    value = payload.get(name)
    if value is not None and not isinstance(value, str):
        raise ValidationError(_("%(field)s must be text.", field=name), {"field": name})
    if value is None or not value.strip():
        if required:
            raise ValidationError(_("%(field)s is required.", field=name), {"field": name})
        return None
    if len(value) > limit or "\x00" in value:
        raise ValidationError(_("%(field)s is too long or contains a NUL character: at most %(n)s characters.",
                                field=name, n=limit), {"field": name})
    return value.strip()


def json_whole(payload: dict, name: str) -> int | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 2**31 - 1:
        raise ValidationError(_("%(field)s must be a whole number (an id or version you read).", field=name),
                              {"field": name})
    return value
