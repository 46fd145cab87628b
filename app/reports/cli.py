"""``flask reports import FILE``: CSV, JSON, GeoJSON points or an Excel workbook."""
from __future__ import annotations


import click
from flask_babel import gettext as _
from tqdm import tqdm

from app.cli import CommandGroup
from app.errors import DomainError
from app.row_errors_cli import report_row_errors
from app.reports import files, service

reports_cli = CommandGroup("reports", help="Bulk report intake.")


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
        # disable=None: a bar on a terminal, silence in logs and test runners.
        with tqdm(total=len(rows), unit="row", leave=False, disable=None) as bar:
            result = service.import_reports(rows, progress=lambda done, total: bar.update(done - bar.n))
    except DomainError as exc:
        raise click.ClickException(exc.message)
    click.echo(_("Stored %(stored)s of %(received)s reports: %(assigned)s assigned to a grid, %(outside)s outside "
                 "coverage, %(rejected)s rejected.", stored=result.stored, received=result.received,
                 assigned=result.assigned, outside=result.out_of_coverage,
                 rejected=len({e.row for e in result.errors})))
    report_row_errors(result.errors, errors_path, result.stored)
