"""A resident's report: stored through the one intake (app.reports.service), followed by a random token.

The report's ticket (GM + date + sequence) can be counted through, so the
status page opens only with a token nobody can guess: an HMAC, under the
app's secret key, of the random Idempotency-Key the form was served with. A
resident who sends the form again after a lost answer gets the same report
and the same link back; the report keeps only the token's SHA-256 (migration
0025_resident_ticket), as API tokens are kept. The status page shows what the operations centre did and when, never
who did it, their notes, the reporter's details or the description.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import NotFound, ValidationError
from app.events import categories as category_table
from app.extensions import db
from app.labels import STATUS_LABELS, text as label_text
from app.models import Report, ReportTransition
from app.reports import photos, service as intake
from app.beijing import BEIJING

CHANNEL = "resident_app"


def new_form_key() -> str:
    """The Idempotency-Key a freshly served form carries (128 random bits)."""
    return secrets.token_urlsafe(16)


def status_token(idempotency_key: str) -> str:
    """The status link's token for the report filed with this key (22 URL-safe characters)."""
    mac = hmac.new(current_app.config["SECRET_KEY"].encode("utf-8"),
                   b"resident-status:" + idempotency_key.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:16]).decode("ascii").rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class Submission:
    """What the form sent, parsed at the edge (app.resident.pages)."""

    category: str | None
    description: str | None
    lon: float | None = None
    lat: float | None = None
    address: str | None = None
    address_id: int | None = None
    phone: str | None = None
    photo: bytes | None = None
    idempotency_key: str | None = None


def submit(form: Submission) -> tuple[Report, str]:
    """Store the report (and its photo); returns (report, status token). Commits.

    The same form sent twice (its Idempotency-Key) files one report and answers the same link.
    """
    has_point = form.lon is not None and form.lat is not None
    if not has_point and form.address_id is None and not (form.address or "").strip():
        raise ValidationError(_("Show where the problem is: tap the map, use your location, or type an address."),
                              {"errors": [{"field": "location", "message": _(
                                  "Show where the problem is: tap the map, use your location, or type an "
                                  "address.")}]})
    payload: dict = {"category": form.category, "description": form.description, "channel": CHANNEL,
                     "reporter_phone": form.phone or None, "address": form.address or None}
    if has_point:
        payload |= {"lon": form.lon, "lat": form.lat}   # WGS-84, as browsers' geolocation gives it
    elif form.address_id is not None:
        payload["address_id"] = form.address_id
    if form.photo:
        # Under the district the report will be in (the one of its point or address).
        district = photos.district_of_upload(lon=form.lon, lat=form.lat, address_id=form.address_id) \
            if has_point or form.address_id is not None else None
        photo, _created = photos.store(form.photo, CHANNEL, district or current_app.config["DISTRICT_CODE"])
        payload["media_urls"] = [photos.url_of(photo)]
    key = form.idempotency_key or new_form_key()
    report, replayed = intake.create_report(payload, key)
    token = status_token(key)
    if report.status_token_hash is None:   # a replay finds it set, unless the first answer broke off here
        report.status_token_hash = token_hash(token)
        db.session.commit()
    return report, token


def by_token(token: str) -> Report:
    report = None
    if 16 <= len(token) <= 64:
        report = db.session.scalars(select(Report).where(Report.status_token_hash == token_hash(token))).first()
    if report is None:
        raise NotFound(_("No report has this link. Check that the whole link was copied."), {"field": "token"})
    return report


def _time(value) -> str | None:
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if value else None


def status_of(report: Report) -> dict:
    """What a resident may see: category, status, and when each change of status happened."""
    steps = db.session.execute(
        select(ReportTransition.at, ReportTransition.to_state, ReportTransition.from_state)
        .where(ReportTransition.report_id == report.id).order_by(ReportTransition.at, ReportTransition.id)).all()
    shown = [{"at": _time(at), "status": to_state, "label": label_text(STATUS_LABELS, to_state)}
             for at, to_state, from_state in steps if from_state is None or from_state != to_state]
    category = category_table.by_code().get(report.category)
    return {
        "ticket": report.ticket,
        "category": category_table.label(category, report.category),
        "status": report.status,
        "status_label": label_text(STATUS_LABELS, report.status),
        "finished": report.status in ("closed", "cancelled"),
        "merged": report.duplicate_of is not None,
        "reported_at": _time(report.created_at),
        "steps": shown,
    }
