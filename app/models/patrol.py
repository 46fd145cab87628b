"""Patrol GPS fixes, the fixes the checks rejected, and key places (重点场所).

``patrol_fix`` is range-partitioned by day (migration 0009_patrols); the ORM
mapping is for reading and tests, writes go through COPY and
``INSERT ... SELECT`` in ``app.patrols.ingest``. A worker is an ``app_user``
(role worker): ``worker_id`` is the user's id.
"""
from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Column, Date, DateTime, Float, ForeignKey, Index,
                        Integer, String, Text, UniqueConstraint, func, text)
from sqlalchemy.dialects.postgresql import JSONB

from app.extensions import db

#: Kinds of key places, from the seeds' inspection lists.
PLACE_KINDS = ("school", "market", "construction_site", "hospital", "elderly_home", "gas_station", "enterprise",
               "community_centre", "other")


class PatrolFix(db.Model):
    __tablename__ = "patrol_fix"

    # Every large table carries the district code (the future Citus distribution column).
    district_code = Column(String(6), nullable=False)
    worker_id = Column(Integer, primary_key=True)
    time = Column(DateTime(timezone=True), primary_key=True)
    geom = Column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    accuracy = Column(Float(precision=24))

    __table_args__ = (
        Index("ix_patrol_fix_time", "time", postgresql_using="brin"),
        {"postgresql_partition_by": "RANGE (time)"},
    )


class PatrolFixRejected(db.Model):
    """A fix the checks refused: its reason, the reason's params and the fix as sent."""
    __tablename__ = "patrol_fix_rejected"

    id = Column(BigInteger, primary_key=True)
    district_code = Column(String(6), nullable=False)
    worker_id = Column(Integer, nullable=False)
    time = Column(DateTime(timezone=True))
    reason = Column(String(24), nullable=False)
    params = Column(JSONB, nullable=False, server_default="{}")
    sent = Column(JSONB, nullable=False, server_default="{}")
    # md5 of reason + the fix as sent: a retried batch adds no second row.
    fingerprint = Column(String(32), nullable=False)
    received_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        UniqueConstraint("district_code", "worker_id", "fingerprint", name="uq_patrol_fix_rejected_fingerprint"),
        Index("ix_patrol_fix_rejected_received_at", "received_at", postgresql_using="brin"),
        Index("ix_patrol_fix_rejected_worker_time", "worker_id", "time"),
    )


class PatrolPlace(db.Model):
    """A key place (school, market, construction site ...) with a visit target."""
    __tablename__ = "patrol_place"

    id = Column(Integer, primary_key=True)
    district_code = Column(String(6), nullable=False)
    code = Column(String(32), nullable=False)
    name = Column(Text, nullable=False)
    kind = Column(String(24), nullable=False)
    geom = Column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    # A fix within this distance counts as a visit on its day.
    radius_m = Column(Float(precision=24), nullable=False, server_default="50")
    visits_per_week = Column(Float(precision=24), nullable=False, server_default="1")
    active = Column(Boolean, nullable=False, server_default="true")
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        UniqueConstraint("district_code", "code", name="uq_patrol_place_code"),
        CheckConstraint("radius_m > 0 AND radius_m <= 1000", name="radius"),
        CheckConstraint("visits_per_week >= 0", name="target"),
        Index("ix_patrol_place_geom", "geom", postgresql_using="gist"),
    )


class PatrolSession(db.Model):
    """A patrol the worker started (and stopped) on their phone; migration 0013_patrol_sessions.

    ``stopped_at`` is None while it runs; one open session per worker (partial unique index).
    """
    __tablename__ = "patrol_session"

    id = Column(Integer, primary_key=True)
    district_code = Column(String(6), nullable=False)
    worker_id = Column(Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False)
    started_at = Column(DateTime(timezone=True), nullable=False)
    stopped_at = Column(DateTime(timezone=True))
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        CheckConstraint("stopped_at IS NULL OR stopped_at >= started_at", name="order"),
        Index("uq_patrol_session_open", "district_code", "worker_id", unique=True, postgresql_where=text("stopped_at IS NULL")),
        Index("ix_patrol_session_worker_started", "worker_id", "started_at"),
    )


class HouseholdVisit(db.Model):
    """A worker's visit to a household-level standard address (入户走访), one per worker, address and day."""
    __tablename__ = "household_visit"

    id = Column(BigInteger, primary_key=True)
    district_code = Column(String(6), nullable=False)
    worker_id = Column(Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False)
    address_id = Column(BigInteger, ForeignKey("standard_address.id", ondelete="CASCADE"), nullable=False)
    visited_at = Column(DateTime(timezone=True), nullable=False)
    day = Column(Date, nullable=False)  # Beijing day of visited_at
    note = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        UniqueConstraint("district_code", "worker_id", "address_id", "day", name="uq_household_visit_day"),
        Index("ix_household_visit_visited_at", "visited_at"),
        Index("ix_household_visit_address", "address_id", "visited_at"),
    )
