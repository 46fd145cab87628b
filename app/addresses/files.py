"""Reading address files into row dicts: CSV (Chinese or English headers, UTF-8 or GB18030),
a JSON list, ``{"addresses": [...]}``, or a GeoJSON FeatureCollection of points."""
from __future__ import annotations

from flask_babel import gettext as _

from app import rows
from app.errors import ValidationError

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
    return rows.rows_from_bytes(data, filename, rows_from_json)


def rows_from_json(textdata: str) -> list[dict]:
    found = rows.rows_from_json(textdata, "addresses")
    if found is None:
        raise ValidationError(_("Send a list of addresses, {\"addresses\": [...]}, or a GeoJSON FeatureCollection "
                                "of points."), {"field": "file"})
    return found
