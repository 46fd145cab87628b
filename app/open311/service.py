"""Open311 GeoReport v2 over GridMap's categories and reports.

Services are the category table (app.events.categories); requests are
reports. A request posted here goes through the same intake as
``POST /api/v1/reports`` (app.reports.service.create_report: geocoding,
assignment to its grid, history row, audit entry), filed on behalf of the
user whose API token came as ``api_key``; its photo (``media_url``), ``email``
and ``device_id`` are kept with the report. Nothing here ever returns a
reporter's name, phone, email or device, and descriptions are masked as for
roles without reports:personal (see sql/requests.sql). Who may read is the
blueprint's business (app.open311.api: GRIDMAP_OPEN311_PUBLIC_READ).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.api import params
from app.auth import tokens
from app.auth.scope import area_param, event_district
from app.errors import DomainError, NotFound, ValidationError
from app.events import categories as category_table
from app.extensions import db
from app.beijing import BEIJING
from app.labels import STATUS_LABELS, text as label_text
from app.models import OPEN_STATUSES, STATUSES, Category, Grid, Report, User
from app.reports import service as reports
from app.reports.validation import (EMAIL_RE, MAX_DESCRIPTION, MAX_DEVICE, MAX_EMAIL, MAX_NAME, MAX_URL, PHONE_RE,
                                   check_media_urls)
from app.sqlfiles import sql

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: GeoReport's two statuses over GridMap's closed loop: everything not finished is open.
CLOSED_STATUSES = tuple(s for s in STATUSES if s not in OPEN_STATUSES)
GEOREPORT_STATUSES = {"open": OPEN_STATUSES, "closed": CLOSED_STATUSES}
#: GeoReport v2: without dates the last 90 days, a range may not span more, at most 1000 requests.
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
#: Requests posted through Open311 come from residents' apps: the closest intake channel.
CHANNEL = "resident_app"
MAX_TICKETS = 100


class Forbidden(DomainError):
    """A missing or unknown api_key (GeoReport: 403)."""
    status = 403
    code = "forbidden"


# --- services -------------------------------------------------------------

def discovery(base_url: str) -> dict:
    changeset = _iso(db.session.scalar(select(func.max(Category.updated_at))))
    return {
        "changeset": changeset,
        "contact": current_app.config.get("OPEN311_CONTACT")
        or _("The district operations centre (城运中心) that runs this GridMap."),
        "key_service": _("Ask a GridMap administrator for an API token (admin page, or flask users token NAME) "
                         "and send it as api_key when posting a request."),
        "endpoints": [{
            "specification": SPECIFICATION, "url": base_url, "changeset": changeset, "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    }


def _service(c: Category) -> dict:
    name = category_table.label(c)
    group = _(c.big_class_label)
    return {
        "service_code": c.code, "service_name": name,
        "description": _("%(name)s (%(group)s); handled within %(limit)s %(unit)s of dispatch.",
                         name=name, group=group, limit=category_table.snapshot(c)["time_limit"],
                         unit=_("working hours") if c.time_unit == "hours" else _("working days")),
        "metadata": False, "type": "realtime", "keywords": ",".join((name, group)), "group": group,
    }


def services() -> list[dict]:
    """The categories a new request may use."""
    return [_service(c) for c in category_table.all_categories() if c.active]


def _active_category(code: str, field: str = "service_code") -> Category:
    c = category_table.by_code().get(code)
    if c is None or not c.active:
        raise NotFound(_("No service %(code)s: use a service_code from services.json.", code=str(code)[:20]),
                       {"field": field})
    return c


def service_definition(code: str) -> dict:
    # No extra attributes: every category takes a location and a description only.
    return {"service_code": _active_category(code).code, "attributes": []}


# --- requests: reading ----------------------------------------------------

def parse_datetime(raw: str, field: str) -> datetime:
    """A w3c / ISO 8601 date-time; without a zone it is Beijing time, as elsewhere in GridMap."""
    try:
        when = datetime.fromisoformat(raw.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(_("%(field)s must be a date and time in ISO 8601 (w3c) form, like "
                                "2026-01-01T00:00:00+08:00 or 2026-01-01T00:00:00Z.", field=field),
                              {"field": field, "value": raw[:40]}) from None
    return when if when.tzinfo else when.replace(tzinfo=BEIJING)


def _period(start_raw: str | None, end_raw: str | None, now: datetime) -> tuple[datetime, datetime]:
    span = timedelta(days=DEFAULT_DAYS)
    start = parse_datetime(start_raw, "start_date") if start_raw else None
    end = parse_datetime(end_raw, "end_date") if end_raw else None
    if start is None and end is None:
        return now - span, now
    try:
        if start is None:
            return end - span, end
        if end is None:
            return start, start + span
    except OverflowError:  # the 90 days would run past year 1 or 9999
        field = "start_date" if end is None else "end_date"
        raise ValidationError(_("%(field)s is out of range: use a date between the years 1 and 9999.",
                                field=field), {"field": field}) from None
    if end < start:
        raise ValidationError(_("end_date is before start_date: swap them."), {"field": "end_date"})
    if end - start > span:
        raise ValidationError(_("start_date to end_date may not span more than %(n)s days (GeoReport v2); "
                                "ask for a shorter period.", n=DEFAULT_DAYS), {"field": "end_date"})
    return start, end


def _list(raw: str | None) -> list[str] | None:
    items = [p.strip() for p in (raw or "").split(",") if p.strip()]
    return items or None


@dataclass
class RequestQuery:
    tickets: list[str] | None = None
    codes: list[str] | None = None
    statuses: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    #: One page of the answer (app.open311.params.page): GeoReport's 1000 at most.
    limit: int = MAX_REQUESTS
    offset: int = 0


def parse_query(args, now: datetime | None = None) -> RequestQuery:
    """The GET requests filters, each bad value a 400 naming the field."""
    now = now or datetime.now(timezone.utc)
    for field in ("service_request_id", "service_code", "status", "start_date", "end_date"):
        if "\x00" in (args.get(field) or ""):
            raise ValidationError(_("%(field)s contains a NUL character.", field=field), {"field": field})
    tickets = _list(args.get("service_request_id"))
    if tickets and len(tickets) > MAX_TICKETS:
        raise ValidationError(_("At most %(n)s service_request_id values at once.", n=MAX_TICKETS),
                              {"field": "service_request_id"})
    codes = _list(args.get("service_code"))
    known = category_table.by_code()
    for code in codes or ():
        if code not in known:
            raise ValidationError(_("Unknown service_code %(code)s: use a code from services.json.",
                                    code=code[:20]), {"field": "service_code"})
    wanted = _list(args.get("status"))
    statuses = None
    if wanted:
        bad = [s for s in wanted if s not in GEOREPORT_STATUSES]
        if bad:
            raise ValidationError(_("status must be open or closed (or both, comma-separated)."),
                                  {"field": "status", "value": bad[0][:40]})
        statuses = [s for w in dict.fromkeys(wanted) for s in GEOREPORT_STATUSES[w]]
    start, end = _period(args.get("start_date"), args.get("end_date"), now)
    return RequestQuery(tickets, codes, statuses, start, end)


def list_requests(query: RequestQuery, area: tuple[str, ...] | None = None,
                  jurisdiction: str | None = None) -> list[dict]:
    """The requests matching ``query`` within ``area`` (app.auth.scope; None: the whole district), in the
    ``jurisdiction`` asked for (a district code; None: every district) and the reader's own district."""
    rows = db.session.execute(sql("open311/requests"), {
        "jurisdiction": jurisdiction, "district": event_district(), "area": area_param(area),
        "tickets": query.tickets, "codes": query.codes,
        "statuses": query.statuses, "start": query.start, "end": query.end,
        "limit": query.limit, "offset": query.offset,
    }).mappings().all()
    return [_request(r) for r in rows]


