"""``flask reports import FILE.csv|.json``."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.errors import DomainError
from app.reports import files, service

reports_cli = AppGroup("reports", help="Bulk report intake.")


@reports_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False), default=None,
              help="Write the per-row errors to this CSV file.")
def import_command(path, errors_path):
    """Store and assign every valid row; list the rows that could not be stored."""
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        rows = files.rows_from_bytes(data, path)
        click.echo(_("Read %(n)s rows; storing and assigning ...", n=len(rows)))
        result = service.import_reports(rows)
    except DomainError as exc:
        raise click.ClickException(exc.message)
    click.echo(_("Stored %(stored)s of %(received)s reports: %(assigned)s assigned to a grid, %(outside)s outside "
                 "coverage, %(rejected)s rejected.", stored=result.stored, received=result.received,
                 assigned=result.assigned, outside=result.out_of_coverage,
                 rejected=len({e.row for e in result.errors})))
    for err in result.errors[:50]:
        click.echo("  " + _("row %(row)s: %(field)s: %(message)s", row=err.row, field=err.field,
                            message=err.message), err=True)
    if len(result.errors) > 50:
        click.echo("  " + _("... %(n)s more errors", n=len(result.errors) - 50), err=True)
    if errors_path:
        import csv
        with open(errors_path, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow([_("row"), _("field"), _("message"), _("value")])
            for err in result.errors:
                writer.writerow([err.row, err.field, err.message, err.value or ""])
    if result.errors and not result.stored:
        sys.exit(1)
