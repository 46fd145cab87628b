"""Uploaded files: what GridMap accepts, and how it reads them without trusting them.

An upload is judged by its own bytes, never by its name (:mod:`app.uploads.sniff`):
GeoJSON is read by Python's json module; a GeoPackage and a zipped Shapefile
go to GDAL (through pyogrio) with the driver forced and every other driver
and every network file system of GDAL switched off for the whole process
(:mod:`app.uploads.gdal`). A zip is checked from its directory before
anything is unpacked, and unpacked with reads capped at the sizes it declared
(:mod:`app.uploads.archive`). Sizes, counts and vertices are checked before
the expensive decoding; a limit answers 413 naming the limit and the setting
that raises it (:class:`TooLarge`).

Errors never repeat what a file holds beyond a short value the planner needs
to find the feature (a code, a field name): a hostile file must not turn an
error message into a way of reading the server's files.
"""
from __future__ import annotations

from flask_babel import gettext as _

from app.errors import DomainError, ValidationError


class TooLarge(DomainError):
    """An upload over one of the configured limits (413): ``details`` names the limit and its setting."""

    status = 413
    code = "too_large"


def limit_details(got: int, limit: int, setting: str, field: str = "file", **more) -> dict:
    """The ``details`` of a refusal for a limit: what was found, the limit and the setting that raises it."""
    return {"field": field, "got": int(got), "limit": int(limit), "setting": f"GRIDMAP_{setting}", **more}


def too_many_rows(got: int, limit: int) -> ValidationError:
    """The refusal of a report or address import over ``MAX_IMPORT_ROWS``, before any row is checked (422, as
    the imports always answered it)."""
    return ValidationError(_("Too many rows in one import: %(got)s, at most %(n)s (setting GRIDMAP_MAX_IMPORT_ROWS); "
                             "split the file.", got=got, n=limit),
                           {"field": "rows", "limit": limit, "got": got, "setting": "GRIDMAP_MAX_IMPORT_ROWS"})
