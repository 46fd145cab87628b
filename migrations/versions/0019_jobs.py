"""Jobs: work that outlasts a request (a level import, a large CSV), and an index the level import needs.

``job`` holds one row per job: what it is (``kind``, ``params``), who asked
(``created_by``, kept as a name too), its state (queued, running, done,
failed), its progress (``progress_done`` of ``progress_total``, ``message``)
and its outcome (``result`` or ``error``, JSON). The row is the truth: any
worker process answers ``GET /api/v1/jobs/<id>`` from it. A runner holds a
session advisory lock on (JOB_LOCK_SPACE, id) while the job is queued or
running; a job in either state whose lock anyone can take has lost its
runner and is marked failed (app.jobs.runner.reap).

``ix_grid_parent_code``: the draft normalisation (app/plan/sql/normalize.sql)
asks, for every grid of a level, whether another grid names it as parent;
without this index each question scanned the grid table, and a whole level
of micro-grids took 11 s there alone.

Revision ID: 0019_jobs
Revises: 0025_resident_ticket
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019_jobs"
down_revision = "0025_resident_ticket"
branch_labels = None
depends_on = None

STATES = "state IN ('queued', 'running', 'done', 'failed')"


def upgrade():
    op.create_table(
        "job",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(8), nullable=False, server_default="queued"),
        sa.Column("params", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("progress_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("progress_total", sa.Integer),
        sa.Column("message", sa.Text),
        sa.Column("result", postgresql.JSONB),
        sa.Column("error", postgresql.JSONB),
        sa.Column("locale", sa.String(8)),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("app_user.id", ondelete="SET NULL",
                                                          name="fk_job_created_by_app_user")),
        sa.Column("created_by_name", sa.Text, nullable=False),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("runner", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(STATES, name="ck_job_state"),
        sa.CheckConstraint("progress_done >= 0", name="ck_job_progress"),
    )
    op.create_index("ix_job_created_by", "job", ["created_by", "created_at"])
    op.execute("CREATE INDEX ix_job_unfinished ON job (id) WHERE state IN ('queued', 'running')")
    op.execute("COMMENT ON TABLE job IS 'Work that outlasts a request (app.jobs): state, progress and outcome; "
               "a queued or running job is held by its runner''s advisory lock (app.jobs.runner.JOB_LOCK_SPACE, id)'")
    op.create_index("ix_grid_parent_code", "grid", ["parent_code"])


def downgrade():
    op.drop_index("ix_grid_parent_code", table_name="grid")
    op.drop_table("job")
