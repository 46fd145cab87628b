"""``flask grids import FILE`` and ``flask grids export``."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.errors import DomainError
from app.grids import queries, service
from app.grids.versions import resolve

grids_cli = AppGroup("grids", help="Import and export grid boundaries.")


@grids_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--crs", default=None, help="Coordinate system of the file: 4326 (default), 4490, 4547, gcj02, bd09 ...")
@click.option("--version", "version_id", type=int, default=None,
              help="Target boundary version id (default: the published one, created if none).")
def import_command(path, crs, version_id):
    """Import a GeoJSON FeatureCollection of grids (all or nothing)."""
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        collection = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(_("%(path)s is not valid JSON: %(error)s", path=path, error=str(exc)))
    except RecursionError:
        raise click.ClickException(_("The file is not valid JSON: it is nested too deep."))
    n = len(collection.get("features") or []) if isinstance(collection, dict) else 0
    click.echo(_("Checking %(n)s features ...", n=n))
    try:
        result = service.import_grids(collection, crs, version_id=version_id)
    except DomainError as exc:
        click.echo(_("error: %(message)s", message=exc.message), err=True)
        for err in (exc.details or {}).get("errors", [])[:200] if isinstance(exc.details, dict) else []:
            click.echo("  " + _("feature %(index)s (%(code)s): %(field)s: %(message)s", index=err["index"],
                                code=err.get("code") or "-", field=err["field"], message=err["message"]), err=True)
        sys.exit(1)
    levels = ", ".join(f"{k}: {v}" for k, v in result.by_level.items())
    click.echo(_("Imported %(n)s grids into version %(version)s (%(levels)s).", n=result.created,
                 version=result.version_id, levels=levels))


@grids_cli.command("export")
@click.option("--level", default=None, help="Only this level.")
@click.option("--version", "version", default=None, help="Version id (default: published).")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="Output file.")
def export_command(level, version, output):
    """Write grids as a GeoJSON FeatureCollection."""
    output.write(queries.export_features(resolve(version), level=level))
    output.write("\n")
