"""API-wide routes: the OpenAPI document and the health check."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from sqlalchemy import text
from werkzeug.exceptions import UnsupportedMediaType

from app.api import params
from app.extensions import db
from app.auth.guard import public

bp = Blueprint("api", __name__)

_SPEC = Path(__file__).with_name("openapi.json")


@bp.before_app_request
def _refuse_unreadable_input():
    # Text PostgreSQL cannot store (in the query, a form, the path or a JSON
    # body) and JSON over the reader's limits (app.jsontext) become a 4xx
    # naming the field, not a 500: on every route, pages and Open311 included.
    # Runs after the access check (registered later), for every request that
    # matched a route (otherwise routing answers 404/405).
    if request.routing_exception is not None or request.endpoint == "static":
        return
    # werkzeug caches args and form on the request: replace them.
    request.args = params.CheckedArgs(request.args)
    if request.mimetype in params.FORM_TYPES:
        request.form = params.CheckedArgs(request.form)
    body = None
    if request.method in params.WRITES and request.is_json:
        if not request.path.startswith(("/api/", "/open311/")):
            # Pages read forms (Open311 takes JSON too: app.open311.params). Flask-WTF
            # would read a JSON body as the form and trust it to be an object of strings.
            raise UnsupportedMediaType(_("Send the form as application/x-www-form-urlencoded or "
                                         "multipart/form-data; JSON is for the API under /api/."))
        body = params.request_json()
    params.reject_unstorable_text(request.view_args, body)


@bp.get("/api/v1/openapi.json")
@public
def openapi():
    return Response(_SPEC.read_text(encoding="utf-8"), mimetype="application/json")


@bp.get("/healthz")
@public
def health():
    # Used by docker compose and load balancers: the app is up and reaches PostGIS.
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
