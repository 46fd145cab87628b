"""HTTP Basic authentication for machine clients that cannot send a Bearer token.

QGIS 3.22 (Debian 12) has Basic but no way to send ``Authorization: Bearer``;
GDAL, curl and OWSLib have both. Basic is accepted on the machine interfaces
only (``/api/``, ``/ogc``, ``/open311/``: ``accepted_here``); pages keep the
sign-in form. The password is the user's password, or one of the user's API
tokens (``gm_...``), which is what machine clients should use.

- A password is checked as the sign-in form checks it (app.auth.views.login):
  the per-name lockout of app.auth.lockout, the same audit entry for a
  failure, the same refusal of a locked name, right password or not.
  Tokens are 256 random bits: a wrong one is not a guess worth counting.
- argon2 takes a good fraction of a second on purpose, and Basic clients
  send the password with every request (GDAL pages through hundreds). So a
  password once verified is remembered by this process for
  ``VERIFIED_SECONDS``, keyed by an HMAC of the user, their password hash and
  the password: a new password, or a disabled account, ends it at once.
  Password checks that do run count against the per-address sign-in limit
  (RATELIMIT_LOGIN), so nobody can keep the workers busy hashing guesses.
- Wrong credentials are answered 401 wherever they are sent, public
  endpoints included: a client set up with a wrong password learns it at
  once instead of quietly being served as anonymous.
- The 401 challenge (``WWW-Authenticate``) names Basic only to clients that
  are not browsers: a browser would open its own password dialog for a map
  page's background request, and once given a password there it sends it on
  its own, cross-site requests included, just like a cookie. For the same
  reason a Basic-authenticated write coming from a browser needs the CSRF
  token as a cookie session does (``needs_csrf``).
"""
from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from datetime import datetime, timezone

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse as parse_limit

from app import audit
from app.auth import lockout, tokens
from app.auth.guard import Unauthorized
from app.errors import DomainError
from app.extensions import db, limiter

#: The machine interfaces that accept Basic (request paths, after the mount point).
AREAS = ("/api/", "/ogc", "/open311/")
REALM = "GridMap"
#: How long this process trusts a password it has verified (seconds).
VERIFIED_SECONDS = 300
#: At most this many verified passwords are remembered per process.
_MAX_REMEMBERED = 2048

_verified: dict[str, float] = {}
_verified_lock = threading.Lock()


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"


def accepted_here() -> bool:
    path = request.path
    return any(path.startswith(area) or path == area.rstrip("/") for area in AREAS)


def sent() -> bool:
    """True when the request carries ``Authorization: Basic ...`` (readable or not)."""
    return request.headers.get("Authorization", "")[:6].lower() == "basic "


def from_browser() -> bool:
    # Every current browser sends Sec-Fetch-Mode on every request; QGIS, GDAL, curl and requests never do.
    return "Sec-Fetch-Mode" in request.headers


def user_for(username: str | None, password: str | None):
    """The user these Basic credentials belong to, or None (the reason kept for ``refuse_failed``)."""
    if not username or password is None:
        return _failed(Unauthorized(_("Basic authentication needs a user name and a password (or an API token).")))
    if password.startswith(tokens.PREFIX):
        found = tokens.user_for(password)
        if found is not None and lockout.name_key(found[0].username) == lockout.name_key(username):
            tokens.touch(found[1])
            g.auth_via = "token"
            return found[0]
    return _by_password(username, password)


def _by_password(username: str, password: str):
    from app.auth import users
    from app.auth.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password

    until = lockout.locked_until(username)
    if until is not None:
        return _failed(_locked(until))
    user = users.by_username(username)
    if user is not None and user.active and _remembered(user, password):
        g.auth_via = "basic"
        return user
    if not _address_may_check():
        return _failed(TooManyAttempts(_("Too many password checks from your address; wait a minute and try "
                                         "again, or use an API token as the password."), {"retry_after": 60}),
                       retry_after=60)
    until = lockout.begin_attempt(username)  # one check at a time per name, as on the sign-in form
    if until is not None:
        db.session.commit()
        return _failed(_locked(until))
    ok = verify_password(user.password_hash if user else DUMMY_HASH, password)
    if user is not None and ok and user.active:
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        lockout.succeeded(username)
        db.session.commit()
        _remember(user, password)
        g.auth_via = "basic"
        return user
    # The audit entries below ask current_user, whose loader is this very call: settle it as anonymous first.
    g._login_user = current_app.login_manager.anonymous_user()
    audit.record("auth.login_failed", "auth", None, after={"username": lockout.name_key(username), "via": "basic"})
    until = lockout.failed(username)
    db.session.commit()
    if until is not None:
        return _failed(_locked(until))
    return _failed(Unauthorized(_("Wrong user name or password (or API token), or the account is disabled.")))


def _locked(until: datetime) -> TooManyAttempts:
    seconds = max(1, math.ceil((until - datetime.now(timezone.utc)).total_seconds()))
    g.basic_retry_after = seconds
    return TooManyAttempts(_("Too many failed sign-ins: this account is locked for now. Try again in %(minutes)s "
                             "minutes, or use an API token as the password.", minutes=math.ceil(seconds / 60)),
                           {"retry_after": seconds})


def _failed(error: DomainError, *, retry_after: int | None = None):
    g.basic_failure = error
    if retry_after is not None:
        g.basic_retry_after = retry_after
    return None


def _address_may_check() -> bool:
    cfg = current_app.config
    if not cfg.get("RATELIMIT_ENABLED", True):
        return True
    return limiter.limiter.hit(parse_limit(cfg["RATELIMIT_LOGIN"]), "basic-password", request.remote_addr or "")


def _key(user, password: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    text = f"{user.id}\0{user.password_hash}\0{password}".encode("utf-8", "surrogatepass")
    return hmac.new(secret, text, hashlib.sha256).hexdigest()


def _remembered(user, password: str) -> bool:
    expires = _verified.get(_key(user, password))
    return expires is not None and expires > time.monotonic()


def _remember(user, password: str) -> None:
    now = time.monotonic()
    with _verified_lock:
        if len(_verified) >= _MAX_REMEMBERED:
            for key in [k for k, expires in _verified.items() if expires <= now]:
                del _verified[key]
            if len(_verified) >= _MAX_REMEMBERED:
                _verified.clear()
        _verified[_key(user, password)] = now + VERIFIED_SECONDS


def forget_all() -> None:
    """Forget every verified password (tests; nothing else needs it)."""
    with _verified_lock:
        _verified.clear()


def refuse_failed() -> None:
    """before_request: Basic credentials that did not authenticate are answered now (401 or 429)."""
    if not (sent() and accepted_here()):
        return
    if current_user.is_authenticated:  # runs the request loader, which calls user_for
        return
    failure = g.get("basic_failure")
    if failure is None:
        failure = Unauthorized(_("The Basic credentials could not be read: send base64 of user-name:password "
                                 "in UTF-8."))
    raise failure


def needs_csrf() -> bool:
    """A browser holding Basic credentials sends them by itself, cookie-like: its writes need the CSRF token."""
    return g.get("auth_via") == "basic" and from_browser()


def challenge(response):
    """after_request: a 401 of a machine interface says which schemes it takes; a lockout says when to retry."""
    if response.status_code == 401 and accepted_here():
        schemes = [f'Bearer realm="{REALM}"']
        if not from_browser():
            schemes.insert(0, f'Basic realm="{REALM}", charset="UTF-8"')
        response.headers.setlist("WWW-Authenticate", schemes)
    retry = g.get("basic_retry_after")
    if response.status_code == 429 and retry:
        response.headers["Retry-After"] = str(retry)
    return response
