"""Reading a GeoReport v2 request at the edge: the posted fields, the jurisdiction, the page.

GeoReport clients differ in where they put things: the spec's form-encoded
body, a JSON body (many mobile SDKs), ``api_key`` in the query string (the
spec's examples do), ``jurisdiction_id`` on every call. Each is read here,
once, so the service sees one mapping of text fields whatever the client.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request
from sqlalchemy import select
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.api import params
from app.errors import NotFound, ValidationError
from app.extensions import db
from app.models import District

#: GeoReport v2's "first 1000 requests": the largest page, and the page without page_size.
MAX_PAGE = 1000


def posted_fields() -> MultiDict:
    """The POST's fields as text: the form, or a JSON object of GeoReport fields; ``api_key`` may
    also come in the query string (the spec's examples put it there)."""
    if request.is_json:
        fields = _json_fields(params.request_json())
    else:
        fields = MultiDict(request.form)
    if not (fields.get("api_key") or "").strip() and request.args.get("api_key"):
        fields["api_key"] = request.args["api_key"]
    return fields


def _json_fields(body) -> MultiDict:
    if not isinstance(body, dict):
        raise ValidationError(_("Send the request as a JSON object of GeoReport fields "
                                "(or form-encoded), e.g. {\"service_code\": \"0402\", \"lat\": 34.75, ...}."),
                              {"field": "body"})
    fields = MultiDict()
    for name, value in body.items():
        if value is None:
            continue
        if isinstance(value, (dict, list)):
            raise ValidationError(_("%(field)s must be a single value (text or a number), not a list or object.",
                                    field=str(name)[:40]), {"field": str(name)[:40]})
        fields[str(name)] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return fields


def api_key() -> str:
    """The api_key of this request wherever the client put it ('' when none)."""
    if request.method == "POST":
        return (posted_fields().get("api_key") or "").strip()
    return (request.args.get("api_key") or "").strip()


def check_jurisdiction() -> None:
    """A ``jurisdiction_id`` (query, form or JSON) must be the code of one of this deployment's districts
    (issue 19: one GridMap serves a city): GeoReport's 404 otherwise. Kept for :func:`jurisdiction`."""
    given = request.args.get("jurisdiction_id")
    if given is None and request.method == "POST":
        given = posted_fields().get("jurisdiction_id")
    given = (given or "").strip()
    if given and (not (len(given) == 6 and given.isascii() and given.isdigit())
                  or db.session.get(District, given) is None):
        served = ", ".join(db.session.scalars(select(District.code).order_by(District.code)))
        raise NotFound(_("jurisdiction_id %(given)s is not served here: this server serves %(code)s.",
                         given=given[:20], code=served), {"field": "jurisdiction_id"})
    g.open311_jurisdiction = given or None


def jurisdiction() -> str | None:
    """The district the request named (``jurisdiction_id``); None: every district served here."""
    return g.get("open311_jurisdiction")


@dataclass(frozen=True)
class Page:
    size: int = MAX_PAGE
    number: int = 1

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page(args) -> Page:
    """``page_size`` (or ``max_requests``, its other name in the wild) and ``page`` (from 1)."""
    size = params.integer(args, "page_size", lo=1, hi=MAX_PAGE)
    other = params.integer(args, "max_requests", lo=1, hi=MAX_PAGE)
    if size is not None and other is not None and size != other:
        raise ValidationError(_("page_size and max_requests are the same setting: send one of them."),
                              {"field": "max_requests"})
    number = params.integer(args, "page", default=1, lo=1, hi=1_000_000)
    return Page(size=size or other or MAX_PAGE, number=number)
