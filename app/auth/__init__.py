"""Users, roles, sign-in sessions and API tokens.

Sessions come from Flask-Login; machine clients send
``Authorization: Bearer <token>``, or HTTP Basic on the machine interfaces
(app.auth.basic). ``init_auth`` wires the guard (app.auth.guard) and CSRF
checks for cookie-authenticated writes.
"""
from __future__ import annotations

from flask import Flask, g, request
from flask_login import LoginManager, current_user
from flask_babel import lazy_gettext as _l

from app.extensions import csrf

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
# "basic": a session seen from another browser/address is marked not fresh.
# ("strong" would drop the whole session, and with it the bearer-token check
# of a client that also holds a cookie.)
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(session_id: str):
    from app.auth import sessions

    g.auth_via = "session"
    return sessions.user_for(session_id)


@login_manager.request_loader
def _load_from_token(req):
    header = req.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        from app.auth import basic

        credentials = req.authorization
        if credentials is None or not basic.accepted_here():
            return None
        return basic.user_for(credentials.username, credentials.password)
    if not header.lower().startswith("bearer "):
        return None
    from app.auth import tokens

    found = tokens.user_for(header[7:].strip())
    if found is None:
        return None
    user, token = found
    g.auth_via = "token"
    tokens.touch(token)
    return user


def init_auth(app: Flask) -> None:
    from app.auth import basic
    from app.auth.guard import enforce

    login_manager.init_app(app)
    # The remember-me cookie travels only over HTTPS when the session cookie does.
    app.config.setdefault("REMEMBER_COOKIE_SECURE", bool(app.config.get("SESSION_COOKIE_SECURE")))

    @app.before_request
    def guard():
        # Forget the user and CSRF token of an earlier request sharing this app
        # context (tests, CLI-driven clients): each request authenticates itself
        # afresh and gets the CSRF token of its own session.
        for name in ("_login_user", "auth_via", "basic_failure", "basic_retry_after",
                     app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")):
            g.pop(name, None)
        if request.method == "OPTIONS" and request.url_rule is not None \
                and getattr(request.url_rule, "provide_automatic_options", False):
            # Flask answers these itself with the Allow header and runs no view: a CORS
            # preflight (which never carries credentials) must not be refused.
            return None
        basic.refuse_failed()
        return enforce()

    app.after_request(basic.challenge)

    @app.before_request
    def csrf_for_cookie_sessions():
        # A browser carries the session cookie on cross-site requests; a bearer
        # token it never sends by itself. So writes signed in by cookie need the
        # CSRF token (form field or X-CSRFToken header); token clients and
        # anonymous submissions do not.
        if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in (None, "static", "auth.login"):
            return None
        if current_user.is_authenticated and (g.get("auth_via") == "session" or basic.needs_csrf()):
            # Blueprints marked with csrf.exempt (Open311: api_key in the form) are skipped.
            csrf.protect(apply_exemptions=True)
        return None

    @app.context_processor
    def auth_context():
        from app.auth.roles import allows
        from app.labels import user_heading, user_role_label

        return {"current_user": current_user, "role_label": user_role_label, "user_heading": user_heading,
                "can": lambda permission: current_user.is_authenticated and allows(current_user.role, permission)}

    from app.auth.views import bp

    app.register_blueprint(bp)
