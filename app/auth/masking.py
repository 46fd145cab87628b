"""Who sees reporters' contact details unmasked (PIPL), and the masked view for everyone else.

The masking itself is done in SQL, so there is one rule: the name, phone and
e-mail *fields* by ``gridmap_mask_name``/``gridmap_mask_phone`` (migration
0006) and ``gridmap_mask_email`` (0015); contact details typed into *free
text* -- descriptions and history notes -- by ``gridmap_mask_free_text``
(0021: the reporter's own details wherever they appear, then every phone,
landline, ID number and e-mail address). Every query that returns reports
applies them for callers without reports:personal; the helpers below do the
same for values already loaded. The reporter's device id has no useful
masked form: only callers who may see personal data get it at all.
"""
from __future__ import annotations

from collections.abc import Sequence

from flask_login import current_user

from app.auth.roles import REPORTS_PERSONAL, allows


def may_see_personal() -> bool:
    return bool(current_user and current_user.is_authenticated and allows(current_user.role, REPORTS_PERSONAL))


def reporter_of(name: str | None, phone: str | None, email: str | None = None,
                device: str | None = None) -> dict:
    """The reporter as the caller may see them."""
    from sqlalchemy import func, select

    from app.extensions import db

    personal = may_see_personal()
    # No reporter at all (most API and worker reports): the masks return NULL and '' unchanged,
    # so the round trip is skipped.
    if not personal and any(v not in (None, "") for v in (name, phone, email)):
        name, phone, email = db.session.execute(select(
            func.gridmap_mask_name(name), func.gridmap_mask_phone(phone), func.gridmap_mask_email(email))).one()
    if not personal:
        device = None
    return {"name": name, "phone": phone, "email": email, "device": device}


def free_text_of(texts: Sequence[str | None], *, name: str | None, phone: str | None,
                 email: str | None) -> list[str | None]:
    """Free texts about one report (its description, its history notes) as the caller may see them;
    ``name``/``phone``/``email`` are the report's reporter, masked wherever they appear."""
    from sqlalchemy import text

    from app.extensions import db

    if may_see_personal() or not any(texts):
        return list(texts)
    return list(db.session.execute(text(
        "SELECT gridmap_mask_free_text(t, :name, :phone, :email) FROM unnest(CAST(:texts AS text[])) "
        "WITH ORDINALITY AS x(t, n) ORDER BY n"), {"texts": list(texts), "name": name, "phone": phone,
                                                   "email": email}).scalars())
