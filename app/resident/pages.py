"""The residents' pages: /report (the form) and /report/<token> (the status). Thin: parse, call, render.

The form works as a plain HTML form (an address typed in, geocoded on
intake); static/js/resident/report.js adds the map pin, the phone's
location, address suggestions and a scaled-down photo, and sends the same
form with fetch, asking for JSON.
"""
from __future__ import annotations

import math

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.guard import public
from app.errors import DomainError, NotFound, ValidationError, error_body
from app.events import categories as category_table
from app.extensions import csrf, limiter
from app.reports.validation import MAX_ADDRESS, MAX_DESCRIPTION, PHONE_RE
from app.resident import outlines, service
from app.security import _signed_in, rate_limited
from app.worker.maps import pin_map_parts, pin_map_texts

bp = Blueprint("resident", __name__)


def _resident_limit() -> str:
    return current_app.config["RATELIMIT_RESIDENT_REPORT"]


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _categories() -> list[dict]:
    return [{"code": c.code, "label": category_table.label(c), "group": _(c.big_class_label)}
            for c in category_table.all_categories() if c.active]


def _number(name: str, lo: float, hi: float) -> float | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ValidationError(_("The location could not be read; tap the map again."),
                              {"errors": [{"field": "location", "message": _("The location could not be read; "
                                                                             "tap the map again.")}]})
    return value


def _field_errors(exc: DomainError) -> dict[str, str]:
    """The form field each problem belongs to (the intake names its own fields)."""
    names = {"reporter_phone": "phone", "lon": "location", "lat": "location", "address_id": "address",
             "media_urls": "photo", "Idempotency-Key": "key"}
    out: dict[str, str] = {}
    details = exc.details if isinstance(exc.details, dict) else {}
    for e in details.get("errors") or [{"field": details.get("field") or "form", "message": exc.message}]:
        out.setdefault(names.get(e.get("field"), e.get("field") or "form"), e.get("message") or exc.message)
    return out


def _form_page(errors: dict | None = None, status: int = 200):
    values = request.form if request.method == "POST" else {}
    return render_template("resident/report.html", categories=_categories(), errors=errors or {}, values=values,
                           key=values.get("key") or service.new_form_key(), texts=pin_map_texts(),
                           api={"suggest": url_for("addresses_api.suggest"), "lookup": url_for("lookup_api.lookup"),
                                "outlines": url_for("resident.report_outlines")},
                           **pin_map_parts("residentPinMap")), status


@bp.get("/report")
@public
@rate_limited
def report_form():
    return _form_page()


@bp.post("/report")
@public
@rate_limited
@limiter.limit(_resident_limit, exempt_when=_signed_in)
def report_submit():
    csrf.protect()   # anonymous writes are not checked by app.auth: this form is
    try:
        report, token = service.submit(_submission())
    except DomainError as exc:
        return _refuse(exc)
    status_url = url_for("resident.status_page", token=token)
    if _wants_json():
        return {"ticket": report.ticket, "status_url": status_url}, 201
    return redirect(url_for("resident.status_page", token=token, new=1), 303)


def _submission() -> service.Submission:
    address_id = (request.form.get("address_id") or "").strip()
    upload = request.files.get("photo")
    phone = (request.form.get("phone") or "").strip() or None
    if phone and not PHONE_RE.match(phone):
        raise ValidationError(_("The phone number may hold digits, spaces, - and a leading + only."),
                              {"field": "phone"})
    return service.Submission(
        category=(request.form.get("category") or "").strip() or None,
        description=(request.form.get("description") or "").strip()[:MAX_DESCRIPTION + 1] or None,
        lon=_number("lon", -180, 180), lat=_number("lat", -90, 90),
        address=(request.form.get("address") or "").strip()[:MAX_ADDRESS + 1] or None,
        address_id=int(address_id) if address_id.isdigit() and len(address_id) < 18 else None,
        phone=phone, photo=upload.read() if upload and upload.filename else None,
        idempotency_key=(request.form.get("key") or "").strip()[:128] or None)


def _refuse(exc: DomainError):
    errors = _field_errors(exc)
    if _wants_json():
        body = error_body(exc.code, exc.message, {"errors": [{"field": f, "message": m} for f, m in errors.items()]})
        return jsonify(body), exc.status
    return _form_page(errors, exc.status)


@bp.get("/report/outlines.json")
@public
def report_outlines():
    """The published boundaries as lines (app.resident.outlines), for the report pages' maps."""
    version = outlines.published_version_id()
    etag = f"outlines-{version}"
    headers = {"ETag": f'"{etag}"', "Cache-Control": "public, max-age=600", "Vary": "Accept-Encoding"}
    if request.if_none_match.contains(etag):
        return "", 304, headers
    body, packed = outlines.document(version)
    if "gzip" in request.accept_encodings:
        body = packed
        headers["Content-Encoding"] = "gzip"
    return current_app.response_class(body, mimetype="application/json", headers=headers)


@bp.get("/report/<token>")
@public
@rate_limited
def status_page(token: str):
    try:
        report = service.by_token(token)
    except NotFound as exc:
        return render_template("resident/status.html", status=None, message=exc.message), 404
    return render_template("resident/status.html", status=service.status_of(report), new=request.args.get("new"),
                           link=url_for("resident.status_page", token=token, _external=True))
