"""Domain errors and the one place that turns them into HTTP responses.

API errors are JSON ``{"error": {"code", "message", "details"}}`` with the
right 4xx status; pages get the same message rendered in the page
(``app.error_pages``: in the reader's language, sign-in for those not signed in).
"""
from __future__ import annotations

from flask import Flask, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app import error_pages


class DomainError(Exception):
    """An error the user can fix; ``status`` is the HTTP status it maps to."""

    status = 400
    code = "bad_request"
    #: Response headers the error comes with (Retry-After of a 503).
    headers: dict | None = None

    def __init__(self, message: str, details=None, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        if code:
            self.code = code
        if status:
            self.status = status


class ValidationError(DomainError):
    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


#: Set by the serving worker (app.serving) on a request whose target was longer than gunicorn reads
#: (limit_request_line): the request reaches the app with the path alone, and this header holds
#: the limit in bytes, so the app answers in its own language and format instead of gunicorn's bare 400.
TARGET_TOO_LONG = "X-GridMap-Target-Too-Long"


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details}}


#: Machine interfaces: their errors stay JSON (or their own format) whatever the client accepts.
API_PREFIXES = ("/api/", "/ogc/", "/open311/")


def _wants_json() -> bool:
    return request.path.startswith(API_PREFIXES) or request.accept_mimetypes.best == "application/json"


def register(app: Flask) -> None:
    @app.before_request
    def refuse_overlong_target():
        limit = request.headers.get(TARGET_TOO_LONG)
        if limit is not None:
            limit = limit if limit.isdigit() and len(limit) < 7 else "8190"
            raise DomainError(_("The web address is too long (over %(n)s bytes): shorten what you typed, "
                                "for example the search text, and try again.", n=limit),
                              {"field": "url"}, code="uri_too_long", status=414)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        if not _wants_json():
            if exc.status in (401, 403):
                return error_pages.refused(exc.status, exc.code, exc.message)
            return error_pages.error_page(exc.status, exc.message, exc.headers)
        return jsonify(error_body(exc.code, exc.message, exc.details)), exc.status, exc.headers or {}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not _wants_json():
            if exc.code in (401, 403):
                return error_pages.refused(exc.code, "http_error", error_pages.MESSAGES.get(exc.code))
            # Keep what the exception says in its headers (Retry-After of a 429, Allow of a 405).
            headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
            return error_pages.error_page(exc.code or 500, None, headers)
        messages = {
            400: _("The request could not be read."),
            404: _("No such resource: check the URL."),
            405: _("This method is not allowed here."),
            401: _("Sign in, or send an API token as 'Authorization: Bearer <token>'."),
            403: _("You may not do this."),
            413: _("The request is too large."),
            429: _("Too many requests from your address; wait a minute and try again."),
        }
        message = messages.get(exc.code, exc.description)
        return jsonify(error_body(exc.name.lower().replace(" ", "_"), message)), exc.code

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = _("The form or request has no valid CSRF token; reload the page and try again.")
        if not _wants_json():
            return error_pages.error_page(400, message)
        return jsonify(error_body("csrf_failed", message)), 400

    @app.errorhandler(OperationalError)
    def database_down(exc: OperationalError):
        # The database being unreachable is not the client's fault, but it is not a bug either.
        app.logger.warning("database unavailable: %s", exc.orig)
        message = _("The database is not reachable right now; please retry shortly.")
        headers = {"Retry-After": "5"}
        if not _wants_json():
            return error_pages.error_page(503, message, headers)
        return jsonify(error_body("database_unavailable", message)), 503, headers
