"""Photos taken with the browser's camera (worker phone, residents' page), kept in the database.

Reports and handling steps link to them by URL, as they link to photos kept
elsewhere (``report.media_urls``, a transition's ``details.photos``); see
migration 0025_resident_ticket.
"""
from __future__ import annotations

from sqlalchemy import (BigInteger, CheckConstraint, Column, DateTime, ForeignKey, Integer, LargeBinary, String,
                        UniqueConstraint, func)

from app.extensions import db

#: What a stored photo may be (checked against the bytes, not the name the phone gave).
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


class ReportPhoto(db.Model):
    __tablename__ = "report_photo"

    id = Column(BigInteger, primary_key=True)
    district_code = Column(String(6), nullable=False)
    # The unguessable part of the photo's URL (not the id: ids can be counted through).
    token = Column(String(32), nullable=False)
    # One row per distinct picture: a retried upload finds the first one.
    sha256 = Column(String(64), nullable=False)
    content_type = Column(String(16), nullable=False)
    size = Column(Integer, nullable=False)
    data = Column(LargeBinary, nullable=False)
    channel = Column(String(20), nullable=False)
    uploaded_by = Column(Integer, ForeignKey("app_user.id", ondelete="SET NULL"))
    uploaded_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        UniqueConstraint("district_code", "sha256", name="uq_report_photo_district_code"),
        UniqueConstraint("district_code", "token", name="uq_report_photo_token"),
        CheckConstraint(f"content_type IN {PHOTO_TYPES}", name="content_type"),
        CheckConstraint("size > 0 AND size = octet_length(data)", name="size"),
    )
