"""API tokens for machine clients (field apps, the 12345 bridge, Open311 api_key).

A token is shown once when created; only its SHA-256 is stored. A plain hash
(not argon2) is right here: tokens are 256 random bits, not guessable words,
and every API request must check one quickly.
"""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update, func

from app.extensions import db
from app.models import ApiToken, User

PREFIX = "gm_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the secret (shown once)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name, prefix=secret[:10], token_hash=digest(secret))
    db.session.add(row)
    db.session.flush()
    return row, secret


def user_for(secret: str) -> tuple[User, ApiToken] | None:
    """The active user a token belongs to, or None (unknown, revoked, user disabled)."""
    if not secret or len(secret) > 200:
        return None
    row = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == digest(secret),
                                                    ApiToken.revoked_at.is_(None))).first()
    if row is None or not row.user.active:
        return None
    return row.user, row


def touch(token: ApiToken) -> None:
    """Record use at most every ten minutes, so a busy client does not write on every request."""
    db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id)
        .where((ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < func.now() - func.make_interval(0, 0, 0, 0, 0, 10)))
        .values(last_used_at=func.now()))
