"""Reports (事件) as they arrive, with the grids they were assigned to on arrival."""
from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (ARRAY, BigInteger, Boolean, CheckConstraint, Column, DateTime, Float, ForeignKey, Index,
                        Integer, Numeric, String, Text, UniqueConstraint, func, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import relationship

from app.extensions import db
from app.models.category import HANDLING_LEVELS, TIME_UNITS

#: Intake channels ("多网合一").
CHANNELS = ("worker_app", "resident_app", "photo", "hotline_12345", "city_management", "walk_in", "phone")
#: The closed loop of digital city management (app.events.workflow.STATES, same order).
STATUSES = ("reported", "accepted", "dispatched", "in_progress", "handled", "verified", "closed", "cancelled",
            "returned", "suspended")
OPEN_STATUSES = ("reported", "accepted", "dispatched", "in_progress", "handled", "verified", "returned", "suspended")

#: History actions: intake (``report``), every workflow action (app.events.workflow.ACTIONS) and
#: ``place``: a person put a report that could not be geocoded on the map (app.dispatch; state unchanged).
TRANSITION_ACTIONS = ("report", "accept", "dispatch", "start", "handle", "return", "verify", "reject", "close",
                      "reopen", "extend", "escalate", "suspend", "resume", "merge", "cancel", "place",
                      "reassign", "recall", "transfer")

# Partial-index predicates, spelled as the queries that use them spell them.
OPEN_PREDICATE = "status NOT IN ('closed', 'cancelled')"
RUNNING_PREDICATE = "status IN ('dispatched', 'in_progress')"

# Ticket numbers are made in the database so COPY-based imports get them too.
TICKET_DEFAULT = text(
    "'GM' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(nextval('report_ticket_seq')::text, 8, '0')"
)


class Report(db.Model):
    __tablename__ = "report"

    id = Column(BigInteger, primary_key=True)
    # Every large table carries the district code (the future Citus distribution column).
    district_code = Column(String(6), nullable=False)
    ticket = Column(String(32), nullable=False, server_default=TICKET_DEFAULT)
    category = Column(String(8), ForeignKey("category.code", ondelete="RESTRICT"), nullable=False)
    channel = Column(String(20), nullable=False)
    description = Column(Text, nullable=False, server_default="")
    address = Column(Text)
    reporter_name = Column(Text)
    reporter_phone = Column(String(32))
    # How to reach the reporter again (Open311 email / device_id): personal data like the
    # phone, masked by gridmap_mask_email (migration 0015) for roles that do not call back.
    reporter_email = Column(Text)
    reporter_device = Column(Text)
    # Links to the reporter's photos (随手拍, Open311 media_url): http(s) only, at most 9
    # (app.reports.validation); the photos stay where the reporter's app stored them.
    media_urls = Column(ARRAY(Text), nullable=False, server_default="{}")
    location = Column(Geometry("POINT", srid=4326, spatial_index=False))
    # The coordinates exactly as sent and the system they were sent in.
    coord_crs = Column(String(16))
    raw_lon = Column(Float)
    raw_lat = Column(Float)
    status = Column(String(16), nullable=False, server_default="reported")
    out_of_coverage = Column(Boolean, nullable=False, server_default="false")
    # Came with an address and no point, and the standard address library gave no confident
    # match (app.addresses): a person places it on the map; it is never guessed.
    needs_placement = Column(Boolean, nullable=False, server_default="false")
    # A publication left its point outside its district's current grids (migration 0036): it has no
    # current grid until handed to the district whose grids cover it (point_district, NULL: none does).
    # point_district is also set on an event of another district (one filed outside every district)
    # that a district's new grids now cover. Moving the event (app.events.transfer) clears both.
    outside_district = Column(Boolean, nullable=False, server_default="false")
    point_district = Column(String(6))
    # The standard address whose point it took when the library matched its address confidently
    # on intake, and how sure that match was (migration 0017). NULL when it came with a point or
    # was placed by hand; the link goes (SET NULL) when the address leaves the library.
    address_id = Column(BigInteger, ForeignKey("standard_address.id", ondelete="SET NULL"))
    address_confidence = Column(Numeric(5, 4))
    # Assignment on arrival: the boundary generation used, the finest regular
    # grid covering the point, its lineage (district → that grid) and any
    # dedicated grids covering it.
    generation = Column(Integer)
    grid_id = Column(Integer, ForeignKey("grid.id", ondelete="RESTRICT"))
    grid_lineage = Column(ARRAY(Integer), nullable=False, server_default="{}")
    dedicated_grid_ids = Column(ARRAY(Integer), nullable=False, server_default="{}")
    # The assignment in the current boundaries when a publication changed them
    # (migration 0008): open reports are re-assigned on publish, closed ones
    # keep the grid they were handled in. NULL current_generation = the
    # assignment on arrival is still the current one.
    current_grid_id = Column(Integer, ForeignKey("grid.id", ondelete="RESTRICT"))
    current_lineage = Column(ARRAY(Integer))
    current_dedicated_ids = Column(ARRAY(Integer))
    current_generation = Column(Integer)
    # A client's Idempotency-Key and a hash of what it sent: a retried POST
    # returns the stored report instead of filing a second one. The key belongs
    # to its caller (``user:<id>`` or ``addr:<address>``, migration 0020): another
    # caller's same key neither replays this report nor blocks theirs.
    idempotency_key = Column(String(128))
    idempotency_scope = Column(String(80))
    request_hash = Column(String(64))
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    # Every change path sets it from the database clock (clock_timestamp(), read by app.dbclock): it is the
    # cursor of the dispatch desk's live feed (app.dispatch.feed), so it must be one clock and move with real time.
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    closed_at = Column(DateTime(timezone=True))
    # --- The closed loop (app.events) ---
    # The worker account handling it (a user whose area covers the event).
    assignee_id = Column(Integer, ForeignKey("app_user.id", ondelete="SET NULL"))
    handling_level = Column(String(12), nullable=False, server_default="grid")
    # The category's time limit as it was on intake: later edits apply to new events only.
    time_limit = Column(Numeric(7, 2))
    time_unit = Column(String(8))
    dispatched_at = Column(DateTime(timezone=True))
    # Dispatch time + time limit in working time; kept after handling for the on-time rate.
    deadline = Column(DateTime(timezone=True))
    # From here on the event is "due soon" (the last 20 % of the allowance, in working time).
    warn_at = Column(DateTime(timezone=True))
    handled_at = Column(DateTime(timezone=True))
    suspended_from = Column(String(16))
    suspended_at = Column(DateTime(timezone=True))
    # The event this one duplicates (merged: it is cancelled and keeps the link).
    duplicate_of = Column(BigInteger, ForeignKey("report.id", ondelete="SET NULL"))
    rework_count = Column(Integer, nullable=False, server_default="0")
    # Bumped on every transition and placement (app.dispatch.placement).
    row_version = Column(Integer, nullable=False, server_default="1")
    # SHA-256 of the random token in a resident's status link (app.resident, migration 0025);
    # NULL for reports that did not come through the residents' page.
    status_token_hash = Column(String(64))

    grid = relationship("Grid", foreign_keys=[grid_id])
    assignee = relationship("User", foreign_keys=[assignee_id])

    @property
    def area_grid_ids(self) -> list[int]:
        """Grid ids that place the report in someone's area: its current grids once a
        publication re-assigned it, else those it got on arrival (same rule as list_reports.sql)."""
        if self.current_lineage is not None:
            return [*(self.current_lineage or []), *(self.current_dedicated_ids or [])]
        return [*(self.grid_lineage or []), *(self.dedicated_grid_ids or [])]

    __table_args__ = (
        CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint("raw_lon IS NULL OR (raw_lon = raw_lon)", name="raw_lon_not_nan"),
        CheckConstraint(f"handling_level IN {HANDLING_LEVELS}", name="handling_level"),
        CheckConstraint(f"time_unit IS NULL OR time_unit IN {TIME_UNITS}", name="time_unit"),
        CheckConstraint("rework_count >= 0", name="rework_count"),
        CheckConstraint("address_confidence IS NULL OR address_confidence BETWEEN 0 AND 1",
                        name="address_confidence"),
        Index("ix_report_location", "location", postgresql_using="gist"),
        Index("ix_report_grid_lineage", "grid_lineage", postgresql_using="gin"),
        Index("ix_report_grid_id", "grid_id"),
        Index("ix_report_current_grid_id", "current_grid_id"),
        Index("ix_report_current_lineage", "current_lineage", postgresql_using="gin",
              postgresql_where=text("current_lineage IS NOT NULL")),
        Index("ix_report_status_created", "status", "created_at"),
        Index("ix_report_out_of_coverage", "created_at", postgresql_where=text("out_of_coverage")),
        Index("ix_report_needs_placement", "created_at", postgresql_where=text("needs_placement")),
        Index("ix_report_outside_district", "district_code", "created_at",
              postgresql_where=text("outside_district OR point_district IS NOT NULL")),
        Index("ix_report_district_created", "district_code", "created_at"),
        # Scope and key first: an intake probes for a retried key before it knows the district (0037).
        Index("uq_report_idempotency_key", "idempotency_scope", "idempotency_key", "district_code", unique=True,
              postgresql_where=text("idempotency_key IS NOT NULL")),
        CheckConstraint("idempotency_key IS NULL OR idempotency_scope IS NOT NULL", name="idempotency_scope"),
        Index("ix_report_assignee_open", "assignee_id", postgresql_where=text(OPEN_PREDICATE)),
        # The escalation job's scan: running clocks by deadline.
        Index("ix_report_running_deadline", "deadline", postgresql_where=text(RUNNING_PREDICATE)),
        Index("ix_report_duplicate_of", "duplicate_of", postgresql_where=text("duplicate_of IS NOT NULL")),
        # The dispatch desk's live feed: reports changed after a cursor (migration 0012).
        Index("ix_report_updated_at", "updated_at"),
        Index("ix_report_address_id", "address_id", postgresql_where=text("address_id IS NOT NULL")),
        UniqueConstraint("district_code", "ticket", name="uq_report_ticket"),
        Index("uq_report_status_token_hash", "district_code", "status_token_hash", unique=True,
              postgresql_where=text("status_token_hash IS NOT NULL")),
    )


class ReportTransition(db.Model):
    """One step of an event's history: who did what, when, from which state to which.

    Written in the same transaction as the change, from
    ``app.events.workflow.Transition.log_entry()`` (``details``); intake
    writes the first row (action ``report``, no from_state).
    """
    __tablename__ = "report_transition"

    id = Column(BigInteger, primary_key=True)
    report_id = Column(BigInteger, ForeignKey("report.id", ondelete="CASCADE"), nullable=False)
    district_code = Column(String(6), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    # The user id may outlive the user; the name as it was is kept beside it.
    actor_id = Column(Integer)
    actor = Column(Text, nullable=False)
    action = Column(String(16), nullable=False)
    from_state = Column(String(16))
    to_state = Column(String(16), nullable=False)
    note = Column(Text)
    details = Column(JSONB, nullable=False, server_default="{}")

    __table_args__ = (
        CheckConstraint(f"action IN {TRANSITION_ACTIONS}", name="action"),
        Index("ix_report_transition_report_at", "report_id", "at"),
    )
