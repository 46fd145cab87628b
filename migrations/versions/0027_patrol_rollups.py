"""Daily roll-ups of the patrol figures (issue 16: figures of a month in under a second).

The figures of a period were computed from the raw fixes on every request
(app/patrols/sql/worker_figures.sql, grid_figures.sql): about 10 s for a
month of the demo district. They are now summed from one row per Beijing day:

``patrol_day_version``  one row per day whose figures fixes can change; the
    ingest bumps ``version`` of the days of the fixes it stores and of the
    day after each (a fix just before midnight starts the next day's first
    segment), in the ingest's own transaction.
``patrol_rollup_state`` which version of a day each scope (``worker``,
    ``places`` or a grid level) was computed from, and on what ``basis``
    (a digest of the grids, work areas, key places and settings the figures
    depend on). A page refreshes the days whose state is missing or behind
    before it reads (app.patrols.rollup), so the figures never lag.
``patrol_day_worker``, ``patrol_day_worker_grid``, ``patrol_day_grid``,
``patrol_day_place``  the day's figures; ``crossing`` rows hold the segment
    from the worker's last fix of the day before to their first fix of this
    day, counted only when the period holds both days. Visited cells and
    workers are kept as arrays because their counts over a period are the
    size of a union, not a sum.

Revision ID: 0027_patrol_rollups
Revises: 0026_plan_guardrails
Create Date: 2026-12-07
"""
from alembic import op

revision = "0027_patrol_rollups"
down_revision = "0026_plan_guardrails"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE patrol_day_version (
          day date PRIMARY KEY,
          version bigint NOT NULL DEFAULT 1
        )""")
    op.execute("""
        CREATE TABLE patrol_rollup_state (
          day date NOT NULL,
          scope text NOT NULL,
          version bigint NOT NULL,
          basis text NOT NULL,
          computed_at timestamptz NOT NULL DEFAULT now(),
          CONSTRAINT pk_patrol_rollup_state PRIMARY KEY (day, scope)
        )""")
    op.execute("""
        CREATE TABLE patrol_day_worker (
          day date NOT NULL,
          worker_id integer NOT NULL,
          crossing boolean NOT NULL,
          fixes integer NOT NULL,
          sessions integer NOT NULL,
          seconds double precision NOT NULL,
          metres double precision NOT NULL,
          first_fix timestamptz,
          last_fix timestamptz,
          slots bigint[] NOT NULL,
          CONSTRAINT pk_patrol_day_worker PRIMARY KEY (day, worker_id, crossing)
        )""")
    op.execute("""
        CREATE TABLE patrol_day_worker_grid (
          day date NOT NULL,
          worker_id integer NOT NULL,
          grid_id integer NOT NULL,
          crossing boolean NOT NULL,
          seconds double precision NOT NULL,
          cells bigint[] NOT NULL,
          CONSTRAINT pk_patrol_day_worker_grid PRIMARY KEY (day, worker_id, grid_id, crossing)
        )""")
    op.execute("""
        CREATE TABLE patrol_day_grid (
          day date NOT NULL,
          level text NOT NULL,
          grid_id integer NOT NULL,
          crossing boolean NOT NULL,
          seconds double precision NOT NULL,
          metres double precision NOT NULL,
          workers integer[] NOT NULL,
          cells bigint[] NOT NULL,
          CONSTRAINT pk_patrol_day_grid PRIMARY KEY (day, level, grid_id, crossing)
        )""")
    op.execute("""
        CREATE TABLE patrol_day_place (
          day date NOT NULL,
          worker_id integer NOT NULL,
          place_id integer NOT NULL,
          CONSTRAINT pk_patrol_day_place PRIMARY KEY (day, worker_id, place_id)
        )""")
    # Days already holding fixes, and each next day (its first segment may start on them).
    op.execute("""
        INSERT INTO patrol_day_version (day)
        SELECT DISTINCT d FROM (
          SELECT CAST(time AT TIME ZONE 'Asia/Shanghai' AS date) AS day FROM patrol_fix GROUP BY 1) f
        CROSS JOIN LATERAL (VALUES (f.day), (f.day + 1)) v(d)""")


def downgrade():
    for table in ("patrol_day_place", "patrol_day_grid", "patrol_day_worker_grid", "patrol_day_worker",
                  "patrol_rollup_state", "patrol_day_version"):
        op.execute(f"DROP TABLE {table}")
