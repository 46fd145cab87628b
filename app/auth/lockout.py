"""Sign-in lockout per user name, with back-off.

The per-address rate limit (RATELIMIT_LOGIN) slows one machine; guessing one
account's password from many addresses is stopped here. Failures are counted
per lower-cased user name *as typed*, whether or not such a user exists, and
a locked name is refused the same way either way: the lock tells nothing
about which names are real. The counts live in the database
(``login_lockout``), so every worker sees the same lock.

A name is locked after LOGIN_LOCKOUT_AFTER failures in a row, for
LOGIN_LOCKOUT_SECONDS, doubling with every further failure up to
LOGIN_LOCKOUT_MAX_SECONDS (``lock_seconds``). Attempts while locked are
refused unchecked and do not count. A successful sign-in or an
administrator's unlock clears the name. Attempts at one name are checked one
at a time (``begin_attempt``), so parallel guesses get no more tries.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from app import audit
from app.extensions import db
from app.models import LoginLockout


def name_key(username: str) -> str:
    """The name a lock is kept under: as typed, trimmed and lower-cased, storable.

    >>> name_key("  Zhang3 ")
    'zhang3'
    >>> name_key("a\\x00b\\ud800")
    'ab?'
    """
    key = (username or "").strip().lower().replace("\x00", "")[:64]
    return key.encode("utf-8", "replace").decode("utf-8")


def lock_seconds(failures: int, *, after: int, first: int, longest: int) -> int:
    """How long ``failures`` failed sign-ins in a row lock a name (0: not locked).

    >>> [lock_seconds(n, after=5, first=60, longest=3600) for n in (4, 5, 6, 7, 11, 12, 99)]
    [0, 60, 120, 240, 3600, 3600, 3600]
    """
    if failures < after:
        return 0
    return min(longest, first * 2 ** min(failures - after, 30))


def begin_attempt(username: str) -> datetime | None:
    """Start a sign-in under this name: when its lock ends if it is locked now, else None.

    Takes the name's row lock for the rest of the request (making the row if
    need be), so attempts at one name are checked one after the other: guesses
    sent in parallel through many workers cannot all get past the check before
    the first failure is counted.
    """
    stmt = insert(LoginLockout).values(username=name_key(username), failures=0, last_failure_at=func.now())
    row = db.session.execute(
        stmt.on_conflict_do_update(index_elements=[LoginLockout.username],
                                   set_={"username": stmt.excluded.username})  # changes nothing; locks the row
        .returning(LoginLockout.locked_until, LoginLockout.locked_until > func.now())).one()
    return row[0] if row[1] else None


def locked_until(username: str) -> datetime | None:
    """When the lock on this name ends, if it is locked now."""
    return db.session.scalar(select(LoginLockout.locked_until).where(
        LoginLockout.username == name_key(username), LoginLockout.locked_until > func.now()))


def failed(username: str) -> datetime | None:
    """Count a failed sign-in; the end of the lock when this failure locks the name.

    The upsert locks the row until the request commits, so failures arriving
    at once through several workers are counted one after the other.
    """
    cfg = current_app.config
    key = name_key(username)
    forget = func.make_interval(0, 0, 0, 0, 0, 0, int(cfg["LOGIN_LOCKOUT_FORGET_SECONDS"]))
    failures = db.session.scalar(
        insert(LoginLockout).values(username=key, failures=1, last_failure_at=func.now())
        .on_conflict_do_update(index_elements=[LoginLockout.username], set_={
            "failures": case((LoginLockout.last_failure_at < func.now() - forget, 1),
                             else_=LoginLockout.failures + 1),
            "last_failure_at": func.now()})
        .returning(LoginLockout.failures))
    seconds = lock_seconds(failures, after=int(cfg["LOGIN_LOCKOUT_AFTER"]), first=int(cfg["LOGIN_LOCKOUT_SECONDS"]),
                           longest=int(cfg["LOGIN_LOCKOUT_MAX_SECONDS"]))
    if not seconds:
        return None
    until = db.session.scalar(
        update(LoginLockout).where(LoginLockout.username == key)
        .values(locked_until=func.now() + func.make_interval(0, 0, 0, 0, 0, 0, seconds))
        .returning(LoginLockout.locked_until))
    audit.record("auth.lockout", "auth", None, after={"username": key, "failures": failures,
                                                      "seconds": seconds, "until": until.isoformat()})
    return until


def succeeded(username: str) -> None:
    db.session.execute(delete(LoginLockout).where(LoginLockout.username == name_key(username)))


def state(username: str) -> LoginLockout | None:
    """The failures counted against this name (for the administrator's page)."""
    return db.session.get(LoginLockout, name_key(username))


def unlock(user) -> bool:
    """An administrator lifts the lock on ``user`` and forgets the failures; True when there was one."""
    key = name_key(user.username)
    gone = db.session.execute(delete(LoginLockout).where(LoginLockout.username == key)
                              .returning(LoginLockout.failures, LoginLockout.locked_until)).first()
    if gone is None:
        return False
    audit.record("auth.unlock", "user", user.id, before={
        "username": user.username, "failures": gone.failures,
        "until": gone.locked_until.isoformat() if gone.locked_until else None})
    return True
