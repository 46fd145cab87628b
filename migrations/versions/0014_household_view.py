"""household_address: the household-level standard addresses, one definition for every query.

A household is a standard address that no other address of its district
refines: the library is kept at unit level at its finest, so units count,
and a building, door or compound without finer entries counts itself. Found
as the keys that are not a truncation of some other key (a hash anti-join),
used by the patrol figures (households visited this cycle) and the demo.

Revision ID: 0014_household_view
Revises: 0013_patrol_sessions
Create Date: 2026-11-22
"""
from alembic import op

revision = "0014_household_view"
down_revision = "0013_patrol_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE VIEW household_address AS
        WITH refined AS (
          SELECT DISTINCT b.district_code,
                 array_to_string(k.parts[1:j] || array_fill(''::text, ARRAY[5 - j]), '|') AS key
          FROM standard_address b
          CROSS JOIN LATERAL (SELECT string_to_array(b.norm_key, '|') AS parts) k
          CROSS JOIN generate_series(1, 4) j
          WHERE array_to_string(k.parts[j + 1:5], '') <> ''
        )
        SELECT a.id, a.district_code, a.grid_id, a.location, a.norm_key
        FROM standard_address a
        WHERE NOT EXISTS (SELECT 1 FROM refined r WHERE r.district_code = a.district_code AND r.key = a.norm_key)
    """)


def downgrade() -> None:
    op.execute("DROP VIEW household_address")