def get_request(ticket: str, area: tuple[str, ...] | None = None, jurisdiction: str | None = None) -> list[dict]:
    """One request, as a list of one (GeoReport v2); 404 when there is none (in ``area``, the jurisdiction)."""
    found = (list_requests(RequestQuery(tickets=[ticket[:40]]), area, jurisdiction)
             if "\x00" not in ticket else [])
    if not found:
        raise NotFound(_("No service request %(id)s.", id=ticket[:40]), {"field": "service_request_id"})
    return found


def _request_notice(r) -> str | None:
    """What is being done about it, for readers of the request (POST answers with its own notice)."""
    if r["needs_placement"]:
        return _placing_notice()
    if r["out_of_coverage"]:
        return _routing_notice()
    return _("Handled by %(unit)s.", unit=r["agency"]) if r["agency"] else None


def _status_notes(status: str, duplicate_of: str | None) -> str:
    if duplicate_of:
        return _("Merged into %(ticket)s, which is handled instead.", ticket=duplicate_of)
    return label_text(STATUS_LABELS, status)


def _request(r) -> dict:
    category = category_table.by_code().get(r["category"])
    return {
        "service_request_id": r["ticket"],
        "status": "open" if r["status"] in OPEN_STATUSES else "closed",
        "status_notes": _status_notes(r["status"], r["duplicate_of"]),
        "service_name": category_table.label(category, r["category"]),
        "service_code": r["category"],
        "description": r["description"],
        "agency_responsible": r["agency"],
        "service_notice": _request_notice(r),
        "requested_datetime": r["requested"],
        "updated_datetime": r["updated"],
        "expected_datetime": r["expected"],
        "address": r["address"],
        # GeoReport's address_id is a string; here the standard address the report was geocoded to.
        "address_id": str(r["address_id"]) if r["address_id"] is not None else None,
        "zipcode": None,
        "lat": r["lat"],
        "long": r["lon"],
        "media_url": r["media_url"],
    }


