"""``flask grids import FILE`` and ``flask grids export``: the API's formats, fields and coordinate systems."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask_babel import gettext as _

from app.cli import CommandGroup, OneLineError, steps
from app.errors import DomainError
from app.grids import export, files, service
from app.grids.versions import resolve
from app.models import LEVELS
from geo.crs import UnknownCRSError, parse_crs

grids_cli = CommandGroup("grids", help="Import and export grid boundaries.")


class CRS(click.ParamType):
    """A coordinate system as the API takes it (4326, 4490, 4547, gcj02, bd09 ...)."""

    name = "crs"

    def convert(self, value, param, ctx):
        try:
            return parse_crs(value)
        except UnknownCRSError:
            self.fail(_("unknown coordinate system %(crs)s: use an EPSG code such as 4326, 4490 or 4547, or "
                        "gcj02 / bd09.", crs=str(value)[:40]), param, ctx)


IMPORT_STEPS = ["reading", "checking", "storing", "assigning"]


@grids_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--crs", type=CRS(), default=None,
              help="Coordinate system of the file when it does not say: 4326 (default), 4490, 4547, gcj02, bd09 ...")
@click.option("--layer", default=None, help="The layer of a GeoPackage with several.")
@click.option("--version", "version_id", type=click.IntRange(min=1), default=None,
              help="Target boundary version id (default: the published one, created if none).")
@click.option("--district", "district_code", default=None,
              help="District code (GB/T 2260) the grids belong to (default: GRIDMAP_DISTRICT_CODE).")
def import_command(path, crs, layer, version_id, district_code):
    """Import a GeoJSON, GeoPackage or zipped Shapefile of grids (all or nothing)."""
    step = steps(IMPORT_STEPS)
    step("reading")
    read = files.read(Path(path).read_bytes(), Path(path).name, layer=layer, crs=crs.label if crs else None)
    click.echo(_("Checking %(n)s features ...", n=read.features))
    try:
        result = service.import_grids(read.collection, read.crs, version_id=version_id,
                                      district_code=district_code, progress=step)
    except DomainError as exc:
        step.close()
        errors = (exc.details or {}).get("errors", []) if isinstance(exc.details, dict) else []
        if not errors:
            raise
        click.echo(_("error: %(message)s", message=exc.message), err=True)
        for err in errors[:200]:
            click.echo("  " + _("feature %(index)s (%(code)s): %(field)s: %(message)s", index=err["index"],
                                code=err.get("code") or "-", field=err["field"], message=err["message"]), err=True)
        sys.exit(1)
    step.close()
    levels = ", ".join(f"{k}: {v}" for k, v in result.by_level.items())
    click.echo(_("Imported %(n)s grids into version %(version)s (%(levels)s).", n=result.created,
                 version=result.version_id, levels=levels))


@grids_cli.command("export")
@click.option("--level", type=click.Choice(LEVELS), default=None, help="Only this level.")
@click.option("--version", "version", default=None, help="Version id (default: the published one).")
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default=None,
              help="geojson, gpkg (GeoPackage 1.2) or shp (a zipped Shapefile); default: from the file name, "
                   "else geojson.")
@click.option("--crs", type=CRS(), default=None, help="Coordinate system of the file (default 4326); e.g. 4547.")
@click.option("--with-staff", is_flag=True,
              help="Add each grid's staff and their phone numbers (personal data: only when needed).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Output file ('-': standard output, GeoJSON only).")
def export_command(level, version, fmt, crs, with_staff, output):
    """Write grids as GeoJSON, a GeoPackage or a zipped Shapefile, as the API's file export does."""
    fmt = fmt or _format_of(output)
    if output == "-" and fmt != "geojson":
        raise OneLineError(_("A %(format)s file cannot go to standard output: name it with -o FILE.", format=fmt))
    step = steps(["reading", "writing"])
    step("reading")
    scope = resolve(version)
    rows = export.grid_rows(scope, level)
    step("writing")
    layer = f"grids_v{scope.version.id}" + (f"_{level}" if level else "") if scope.version else "grids"
    data, _mimetype, _name = export.export_file(scope, rows, fmt, layer=layer, out_crs=crs, with_staff=with_staff)
    step.close()
    if output == "-":
        click.get_binary_stream("stdout").write(data)
        return
    Path(output).write_bytes(data)
    click.echo(_("Wrote %(n)s grids to %(path)s.", n=len(rows), path=output), err=True)


def _format_of(output: str) -> str:
    name = output.lower()
    if name.endswith(".gpkg"):
        return "gpkg"
    if name.endswith((".zip", ".shp")):
        return "shp"
    return "geojson"
