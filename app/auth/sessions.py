"""Sign-in sessions that end.

Flask-Login keeps ``User.get_id()`` (app.models.user) in the session cookie and in the
remember-me cookie, and hands it back to ``user_for`` on every request.
GridMap's id is ``<user id>:<session version>:<signed in at>.<nonce>``:

- the session version (``app_user.session_version``) is bumped when the
  password or the role changes, when the account is disabled and when the user
  signs out, so every session and remember-me cookie made before stops working
  at once, on every device (signing out signs out everywhere);
- the time of sign-in bounds a session on the server to
  ``REMEMBER_COOKIE_DURATION``, whatever expiry a copied cookie claims;
- the nonce makes every sign-in's cookie a different one.

API tokens are not sessions: signing out leaves them alone; disabling the
user stops them (app.auth.tokens checks ``active``).
"""
from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app, g, request
from flask_login import current_user, login_user

from app.extensions import db
from app.models.user import User, new_sign_in_stamp


def _max_age() -> float:
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration.total_seconds() if isinstance(duration, timedelta) else float(duration)


def user_for(raw: str):
    """The user a session or remember-me id belongs to, or None when it has ended.

    Ended: another version (password, role, disabled, signed out since), older
    than REMEMBER_COOKIE_DURATION, the user disabled, or an id of the old form
    ``<user id>`` (sessions from before migration 0020 sign in again).
    """
    parts = str(raw).split(":")
    if len(parts) != 3:
        return None
    user_id, version, stamp = parts
    issued = stamp.partition(".")[0]
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()
            and issued.isascii() and issued.isdigit()) or len(user_id) > 10 or len(version) > 10:
        return None
    age = time.time() - int(issued)
    if not -300 <= age <= _max_age():  # five minutes of clock skew between workers
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    user._signed_in = stamp
    return user


def start(user, *, remember: bool = False) -> None:
    """Sign ``user`` in on this browser with a new session id (and remember-me cookie)."""
    user._signed_in = new_sign_in_stamp()
    login_user(user, remember=remember)


def end_all(user) -> None:
    """End every session and remember-me cookie of ``user`` (the caller commits)."""
    user.session_version = User.session_version + 1
    db.session.flush()
    db.session.refresh(user, attribute_names=["session_version"])


def keep_own_session(user) -> None:
    """After ``end_all`` on the user signed in by this very request's cookie
    (an administrator setting their own password): sign this browser in again
    under the new version, so only the other sessions end."""
    if g.get("auth_via") != "session" or not current_user.is_authenticated or current_user.id != user.id:
        return
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    start(user, remember=remembered)
