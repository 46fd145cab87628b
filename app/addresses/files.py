"""Reading address files into row dicts: CSV (Chinese or English headers, UTF-8 or GB18030),
a JSON list, ``{"addresses": [...]}``, or a GeoJSON FeatureCollection of points."""
from __future__ import annotations

import json

from flask_babel import gettext as _

from app import jsontext
from app.errors import ValidationError
from app.reports.files import decode_text, rows_from_csv

#: Column aliases seen in address-register exports (header -> field). English
#: headers are the field names themselves.
HEADERS = {
    "区": "district", "区县": "district", "县区": "district", "所属区县": "district", "所属区": "district",
    "街道": "subdistrict", "街道办事处": "subdistrict", "乡镇街道": "subdistrict", "所属街道": "subdistrict",
    "社区": "community", "社区居委会": "community", "村社区": "community", "所属社区": "community",
    "道路": "road", "路名": "road", "街路巷": "road", "道路名称": "road", "街巷": "road",
    "门牌号": "number", "门牌": "number", "门牌号码": "number",
    "小区": "compound", "小区名称": "compound", "院落": "compound", "小区院落": "compound",
    "楼栋": "building", "楼栋号": "building", "楼号": "building", "幢": "building", "栋": "building",
    "单元": "unit", "单元号": "unit",
    "地址": "address", "标准地址": "address", "详细地址": "address", "地址全称": "address",
    "full_text": "address", "text": "address",
    "经度": "lon", "纬度": "lat", "坐标系": "crs", "longitude": "lon", "lng": "lon", "latitude": "lat",
    "别名": "aliases", "小区别名": "aliases", "alias": "aliases",
}


def field_of(header) -> str:
    key = str(header).strip().lstrip("\ufeff")
    return HEADERS.get(key, HEADERS.get(key.lower(), key.lower()))


def normalise_keys(raw: dict) -> dict:
    return {field_of(k): v for k, v in raw.items()}


def rows_from_bytes(data: bytes, filename: str = "") -> list[dict]:
    textdata = decode_text(data)
    stripped = textdata.lstrip()
    if filename.lower().endswith((".json", ".geojson")) or stripped.startswith(("{", "[")):
        return rows_from_json(stripped)
    return rows_from_csv(textdata)


def rows_from_json(textdata: str) -> list[dict]:
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
    if isinstance(data, dict) and isinstance(data.get("addresses"), list):
        return data["addresses"]
    if isinstance(data, list):
        return data
    raise ValidationError(_("Send a list of addresses, {\"addresses\": [...]}, or a GeoJSON FeatureCollection "
                            "of points."), {"field": "file"})


def _feature_row(feat) -> dict:
    props = feat.get("properties") if isinstance(feat, dict) else None
    row = dict(props) if isinstance(props, dict) else {}
    geom = feat.get("geometry") if isinstance(feat, dict) else None
    coords = geom.get("coordinates") if isinstance(geom, dict) and geom.get("type") == "Point" else None
    if isinstance(coords, list) and len(coords) >= 2:
        row.setdefault("lon", coords[0])
        row.setdefault("lat", coords[1])
    return row
