"""Boundary versions and the grids they contain.

Versions work like MapIt generations. Publishing a version gives it the next
*generation* number; a grid row is valid for the generations
``[generation_low, generation_high]`` (``generation_high`` NULL = still
current). A grid whose boundary does not change keeps its row, and so its id,
across generations; a reshaped grid gets a new row with the same code. Rows
that exist only in an unpublished draft carry ``draft_id`` instead of a
generation range.
"""
from __future__ import annotations


from geoalchemy2 import Geometry
from sqlalchemy import (ARRAY, CheckConstraint, Column, Date, DateTime, Float, ForeignKey, Index, Integer, String,
                        Text, Boolean, UniqueConstraint, func, select, text)
from sqlalchemy.dialects.postgresql import ARRAY as PG_ARRAY, JSONB
from sqlalchemy.orm import relationship

from app.extensions import db
from app.models.district import default_district_code
from geo.hierarchy import KINDS, LEVELS

VERSION_STATUSES = ("draft", "scheduled", "published", "retired")
#: Versions whose grid rows are still a draft's own rows (``draft_id``): a scheduled version is a
#: validated draft waiting for its effective date (migration 0026).
PENDING_STATUSES = ("draft", "scheduled")


class BoundaryVersion(db.Model):
    __tablename__ = "boundary_version"

    id = Column(Integer, primary_key=True)
    name = Column(Text, nullable=False)
    status = Column(String(16), nullable=False, server_default="draft")
    generation = Column(Integer)
    note = Column(Text)
    author = Column(Text)
    effective_date = Column(Date)
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    published_at = Column(DateTime(timezone=True))
    retired_at = Column(DateTime(timezone=True))
    # A draft shares the rows of the generation it was opened on (copy-on-write, see Grid).
    base_generation = Column(Integer)
    # Bumped by every change to a draft; a client sends the one it saw (lost update -> 409).
    row_version = Column(Integer, nullable=False, server_default="1")
    author_id = Column(Integer, ForeignKey("app_user.id", ondelete="SET NULL"))
    # Each district has its own versions, drafts and publications (migration 0031).
    district_code = Column(String(6), ForeignKey("district.code", ondelete="RESTRICT"), nullable=False,
                           default=default_district_code)
    # Scheduled publication (migration 0026): who scheduled it, when, and why a due one failed.
    scheduled_at = Column(DateTime(timezone=True))
    scheduled_by = Column(Text)
    scheduled_by_id = Column(Integer, ForeignKey("app_user.id", ondelete="SET NULL"))
    schedule_error = Column(Text)
    # The last validation of a draft with the default thresholds, for the row_version it is for.
    validation = Column(JSONB)
    validation_row_version = Column(Integer)

    __table_args__ = (
        CheckConstraint(f"status IN {VERSION_STATUSES}", name="status"),
        CheckConstraint("(status IN ('draft', 'scheduled')) = (generation IS NULL)", name="generation_when_published"),
        # Generations are numbered per district (migration 0032).
        UniqueConstraint("district_code", "generation", name="uq_boundary_version_generation"),
        # At most one published version per district: lookups and assignment need exactly one answer.
        Index("uq_boundary_version_one_published", "district_code", unique=True,
              postgresql_where=text("status = 'published'")),
        Index("ix_boundary_version_scheduled", "effective_date", postgresql_where=text("status = 'scheduled'")),
    )

    def to_dict(self) -> dict:
        return version_dict(self)


#: The columns of :func:`version_dict`, for SQL that reads a version with its answer (lookup/point_answer.sql).
VERSION_FIELDS = ("id", "name", "status", "generation", "district_code", "note", "author", "effective_date",
                  "published_at", "scheduled_at")


def version_dict(v) -> dict:
    """A version as the API shows it; ``v``: a BoundaryVersion, or anything with its fields as attributes."""
    return {
        "id": v.id, "name": v.name, "status": v.status, "generation": v.generation,
        "district_code": v.district_code,
        "note": v.note, "author": v.author,
        "effective_date": v.effective_date.isoformat() if v.effective_date else None,
        "published_at": v.published_at.isoformat() if v.published_at else None,
        "scheduled_at": v.scheduled_at.isoformat() if v.scheduled_at else None,
    }


def published_version(district_code: str | None = None) -> BoundaryVersion | None:
    """The one published version of a district (a unique index allows no second; default: the
    deployment's district, GRIDMAP_DISTRICT_CODE), or None when it has none yet.

    Here, below every feature, because grids, addresses and reports all assign to it.
    """
    return db.session.scalars(select(BoundaryVersion).where(
        BoundaryVersion.status == "published",
        BoundaryVersion.district_code == (district_code or default_district_code()))).first()


def next_generation(district_code: str) -> int:
    """The generation a district's next publication gets: generations are numbered per district."""
    return (db.session.scalar(select(func.max(BoundaryVersion.generation))
                              .where(BoundaryVersion.district_code == district_code)) or 0) + 1


