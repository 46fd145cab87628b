"""Event categories (事件类别) in the GB/T 30428.2 style, with their handling rules.

A code is a 2-digit big class (大类) + a 2-digit small class (小类). Each
category carries the rules an event gets on intake: its time limit (working
hours or working days, counted from dispatch), the level that handles it by
default, and the radius within which an open event of the same category is
offered as a possible duplicate. Administrators edit them; an event keeps the
rules it was filed with (they are copied onto the report on intake), so an
edit applies to new events only.
"""
from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Column, DateTime, Integer, Numeric, String, Text, func

from app.extensions import db

#: Handling levels, lowest first: the escalation chain (app.events.workflow.LEVELS).
HANDLING_LEVELS = ("grid", "community", "subdistrict", "department")
#: How a time limit is counted (app.events.calendar): working hours, or whole working days.
TIME_UNITS = ("hours", "days")
#: Largest duplicate radius an administrator may set (metres); 0 turns detection off.
MAX_DUPLICATE_RADIUS_M = 5000


class Category(db.Model):
    __tablename__ = "category"

    code = Column(String(8), primary_key=True)
    big_class = Column(String(2), nullable=False)
    small_class = Column(String(2), nullable=False)
    # English msgids (translated when shown); the catalogue has the seeded ones.
    label = Column(Text, nullable=False)
    big_class_label = Column(Text, nullable=False)
    color = Column(String(7), nullable=False)
    time_limit = Column(Numeric(7, 2), nullable=False)
    time_unit = Column(String(8), nullable=False)
    handling_level = Column(String(12), nullable=False, server_default="grid")
    duplicate_radius_m = Column(Integer, nullable=False, server_default="50")
    # An inactive category is refused for new events; old events keep it.
    active = Column(Boolean, nullable=False, server_default="true")
    # Bumped on every edit: an editor holding an old version gets a 409.
    row_version = Column(Integer, nullable=False, server_default="1")
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        CheckConstraint("big_class ~ '^[0-9]{2}$' AND small_class ~ '^[0-9]{2}$' "
                        "AND code = big_class || small_class", name="code"),
        CheckConstraint("time_limit > 0", name="time_limit_positive"),
        CheckConstraint(f"time_unit IN {TIME_UNITS}", name="time_unit"),
        CheckConstraint("time_unit <> 'days' OR time_limit = trunc(time_limit)", name="whole_days"),
        CheckConstraint(f"handling_level IN {HANDLING_LEVELS}", name="handling_level"),
        CheckConstraint(f"duplicate_radius_m BETWEEN 0 AND {MAX_DUPLICATE_RADIUS_M}", name="duplicate_radius"),
        CheckConstraint("color ~ '^#[0-9a-fA-F]{6}$'", name="color"),
    )
