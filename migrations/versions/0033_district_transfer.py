"""Events move between districts (issue 19): the history's ``transfer`` action.

A city dispatcher hands an event to a district (交办), a district's dispatcher transfers one filed in
the wrong district to another (转办). The report and its history move under the new district code
(app.events.transfer: INSERT ... SELECT + DELETE, district_code being the distribution column), and
one history row of action ``transfer`` records the move, its reason and both districts.

Revision ID: 0033_district_transfer
Revises: 0032_district_keys
Create Date: 2026-12-07
"""
from alembic import op

revision = "0033_district_transfer"
down_revision = "0032_district_keys"
branch_labels = None
depends_on = None

OLD_ACTIONS = ("report", "accept", "dispatch", "start", "handle", "return", "verify", "reject", "close", "reopen",
               "extend", "escalate", "suspend", "resume", "merge", "cancel", "place", "reassign", "recall")
NEW_ACTIONS = OLD_ACTIONS + ("transfer",)
#: As 0007_events created it (the naming convention doubled the prefix).
CHECK = "ck_report_transition_ck_report_transition_action"


def _check(actions: tuple[str, ...]) -> None:
    op.execute(f"ALTER TABLE report_transition DROP CONSTRAINT {CHECK}, "
               f"ADD CONSTRAINT {CHECK} CHECK (action IN {actions})")


def upgrade():
    _check(NEW_ACTIONS)


def downgrade():
    # The audit log keeps every move (report.transfer); the history rows cannot stay.
    op.execute("DELETE FROM report_transition WHERE action = 'transfer'")
    _check(OLD_ACTIONS)
