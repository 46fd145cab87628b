"""Which representation a request asks for: ``?f=json|html`` first, then the Accept header.

OGC API - Features (Part 1, /req/core and /req/html) lets clients choose by
either. A client that states no preference (``Accept: */*``: OWSLib, curl,
QGIS's own requests) gets JSON; a browser, which puts ``text/html`` first,
gets the page.
"""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from app.errors import ValidationError

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
JSON_SCHEMA = "application/schema+json"

#: Values of ``f`` and the representation each one names.
FORMATS = {"json": "json", "geojson": "json", "html": "html"}


def wants_html() -> bool:
    """True when the request asks for the HTML page (never raises: the access guard calls it)."""
    asked = (request.args.get("f") or "").lower()
    if asked:
        return asked == "html"
    return request.accept_mimetypes.best_match([JSON, GEOJSON, HTML], default=JSON) == HTML


def requested_format() -> str:
    """``"json"`` or ``"html"``; an unknown ``f`` is a 400 naming the choices."""
    asked = request.args.get("f")
    if asked:
        chosen = FORMATS.get(asked.lower())
        if chosen is None:
            raise ValidationError(_("f must be one of: %(allowed)s.", allowed="json, html"),
                                  {"field": "f", "value": asked[:20]})
        return chosen
    return "html" if wants_html() else "json"
