"""Who is asking, and may they? Every endpoint declares its access.

Endpoints are marked ``@public`` or ``@require(permission)``; one
``before_request`` hook enforces the mark. An endpoint without a mark is
refused for everyone (fail closed), and a test walks the URL map to check
that every endpoint carries one.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.roles import allows
from app.errors import DomainError

ACCESS_ATTR = "gridmap_access"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


def public(view):
    """Open to anyone, signed in or not (report submission, grid lookup, reference lists)."""
    setattr(view, ACCESS_ATTR, ("public", None))
    return view


def require(permission: str):
    """Open to signed-in users whose role has ``permission`` (see app.auth.roles)."""
    def mark(view):
        setattr(view, ACCESS_ATTR, ("permission", permission))
        return view
    return mark


def signed_in(view):
    """Open to any signed-in user (their own account page, logout)."""
    setattr(view, ACCESS_ATTR, ("signed_in", None))
    return view


def access_of(view) -> tuple[str, str | None] | None:
    return getattr(view, ACCESS_ATTR, None)


#: Blueprints that decide themselves whether a request asks for a page (app.ogc: ``?f=html``).
_PAGE_RULES: dict[str, Callable[[], bool]] = {}


def page_rule(blueprint: str, wants_page: Callable[[], bool]) -> None:
    """Let ``blueprint`` say when an anonymous GET gets the sign-in page instead of a 401.

    For machine interfaces outside /api/ (OGC API - Features) whose clients
    send ``Accept: */*``, which would otherwise count as asking for a page.
    """
    _PAGE_RULES[blueprint] = wants_page


def _wants_page() -> bool:
    if request.path.startswith("/api/") or request.method not in SAFE_METHODS:
        return False
    rule = _PAGE_RULES.get(request.blueprint or "")
    return rule() if rule is not None else request.accept_mimetypes.accept_html


def enforce():
    """before_request: refuse what the endpoint's mark does not allow."""
    if request.endpoint is None:  # 404/405: let routing answer
        return None
    if request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    access = access_of(view)
    if access is None:
        current_app.logger.error("endpoint %s has no access mark; refused", request.endpoint)
        raise Forbidden(_("This endpoint is not open to anyone."))
    kind, permission = access
    if kind == "public":
        return None
    if not current_user.is_authenticated:
        if _wants_page():
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        raise Unauthorized(_("Sign in, or send an API token as 'Authorization: Bearer <token>'."),
                           {"login": url_for("auth.login")})
    if kind == "permission" and not allows(current_user.role, permission):
        raise Forbidden(_("Your role (%(role)s) may not do this; it needs the permission %(permission)s.",
                          role=current_user.role, permission=permission), {"permission": permission})
    return None

