"""Checking one incoming report (from the API or one row of a bulk file).

Pure checks: every problem is returned as a ``RowError`` naming the field and
the fix; nothing here touches the database.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timezone
from typing import Collection

from flask_babel import gettext as _

from app.beijing import BEIJING
from app.models import CHANNELS, STATUSES
from app.rows import RowError, coordinate
from app.reports.categories import BY_CODE
from geo.crs import UnknownCRSError, parse_crs

MAX_DESCRIPTION = 4000
MAX_ADDRESS = 500
MAX_NAME = 100
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{2,30}$")
#: Photo links per report: a WeChat / 随手拍 post carries at most nine pictures.
MAX_MEDIA = 9
MAX_URL = 2048
MAX_EMAIL = 254
MAX_DEVICE = 128
#: Plausible, not RFC 5322: a dot-atom local part and a domain of at least two labels
#: (letters of any script, so 邮箱.中国 passes; \w is Unicode-aware).
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
EMAIL_RE = re.compile(rf"^[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+)*"
                      rf"@{_LABEL}(?:\.{_LABEL})+$")
#: A CSV cell lists several photo links separated by whitespace or semicolons.
_MEDIA_SEPARATORS = re.compile(r"[\s;；]+")

#: Channel names as hotline and city-management exports write them (value → code).
CHANNEL_ALIASES = {
    "12345": "hotline_12345", "12345热线": "hotline_12345", "市长热线": "hotline_12345",
    "12345市长热线": "hotline_12345", "数字城管": "city_management", "网格员APP": "worker_app",
    "网格员上报": "worker_app", "小程序": "resident_app", "居民小程序": "resident_app", "随手拍": "photo",
    "郑好拍": "photo", "来访": "walk_in", "电话": "phone",
}

#: Column aliases seen in hotline and spreadsheet exports (header → field).
ALIASES = {
    "类别": "category", "事件类别": "category", "类别代码": "category", "问题类别": "category",
    "渠道": "channel", "来源": "channel", "来源渠道": "channel",
    "描述": "description", "内容": "description", "问题描述": "description", "诉求内容": "description",
    "地址": "address", "事发地址": "address",
    "经度": "lon", "纬度": "lat", "longitude": "lon", "latitude": "lat", "lng": "lon",
    "坐标系": "crs",
    "联系人": "reporter_name", "姓名": "reporter_name", "反映人": "reporter_name",
    "电话": "reporter_phone", "联系电话": "reporter_phone", "手机": "reporter_phone",
    "邮箱": "reporter_email", "电子邮箱": "reporter_email", "email": "reporter_email",
    "设备": "reporter_device", "设备号": "reporter_device",
    "照片": "media_urls", "图片": "media_urls", "照片链接": "media_urls", "media_url": "media_urls",
    "状态": "status", "时间": "created_at", "上报时间": "created_at", "受理时间": "created_at",
}


@dataclass
class CleanReport:
    row: int
    category: str
    channel: str
    description: str
    lon: float
    lat: float
    crs: object  # geo.crs.SourceCRS
    address: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    status: str = "reported"
    created_at: datetime | None = None
    errors: list = field(default_factory=list)
    raw_lon: float | None = None
    raw_lat: float | None = None
    idempotency_key: str | None = None
    idempotency_scope: str | None = None  # whose key it is (app.actor.Actor.scope)
    request_hash: str | None = None
    # Came with an address and no lon/lat: app.addresses.intake geocodes it, and a confident
    # library match leaves the standard address and the match's confidence here.
    needs_geocoding: bool = False
    address_id: int | None = None
    address_confidence: float | None = None
    # Came with an address_id and no lon/lat: takes the standard address's point on intake.
    needs_library_point: bool = False
    # Photo links and how to reach the reporter again (migration 0015).
    media_urls: list = field(default_factory=list)
    reporter_email: str | None = None
    reporter_device: str | None = None


def normalise_keys(raw: dict) -> dict:
    return {_canonical_key(key): value for key, value in raw.items()}


@lru_cache(maxsize=512)
def _canonical_key(key) -> str:
    # Cached: a file repeats the same dozen headers on every row (a third of the checking time).
    k = str(key).strip().lstrip("\ufeff")
    return ALIASES.get(k, ALIASES.get(k.lower(), k.lower()))


def _text(raw: dict, name: str, limit: int, errors: list, row: int, *, required=False) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(RowError(row, name, _("%(field)s is required.", field=name)))
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        errors.append(RowError(row, name, _("%(field)s must be text.", field=name)))
        return None
    value = str(value).strip()
    if "\x00" in value:
        errors.append(RowError(row, name, _("%(field)s contains a NUL character.", field=name)))
        return None
    if len(value) > limit:
        errors.append(RowError(row, name, _("%(field)s is too long: at most %(n)s characters.",
                                            field=name, n=limit)))
        return None
    return value


def _address_id(raw: dict, row: int, errors: list) -> int | None:
    """A standard address's id (a whole number; digits from a CSV cell), or None when absent."""
    value = raw.get("address_id")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        errors.append(RowError(row, "address_id", _("address_id must be the id of a standard address (a whole "
                                                    "number), as /api/v1/addresses/suggest gives it."),
                               str(value)[:40]))
        return None
    return value