# --- requests: posting ----------------------------------------------------

def user_for_key(key: str | None) -> User | None:
    """The active user whose API token is ``key``, or None (the token's last use is noted)."""
    found = tokens.user_for(key) if key else None
    if found is not None:
        tokens.touch(found[1])
    return found[0] if found else None


def header_user() -> User | None:
    """The user an Authorization header (HTTP Basic or Bearer) signed in: a machine's credential, as
    api_key is. Never a cookie session's user: this blueprint takes no CSRF token."""
    from flask_login import current_user

    if current_user.is_authenticated and g.get("auth_via") in ("basic", "token"):
        return current_user._get_current_object()
    return None


def _require_key(form, key_user: User | None) -> User:
    key = (form.get("api_key") or "").strip()
    if not key and header_user() is not None:
        return header_user()
    if not key:
        raise Forbidden(_("api_key is required to post a request: an API token (gm_...) from a GridMap "
                          "administrator."), {"field": "api_key"})
    user = key_user
    if user is None:
        raise Forbidden(_("api_key is not valid: it is unknown, revoked or its user is disabled; ask a GridMap "
                          "administrator for a new token."), {"field": "api_key"})
    return user


def _text(form, field: str, limit: int) -> str | None:
    value = (form.get(field) or "").strip()
    if not value:
        return None
    if "\x00" in value:
        raise ValidationError(_("%(field)s contains a NUL character.", field=field), {"field": field})
    if len(value) > limit:
        raise ValidationError(_("%(field)s is too long: at most %(n)s characters.", field=field, n=limit),
                              {"field": field})
    return value


def _location(form) -> dict:
    """lon/lat (WGS-84), an address to geocode, or a standard address (whose point and text the
    intake takes, app.addresses.intake.from_address_ids)."""
    lat = params.number(form, "lat", lo=-90, hi=90)
    lon = params.number(form, "long", lo=-180, hi=180)
    if (lat is None) != (lon is None):
        missing = "long" if lon is None else "lat"
        raise ValidationError(_("lat and long go together: %(field)s is missing.", field=missing),
                              {"field": missing})
    address = _text(form, "address_string", 500)
    address_id = params.integer(form, "address_id", lo=1, hi=2**63 - 1)
    if lat is None and address is None and address_id is None:
        raise ValidationError(_("Say where: send lat and long (WGS-84), or address_string, or address_id."),
                              {"field": "lat"})
    where: dict = {"address": address, "address_id": address_id}
    if lat is not None:
        where.update(lon=lon, lat=lat, crs="4326")
    return where


