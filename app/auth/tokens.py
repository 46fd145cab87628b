"""API tokens for machine clients (field apps, the 12345 bridge, Open311 api_key).

A token is shown once when created; only its SHA-256 is stored. A plain hash
(not argon2) is right here: tokens are 256 random bits, not guessable words,
and every API request must check one quickly.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import ApiToken, User

PREFIX = "gm_"
#: How often a token's last use is written: a busy client does not write on every request.
TOUCH_EVERY = timedelta(minutes=10)


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
    # The token with its user (one round trip), then the user's areas: every signed API request needs all
    # three (the areas for app.actor.current_actor); lazy loads made it three statements. The areas are not
    # joined in: the load options stay with the user, and a later refresh(user, with_for_update=True) cannot
    # lock the nullable side of an outer join.
    row = db.session.scalars(_by_digest(), {"digest": digest(secret)}).first()
    if row is None or not row.user.active:
        return None
    return row.user, row


@lru_cache(maxsize=1)
def _by_digest():
    # Built once: every signed API request runs it, and building it (and its cache key) cost more than
    # the index probe.
    return (select(ApiToken).options(joinedload(ApiToken.user, innerjoin=True).selectinload(User.areas))
            .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None)))


def touch(token: ApiToken) -> None:
    """Record use at most every ten minutes, so a busy client does not write on every request.

    The token row was just read: when it says it was used less than ten minutes ago no statement is sent
    at all (the UPDATE's own condition still decides when two requests race)."""
    seen = token.last_used_at
    if seen is not None and seen.tzinfo is not None and datetime.now(timezone.utc) - seen < TOUCH_EVERY:
        return
    db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id)
        .where((ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < func.now() - func.make_interval(0, 0, 0, 0, 0, TOUCH_EVERY.seconds // 60)))
        .values(last_used_at=func.now()))
