"""Reports (事件) as they arrive, with the grids they were assigned to on arrival."""
from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (ARRAY, BigInteger, Boolean, CheckConstraint, Column, DateTime, Float, ForeignKey, Index,
                        Integer, String, Text, func, text)
from sqlalchemy.orm import relationship

from app.extensions import db

#: Intake channels ("多网合一").
CHANNELS = ("worker_app", "resident_app", "photo", "hotline_12345", "city_management", "walk_in", "phone")
#: The closed loop of digital city management; transitions come with the events issue.
STATUSES = ("reported", "accepted", "dispatched", "in_progress", "handled", "verified", "closed", "cancelled")
OPEN_STATUSES = ("reported", "accepted", "dispatched", "in_progress", "handled", "verified")

# Ticket numbers are made in the database so COPY-based imports get them too.
TICKET_DEFAULT = text(
    "'GM' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(nextval('report_ticket_seq')::text, 8, '0')"
)


class Report(db.Model):
    __tablename__ = "report"

    id = Column(BigInteger, primary_key=True)
    # Every large table carries the district code (the future Citus distribution column).
    district_code = Column(String(6), nullable=False)
    ticket = Column(String(32), nullable=False, unique=True, server_default=TICKET_DEFAULT)
    category = Column(String(8), nullable=False)
    channel = Column(String(20), nullable=False)
    description = Column(Text, nullable=False, server_default="")
    address = Column(Text)
    reporter_name = Column(Text)
    reporter_phone = Column(String(32))
    location = Column(Geometry("POINT", srid=4326, spatial_index=False))
    # The coordinates exactly as sent and the system they were sent in.
    coord_crs = Column(String(16))
    raw_lon = Column(Float)
    raw_lat = Column(Float)
    status = Column(String(16), nullable=False, server_default="reported")
    out_of_coverage = Column(Boolean, nullable=False, server_default="false")
    # Assignment on arrival: the boundary generation used, the finest regular
    # grid covering the point, its lineage (district → that grid) and any
    # dedicated grids covering it.
    generation = Column(Integer)
    grid_id = Column(Integer, ForeignKey("grid.id", ondelete="RESTRICT"))
    grid_lineage = Column(ARRAY(Integer), nullable=False, server_default="{}")
    dedicated_grid_ids = Column(ARRAY(Integer), nullable=False, server_default="{}")
    # A client's Idempotency-Key and a hash of what it sent: a retried POST
    # returns the stored report instead of filing a second one.
    idempotency_key = Column(String(128))
    request_hash = Column(String(64))
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    closed_at = Column(DateTime(timezone=True))

    grid = relationship("Grid")

    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint("raw_lon IS NULL OR (raw_lon = raw_lon)", name="raw_lon_not_nan"),
        Index("ix_report_location", "location", postgresql_using="gist"),
        Index("ix_report_grid_lineage", "grid_lineage", postgresql_using="gin"),
        Index("ix_report_grid_id", "grid_id"),
        Index("ix_report_status_created", "status", "created_at"),
        Index("ix_report_out_of_coverage", "created_at", postgresql_where=text("out_of_coverage")),
        Index("ix_report_district_created", "district_code", "created_at"),
        Index("uq_report_idempotency_key", "district_code", "idempotency_key", unique=True,
              postgresql_where=text("idempotency_key IS NOT NULL")),
    )