def check_report(raw, row: int = 0, *, allow_status: bool = False, default_channel: str = "resident_app",
                 categories: Collection[str] | None = None):
    """Return a ``CleanReport`` (with ``errors`` empty when it can be stored).

    ``categories``: the codes a new report may use (the active rows of the
    category table, app.events.categories); default: the seeded codes.
    """
    errors: list[RowError] = []
    if not isinstance(raw, dict):
        errors.append(RowError(row, "body", _("Each report must be a JSON object.")))
        return CleanReport(row, "", "", "", 0.0, 0.0, None, errors=errors)
    raw = normalise_keys(raw)
    reporter = raw.get("reporter")
    if isinstance(reporter, dict):
        raw.setdefault("reporter_name", reporter.get("name"))
        raw.setdefault("reporter_phone", reporter.get("phone"))
        raw.setdefault("reporter_email", reporter.get("email"))
        raw.setdefault("reporter_device", reporter.get("device"))

    category = _text(raw, "category", 8, errors, row, required=True)
    if category is not None and category not in (BY_CODE if categories is None else categories):
        errors.append(RowError(row, "category", _("Unknown category %(code)s: use a code from "
                                                  "/api/v1/categories.", code=category), category))
    channel = _text(raw, "channel", 20, errors, row) or default_channel
    channel = CHANNEL_ALIASES.get(channel, channel)
    if channel not in CHANNELS:
        errors.append(RowError(row, "channel", _("channel must be one of: %(allowed)s.",
                                                 allowed=", ".join(CHANNELS)), channel))
    description = _text(raw, "description", MAX_DESCRIPTION, errors, row, required=True)
    address = _text(raw, "address", MAX_ADDRESS, errors, row)
    name = _text(raw, "reporter_name", MAX_NAME, errors, row)
    phone = _text(raw, "reporter_phone", 32, errors, row)
    if phone is not None and not PHONE_RE.match(phone):
        errors.append(RowError(row, "reporter_phone", _("reporter_phone must be a phone number (digits, "
                                                        "spaces, - and a leading +)."), phone))
    email = _text(raw, "reporter_email", MAX_EMAIL, errors, row)
    if email is not None and not EMAIL_RE.match(email):
        errors.append(RowError(row, "reporter_email", _("reporter_email must be an email address like "
                                                        "name@example.com."), email[:80]))
    device = _text(raw, "reporter_device", MAX_DEVICE, errors, row)
    media = check_media_urls(raw.get("media_urls"), row, errors)
    # A standard address picked by id (a field app's suggestion list): its point, when none is sent
    # (app.addresses.intake.from_address_ids). Else an address and no point at all: geocoded against
    # the standard address library on intake.
    address_id = _address_id(raw, row, errors)
    named = raw.get("address_id") not in (None, "")   # a bad id is its own error, not also "lon is required"
    no_point = all(raw.get(k) in (None, "") for k in ("lon", "lat"))
    needs_geocoding = address is not None and not named and no_point
    lon, lat, crs = check_point(raw, row, errors, required=not (needs_geocoding or (named and no_point)))

    status = "reported"
    created_at = None
    if allow_status:
        status = _text(raw, "status", 16, errors, row) or "reported"
        if status not in STATUSES:
            errors.append(RowError(row, "status", _("status must be one of: %(allowed)s.",
                                                    allowed=", ".join(STATUSES)), status))
        when = raw.get("created_at")
        if isinstance(when, datetime):
            created_at, when = when, None
        else:
            when = _text(raw, "created_at", 40, errors, row)
        if when:
            try:
                created_at = datetime.fromisoformat(when.replace("Z", "+00:00").replace("/", "-"))
            except ValueError:
                errors.append(RowError(row, "created_at", _("created_at must be a date and time like "
                                                            "2026-11-21 09:30 or 2026-11-21T09:30:00+08:00."),
                                       when))
        if created_at is not None:
            if created_at.tzinfo is None:
                # Times without a zone come from Chinese systems: Beijing time.
                created_at = created_at.replace(tzinfo=BEIJING)
            if created_at > datetime.now(timezone.utc):
                errors.append(RowError(row, "created_at", _("created_at is in the future."), str(when)))
    return CleanReport(row, category or "", channel, description or "", lon or 0.0, lat or 0.0, crs,
                       address, name, phone, status, created_at, errors, needs_geocoding=needs_geocoding,
                       address_id=address_id, needs_library_point=address_id is not None and no_point,
                       media_urls=media, reporter_email=email, reporter_device=device)


