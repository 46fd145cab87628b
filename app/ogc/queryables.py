"""The queryables of every grid collection (OGC API - Features Part 3, Queryables).

Each one is also a query parameter of ``/items`` that keeps the grids whose
property equals the value (conformance class queryables-query-parameters):
GDAL and QGIS send an attribute filter such as ``parent_code = '410102001001'``
that way instead of reading every grid. The document is a JSON Schema.
"""
from __future__ import annotations

from flask_babel import gettext as _

#: Queryable names, in the order the document lists them.
NAMES = ("code", "name", "parent_code")

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def schema(url: str, title: str) -> dict:
    titles = {"code": _("Grid code"), "name": _("Grid name"), "parent_code": _("Code of the parent grid")}
    return {
        "$schema": JSON_SCHEMA,
        "$id": url,
        "type": "object",
        "title": title,
        "description": _("Properties a request may filter on: /items?<name>=<value> keeps the grids whose "
                         "property equals the value."),
        "properties": {name: {"title": titles[name], "type": "string"} for name in NAMES},
        "additionalProperties": False,
    }


def filters(args) -> dict:
    """The queryables given as query parameters (an empty value filters nothing)."""
    return {name: args[name] for name in NAMES if args.get(name) not in (None, "")}
