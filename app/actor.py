"""Who is acting: the signed-in user, the user a job runs for, or the person at the command line.

Below app.auth and app.audit: the audit log records every change against
``current_actor()``, and the Idempotency-Keys of a request are scoped by it.
The guard (app.auth.guard) decides whether the actor may; this module only
says who it is.
"""
from __future__ import annotations

import getpass
from dataclasses import dataclass, field

from flask import g, has_app_context, has_request_context, request
from flask_login import current_user


@dataclass(frozen=True)
class Actor:
    """Who a change is recorded against in the audit log."""
    id: int | None
    name: str
    via: str
    role: str | None = None
    ip: str | None = None
    areas: tuple[str, ...] = field(default_factory=tuple)
    #: The district the actor belongs to; None: the city (sees every district), or no user at all.
    district: str | None = None

    @property
    def is_city(self) -> bool:
        """A signed-in city user (市级): no district of their own."""
        return self.id is not None and self.district is None

    @property
    def scope(self) -> str:
        """Whose Idempotency-Keys a request uses: the signed-in user's (by session or
        token alike), else its client address's (app.reports.service.create_report)."""
        return f"user:{self.id}" if self.id is not None else f"addr:{self.ip or 'unknown'}"


def current_actor() -> Actor:
    # A job (app.jobs) runs outside the request, as the user who asked for it.
    acting = g.get("acting_for") if has_app_context() else None
    if acting is not None:
        return acting
    if not has_request_context():
        return Actor(None, f"cli:{_os_user()}", "cli")
    ip = request.remote_addr
    if current_user and current_user.is_authenticated:
        return Actor(current_user.id, current_user.username, g.get("auth_via", "session"), current_user.role, ip,
                     tuple(current_user.area_codes), current_user.district_code)
    return Actor(None, "anonymous", "anonymous", None, ip)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
