"""Grid staff (网格长, 网格员, 微网格员 ...) and the grids they answer for.

Assignments are keyed by grid *code*, not row id: a grid keeps its code when
its boundary is redrawn, and its worker stays with it.
"""
from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, String, Text, Boolean, \
    UniqueConstraint, func
from sqlalchemy.orm import relationship

from app.extensions import db

STAFF_ROLES = ("grid_chief", "grid_worker", "micro_grid_chief", "micro_grid_worker", "building_head",
               "sunk_worker")
EMPLOYMENT = ("full_time", "part_time")


class Staff(db.Model):
    __tablename__ = "staff"

    id = Column(Integer, primary_key=True)
    name = Column(Text, nullable=False)
    phone = Column(String(32))
    employment = Column(String(10), nullable=False, server_default="full_time")
    district_code = Column(String(6), nullable=False)
    active = Column(Boolean, nullable=False, server_default="true")
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    assignments = relationship("StaffAssignment", back_populates="staff", cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint(f"employment IN {EMPLOYMENT}", name="employment"),)


class StaffAssignment(db.Model):
    __tablename__ = "staff_assignment"

    id = Column(Integer, primary_key=True)
    staff_id = Column(Integer, ForeignKey("staff.id", ondelete="CASCADE"), nullable=False)
    grid_code = Column(String(17), nullable=False)
    role = Column(String(20), nullable=False)
    since = Column(Date, nullable=False, server_default=func.current_date())

    staff = relationship("Staff", back_populates="assignments")

    __table_args__ = (
        CheckConstraint(f"role IN {STAFF_ROLES}", name="role"),
        UniqueConstraint("staff_id", "grid_code", "role", name="uq_staff_assignment"),
        Index("ix_staff_assignment_grid_code", "grid_code"),
    )
