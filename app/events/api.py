"""JSON API of the category rules: new categories and their time limits (thin: parse, call, respond).

The loop on one report (transitions, history, assignees) is app.reports.transitions.
"""
from __future__ import annotations

from flask import Blueprint

from app.api.params import json_body as _body, json_whole as _whole
from app.auth.guard import require
from app.auth.roles import CATEGORIES_EDIT
from app.events import categories
from app.extensions import db

api_bp = Blueprint("events_api", __name__, url_prefix="/api/v1")

CATEGORY_FIELDS = (*categories.EDITABLE, "row_version")


@api_bp.post("/categories")
@require(CATEGORIES_EDIT)
def create_category():
    category = categories.create(_body((*categories.NEW_FIELDS, *categories.EDITABLE)))
    db.session.commit()
    return categories.to_dict(category), 201


@api_bp.patch("/categories/<code>")
@require(CATEGORIES_EDIT)
def update_category(code: str):
    p = _body(CATEGORY_FIELDS)
    category = categories.update(code, {k: v for k, v in p.items() if k != "row_version"},
                                 expected_version=_whole(p, "row_version"))
    db.session.commit()
    return categories.to_dict(category)
