"""API-wide routes: the OpenAPI document and the health check."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response
from sqlalchemy import text

from app.extensions import db
from app.auth.guard import public

bp = Blueprint("api", __name__)

_SPEC = Path(__file__).with_name("openapi.json")


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
