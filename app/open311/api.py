"""Open311 GeoReport v2 under /open311/v2 (thin: parse, call app.open311.service, respond).

Every resource answers as ``.json`` or ``.xml``; every error, including
unknown paths, rate limits and a missing api_key, in the GeoReport form
(``[{"code", "description"}]`` / ``<errors><error>``). Discovery and
services are public. Reading requests is public only when the district
publishes its events (``GRIDMAP_OPEN311_PUBLIC_READ``); otherwise it needs a
signed-in user (a Bearer token) who may read events, and shows the events of
their area. Either way no answer carries personal data. Posting needs an API
token as ``api_key`` (in the body or the query string) or an Authorization
header, form-encoded or as JSON. A ``jurisdiction_id`` other than the
district's is a 404 on every resource; lists are paged (app.open311.params).
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, current_app, g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.auth.guard import Forbidden, Unauthorized, page_rule, public
from app.auth.roles import REPORTS_READ, allows
from app.auth.scope import event_area
from app.errors import DomainError, NotFound, ValidationError
from app.extensions import csrf, db, limiter
from app.open311 import params, service
from app.open311.formats import FORMATS, errors, respond
from app.security import rate_limited

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
# Machines post with api_key in the form, which a browser never adds by itself: a
# session cookie riding along proves nothing and needs no CSRF token here.
csrf.exempt(bp)
# GeoReport clients send "Accept: */*": answer them, never with the sign-in page.
page_rule(bp.name, lambda: False)


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(_("Unknown format .%(fmt)s: use .json or .xml.", fmt=fmt[:10]), {"field": "format"})
    return fmt


def _asked_format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in FORMATS:
        return fmt
    return "xml" if request.path.endswith(".xml") else "json"


@bp.errorhandler(DomainError)
def georeport_error(exc: DomainError):
    # Bad parameters are 400 in GeoReport v2, where the JSON API under /api/ answers 422.
    status = 400 if isinstance(exc, ValidationError) else exc.status
    return errors(_asked_format(), status, [exc.message])


@bp.errorhandler(HTTPException)
def georeport_http_error(exc: HTTPException):
    messages = {
        400: _("The request could not be read."),
        404: _("No such resource: check the URL."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        429: _("Too many requests from your address; wait a minute and try again."),
    }
    response = errors(_asked_format(), exc.code or 500, [messages.get(exc.code, exc.description)])
    if exc.code == 429:
        response.headers["Retry-After"] = "60"
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


@bp.errorhandler(OperationalError)
def georeport_database_down(exc: OperationalError):
    current_app.logger.warning("database unavailable: %s", exc.orig)
    db.session.rollback()
    response = errors(_asked_format(), 503, [_("The database is not reachable right now; please retry shortly.")])
    response.headers["Retry-After"] = "5"
    return response


@bp.before_request
def _this_jurisdiction():
    params.check_jurisdiction()


@bp.get("/discovery.<fmt>")
@public
@rate_limited
def discovery(fmt: str):
    base = url_for("open311.discovery", fmt="json", _external=True).rsplit("/", 1)[0]
    return respond(_fmt(fmt), "discovery", service.discovery(base))


@bp.get("/services.<fmt>")
@public
@rate_limited
def services(fmt: str):
    return respond(_fmt(fmt), "services", service.services())


@bp.get("/services/<code>.<fmt>")
@public
@rate_limited
def service_definition(code: str, fmt: str):
    return respond(_fmt(fmt), "service_definition", service.service_definition(code))


def _readers_area() -> tuple[str, ...] | None:
    """The events this caller may read here (None: the whole district), or a 401/403.

    Public (``@public``, rate-limited) for the guard; the setting decides: a
    district that publishes its events lets anyone read them, otherwise only
    signed-in users who may read events, each within their own area.
    """
    if current_app.config.get("OPEN311_PUBLIC_READ"):
        return None
    if not current_user.is_authenticated and service.user_for_key(params.api_key()) is not None:
        # A GeoReport client reads with the api_key it posts with, as an Authorization header would.
        g._login_user, g.auth_via = service.user_for_key(params.api_key()), "token"
    if not current_user.is_authenticated:
        raise Unauthorized(_("This district does not publish its service requests: send an API token as "
                             "'Authorization: Bearer <token>' or as api_key to read them."),
                           {"field": "Authorization"})
    if not allows(current_user.role, REPORTS_READ):
        raise Forbidden(_("Your role (%(role)s) may not read service requests.", role=current_user.role),
                        {"permission": REPORTS_READ})
    return event_area()


@bp.get("/requests.<fmt>")
@public
@rate_limited
def list_requests(fmt: str):
    fmt = _fmt(fmt)
    area = _readers_area()
    page = params.page(request.args)
    query = replace(service.parse_query(request.args), limit=page.size, offset=page.offset)
    return respond(fmt, "service_requests", service.list_requests(query, area, params.jurisdiction()))


@bp.get("/requests/<ticket>.<fmt>")
@public
@rate_limited
def get_request(ticket: str, fmt: str):
    fmt = _fmt(fmt)
    return respond(fmt, "service_requests", service.get_request(ticket, _readers_area(), params.jurisdiction()))


def _key_user():
    """The user of the request's api_key (form, JSON body or query string), looked up once per
    request (the rate limit asks first); cached on the request, as ``g`` may outlive it."""
    key = params.api_key()
    cached = getattr(request, "_open311_key", None)
    if cached is None or cached[0] != key:
        cached = (key, service.user_for_key(key))
        setattr(request, "_open311_key", cached)
    return cached[1]


def _holds_valid_key() -> bool:
    return service.header_user() is not None or _key_user() is not None


def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC"]


@bp.post("/requests.<fmt>")
@public  # the api_key is checked by the service (403 in the GeoReport form)
@limiter.limit(_public_limit, exempt_when=_holds_valid_key)
def create_request(fmt: str):
    fmt = _fmt(fmt)
    return respond(fmt, "service_requests", service.create_request(params.posted_fields(), key_user=_key_user()), 201)


@bp.route("/<path:unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@public
@rate_limited
def unknown_resource(unknown: str):
    # Routing errors would otherwise reach the app's handlers, outside the GeoReport form.
    rule, _args = current_app.url_map.bind_to_environ(request.environ).match(method="GET", return_rule=True)
    if request.method != "GET" and rule.endpoint != request.endpoint:
        # A resource lives here, just not for this method; say which methods it takes.
        allowed = set().union(*(r.methods for r in current_app.url_map.iter_rules()
                                if r.rule == rule.rule and r.endpoint != request.endpoint))
        raise MethodNotAllowed(valid_methods=sorted(allowed - {"HEAD", "OPTIONS"}))
    raise NotFound(_("No such resource: check the URL."), {"field": "path"})