def _reporter(form) -> dict:
    # Chinese order: family name first, no space; a Latin name keeps its usual order.
    first, last = _text(form, "first_name", MAX_NAME), _text(form, "last_name", MAX_NAME)
    parts = [p for p in (last, first) if p]
    name = None
    if parts:
        name = "".join(parts) if all(not p.isascii() for p in parts) else " ".join(reversed(parts))
        if len(name) > MAX_NAME:
            raise ValidationError(_("first_name and last_name together are too long: at most %(n)s characters.",
                                    n=MAX_NAME), {"field": "last_name"})
    phone = _text(form, "phone", 32)
    if phone is not None and not PHONE_RE.match(phone):
        raise ValidationError(_("phone must be a phone number (digits, spaces, - and a leading +)."),
                              {"field": "phone"})
    email = _text(form, "email", MAX_EMAIL)
    if email is not None and not EMAIL_RE.match(email):
        raise ValidationError(_("email must be an email address like name@example.com."), {"field": "email"})
    return {"reporter_name": name, "reporter_phone": phone, "reporter_email": email,
            "reporter_device": _text(form, "device_id", MAX_DEVICE)}


def _media(form) -> dict:
    """GeoReport's one photo link, checked by the intake's rule (absolute http/https only)."""
    url = _text(form, "media_url", MAX_URL)
    if url is None:
        return {}
    problems: list = []
    urls = check_media_urls([url], 0, problems, "media_url")
    if problems:
        raise ValidationError(problems[0].message, {"field": "media_url"})
    return {"media_urls": urls}


#: Report fields named as GeoReport names them, for errors the shared intake finds.
_FIELD_NAMES = {"category": "service_code", "lon": "long", "lat": "lat", "address": "address_string",
                "reporter_name": "last_name", "reporter_phone": "phone", "description": "description",
                "reporter_email": "email", "reporter_device": "device_id", "media_urls": "media_url",
                "address_id": "address_id"}


def create_request(form, *, key_user: User | None) -> list[dict]:
    """File a report from a GeoReport POST; returns ``[{service_request_id, service_notice, account_id}]``.

    ``form`` holds the posted fields (``params.posted_fields``), ``key_user`` the user of their api_key
    (``user_for_key``, looked up once per request by the view).
    """
    user = _require_key(form, key_user)
    code = (form.get("service_code") or "").strip()
    if not code:
        raise ValidationError(_("service_code is required: use a code from services.json."),
                              {"field": "service_code"})
    try:
        category = _active_category(code)
    except NotFound as exc:
        raise ValidationError(exc.message, exc.details) from None
    description = _text(form, "description", MAX_DESCRIPTION) or category_table.label(category)
    payload = {"category": category.code, "channel": CHANNEL, "description": description,
               **_location(form), **_reporter(form), **_media(form)}
    # The report is filed (and audited) as the token's user, as a Bearer request would be.
    g._login_user, g.auth_via = user, "token"
    try:
        report, _replayed = reports.create_report(payload)
    except ValidationError as exc:
        raise _renamed(exc) from None
    return [{"service_request_id": report.ticket, "service_notice": _notice(report),
             "account_id": _text(form, "account_id", 200)}]


def _renamed(exc: ValidationError) -> ValidationError:
    problems = (exc.details or {}).get("errors") or []
    if not problems:
        return exc
    first = problems[0]
    field = _FIELD_NAMES.get(first.get("field"), first.get("field"))
    return ValidationError("; ".join(p["message"] for p in problems), {"field": field})


def _placing_notice() -> str:
    return _("Received. The address could not be placed on the map with confidence; the operations centre "
             "will place it.")


def _routing_notice() -> str:
    return _("Received. The location lies outside every grid of this district; the operations centre will "
             "route it.")


def _notice(report: Report) -> str:
    if report.needs_placement:
        return _placing_notice()
    if report.out_of_coverage or report.grid_id is None:
        return _routing_notice()
    names = dict(db.session.execute(select(Grid.level, Grid.name).where(Grid.id.in_(report.grid_lineage))).all())
    where = " ".join(n for n in (names.get("community"), names.get("grid")) if n)
    return _("Received and assigned to %(grid)s.", grid=where or names.get("micro", ""))


def _iso(when: datetime | None) -> str | None:
    return when.astimezone(BEIJING).isoformat(timespec="seconds") if when else None
