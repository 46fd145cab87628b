"""Query parameters of OGC API - Features Part 1 Core.

The standard asks for 400 Bad Request (not GridMap's usual 422) for a bad
value and for a parameter the API does not define (/req/core/query-param-invalid,
/req/core/query-param-unknown); ``app.ogc.errors`` turns ``ValidationError``
into that 400.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

import shapely
from flask_babel import gettext as _

from app.errors import ValidationError

#: Features per page when the client does not say, and the most a page holds.
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
#: Far beyond any collection's size, well inside PostgreSQL's bigint OFFSET.
MAX_OFFSET = 1_000_000_000

#: Parameters every resource accepts: the format and GridMap's language switch.
COMMON = ("f", "lang")
ITEMS = COMMON + ("bbox", "datetime", "limit", "offset")


def _fail(field: str, message: str, value=None):
    raise ValidationError(message, {"field": field, "value": None if value is None else str(value)[:80]})


def reject_unknown(args, allowed) -> None:
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        _fail(unknown[0], _("Unknown parameter %(name)s: this resource accepts %(allowed)s.",
                            name=unknown[0][:40], allowed=", ".join(allowed)))


def limit(args) -> int:
    """Page size. Above the maximum is not an error: the maximum is used (OGC API - Features limit parameter)."""
    value = _whole(args, "limit", DEFAULT_LIMIT)
    if value < 1:
        _fail("limit", _("limit must be a whole number from 1 to %(max)s.", max=MAX_LIMIT), value)
    return min(value, MAX_LIMIT)


def offset(args) -> int:
    value = _whole(args, "offset", 0)
    if not 0 <= value <= MAX_OFFSET:
        _fail("offset", _("offset must be a whole number from 0 to %(max)s.", max=MAX_OFFSET), value)
    return value


def _whole(args, field: str, default: int) -> int:
    raw = args.get(field)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        _fail(field, _("%(field)s must be a whole number.", field=field), raw)


def bbox_area(args) -> str | None:
    """The ``bbox`` (CRS84 longitude/latitude) as WKT of the area it covers, or None.

    Four numbers, or six with heights (ignored: grids are flat). A box whose
    west edge is east of its east edge spans the antimeridian and becomes two.
    """
    raw = args.get("bbox")
    if raw in (None, ""):
        return None
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        values = []
    if len(values) not in (4, 6) or not all(math.isfinite(v) for v in values):
        _fail("bbox", _("bbox must be four numbers: min_lon,min_lat,max_lon,max_lat (WGS 84)."), raw)
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    west, south, east, north = values
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        _fail("bbox", _("bbox must lie within -180..180, -90..90 with min_lat before max_lat."), raw)
    if west <= east:
        parts = [_envelope(west, south, east, north)]
    else:
        parts = [_envelope(west, south, 180, north), _envelope(-180, south, east, north)]
    return shapely.to_wkt(shapely.GeometryCollection(parts) if len(parts) > 1 else parts[0], rounding_precision=-1)


def _envelope(west, south, east, north):
    # A box of zero width or height is a line or a point: as a collapsed polygon
    # it would be invalid and GEOS predicates on it unreliable.
    if west == east and south == north:
        return shapely.Point(west, south)
    if west == east or south == north:
        return shapely.LineString([(west, south), (east, north)])
    return shapely.box(west, south, east, north)


def check_datetime(args) -> str | None:
    """Validate ``datetime`` (RFC 3339 instant, or interval with ``..`` or empty for an open end).

    Grids carry no time of their own (a version is chosen by collection), so a
    valid value selects every feature, as the standard asks for features
    without a temporal geometry; a malformed one is still a 400.
    """
    raw = args.get("datetime")
    if raw in (None, ""):
        return None
    parts = raw.split("/")
    if len(parts) > 2:
        _fail("datetime", _("datetime must be an RFC 3339 date-time or an interval start/end."), raw)
    instants = [None if p in ("", "..") else _instant(p, raw) for p in parts]
    if len(parts) == 1 and instants[0] is None:
        _fail("datetime", _("datetime must be an RFC 3339 date-time or an interval start/end."), raw)
    if len(instants) == 2 and None not in instants and instants[0] > instants[1]:
        _fail("datetime", _("The datetime interval ends before it starts."), raw)
    return raw


def _instant(text: str, raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        _fail("datetime", _("datetime must be an RFC 3339 date-time such as 2024-05-01T00:00:00Z."), raw)
    # Comparable whatever the client sent: a time without offset is taken as UTC.
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
