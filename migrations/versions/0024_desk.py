"""The dispatcher's shift: one overdue rule, reassign and recall, per-user desk preferences.

- ``gridmap_deadline_state(status, deadline, warn_at, handled_at, at)``: the one
  definition of where an event stands against its handling deadline. While the
  clock runs (dispatched, in progress): ``overdue`` past the deadline,
  ``due_soon`` from ``warn_at``, else ``on_time``. Once handled (handled,
  verified, closed): ``handled_late`` or ``on_time``. Otherwise none. "Overdue"
  therefore means a clock still running past its deadline, on the home page,
  the desk, the figures, the maps and the escalation job alike; an event that
  was finished late is ``handled_late``, never "overdue now".
- ``report_transition.action`` accepts ``reassign`` (改派: the centre hands a
  dispatched case to another worker) and ``recall`` (撤回: the centre takes it
  back to the desk), app.events.workflow.
- ``app_user.preferences``: what a user chose for themselves (e.g. the desk's
  new-event chime), kept on the server so it follows them between machines.

Revision ID: 0024_desk
Revises: 0019_jobs
Create Date: 2026-12-10
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0024_desk"
down_revision = "0019_jobs"
branch_labels = None
depends_on = None

OLD_ACTIONS = ("report", "accept", "dispatch", "start", "handle", "return", "verify", "reject", "close", "reopen",
               "extend", "escalate", "suspend", "resume", "merge", "cancel", "place")
NEW_ACTIONS = OLD_ACTIONS + ("reassign", "recall")
#: As 0007_events created it (the naming convention doubled the prefix).
CHECK = "ck_report_transition_ck_report_transition_action"

DEADLINE_STATE = """
CREATE FUNCTION gridmap_deadline_state(status text, deadline timestamptz, warn_at timestamptz,
                                       handled_at timestamptz, at timestamptz)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN deadline IS NULL THEN NULL
    WHEN status IN ('dispatched', 'in_progress') THEN
      CASE WHEN at > deadline THEN 'overdue'
           WHEN warn_at IS NOT NULL AND at >= warn_at THEN 'due_soon'
           ELSE 'on_time' END
    WHEN status IN ('handled', 'verified', 'closed') AND handled_at IS NOT NULL THEN
      CASE WHEN handled_at > deadline THEN 'handled_late' ELSE 'on_time' END
  END
$$"""

COMMENT = ("COMMENT ON FUNCTION gridmap_deadline_state(text, timestamptz, timestamptz, timestamptz, timestamptz) IS "
           "'GridMap: where an event stands against its handling deadline at a given time: overdue, due_soon or "
           "on_time while its clock runs (dispatched, in_progress); handled_late or on_time once handled; NULL "
           "otherwise. The one definition of overdue (home page, dispatch desk, figures, maps, escalation).'")


def _check(actions: tuple[str, ...]) -> None:
    op.execute(f"ALTER TABLE report_transition DROP CONSTRAINT {CHECK}, "
               f"ADD CONSTRAINT {CHECK} CHECK (action IN {actions})")


def upgrade():
    op.execute(DEADLINE_STATE)
    op.execute(COMMENT)
    _check(NEW_ACTIONS)
    op.add_column("app_user", sa.Column("preferences", JSONB, nullable=False, server_default="{}"))


def downgrade():
    op.drop_column("app_user", "preferences")
    # The audit log keeps every reassign and recall (report.reassign, report.recall); the history rows cannot stay.
    op.execute("DELETE FROM report_transition WHERE action IN ('reassign', 'recall')")
    _check(OLD_ACTIONS)
    op.execute("DROP FUNCTION gridmap_deadline_state(text, timestamptz, timestamptz, timestamptz, timestamptz)")
