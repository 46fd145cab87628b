"""``flask events escalate [--now ISO]``: escalate overdue events (run it from cron)."""
from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.events.escalation import escalate_overdue
from app.reports.validation import BEIJING

events_cli = AppGroup("events", help="The event closed loop: deadlines and escalation.")


def _parse_now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(_("give a date and time like 2026-11-23T17:30:00+08:00."), param_hint="--now")
    # A time without a zone is Beijing time, as everywhere in GridMap.
    return when if when.tzinfo else when.replace(tzinfo=BEIJING)


@events_cli.command("escalate")
@click.option("--now", "now_text", default=None, metavar="ISO",
              help="Judge deadlines at this time instead of the current time (for replays and tests).")
def escalate_command(now_text):
    """Escalate every event whose handling deadline has passed one level up the chain."""
    result = escalate_overdue(_parse_now(now_text))
    click.echo(_("%(n)s overdue events escalated; %(top)s overdue at the top level (department) stay there.",
                 n=len(result.escalated), top=len(result.at_top)))
    for item in result.escalated:
        click.echo("  " + _("%(ticket)s: %(from_level)s → %(level)s", ticket=item["ticket"],
                            from_level=item["from_level"], level=item["level"]))
