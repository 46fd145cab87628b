"""Key places (重点场所: schools, markets, construction sites ...) and their visit targets.

Imported from CSV (Chinese or English headers) with ``flask patrols places
FILE.csv``: rows are checked, converted to WGS-84 per coordinate system in
one vectorised call, COPYed to staging and upserted by code in one statement.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import text

from app import audit, rows as file_rows
from app.bulk import copy_rows
from app.extensions import db
from app.models import PLACE_KINDS
from app.sqlfiles import sql
from geo.crs import UnknownCRSError, parse_crs, to_wgs84

ALIASES = {
    "code": "code", "编码": "code", "编号": "code", "name": "name", "名称": "name", "场所名称": "name",
    "kind": "kind", "type": "kind", "类型": "kind", "场所类型": "kind",
    "lon": "lon", "lng": "lon", "longitude": "lon", "经度": "lon",
    "lat": "lat", "latitude": "lat", "纬度": "lat", "crs": "crs", "坐标系": "crs",
    "radius_m": "radius_m", "radius": "radius_m", "半径": "radius_m", "半径(米)": "radius_m",
    "visits_per_week": "visits_per_week", "target": "visits_per_week", "每周巡查次数": "visits_per_week",
    "每周目标": "visits_per_week",
}
KIND_ALIASES = {
    "学校": "school", "幼儿园": "school", "市场": "market", "农贸市场": "market", "商场": "market",
    "工地": "construction_site", "建筑工地": "construction_site", "医院": "hospital", "诊所": "hospital",
    "养老院": "elderly_home", "敬老院": "elderly_home", "加油站": "gas_station", "企业": "enterprise",
    "社区服务中心": "community_centre", "党群服务中心": "community_centre", "其他": "other",
}
COLUMNS = ("code", "name", "kind", "lon", "lat", "radius_m", "visits_per_week")


@dataclass
class PlaceRow:
    row: int
    code: str
    name: str
    kind: str
    lon: float
    lat: float
    crs: object
    radius_m: float = 50.0
    visits_per_week: float = 1.0


@dataclass
class PlaceImport:
    received: int = 0
    stored: int = 0
    errors: list = field(default_factory=list)  # (row, field, message)


def _number(raw, row: int, name: str, errors: list, *, default: float, lo: float, hi: float) -> float | None:
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = float(str(raw).strip())
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or not lo <= value <= hi:
        errors.append((row, name, _("%(field)s must be a number from %(lo)s to %(hi)s.", field=name, lo=lo, hi=hi)))
        return None
    return value


def check_row(raw: dict, row: int) -> tuple[PlaceRow | None, list]:
    r = {ALIASES.get(k.strip().lstrip("\ufeff"), ALIASES.get(k.strip().lower(), k.strip().lower())): (v or "").strip()
         for k, v in raw.items() if k}
    errors: list = []
    code, name = r.get("code", ""), r.get("name", "")
    if not code or len(code) > 32:
        errors.append((row, "code", _("code is required (at most 32 characters).")))
    if not name:
        errors.append((row, "name", _("name is required.")))
    kind = KIND_ALIASES.get(r.get("kind", ""), r.get("kind", "").lower() or "other")
    if kind not in PLACE_KINDS:
        errors.append((row, "kind", _("kind must be one of: %(allowed)s.", allowed=", ".join(PLACE_KINDS))))
    lon = _number(r.get("lon"), row, "lon", errors, default=float("nan"), lo=-1e8, hi=1e8)
    lat = _number(r.get("lat"), row, "lat", errors, default=float("nan"), lo=-1e8, hi=1e8)
    if lon is not None and lat is not None and not (np.isfinite(lon) and np.isfinite(lat)):
        errors.append((row, "lon", _("lon and lat are required.")))
    radius = _number(r.get("radius_m"), row, "radius_m", errors, default=50.0, lo=1, hi=1000)
    target = _number(r.get("visits_per_week"), row, "visits_per_week", errors, default=1.0, lo=0, hi=100)
    try:
        crs = parse_crs(r.get("crs") or None)
    except UnknownCRSError:
        errors.append((row, "crs", _("Unknown coordinate system: use an EPSG code such as 4326, 4490 or 4547, "
                                     "or gcj02 / bd09.")))
        crs = None
    if errors:
        return None, errors
    return PlaceRow(row, code, name, kind, lon, lat, crs, radius, target), []


def import_places(raw_rows: list[dict]) -> PlaceImport:
    """Upsert key places by code; every bad row is listed, the good ones stored. Commits."""
    result = PlaceImport(received=len(raw_rows))
    good: list[PlaceRow] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_rows, start=1):
        place, errors = check_row(raw, i)
        if place is not None and place.code in seen:
            errors, place = [(i, "code", _("code %(code)s appears twice in the file.", code=place.code))], None
        result.errors.extend(errors)
        if place is not None:
            seen.add(place.code)
            good.append(place)
    groups: dict = {}
    for p in good:
        groups.setdefault(p.crs.label, []).append(p)
    stored: list[PlaceRow] = []
    for rows in groups.values():
        lon, lat = to_wgs84(np.array([p.lon for p in rows]), np.array([p.lat for p in rows]), rows[0].crs)
        for p, x, y in zip(rows, np.atleast_1d(lon), np.atleast_1d(lat)):
            if np.isfinite(x) and np.isfinite(y) and abs(x) <= 180 and abs(y) <= 90:
                p.lon, p.lat = float(x), float(y)
                stored.append(p)
            else:
                result.errors.append((p.row, "lon", _("The coordinates do not convert to a point on Earth; check "
                                                      "the coordinate system (crs).")))
    result.errors.sort()
    if stored:
        conn = db.session.connection()
        conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS patrol_place_staging (code text, name text, kind text,"
                          " lon double precision, lat double precision, radius_m real, visits_per_week real)"
                          " ON COMMIT DROP"))  # not DELETE ROWS: app/bulk.py, on staging tables
        conn.execute(text("DELETE FROM patrol_place_staging"))
        copy_rows("patrol_place_staging", COLUMNS,
                  ((p.code, p.name, p.kind, p.lon, p.lat, p.radius_m, p.visits_per_week) for p in stored))
        result.stored = db.session.execute(sql("patrols/upsert_places"),
                                           {"district_code": current_app.config["DISTRICT_CODE"]}).rowcount
        audit.record("patrol.places_import", "patrol", None, after={
            "received": result.received, "stored": result.stored, "rejected": len({e[0] for e in result.errors})})
    db.session.commit()
    return result


def rows_from_csv(data: bytes) -> list[dict]:
    """CSV, or the first sheet of an Excel workbook, as row dicts (app.rows)."""
    return file_rows.rows_from_bytes(data, "", _no_json)


def _no_json(textdata: str) -> list[dict]:
    # Key places come as CSV or a workbook only: text that looks like JSON is read as CSV.
    return file_rows.rows_from_csv(textdata)
