"""Reading report files (CSV with Chinese or English headers, JSON, GeoJSON points) into row dicts."""
from __future__ import annotations

import csv
import io
import json

from flask_babel import gettext as _

from app import jsontext
from app.errors import ValidationError


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030; shared by every file import."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Hotline exports and registers from Windows desktops are often GB18030.
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValidationError(_("The file is neither UTF-8 nor GB18030 text."), {"field": "file"}) from exc


def rows_from_bytes(data: bytes, filename: str = "") -> list[dict]:
    name = filename.lower()
    textdata = decode_text(data)
    stripped = textdata.lstrip()
    if name.endswith((".json", ".geojson")) or stripped.startswith(("{", "[")):
        return rows_from_json(stripped)
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


def rows_from_json(textdata: str) -> list[dict]:
    try:
        data = jsontext.loads(textdata)
    except json.JSONDecodeError as exc:
        raise ValidationError(_("The file is not valid JSON: %(error)s", error=str(exc)[:200]),
                              {"field": "file"}) from exc
    except RecursionError:  # nested thousands deep: not a list of rows, and no reason for a 500
        raise ValidationError(_("The file is not valid JSON: it is nested too deep."), {"field": "file"}) from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        rows = []
        feats = data.get("features")
        for feat in feats if isinstance(feats, list) else []:
            props = feat.get("properties") if isinstance(feat, dict) else None
            props = dict(props) if isinstance(props, dict) else {}
            geom = feat.get("geometry") if isinstance(feat, dict) else None
            if isinstance(geom, dict) and geom.get("type") == "Point" and isinstance(geom.get("coordinates"), list) \
                    and len(geom["coordinates"]) >= 2:
                props.setdefault("lon", geom["coordinates"][0])
                props.setdefault("lat", geom["coordinates"][1])
            rows.append(props)
        return rows
    if isinstance(data, dict) and isinstance(data.get("reports"), list):
        return data["reports"]
    if isinstance(data, list):
        return data
    raise ValidationError(_("Send a list of reports, {\"reports\": [...]}, or a GeoJSON FeatureCollection of "
                            "points."), {"field": "file"})
