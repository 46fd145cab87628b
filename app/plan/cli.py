"""``flask plan import DRAFT FILE --level ...``: a whole-level import from the shell, with a progress bar."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.errors import DomainError
from app.jobs.cli import echo_outcome, progress_bar
from app.plan import drafts, level_import

plan_cli = AppGroup("plan", help="Boundary drafts.")


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
