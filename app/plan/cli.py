"""``flask plan``: boundary drafts from the shell.

``flask plan import DRAFT FILE --level ...`` replaces a level of a draft (a job, with a progress bar);
``flask plan publish-due [--now ISO]`` publishes the scheduled boundaries whose day has come (cron).
"""
from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _

from app.cli import CommandGroup
from app.errors import DomainError
from app.events.cli import _parse_now
from app.jobs.cli import echo_outcome, progress_bar
from app.plan import drafts, level_import, schedule

plan_cli = CommandGroup("plan", help="Boundary drafts: level imports and scheduled publication.")


@plan_cli.command("import")
@click.argument("draft_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--level", required=True, type=click.Choice(["subdistrict", "community", "grid", "micro"]),
              help="The level the file replaces.")
@click.option("--parent", default=None, help="Replace only under this grid (default: the whole district).")
@click.option("--kind", default="regular", type=click.Choice(["regular", "dedicated"]), show_default=True)
@click.option("--crs", default=None, help="Coordinate system when the file has none (e.g. 4547).")
@click.option("--layer", default=None, help="The layer of a GeoPackage with several.")
@click.option("--row-version", type=int, default=None, help="Default: the draft's current one.")
def import_command(draft_id, path, level, parent, kind, crs, layer, row_version):
    """Replace a level of a draft by a GeoJSON, GeoPackage or zipped Shapefile, as a job (exit 1 if refused)."""
    try:
        if row_version is None:
            row_version = drafts.get(draft_id).row_version
        form = {"level": level, "parent": parent, "kind": kind, "crs": crs, "layer": layer,
                "row_version": str(row_version)}
        asked = level_import.check(draft_id, form, Path(path).read_bytes(), Path(path).name)
    except DomainError as exc:
        raise click.ClickException(exc.message)
    bar = progress_bar(level_import.STEPS, unit="step")
    job = level_import.run_in_cli(asked, bar)
    bar.bar.close()
    echo_outcome(job)
    if job.state == "failed":
        raise SystemExit(1)


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
