"""Who sees reporters' names and phone numbers unmasked (PIPL).

The masking itself is done in SQL (``gridmap_mask_name``/``gridmap_mask_phone``,
migration 0006; ``gridmap_mask_email``, migration 0015) by every query that
returns reports, so there is one rule. The reporter's device id has no useful
masked form: only callers who may see personal data get it at all.
"""
from __future__ import annotations

from flask_login import current_user

from app.auth.roles import REPORTS_PERSONAL, allows


def may_see_personal() -> bool:
    return bool(current_user and current_user.is_authenticated and allows(current_user.role, REPORTS_PERSONAL))


def reporter_of(name: str | None, phone: str | None, email: str | None = None,
                device: str | None = None) -> dict:
    """The reporter as the caller may see them."""
    from sqlalchemy import func, select

    from app.extensions import db

    if not may_see_personal():
        name, phone, email = db.session.execute(select(
            func.gridmap_mask_name(name), func.gridmap_mask_phone(phone), func.gridmap_mask_email(email))).one()
        device = None
    return {"name": name, "phone": phone, "email": email, "device": device}
