"""Core tables: boundary versions, grids, staff, reports.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None

LEVELS = ("district", "subdistrict", "community", "grid", "micro")
KINDS = ("regular", "dedicated")
CHANNELS = ("worker_app", "resident_app", "photo", "hotline_12345", "city_management", "walk_in", "phone")
STATUSES = ("reported", "accepted", "dispatched", "in_progress", "handled", "verified", "closed", "cancelled")
ROLES = ("grid_chief", "grid_worker", "micro_grid_chief", "micro_grid_worker", "building_head", "sunk_worker")
CURRENT = "generation_high IS NULL AND draft_id IS NULL"


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    # btree_gist lets one exclusion constraint say "a code appears once per generation".
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")

    op.create_table(
        "boundary_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("generation", sa.Integer, unique=True),
        sa.Column("note", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("effective_date", sa.Date),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(f"status IN {VERSION_STATUSES}", name="ck_boundary_version_status"),
        sa.CheckConstraint("(status = 'draft') = (generation IS NULL)",
                           name="ck_boundary_version_generation_when_published"),
    )
    op.execute("CREATE UNIQUE INDEX uq_boundary_version_one_published ON boundary_version ((true)) "
               "WHERE status = 'published'")

    op.create_table(
        "grid",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(17), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False, server_default="regular"),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("grid.id", ondelete="RESTRICT")),
        sa.Column("parent_code", sa.String(17)),
        sa.Column("lineage", postgresql.ARRAY(sa.Integer), nullable=False, server_default="{}"),
        sa.Column("is_leaf", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("households", sa.Integer),
        sa.Column("population", sa.Integer),
        sa.Column("generation_low", sa.Integer),
        sa.Column("generation_high", sa.Integer),
        sa.Column("draft_id", sa.Integer, sa.ForeignKey("boundary_version.id", ondelete="CASCADE")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(f"level IN {LEVELS}", name="ck_grid_level"),
        sa.CheckConstraint(f"kind IN {KINDS}", name="ck_grid_kind"),
        sa.CheckConstraint("code ~ '^[0-9]{6}([0-9]{3}){0,3}([0-9]{2})?$'", name="ck_grid_code_digits"),
        sa.CheckConstraint("households IS NULL OR households >= 0", name="ck_grid_households"),
        sa.CheckConstraint("population IS NULL OR population >= 0", name="ck_grid_population"),
        sa.CheckConstraint("(draft_id IS NULL) = (generation_low IS NOT NULL)", name="ck_grid_draft_or_generation"),
        sa.CheckConstraint("generation_high IS NULL OR generation_high >= generation_low",
                           name="ck_grid_generation_range"),
    )
    op.execute("ALTER TABLE grid ADD CONSTRAINT ex_grid_code_per_generation EXCLUDE USING gist "
               "(code WITH =, int4range(generation_low, generation_high, '[]') WITH &&) "
               "WHERE (draft_id IS NULL)")
    op.execute(f"CREATE INDEX ix_grid_current_leaf_geom ON grid USING gist (geom) "
               f"WHERE {CURRENT} AND kind = 'regular' AND is_leaf")
    op.execute(f"CREATE INDEX ix_grid_current_dedicated_geom ON grid USING gist (geom) "
               f"WHERE {CURRENT} AND kind = 'dedicated'")
    op.execute("CREATE INDEX ix_grid_geom ON grid USING gist (geom)")
    op.execute(f"CREATE UNIQUE INDEX uq_grid_current_code ON grid (code) WHERE {CURRENT}")
    op.create_index("ix_grid_parent_id", "grid", ["parent_id"])
    op.create_index("ix_grid_level_code", "grid", ["level", "code"])
    op.create_index("ix_grid_draft_id", "grid", ["draft_id"])

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("phone", sa.String(32)),
        sa.Column("employment", sa.String(10), nullable=False, server_default="full_time"),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("employment IN ('full_time', 'part_time')", name="ck_staff_employment"),
    )
    op.create_table(
        "staff_assignment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
        sa.Column("grid_code", sa.String(17), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("since", sa.Date, nullable=False, server_default=sa.func.current_date()),
        sa.CheckConstraint(f"role IN {ROLES}", name="ck_staff_assignment_role"),
        sa.UniqueConstraint("staff_id", "grid_code", "role", name="uq_staff_assignment"),
    )
    op.create_index("ix_staff_assignment_grid_code", "staff_assignment", ["grid_code"])

    op.execute("CREATE SEQUENCE report_ticket_seq")
    op.create_table(
        "report",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("ticket", sa.String(32), nullable=False, unique=True, server_default=sa.text(
            "'GM' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || "
            "lpad(nextval('report_ticket_seq')::text, 8, '0')")),
        sa.Column("category", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.Text),
        sa.Column("reporter_name", sa.Text),
        sa.Column("reporter_phone", sa.String(32)),
        sa.Column("location", Geometry("POINT", srid=4326, spatial_index=False)),
        sa.Column("coord_crs", sa.String(16)),
        sa.Column("raw_lon", sa.Float),
        sa.Column("raw_lat", sa.Float),
        sa.Column("status", sa.String(16), nullable=False, server_default="reported"),
        sa.Column("out_of_coverage", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("generation", sa.Integer),
        sa.Column("grid_id", sa.Integer, sa.ForeignKey("grid.id", ondelete="RESTRICT")),
        sa.Column("grid_lineage", postgresql.ARRAY(sa.Integer), nullable=False, server_default="{}"),
        sa.Column("dedicated_grid_ids", postgresql.ARRAY(sa.Integer), nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(f"channel IN {CHANNELS}", name="ck_report_channel"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_report_status"),
        sa.CheckConstraint("raw_lon IS NULL OR (raw_lon = raw_lon)", name="ck_report_raw_lon_not_nan"),
    )
    op.execute("CREATE INDEX ix_report_location ON report USING gist (location)")
    op.execute("CREATE INDEX ix_report_grid_lineage ON report USING gin (grid_lineage)")
    op.create_index("ix_report_grid_id", "report", ["grid_id"])
    op.create_index("ix_report_status_created", "report", ["status", "created_at"])
    op.execute("CREATE INDEX ix_report_out_of_coverage ON report (created_at) WHERE out_of_coverage")
    op.create_index("ix_report_district_created", "report", ["district_code", "created_at"])


VERSION_STATUSES = ("draft", "published", "retired")


def downgrade():
    op.drop_table("report")
    op.execute("DROP SEQUENCE IF EXISTS report_ticket_seq")
    op.drop_table("staff_assignment")
    op.drop_table("staff")
    op.drop_table("grid")
    op.drop_table("boundary_version")