class Grid(db.Model):
    __tablename__ = "grid"

    id = Column(Integer, primary_key=True)
    code = Column(String(17), nullable=False)
    name = Column(Text, nullable=False)
    level = Column(String(12), nullable=False)
    district_code = Column(String(6), ForeignKey("district.code", ondelete="RESTRICT"), nullable=False,
                           default=default_district_code)
    kind = Column(String(10), nullable=False, server_default="regular")
    parent_id = Column(Integer, ForeignKey("grid.id", ondelete="RESTRICT"))
    parent_code = Column(String(17))
    # Ids of the regular ancestors from the district down to this grid (for a
    # dedicated grid: its parent's lineage). lineage[3] is the community, etc.
    lineage = Column(ARRAY(Integer), nullable=False, server_default="{}")
    # A regular grid with no regular children: what a point is assigned to.
    is_leaf = Column(Boolean, nullable=False, server_default="true")
    geom = Column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False)
    area_m2 = Column(Float, nullable=False)
    households = Column(Integer)
    population = Column(Integer)
    generation_low = Column(Integer)
    generation_high = Column(Integer)
    draft_id = Column(Integer, ForeignKey("boundary_version.id", ondelete="CASCADE"))
    # Copy-on-write drafts (migration 0008): the drafts in which this published
    # row has been replaced or removed. It stays shared with every other draft.
    ended_in_drafts = Column(PG_ARRAY(Integer), nullable=False, server_default="{}")
    # Codes (in the version the grid was drafted from) that a split, merged or
    # moved grid replaces.
    predecessors = Column(PG_ARRAY(String(17)), nullable=False, server_default="{}")
    # The planner allowed this grid to lie in separate pieces (migration 0026).
    exclave = Column(Boolean, nullable=False, server_default="false")
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    parent = relationship("Grid", remote_side=[id])

    __table_args__ = (
        CheckConstraint(f"level IN {LEVELS}", name="level"),
        CheckConstraint(f"kind IN {KINDS}", name="kind"),
        CheckConstraint("code ~ '^[0-9]{6}([0-9]{3}){0,3}([0-9]{2})?$'", name="code_digits"),
        CheckConstraint("households IS NULL OR households >= 0", name="households"),
        CheckConstraint("population IS NULL OR population >= 0", name="population"),
        CheckConstraint("(draft_id IS NULL) = (generation_low IS NOT NULL)", name="draft_or_generation"),
        CheckConstraint("generation_high IS NULL OR generation_high >= generation_low", name="generation_range"),
        # The hot path: which current leaf covers this point.
        Index("ix_grid_current_leaf_geom", "geom", postgresql_using="gist",
              postgresql_where=text("generation_high IS NULL AND draft_id IS NULL AND kind = 'regular' AND is_leaf")),
        Index("ix_grid_current_dedicated_geom", "geom", postgresql_using="gist",
              postgresql_where=text("generation_high IS NULL AND draft_id IS NULL AND kind = 'dedicated'")),
        Index("ix_grid_current_root_geom", "geom", postgresql_using="gist",
              postgresql_where=text("generation_high IS NULL AND draft_id IS NULL AND kind = 'regular' "
                                    "AND parent_id IS NULL")),
        Index("ix_grid_geom", "geom", postgresql_using="gist"),
        Index("uq_grid_current_code", "code", unique=True,
              postgresql_where=text("generation_high IS NULL AND draft_id IS NULL")),
        Index("ix_grid_parent_id", "parent_id"),
        Index("ix_grid_level_code", "level", "code"),
        Index("ix_grid_draft_id", "draft_id"),
        Index("uq_grid_draft_code", "draft_id", "code", unique=True, postgresql_where=text("draft_id IS NOT NULL")),
        Index("ix_grid_ended_in_drafts", "ended_in_drafts", postgresql_using="gin",
              postgresql_where=text("ended_in_drafts <> '{}'")),
        Index("ix_grid_code_prefix", "code", postgresql_ops={"code": "text_pattern_ops"}),
        # Which grids name this one as parent (draft normalisation; migration 0019).
        Index("ix_grid_parent_code", "parent_code"),
    )

    @property
    def is_current(self) -> bool:
        return self.draft_id is None and self.generation_high is None


OPERATION_KINDS = ("reshape", "split", "merge", "move", "import", "move_buildings", "exclave")


class DraftOperation(db.Model):
    """One edit of a draft, with what it changed: the undo/redo log.

    ``before`` and ``after`` hold the affected grids (by code, geometry as
    WKB hex) as the draft had them before and after the edit; undo writes
    ``before`` back, redo ``after``. ``state`` is "undone" for edits that can
    be redone; a new edit drops them.
    """

    __tablename__ = "draft_operation"

    id = Column(Integer, primary_key=True)
    draft_id = Column(Integer, ForeignKey("boundary_version.id", ondelete="CASCADE"), nullable=False)
    seq = Column(Integer, nullable=False)
    kind = Column(String(16), nullable=False)
    state = Column(String(8), nullable=False, server_default="done")
    params = Column(JSONB, nullable=False, server_default="{}")
    summary = Column(JSONB, nullable=False, server_default="{}")
    before = Column(JSONB, nullable=False, server_default="{}")
    after = Column(JSONB, nullable=False, server_default="{}")
    # What the edit was made from when params cannot make it again (an import's features): for rebase.
    source = Column(JSONB)
    actor_id = Column(Integer)
    actor = Column(Text, nullable=False)
    at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    __table_args__ = (
        CheckConstraint("state IN ('done', 'undone')", name="state"),
        CheckConstraint(f"kind IN {OPERATION_KINDS}", name="kind"),
        UniqueConstraint("draft_id", "seq", name="uq_draft_operation_draft_id"),
    )

    def to_dict(self) -> dict:
        return {"id": self.id, "seq": self.seq, "kind": self.kind, "state": self.state, "params": self.params,
                "summary": self.summary, "actor": self.actor, "at": self.at.isoformat() if self.at else None}
