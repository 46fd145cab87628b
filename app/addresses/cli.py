"""``flask addresses import|export|reassign|alias|aliases|prefixes``: each on one district's library
(``--district CODE``, default the deployment's default district), reassign on every district's."""
from __future__ import annotations

import json

import click
from flask_babel import gettext as _
from tqdm import tqdm

from app import csvcells
from app.addresses import files, service
from app.cli import CommandGroup
from app.errors import DomainError
from app.row_errors_cli import report_row_errors
from geo.crs import UnknownCRSError, parse_crs

addresses_cli = CommandGroup("addresses", help="The standard address library (标准地址).")


def _district_option(f):
    return click.option("--district", "district", default=None, metavar="CODE",
                        help="The district whose library (GB/T 2260 code, e.g. 410103); default: the deployment's "
                             "default district (GRIDMAP_DISTRICT_CODE).")(f)


def _district(code: str | None) -> str:
    """The district code asked for, checked against the deployment's districts."""
    from flask import current_app

    from app.auth.scope import requested_district

    try:
        return requested_district(code) or current_app.config["DISTRICT_CODE"]
    except DomainError as exc:
        raise click.BadParameter(exc.message, param_hint="--district")


@addresses_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--crs", default=None, help="Coordinate system of rows without a 坐标系/crs column "
                                          "(4326, 4490, 4547, gcj02, bd09 ...). Default WGS-84.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False), default=None,
              help="Write the per-row errors to this CSV file.")
@_district_option
def import_command(path, crs, errors_path, district):
    """Store (or update) and assign every valid row; list the rows that could not be stored."""
    try:
        source_crs = parse_crs(crs) if crs else None
    except UnknownCRSError as exc:
        raise click.BadParameter(str(exc), param_hint="--crs")
    district = _district(district)
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        rows = files.rows_from_bytes(data, path)
        click.echo(_("Read %(n)s rows; checking, storing and assigning ...", n=len(rows)))
        # disable=None: a bar on a terminal, silence in logs and test runners.
        result = service.import_addresses(
            rows, crs=source_crs, source="cli", district_code=district,
            progress=lambda it: tqdm(it, total=len(rows), unit="row", leave=False, disable=None))
    except DomainError as exc:
        raise click.ClickException(exc.message)
    click.echo(_("Stored %(stored)s of %(received)s addresses (%(created)s new, %(updated)s updated): "
                 "%(assigned)s in a grid, %(outside)s outside coverage, %(rejected)s rejected.",
                 stored=result.stored, received=result.received, created=result.created, updated=result.updated,
                 assigned=result.assigned, outside=result.out_of_coverage, rejected=result.rejected))
    report_row_errors(result.errors, errors_path, result.stored)


@addresses_cli.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="-", show_default=True,
              help="File to write ('-' = standard output).")
@click.option("--format", "fmt", type=click.Choice(["csv", "geojson"]), default=None,
              help="Default: from the file name (.geojson/.json), else csv.")
@_district_option
def export_command(output, fmt, district):
    """Write the whole library (Chinese CSV headers, UTF-8 with BOM; or GeoJSON points in WGS-84)."""
    fmt = fmt or ("geojson" if output.lower().endswith((".geojson", ".json")) else "csv")
    district = _district(district)
    total = service.library_size(district)
    rows = tqdm(service.export_rows(district_code=district), total=total, unit="address", leave=False, disable=None)
    # A BOM only in files (spreadsheet programs need it to read UTF-8 CSV); none on a pipe.
    out = click.get_text_stream("stdout") if output == "-" else \
        open(output, "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="")
    try:
        if fmt == "csv":
            writer = csvcells.writer(out)
            writer.writerow([header for _name, header in service.EXPORT_HEADERS])
            for r in rows:
                writer.writerow(["" if r[name] is None else r[name] for name, _header in service.EXPORT_HEADERS])
        else:
            out.write('{"type": "FeatureCollection", "features": [')
            for i, r in enumerate(rows):
                props = {name: r[name] for name, _header in service.EXPORT_HEADERS if name not in ("lon", "lat")}
                feature = {"type": "Feature", "id": r["id"], "properties": props,
                           "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]}}
                out.write(("," if i else "") + "\n" + json.dumps(feature, ensure_ascii=False))
            out.write("\n]}\n")
    finally:
        if output != "-":
            out.close()
    if output != "-":
        click.echo(_("Wrote %(n)s addresses to %(path)s.", n=total, path=output), err=True)


@addresses_cli.command("reassign")
def reassign_command():
    """Re-assign every address to its grid in the current published boundaries."""
    result = service.reassign_addresses()
    from app.extensions import db

    db.session.commit()
    click.echo(_("%(n)s addresses re-assigned; %(changed)s changed grid.", n=result["addresses"],
                 changed=result["changed"]))


@addresses_cli.command("alias")
@click.argument("alias")
@click.argument("canonical")
@_district_option
def alias_command(alias, canonical, district):
    """Record that ALIAS is another name of the estate CANONICAL (绿城百合 → 绿城百合花园)."""
    try:
        result = service.add_alias(alias, canonical, district_code=_district(district))
    except DomainError as exc:
        raise click.ClickException(exc.message)
    click.echo(_("Alias %(alias)s → %(canonical)s saved; %(n)s addresses re-keyed.", alias=result["alias"],
                 canonical=result["canonical"], n=result["rekeyed"]))


@addresses_cli.command("aliases")
@_district_option
def aliases_command(district):
    """List the estate aliases."""
    for alias, canonical in service.alias_map(_district(district)).items():
        click.echo(f"{alias}\t{canonical}")


@addresses_cli.command("prefixes")
@click.argument("names", nargs=-1)
@_district_option
@click.option("--default", "reset", is_flag=True, help="Back to the default prefixes (the deployment's "
                                                        "GRIDMAP_ADDRESS_PREFIXES with the district's own name).")
def prefixes_command(names, district, reset):
    """Show a district's address prefixes, or set them (NAMES: 中国 河南省 河南 郑州市 郑州 二七区) and
    re-key that district's library."""
    from app.extensions import db

    district = _district(district)
    try:
        if names or reset:
            if names and reset:
                raise click.UsageError(_("Give the names or --default, not both."))
            result = service.set_prefixes(district, None if reset else service.check_prefixes(list(names), district))
            db.session.commit()
            click.echo(_("Address prefixes of %(district)s saved; %(n)s addresses re-keyed.", district=district,
                         n=result["rekeyed"]))
        else:
            result = service.prefixes_of(district)
    except DomainError as exc:
        raise click.ClickException(exc.message)
    label = _("own setting") if result["custom"] else _("default")
    click.echo(f"{result['district']} {result['name']} ({label}): {' '.join(result['prefixes'])}")
