"""Sign in and out (pages), and who am I (API)."""
from __future__ import annotations

import math
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import func

from app import audit
from app.auth import lockout, sessions, users
from app.auth.guard import public, signed_in
from app.auth.forms import LoginForm
from app.auth.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from app.auth.roles import PERMISSIONS
from app.extensions import db, limiter
from app.i18n import beijing_time
from app.labels import user_role_label

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only local paths: an attacker's link must not bounce a user off-site after
    # signing in. Browsers read "/\\host" as "//host", so no backslashes either.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        name = form.username.data
        until = lockout.begin_attempt(name)
        if until is not None:  # refused unchecked, the same for every name
            return _locked(form, until)
        user = users.by_username(name)
        ok = verify_password(user.password_hash if user else DUMMY_HASH, form.password.data)
        if user and ok and user.active:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            user.last_login_at = func.now()
            lockout.succeeded(name)
            sessions.start(user, remember=form.remember.data)
            audit.record("auth.login", "auth", user.id, after={"username": user.username})
            db.session.commit()
            return redirect(_safe_next(form.next.data))
        audit.record("auth.login_failed", "auth", None, after={"username": lockout.name_key(name)})
        until = lockout.failed(name)
        db.session.commit()
        if until is not None:
            return _locked(form, until)
        form.password.errors.append(_("Wrong username or password, or the account is disabled."))
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" or not form.errors else 422


def _locked(form, until: datetime):
    seconds = max(1, math.ceil((until - datetime.now(timezone.utc)).total_seconds()))
    form.password.errors.append(_(
        "Too many failed sign-ins: this account is locked for now. Try again in %(minutes)s minutes "
        "(after %(time)s Beijing time).", minutes=math.ceil(seconds / 60),
        time=beijing_time(until, "clock")))
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(seconds)}


@bp.post("/logout")
@signed_in
def logout():
    # Signing out ends this user's every session and remember-me cookie, so a
    # copied cookie dies with it; API tokens stay.
    if g.get("auth_via") == "session":
        sessions.end_all(current_user._get_current_object())
        audit.record("auth.logout", "auth", current_user.id, after={"username": current_user.username})
        db.session.commit()
    logout_user()
    flash(_("You are signed out."))
    return redirect(url_for("auth.login"))


@bp.get("/api/v1/me")
@signed_in
def me():
    # Every user representation of the API carries row_version (the User schema requires it).
    body = current_user.to_dict() | {"row_version": current_user.row_version}
    body["role_label"] = user_role_label(current_user.role, current_user.district_code)
    body["permissions"] = sorted(PERMISSIONS[current_user.role])
    return body
