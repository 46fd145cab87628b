"""The grids of a version as rows and as files: what the API's file export
(``GET /api/v1/versions/{id}/export``), the planner's checks and ``flask grids export`` read, in the
formats, fields and coordinate systems of app.grids.files, plus the staff when asked for."""
from __future__ import annotations

from sqlalchemy import text

from app.extensions import db
from app.grids.versions import Scope
from app.grids import files
from app.sqlfiles import sql

FORMATS = tuple(files.FORMATS)


def grid_rows(scope: Scope, level: str | None = None, *, codes=None, with_geometry: bool = True) -> list:
    """The grids of ``scope`` (sql/version_grids.sql): all, those of one ``level``, or those of ``codes``
    and their children; ``with_geometry`` False leaves the WKB out."""
    return db.session.execute(sql("grids/version_grids"), {
        **scope.params, "level": level, "codes": None if codes is None else sorted(codes),
        "with_geometry": with_geometry}).all()


def staff_columns(rows) -> dict[str, list[str]]:
    """The staff of each grid (names; phones) as two text fields: personal data, written only when asked."""
    ids = sorted({i for r in rows for i in (r.staff or ())})
    people = dict((i, (name, phone)) for i, name, phone in db.session.execute(
        text("SELECT id, name, phone FROM staff WHERE id = ANY(:ids)"), {"ids": ids}).all()) if ids else {}
    names = ["、".join(people[i][0] for i in r.staff or () if i in people) for r in rows]
    phones = [";".join(people[i][1] or "" for i in r.staff or () if i in people) for r in rows]
    return {"staff": names, "phones": phones}


def export_file(scope: Scope, rows, fmt: str, *, layer: str, out_crs=None, with_staff: bool = False):
    """(bytes, mimetype, file name) of ``rows`` in ``fmt`` (geojson, gpkg or shp)."""
    extra = staff_columns(rows) if with_staff else None
    return files.write(rows, fmt, layer=layer, out_crs=out_crs, extra=extra)
