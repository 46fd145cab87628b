"""The districts an administrator looks after (the districts page, the API, ``flask districts``).

A city administrator (no district) sees and edits every district's settings; a district's administrator
only their own: another district is "not found" to them, as another district's event is.
"""
from __future__ import annotations

from flask_babel import gettext as _

from app.auth.scope import actor_district
from app.districts import settings
from app.errors import NotFound
from app.extensions import db
from app.sqlfiles import sql


def listing() -> list[dict]:
    """The districts the caller looks after, with their current grids and active users."""
    rows = db.session.execute(sql("districts/list"), {"district": actor_district()}).mappings().all()
    return [{"code": r["code"], "name": r["name"], "city_code": r["city_code"], "grids": r["grids"],
             "users": r["users"], "own": settings.owned(r["settings"] or {})} for r in rows]


def looked_after(code: str):
    """District ``code`` if the caller may edit it; NotFound otherwise (no probing other districts)."""
    if not settings.editable_by(actor_district(), code):
        raise NotFound(_("No district %(code)s in this deployment.", code=str(code)[:40]), {"field": "code"})
    return settings.district(code)


def describe(code: str) -> dict:
    """District ``code``'s own settings and what its pages and deadlines use."""
    district = looked_after(code)
    return {**district.to_dict(), "settings": settings.owned(district.settings or {}),
            "effective": settings.effective(code)}


def change(code: str, changes) -> dict:
    """Set sections of district ``code``'s settings for the caller; the caller commits."""
    looked_after(code)
    settings.save(code, changes)
    return describe(code)
