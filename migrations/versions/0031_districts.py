"""Many districts in one deployment (issue 19): the district table, and the district of every grid,
boundary version and user.

Until now one deployment served one district (GRIDMAP_DISTRICT_CODE) and only the large tables carried
its code. A city runs a dozen districts in one GridMap: each has its own boundary versions and grids,
and each person belongs to a district or (district_code NULL) to the city. The existing district is
written into the table from the configuration, with the name of its root grid when there is one, and
every existing grid, version and user is given to it, so a single-district install keeps working.

The new columns default to that district for now: the code paths that insert grids, versions and users
name the district explicitly as they learn about more than one (later migrations drop the defaults).

Revision ID: 0031_districts
Revises: 0030_grid_staff
Create Date: 2026-12-07
"""
import importlib

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0031_districts"
down_revision = "0030_grid_staff"
branch_labels = None
depends_on = None


def _grid_current(replace: bool) -> None:
    """The view as migration 0026 defines it, with the columns grid has now."""
    guardrails = importlib.import_module("migrations.versions.0026_plan_guardrails")
    guardrails._grid_current(replace)


def upgrade():
    code = current_app.config["DISTRICT_CODE"]
    op.create_table(
        "district",
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        # The prefecture-level city (GB/T 2260, e.g. 410100 郑州市) whose centre may dispatch across districts.
        sa.Column("city_code", sa.String(6)),
        # Per-district settings: address prefixes, base map tiles, working calendar file.
        sa.Column("settings", sa.dialects.postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("code ~ '^[1-9][0-9]{5}$'", name="ck_district_code"),
        sa.CheckConstraint("city_code IS NULL OR city_code ~ '^[1-9][0-9]{3}00$'", name="ck_district_city_code"),
    )
    op.execute(sa.text("""
        INSERT INTO district (code, name, city_code)
        SELECT :code,
               coalesce((SELECT name FROM grid WHERE code = :code AND level = 'district'
                         ORDER BY generation_high IS NULL DESC, id DESC LIMIT 1), :code),
               substr(:code, 1, 4) || '00'
    """).bindparams(code=code))
    for table, nullable in (("grid", False), ("boundary_version", False), ("app_user", True)):
        op.add_column(table, sa.Column("district_code", sa.String(6), server_default=code))
        op.execute(f"UPDATE {table} SET district_code = '{code}' WHERE district_code IS NULL")
        if not nullable:
            op.alter_column(table, "district_code", nullable=False)
        op.create_foreign_key(f"fk_{table}_district", table, "district", ["district_code"], ["code"],
                              ondelete="RESTRICT")
    op.create_index("ix_grid_district", "grid", ["district_code"])
    # The one definition of "current grid" (0023) lists grid's columns: it must name the new one too.
    _grid_current(replace=True)
    op.execute("COMMENT ON COLUMN app_user.district_code IS "
               "'The district a user belongs to; NULL: the city (city roles see every district)'")


def downgrade():
    # A view's columns cannot be dropped by CREATE OR REPLACE: recreate it as 0023 made it.
    op.execute("DROP VIEW grid_current")
    op.drop_index("ix_grid_district", "grid")
    for table in ("app_user", "boundary_version", "grid"):
        op.drop_constraint(f"fk_{table}_district", table, type_="foreignkey")
        op.drop_column(table, "district_code")
    op.drop_table("district")
    _grid_current(replace=False)
