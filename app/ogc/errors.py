"""Errors under /ogc as OGC API exceptions (``code`` + ``description``), or as a page.

The body also carries GridMap's usual ``error`` object, so a client of both
APIs reads errors one way. Bad parameters are 400 here, as the standard asks
(/req/core/query-param-invalid), where the JSON API under /api/ answers 422.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from app.errors import DomainError, ValidationError, error_body
from app.ogc.negotiation import wants_html

#: GridMap error codes and the exception codes OGC API servers commonly use.
OGC_CODES = {
    "validation_failed": "InvalidParameterValue",
    "not_found": "NotFound",
    "unauthorized": "Unauthorized",
    "forbidden": "Forbidden",
}


def register(bp: Blueprint) -> None:
    @bp.errorhandler(DomainError)
    def ogc_error(exc: DomainError):
        status = 400 if isinstance(exc, ValidationError) else exc.status
        if wants_html():
            return render_template("error.html", status=status, message=exc.message), status
        body = {"code": OGC_CODES.get(exc.code, exc.code), "description": exc.message,
                **error_body(exc.code, exc.message, exc.details)}
        response = jsonify(body)
        response.status_code = status
        return response  # a 401 gets its WWW-Authenticate from app.auth.basic.challenge
