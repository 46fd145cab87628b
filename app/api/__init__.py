"""API-wide routes: the OpenAPI document and the health check."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, request
from sqlalchemy import text

from app.api import params
from app.extensions import db
from app.auth.guard import public

bp = Blueprint("api", __name__)

_SPEC = Path(__file__).with_name("openapi.json")


@bp.before_app_request
def _refuse_unstorable_text():
    # Text PostgreSQL cannot store becomes a 4xx naming the field, not a 500.
    # Runs after the access check (registered later), for every API request
    # that matched a route (otherwise routing answers 404/405).
    if request.path.startswith("/api/") and request.routing_exception is None:
        request.args = params.CheckedArgs(request.args)  # werkzeug caches args on the request: replace them
        writes = request.method in ("POST", "PUT", "PATCH") and request.is_json
        params.reject_unstorable_text(request.view_args, request.get_json(silent=True) if writes else None)


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
