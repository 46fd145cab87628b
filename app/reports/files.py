"""Reading report files (CSV with Chinese or English headers, JSON, GeoJSON points) into row dicts."""
from __future__ import annotations

import csv
import io
import json

from flask_babel import gettext as _

from app.errors import ValidationError


def rows_from_bytes(data: bytes, filename: str = "") -> list[dict]:
    name = filename.lower()
    try:
        textdata = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Hotline exports from Windows desktops are often GB18030.
            textdata = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValidationError(_("The file is neither UTF-8 nor GB18030 text."), {"field": "file"}) from exc
    stripped = textdata.lstrip()
    if name.endswith((".json", ".geojson")) or stripped.startswith(("{", "[")):
        return rows_from_json(stripped)
    return rows_from_csv(textdata)


def rows_from_csv(textdata: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(textdata))
    if not reader.fieldnames:
        raise ValidationError(_("The CSV file has no header row."), {"field": "file"})
    return [dict(row) for row in reader]


def rows_from_json(textdata: str) -> list[dict]:
    try:
        data = json.loads(textdata)
    except json.JSONDecodeError as exc:
        raise ValidationError(_("The file is not valid JSON: %(error)s", error=str(exc)[:200]),
                              {"field": "file"}) from exc
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        rows = []
        for feat in data.get("features") or []:
            props = dict((feat or {}).get("properties") or {}) if isinstance(feat, dict) else {}
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
