"""Patrol sessions started and stopped by the worker; household visits (入户走访).

``patrol_session``: a worker's explicit patrol (start .. stop). At most one
open session per worker, enforced by a partial unique index so two phones
racing to start both cannot win. Sessions derived from gaps in the fixes
are computed, not stored.

``household_visit``: a worker's visit to a standard address (the library
stands for households), at most one row per (worker, address, Beijing day)
so a retried request adds nothing.

Revision ID: 0013_patrol_sessions
Revises: 0011_addresses
Create Date: 2026-11-24
"""
from alembic import op

revision = "0013_patrol_sessions"
down_revision = "0012_report_updated_idx"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE patrol_session (
          id serial CONSTRAINT pk_patrol_session PRIMARY KEY,
          district_code varchar(6) NOT NULL,
          worker_id integer NOT NULL
            CONSTRAINT fk_patrol_session_worker_id_app_user REFERENCES app_user (id) ON DELETE CASCADE,
          started_at timestamptz NOT NULL,
          stopped_at timestamptz,
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT ck_patrol_session_order CHECK (stopped_at IS NULL OR stopped_at >= started_at)
        )""")
    op.execute("CREATE UNIQUE INDEX uq_patrol_session_open ON patrol_session (worker_id) WHERE stopped_at IS NULL")
    op.execute("CREATE INDEX ix_patrol_session_worker_started ON patrol_session (worker_id, started_at)")
    op.execute("""
        CREATE TABLE household_visit (
          id bigserial CONSTRAINT pk_household_visit PRIMARY KEY,
          district_code varchar(6) NOT NULL,
          worker_id integer NOT NULL
            CONSTRAINT fk_household_visit_worker_id_app_user REFERENCES app_user (id) ON DELETE CASCADE,
          address_id bigint NOT NULL
            CONSTRAINT fk_household_visit_address_id_standard_address REFERENCES standard_address (id)
            ON DELETE CASCADE,
          visited_at timestamptz NOT NULL,
          day date NOT NULL,
          note text,
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT uq_household_visit_day UNIQUE (worker_id, address_id, day)
        )""")
    op.execute("CREATE INDEX ix_household_visit_visited_at ON household_visit (visited_at)")
    op.execute("CREATE INDEX ix_household_visit_address ON household_visit (address_id, visited_at)")


def downgrade():
    op.execute("DROP TABLE household_visit")
    op.execute("DROP TABLE patrol_session")
