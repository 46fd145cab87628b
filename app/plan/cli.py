"""``flask plan publish-due [--now ISO]``: publish the scheduled boundaries whose day has come (cron)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.events.cli import _parse_now
from app.plan import schedule

plan_cli = AppGroup("plan", help="Grid planning: scheduled publication of boundary drafts.")


@plan_cli.command("publish-due")
@click.option("--now", "now_text", default=None, metavar="ISO",
              help="Judge what is due at this time instead of the current time (for replays and tests).")
def publish_due_command(now_text):
    """Publish every scheduled boundary version whose effective date (00:00 Beijing time) has come.

    Run it from cron at midnight, e.g. ``1 0 * * * flask plan publish-due``; requests also publish a due
    version before they are answered, so a late or missing cron run leaves nothing in force too long.
    """
    results = schedule.publish_due(_parse_now(now_text))
    if not results:
        click.echo(_("No scheduled boundary version is due."))
    for r in results:
        if r.get("published"):
            click.echo(_("Version %(id)s published as generation %(generation)s; %(n)s open report(s) changed "
                         "grid.", id=r["version_id"], generation=r["generation"], n=r["open_reports_reassigned"]))
        elif r.get("error"):
            click.echo(_("Version %(id)s was not published: %(error)s It is a draft again.", id=r["version_id"],
                         error=r["error"]), err=True)
    if any(r.get("error") for r in results):
        raise SystemExit(1)
