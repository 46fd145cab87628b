"""JSON API for administrators: users, tokens, the audit log."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from app.admin import api_bp, audit_log as log_queries
from app.api import params
from app.auth import lockout, sessions, users as accounts
from app.auth.guard import require
from app.auth.roles import AUDIT_READ, USERS_MANAGE
from app.errors import ValidationError
from app.extensions import db

USER_FIELDS = {"username", "password", "role", "display_name", "areas", "phone", "active", "row_version",
               "district_code"}


def _body() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationError(_("Send a JSON object (Content-Type: application/json)."), {"field": "body"})
    unknown = sorted(set(payload) - USER_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field %(field)s.", field=str(unknown[0])[:40]), {"field": unknown[0][:40]})
    for name in ("username", "password", "role", "display_name", "phone"):
        if name in payload and not isinstance(payload[name], str):
            raise ValidationError(_("%(field)s must be text.", field=name), {"field": name})
    if "district_code" in payload and not isinstance(payload["district_code"], (str, type(None))):
        raise ValidationError(_("district_code must be a district code or null (the city)."),
                              {"field": "district_code"})
    if "active" in payload and not isinstance(payload["active"], bool):
        raise ValidationError(_("active must be true or false."), {"field": "active"})
    if "row_version" in payload and (not isinstance(payload["row_version"], int)
                                     or isinstance(payload["row_version"], bool)):
        raise ValidationError(_("row_version must be the whole number you read."), {"field": "row_version"})
    return payload


@api_bp.get("/users")
@require(USERS_MANAGE)
def list_users():
    return {"users": [u.to_dict() | {"row_version": u.row_version} for u in accounts.list_users()]}


@api_bp.post("/users")
@require(USERS_MANAGE)
def create_user():
    p = _body()
    for name in ("username", "password", "role"):
        if not p.get(name):
            raise ValidationError(_("%(field)s is required.", field=name), {"field": name})
    user = accounts.create(p["username"], p["password"], p["role"], display_name=p.get("display_name", ""),
                           areas=p.get("areas"), phone=p.get("phone"),
                           district=p["district_code"] if "district_code" in p else accounts.UNCHANGED)
    db.session.commit()
    return user.to_dict() | {"row_version": user.row_version}, 201, {"Location": f"/api/v1/users/{user.id}"}


@api_bp.get("/users/<int:user_id>")
@require(USERS_MANAGE)
def get_user(user_id: int):
    user = accounts.get(user_id)
    return user.to_dict() | {"row_version": user.row_version, "tokens": [t.to_dict() for t in user.tokens]}


@api_bp.patch("/users/<int:user_id>")
@require(USERS_MANAGE)
def update_user(user_id: int):
    p = _body()
    user = accounts.get(user_id)
    if "password" in p:
        accounts.set_password(user, p["password"])
    accounts.update(user, expected_version=p.get("row_version"), role=p.get("role"),
                    display_name=p.get("display_name"), areas=p.get("areas"), active=p.get("active"),
                    phone=p.get("phone"),
                    district=p["district_code"] if "district_code" in p else accounts.UNCHANGED)
    db.session.commit()
    if "password" in p:
        sessions.keep_own_session(user)
    return user.to_dict() | {"row_version": user.row_version}


@api_bp.delete("/users/<int:user_id>/lockout")
@require(USERS_MANAGE)
def unlock_user(user_id: int):
    """Lift a sign-in lockout (app.auth.lockout) before it runs out."""
    lockout.unlock(accounts.get(user_id))
    db.session.commit()
    return "", 204


@api_bp.post("/users/<int:user_id>/tokens")
@require(USERS_MANAGE)
def create_token(user_id: int):
    payload = request.get_json(silent=True)
    name = payload.get("name") if isinstance(payload, dict) else None
    if not isinstance(name, str):
        raise ValidationError(_("Send {\"name\": \"...\"} naming what will use the token."), {"field": "name"})
    row, secret = accounts.issue_token(accounts.get(user_id), name)
    db.session.commit()
    # The only time the secret is ever shown.
    return row.to_dict() | {"token": secret}, 201


@api_bp.delete("/users/<int:user_id>/tokens/<int:token_id>")
@require(USERS_MANAGE)
def revoke_token(user_id: int, token_id: int):
    accounts.revoke_token(accounts.get(user_id), token_id)
    db.session.commit()
    return "", 204


@api_bp.get("/audit")
@require(AUDIT_READ)
def audit():
    args = request.args
    rows = log_queries.entries(entity_type=args.get("entity_type") or None, entity_id=args.get("entity_id"),
                               actor=args.get("actor"), action=args.get("action"), day_from=args.get("from"),
                               day_to=args.get("to"), before_id=params.integer(args, "before_id", lo=1),
                               limit=params.integer(args, "limit", default=log_queries.PAGE, lo=1, hi=1000))
    return {"entries": [r.to_dict() for r in rows], "count": len(rows),
            "next_before_id": rows[-1].id if len(rows) else None}
