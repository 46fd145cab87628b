"""Reading report files (CSV with Chinese or English headers, JSON, GeoJSON points) into row dicts (app.rows)."""
from __future__ import annotations

from flask_babel import gettext as _

from app import rows
from app.errors import ValidationError


def rows_from_bytes(data: bytes, filename: str = "") -> list[dict]:
    return rows.rows_from_bytes(data, filename, rows_from_json)


def rows_from_json(textdata: str) -> list[dict]:
    found = rows.rows_from_json(textdata, "reports")
    if found is None:
        raise ValidationError(_("Send a list of reports, {\"reports\": [...]}, or a GeoJSON FeatureCollection of "
                                "points."), {"field": "file"})
    return found
