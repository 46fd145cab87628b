"""Patrols: GPS fixes partitioned by day, rejected fixes, key places, grid cell cache.

``patrol_fix`` is append-only and sized for a city (~29 million fixes a day):
range-partitioned by ``time`` with one partition per Beijing day, created on
demand by ``gridmap_patrol_partition(day)`` (the ingest path calls it for the
days a batch touches), BRIN on ``time`` and a unique btree on
``(worker_id, time)`` in every partition, which makes a retried batch a no-op
(``INSERT ... ON CONFLICT DO NOTHING``). Old partitions are detached with
``flask patrols partitions --detach-before DATE``.

Fixes the checks reject go to ``patrol_fix_rejected`` with their reason and
what was sent: kept out of the figures, never dropped silently.

Revision ID: 0009_patrols
Revises: 0008_plan
Create Date: 2026-11-22
"""
from alembic import op

revision = "0009_patrols"
down_revision = "0008_plan"
branch_labels = None
depends_on = None


def upgrade():
    # No foreign key to app_user: a per-row FK trigger would roughly halve the
    # COPY-based ingest rate; the ingest path only writes ids of existing users.
    op.execute("""
        CREATE TABLE patrol_fix (
          district_code varchar(6) NOT NULL,
          worker_id integer NOT NULL,
          time timestamptz NOT NULL,
          geom geometry(Point, 4326) NOT NULL,
          accuracy real,
          CONSTRAINT pk_patrol_fix PRIMARY KEY (worker_id, time)
        ) PARTITION BY RANGE (time)""")
    op.execute("CREATE INDEX ix_patrol_fix_time ON patrol_fix USING brin (time)")
    # One partition per Beijing day. Two sessions creating the same day's
    # partition: the second waits on the advisory lock, then finds it there.
    op.execute(r"""
        CREATE FUNCTION gridmap_patrol_partition(day date) RETURNS text
        LANGUAGE plpgsql AS $$
        DECLARE
          part text := 'patrol_fix_p' || to_char(day, 'YYYYMMDD');
        BEGIN
          IF to_regclass(part) IS NULL THEN
            PERFORM pg_advisory_xact_lock(hashtext('gridmap_patrol_partition'));
            IF to_regclass(part) IS NULL THEN
              EXECUTE format('CREATE TABLE %I PARTITION OF patrol_fix FOR VALUES FROM (%L) TO (%L)', part,
                             day::timestamp AT TIME ZONE 'Asia/Shanghai',
                             (day + 1)::timestamp AT TIME ZONE 'Asia/Shanghai');
            END IF;
          END IF;
          RETURN part;
        END $$""")
    op.execute("""
        CREATE TABLE patrol_fix_rejected (
          id bigserial CONSTRAINT pk_patrol_fix_rejected PRIMARY KEY,
          district_code varchar(6) NOT NULL,
          worker_id integer NOT NULL,
          time timestamptz,
          reason varchar(24) NOT NULL,
          params jsonb NOT NULL DEFAULT '{}',
          sent jsonb NOT NULL DEFAULT '{}',
          fingerprint char(32) NOT NULL,
          received_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT uq_patrol_fix_rejected_fingerprint UNIQUE (worker_id, fingerprint)
        )""")
    op.execute("CREATE INDEX ix_patrol_fix_rejected_received_at ON patrol_fix_rejected USING brin (received_at)")
    op.execute("CREATE INDEX ix_patrol_fix_rejected_worker_time ON patrol_fix_rejected (worker_id, time)")
    op.execute("""
        CREATE TABLE patrol_place (
          id serial CONSTRAINT pk_patrol_place PRIMARY KEY,
          district_code varchar(6) NOT NULL,
          code varchar(32) NOT NULL,
          name text NOT NULL,
          kind varchar(24) NOT NULL,
          geom geometry(Point, 4326) NOT NULL,
          radius_m real NOT NULL DEFAULT 50,
          visits_per_week real NOT NULL DEFAULT 1,
          active boolean NOT NULL DEFAULT true,
          created_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT uq_patrol_place_code UNIQUE (district_code, code),
          CONSTRAINT ck_patrol_place_radius CHECK (radius_m > 0 AND radius_m <= 1000),
          CONSTRAINT ck_patrol_place_target CHECK (visits_per_week >= 0)
        )""")
    op.execute("CREATE INDEX ix_patrol_place_geom ON patrol_place USING gist (geom)")
    # The 50 m cells of a grid (geo.patrol.visited_cells), computed once per
    # grid row: a grid row never changes shape (a redrawn grid is a new row).
    op.execute("""
        CREATE TABLE patrol_grid_cellset (
          grid_id integer NOT NULL
            CONSTRAINT fk_patrol_grid_cellset_grid_id_grid REFERENCES grid (id) ON DELETE CASCADE,
          cell_m real NOT NULL,
          proj text NOT NULL,
          total integer NOT NULL,
          CONSTRAINT pk_patrol_grid_cellset PRIMARY KEY (grid_id, cell_m)
        )""")
    op.execute("""
        CREATE TABLE patrol_grid_cell (
          -- No foreign key (a trigger per cell would double the cost of cutting a grid):
          -- cells_fill.sql clears a grid's cells before cutting it again.
          grid_id integer NOT NULL,
          cell_m real NOT NULL,
          i integer NOT NULL,
          j integer NOT NULL,
          part geometry NOT NULL,
          CONSTRAINT pk_patrol_grid_cell PRIMARY KEY (grid_id, cell_m, i, j)
        )""")


def downgrade():
    op.execute("DROP TABLE patrol_grid_cell")
    op.execute("DROP TABLE patrol_grid_cellset")
    op.execute("DROP TABLE patrol_place")
    op.execute("DROP TABLE patrol_fix_rejected")
    op.execute("DROP FUNCTION gridmap_patrol_partition(date)")
    op.execute("DROP TABLE patrol_fix")
