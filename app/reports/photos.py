"""Photos sent from the browser's camera: checked, stored once per picture, served by an unguessable URL.

The worker's phone and the residents' page send a photo here first and put
the URL they get back into a report's ``media_urls`` or a handling step's
``photos``, exactly as other apps send links to photos they keep themselves.
A photo is stored once per district and picture (SHA-256): a phone that
sends it again after a lost answer gets the first URL back, so a queued
upload can be retried safely. The browser scales photos down before sending
(static/js/worker/photo.js); the server checks what the bytes are, never the
file name or the type the client claims.
"""
from __future__ import annotations

import hashlib
import secrets

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from app.actor import current_actor
from app.errors import DomainError, NotFound, ValidationError
from app.extensions import db
from app.models import ReportPhoto, StandardAddress

#: Leading bytes of each accepted type (WebP: RIFF....WEBP).
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


class PhotoTooLarge(DomainError):
    status = 413
    code = "photo_too_large"


def photo_type(data: bytes) -> str | None:
    """The image type the bytes are, or None for anything else.

    >>> photo_type(b"\\xff\\xd8\\xff\\xe0rest"), photo_type(b"RIFF\\0\\0\\0\\0WEBPVP8 "), photo_type(b"<svg")
    ('image/jpeg', 'image/webp', None)
    """
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def district_of_upload(*, lon: float | None = None, lat: float | None = None, address_id: int | None = None) -> str:
    """The district a photo is stored under (report_photo.district_code, issue 19): its report's. A resident's
    photo is stored before its report: the district of the report's point (of the grid it falls in), or of the
    standard address chosen; a worker's, their own district; else (a city user, a point outside every
    district, an address typed in) the default district, where such a report goes too."""
    found = None
    if lon is not None and lat is not None:
        found = db.session.execute(text(
            "SELECT x.district_code FROM gridmap_report_grids(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) x"),
            {"lon": lon, "lat": lat}).scalar()
    elif address_id is not None:
        found = db.session.scalar(select(StandardAddress.district_code).where(StandardAddress.id == address_id))
    else:
        found = current_actor().district
    return found or current_app.config["DISTRICT_CODE"]


def store(data: bytes, channel: str, district: str | None = None) -> tuple[ReportPhoto, bool]:
    """Store the photo (or find it stored already) under ``district`` (default: ``district_of_upload()``,
    the uploader's); returns (photo, created). Does not commit."""
    if not data:
        raise ValidationError(_("Send the photo as the photo field of a form (multipart/form-data)."),
                              {"field": "photo"})
    limit = int(current_app.config["PHOTO_MAX_BYTES"])
    if len(data) > limit:
        raise PhotoTooLarge(_("The photo is %(mb)s MB; at most %(max)s MB. Take it again at a lower resolution.",
                              mb=round(len(data) / 2**20, 1), max=round(limit / 2**20, 1)),
                            {"field": "photo", "limit": limit})
    kind = photo_type(data)
    if kind is None:
        raise ValidationError(_("The photo must be a JPEG, PNG or WebP image."), {"field": "photo"})
    district = district or district_of_upload()
    digest = hashlib.sha256(data).hexdigest()
    # ON CONFLICT: two retries of one upload racing each other store it once.
    new_id = db.session.execute(insert(ReportPhoto).values(
        district_code=district, token=secrets.token_urlsafe(16), sha256=digest, content_type=kind, size=len(data),
        data=data, channel=channel, uploaded_by=current_actor().id,
    ).on_conflict_do_nothing(index_elements=["district_code", "sha256"]).returning(ReportPhoto.id)).scalar()
    photo = db.session.scalars(select(ReportPhoto).where(ReportPhoto.district_code == district,
                                                         ReportPhoto.sha256 == digest)).one()
    return photo, new_id is not None


def url_of(photo: ReportPhoto) -> str:
    """The photo's absolute URL: reports keep absolute http(s) links (app.reports.validation)."""
    return url_for("reports_api.get_photo", token=photo.token, _external=True)


def to_dict(photo: ReportPhoto) -> dict:
    return {"url": url_of(photo), "token": photo.token, "content_type": photo.content_type, "size": photo.size,
            "sha256": photo.sha256}


def by_token(token: str) -> ReportPhoto:
    photo = None
    if 16 <= len(token) <= 32:
        photo = db.session.scalars(select(ReportPhoto).where(ReportPhoto.token == token)).first()
    if photo is None:
        raise NotFound(_("No photo %(token)s.", token=token[:32]), {"field": "token"})
    return photo
