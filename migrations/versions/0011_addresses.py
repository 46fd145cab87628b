"""Standard address library (标准地址), estate aliases, reports that need placing by hand.

``address_library_version`` holds one number that every statement changing
the library (or its aliases) sets from a sequence; each app process compares
it with the number its in-memory geocoding index was built from. A sequence,
because nextval is never rolled back: two different libraries never share a
number, even across aborted transactions.

Revision ID: 0011_addresses
Revises: 0009_patrols
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry

revision = "0011_addresses"
down_revision = "0009_patrols"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "standard_address",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("district", sa.Text),
        sa.Column("subdistrict", sa.Text),
        sa.Column("community", sa.Text),
        sa.Column("road", sa.Text),
        sa.Column("number", sa.Text),
        sa.Column("compound", sa.Text),
        sa.Column("building", sa.Text),
        sa.Column("unit", sa.Text),
        sa.Column("full_text", sa.Text, nullable=False),
        sa.Column("norm_key", sa.Text, nullable=False),
        sa.Column("location", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("grid_id", sa.Integer, sa.ForeignKey("grid.id", ondelete="SET NULL",
                                                      name="fk_standard_address_grid_id_grid")),
        sa.Column("grid_code", sa.String(17)),
        sa.Column("generation", sa.Integer),
        sa.Column("out_of_coverage", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("source", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("district_code", "norm_key", name="uq_standard_address_key"),
    )
    op.create_index("ix_standard_address_norm_key", "standard_address", ["norm_key"])
    op.execute("CREATE INDEX ix_standard_address_location ON standard_address USING gist (location)")
    op.create_index("ix_standard_address_grid_code", "standard_address", ["grid_code"])
    op.create_index("ix_standard_address_grid_id", "standard_address", ["grid_id"])

    op.create_table(
        "address_alias",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("alias", sa.Text, nullable=False),
        sa.Column("canonical", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("district_code", "alias", name="uq_address_alias_alias"),
    )

    op.execute("CREATE SEQUENCE address_library_seq")
    op.execute("CREATE TABLE address_library_version (id integer PRIMARY KEY CHECK (id = 1), "
               "version bigint NOT NULL)")
    op.execute("INSERT INTO address_library_version VALUES (1, nextval('address_library_seq'))")
    op.execute("""
        CREATE FUNCTION gridmap_bump_address_version() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE address_library_version SET version = nextval('address_library_seq') WHERE id = 1;
          RETURN NULL;
        END $$""")
    for table in ("standard_address", "address_alias"):
        op.execute(f"CREATE TRIGGER {table}_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                   f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION gridmap_bump_address_version()")

    op.add_column("report", sa.Column("needs_placement", sa.Boolean, nullable=False, server_default="false"))
    op.execute("CREATE INDEX ix_report_needs_placement ON report (created_at) WHERE needs_placement")


def downgrade():
    op.execute("DROP INDEX ix_report_needs_placement")
    op.drop_column("report", "needs_placement")
    for table in ("standard_address", "address_alias"):
        op.execute(f"DROP TRIGGER {table}_bump_version ON {table}")
    op.execute("DROP FUNCTION gridmap_bump_address_version()")
    op.execute("DROP TABLE address_library_version")
    op.execute("DROP SEQUENCE address_library_seq")
    op.drop_table("address_alias")
    op.drop_table("standard_address")
