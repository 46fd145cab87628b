"""Rows from uploaded files, and the checks every row import shares.

Reports, standard addresses and patrol places are imported the same way: a
file (CSV with Chinese or English headers in UTF-8 or GB18030, a JSON list, or
a GeoJSON FeatureCollection of points) becomes a list of row dicts, each row is
checked, and every problem is a ``RowError`` naming the row and the field. The
feature packages keep what differs: their headers, their fields, their words.
"""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from typing import Callable

from flask_babel import gettext as _

from app import jsontext, spreadsheet
from app.errors import ValidationError


@dataclass
class RowError:
    row: int
    field: str
    message: str
    value: str | None = None

    def to_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message, "value": self.value}


def coordinate(raw: dict, name: str, errors: list, row: int) -> float | None:
    """The number in ``raw[name]`` (a longitude, latitude, x or y), or None with the problem in ``errors``."""
    value = raw.get(name)
    if value is None or value == "":
        errors.append(RowError(row, name, _("%(field)s is required (a number).", field=name)))
        return None
    if isinstance(value, bool):
        value = "bool"
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.append(RowError(row, name, _("%(field)s must be a number.", field=name), str(value)[:40]))
        return None
    if not math.isfinite(number):
        errors.append(RowError(row, name, _("%(field)s must be a finite number.", field=name), str(value)[:40]))
        return None
    return number


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030; shared by every file import."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Hotline exports and registers from Windows desktops are often GB18030.
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValidationError(_("The file is neither UTF-8 nor GB18030 text, nor an Excel workbook: send the "
                                    ".xlsx or .xls file itself, or save it as CSV (UTF-8)."),
                                  {"field": "file"}) from exc


def rows_from_bytes(data: bytes, filename: str, from_json: Callable[[str], list]) -> list:
    """A file's rows: the first sheet of an Excel workbook (app.spreadsheet, known by its bytes), JSON
    (``from_json``, the feature's reader) when it is named so or starts like JSON, else CSV."""
    if spreadsheet.kind_of(data):
        return spreadsheet.rows_from_workbook(data)
    textdata = decode_text(data)
    stripped = textdata.lstrip()
    if filename.lower().endswith((".json", ".geojson")) or stripped.startswith(("{", "[")):
        return from_json(stripped)
    return rows_from_csv(textdata)


def rows_from_csv(textdata: str) -> list[dict]:
    # newline="": the csv module does its own line splitting (quoted newlines, bare \r line ends).
    reader = csv.DictReader(io.StringIO(textdata, newline=""))
    try:
        if not reader.fieldnames:
            raise ValidationError(_("The CSV file has no header row."), {"field": "file"})
        return [dict(row) for row in reader]
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise ValidationError(_("The CSV file cannot be read (line %(line)s): %(error)s", line=reader.line_num,
                                error=str(exc)[:200]), {"field": "file"}) from exc


def rows_from_json(textdata: str, list_key: str) -> list | None:
    """Rows of a JSON file: a list, ``{list_key: [...]}``, or a FeatureCollection whose point
    features become rows of their properties plus ``lon``/``lat``. None for any other JSON,
    so the caller can say what it expected."""
    try:
        data = jsontext.loads(textdata)
    except json.JSONDecodeError as exc:
        raise ValidationError(_("The file is not valid JSON: %(error)s", error=str(exc)[:200]),
                              {"field": "file"}) from exc
    except RecursionError:  # nested thousands deep: not a list of rows, and no reason for a 500
        raise ValidationError(_("The file is not valid JSON: it is nested too deep."), {"field": "file"}) from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        feats = data.get("features")
        return [_feature_row(f) for f in (feats if isinstance(feats, list) else [])]
    if isinstance(data, dict) and isinstance(data.get(list_key), list):
        return data[list_key]
    if isinstance(data, list):
        return data
    return None


def _feature_row(feat) -> dict:
    props = feat.get("properties") if isinstance(feat, dict) else None
    row = dict(props) if isinstance(props, dict) else {}
    geom = feat.get("geometry") if isinstance(feat, dict) else None
    coords = geom.get("coordinates") if isinstance(geom, dict) and geom.get("type") == "Point" else None
    if isinstance(coords, list) and len(coords) >= 2:
        row.setdefault("lon", coords[0])
        row.setdefault("lat", coords[1])
    return row
