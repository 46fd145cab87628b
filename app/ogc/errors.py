"""Errors under /ogc as OGC API exceptions (``code`` + ``description``), or as a page.

The body also carries GridMap's usual ``error`` object, so a client of both
APIs reads errors one way. Bad parameters are 400 here, as the standard asks
(/req/core/query-param-invalid), where the JSON API under /api/ answers 422.
HTTP errors (405, 413, 429 ...) and an unreachable database come in the same
form: an OGC client shows the description, never an HTML page.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.error_pages import error_page
from app.errors import DomainError, ValidationError, error_body
from app.extensions import db
from app.ogc.negotiation import wants_html

#: GridMap error codes and the exception codes OGC API servers commonly use.
OGC_CODES = {
    "validation_failed": "InvalidParameterValue",
    "not_found": "NotFound",
    "unauthorized": "Unauthorized",
    "forbidden": "Forbidden",
    "method_not_allowed": "MethodNotAllowed",
    "too_many_requests": "TooManyRequests",
    "database_unavailable": "ServiceUnavailable",
}


def _answer(status: int, code: str, message: str, details=None, headers=None):
    if wants_html():
        return error_page(status, message, headers)
    response = jsonify({"code": OGC_CODES.get(code, code), "description": message,
                        **error_body(code, message, details)})
    response.status_code = status
    response.headers.update(headers or {})
    return response  # a 401 gets its WWW-Authenticate from app.auth.basic.challenge


def register(bp: Blueprint) -> None:
    @bp.errorhandler(DomainError)
    def ogc_error(exc: DomainError):
        status = 400 if isinstance(exc, ValidationError) else exc.status
        return _answer(status, exc.code, exc.message, exc.details)

    @bp.errorhandler(HTTPException)
    def ogc_http_error(exc: HTTPException):
        messages = {
            400: _("The request could not be read."),
            404: _("No such resource: check the URL."),
            405: _("This method is not allowed here."),
            413: _("The request is too large."),
            429: _("Too many requests from your address; wait a minute and try again."),
        }
        headers = {}
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            headers["Allow"] = ", ".join(exc.valid_methods)
        if exc.code == 429:
            headers["Retry-After"] = "60"
        return _answer(exc.code or 500, exc.name.lower().replace(" ", "_"),
                       messages.get(exc.code, exc.description), headers=headers)

    @bp.errorhandler(OperationalError)
    def ogc_database_down(exc: OperationalError):
        current_app.logger.warning("database unavailable: %s", exc.orig)
        db.session.rollback()
        return _answer(503, "database_unavailable", _("The database is not reachable right now; please retry "
                                                      "shortly."), headers={"Retry-After": "5"})
