"""Sessions that end, sign-in lockout, rate-limit counters shared by every worker,
Idempotency-Keys scoped to their caller (issue 20, items 5, 9, 10 and 11).

- ``app_user.session_version``: part of every session and remember-me cookie
  (app.auth.sessions); bumping it ends them all at once.
- ``login_lockout``: failed sign-ins per user name (known or not) and the
  back-off lock they earned (app.auth.lockout).
- ``rate_limit_counter``: the fixed-window counters of Flask-Limiter
  (app.rate_limits). UNLOGGED: counters are worth no WAL, and a crash that
  empties them only gives every caller a fresh window.
- ``report.idempotency_scope``: who may replay a key (``user:<id>`` or
  ``addr:<address>``); keys are unique per district and scope. Keys stored
  before this migration get the scope ``legacy``: nobody can replay them any more
  (their retries are long over) and they block nobody.

Revision ID: 0020_auth_sessions
Revises: 0023_grid_rules
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa

revision = "0020_auth_sessions"
down_revision = "0023_grid_rules"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("app_user", sa.Column("session_version", sa.Integer, nullable=False, server_default="0"))

    op.create_table(
        "login_lockout",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.CheckConstraint("failures >= 0", name="ck_login_lockout_failures"),
    )
    op.create_index("ix_login_lockout_last_failure_at", "login_lockout", ["last_failure_at"])
    op.execute("COMMENT ON TABLE login_lockout IS 'Failed sign-ins per lower-cased user name (existing or not) "
               "and the back-off lock they earned; a successful sign-in or an administrator removes the row "
               "(app.auth.lockout).'")

    op.execute("""
        CREATE UNLOGGED TABLE rate_limit_counter (
          key text PRIMARY KEY,
          hits bigint NOT NULL,
          expires_at timestamptz NOT NULL
        )""")
    op.execute("CREATE INDEX ix_rate_limit_counter_expires_at ON rate_limit_counter (expires_at)")
    op.execute("COMMENT ON TABLE rate_limit_counter IS 'Fixed-window rate-limit counters shared by every "
               "GridMap worker (app.rate_limits); a row past expires_at counts as zero.'")

    op.add_column("report", sa.Column("idempotency_scope", sa.String(80)))
    op.execute("UPDATE report SET idempotency_scope = 'legacy' WHERE idempotency_key IS NOT NULL")
    op.create_check_constraint("ck_report_idempotency_scope", "report",
                               "idempotency_key IS NULL OR idempotency_scope IS NOT NULL")
    op.execute("DROP INDEX uq_report_idempotency_key")
    op.execute("CREATE UNIQUE INDEX uq_report_idempotency_key ON report "
               "(district_code, idempotency_scope, idempotency_key) WHERE idempotency_key IS NOT NULL")


def downgrade():
    op.execute("DROP INDEX uq_report_idempotency_key")
    # Two callers may have used one key meanwhile: the older report keeps it, the
    # others lose only the ability to be replayed (no report is deleted).
    op.execute("""
        UPDATE report r SET idempotency_key = NULL, request_hash = NULL
        FROM (SELECT id, row_number() OVER (PARTITION BY district_code, idempotency_key ORDER BY id) AS n
              FROM report WHERE idempotency_key IS NOT NULL) d
        WHERE d.id = r.id AND d.n > 1""")
    op.execute("CREATE UNIQUE INDEX uq_report_idempotency_key ON report (district_code, idempotency_key) "
               "WHERE idempotency_key IS NOT NULL")
    op.drop_constraint("ck_report_idempotency_scope", "report", type_="check")
    op.drop_column("report", "idempotency_scope")
    op.execute("DROP TABLE rate_limit_counter")
    op.drop_table("login_lockout")
    op.drop_column("app_user", "session_version")