def check_media_urls(value, row: int, errors: list, field_name: str = "media_urls") -> list[str]:
    """Photo links: a list of absolute http(s) URLs (a text is split on whitespace and ``;``,
    as a CSV cell lists them). Other schemes (javascript:, data:, file:) are refused: the
    links are shown to dispatchers as links, so only a web address may get there."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [v for v in _MEDIA_SEPARATORS.split(value) if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(RowError(row, field_name, _("%(field)s must be a list of photo links (http or https "
                                                  "URLs).", field=field_name)))
        return []
    urls = [v.strip() for v in value if v.strip()]
    if len(urls) > MAX_MEDIA:
        errors.append(RowError(row, field_name, _("%(field)s has %(count)s links: at most %(n)s photos per "
                                                  "report; send the most telling ones.", field=field_name,
                                                  count=len(urls), n=MAX_MEDIA)))
        return []
    for url in urls:
        if len(url) > MAX_URL:
            errors.append(RowError(row, field_name, _("A link in %(field)s is too long: at most %(n)s "
                                                      "characters.", field=field_name, n=MAX_URL), url[:80]))
        elif not _web_url(url):
            errors.append(RowError(row, field_name, _("%(field)s may only hold absolute http or https links, "
                                                      "like https://example.com/photo.jpg.", field=field_name),
                                   url[:80]))
    return urls


def _web_url(url: str) -> bool:
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number in range
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def check_point(raw: dict, row: int, errors: list, *, required: bool = True) -> tuple:
    """``(lon, lat, crs)`` from ``raw``'s lon, lat and crs fields, problems appended to ``errors``.

    Shared by intake and manual placement (app.dispatch.placement). Without
    ``required`` the coordinates are not read (an address-only report) but
    the crs still is.
    """
    lon = coordinate(raw, "lon", errors, row) if required else None
    lat = coordinate(raw, "lat", errors, row) if required else None
    crs = None
    try:
        crs = parse_crs(raw.get("crs") or None)
    except (UnknownCRSError, TypeError, ValueError):
        errors.append(RowError(row, "crs", _("Unknown coordinate system: use an EPSG code such as 4326, "
                                             "4490 or 4547, or gcj02 / bd09."), str(raw.get("crs"))[:40]))
    if crs is not None and lon is not None and lat is not None and _geographic(crs):
        if not (-180 <= lon <= 180):
            errors.append(RowError(row, "lon", _("lon must be between -180 and 180."), str(lon)))
        if not (-90 <= lat <= 90):
            errors.append(RowError(row, "lat", _("lat must be between -90 and 90."), str(lat)))
    return lon, lat, crs


def _geographic(crs) -> bool:
    if crs.kind in ("gcj02", "bd09"):
        return True
    import pyproj
    return pyproj.CRS.from_epsg(crs.epsg).is_geographic
