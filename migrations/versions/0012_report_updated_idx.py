"""The dispatch desk's live feed and manual placement.

- ``ix_report_updated_at``: the feed (``GET /api/v1/reports/changes``) asks
  every few seconds, from every open desk, for the reports changed after a
  cursor; without an index that is a scan of the whole report table.
- ``report_transition.action`` accepts ``place``: a person put a report that
  could not be geocoded on the map (app.dispatch.placement). It is a step of
  the event's history, though not a workflow transition (the state stays).

Revision ID: 0012_report_updated_idx
Revises: 0011_addresses
Create Date: 2026-11-23
"""
from alembic import op

revision = "0012_report_updated_idx"
down_revision = "0011_addresses"
branch_labels = None
depends_on = None

OLD_ACTIONS = ("report", "accept", "dispatch", "start", "handle", "return", "verify", "reject", "close", "reopen",
               "extend", "escalate", "suspend", "resume", "merge", "cancel")
NEW_ACTIONS = OLD_ACTIONS + ("place",)
#: As 0007_events created it (the naming convention doubled the prefix).
CHECK = "ck_report_transition_ck_report_transition_action"


def _check(actions: tuple[str, ...]) -> None:
    op.execute(f"ALTER TABLE report_transition DROP CONSTRAINT {CHECK}, "
               f"ADD CONSTRAINT {CHECK} CHECK (action IN {actions})")


def upgrade():
    op.create_index("ix_report_updated_at", "report", ["updated_at"])
    _check(NEW_ACTIONS)


def downgrade():
    # The placements stay in the audit log (report.place); their history rows cannot stay.
    op.execute("DELETE FROM report_transition WHERE action = 'place'")
    _check(OLD_ACTIONS)
    op.drop_index("ix_report_updated_at", table_name="report")
