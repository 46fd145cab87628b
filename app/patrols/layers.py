"""GeoJSON for the patrol map: density cells, grids with their figures, one worker's track.

Density is aggregated in PostGIS (``sql/density.sql`` for squares,
``sql/hex_density.sql`` for hexagons); no layer ever sends
the raw fixes of many workers to the browser. A track is one worker's fixes
of one day, cut into sessions by :func:`geo.patrol.split_sessions`.
"""
from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import numpy as np
from flask import current_app
from sqlalchemy import text

from app.extensions import db
from app.beijing import BEIJING
from app.patrols.period import Period
from app.sqlfiles import sql
from geo.crs import from_wgs84
from geo.patrol import Fix, split_sessions

#: Density cell sizes offered (metres); :func:`size_for_zoom` picks one per map zoom.
CELL_SIZES = (25, 50, 100, 200, 400, 800)
#: A cell is about this many screen pixels (a hexagon's edge, a square's side) at any zoom, so the
#: cells follow the zoom: 25-50 m at street level (zoom 16-17), 200-400 m over the whole district.
CELL_PIXELS = 12
#: Web Mercator metres per pixel at zoom 0 on the equator (256-pixel tiles).
_MERCATOR_M_PER_PX = 156_543.03
#: Density cell shapes: hexagons (the map's default) or squares.
SHAPES = ("hex", "square")
MAX_DENSITY_CELLS = 20_000
MAX_TRACK_FIXES = 20_000


def size_for_zoom(zoom: int | None) -> int:
    """The cell size (metres) for a map at ``zoom``: the offered size nearest (on a log scale) to
    ``CELL_PIXELS`` screen pixels at the district's latitude; 100 m with no zoom given."""
    if zoom is None:
        return 100
    metres_per_px = _MERCATOR_M_PER_PX * math.cos(math.radians(_map_latitude())) / 2 ** zoom
    want = CELL_PIXELS * metres_per_px
    return min(CELL_SIZES, key=lambda size: abs(math.log(size / want)))


def cell_degrees(size_m: float) -> tuple[float, float]:
    """Degrees of longitude and latitude that span ``size_m`` metres at the district's latitude."""
    lat0 = _map_latitude()
    return size_m / (111_320.0 * math.cos(math.radians(lat0))), size_m / 110_574.0


def _map_latitude() -> float:
    centre = current_app.config.get("MAP_CENTER", (34.748, 113.61))
    if isinstance(centre, str):
        return float(centre.split(",")[0])
    return float(centre[0])


def hexagon_size(size_m: float) -> tuple[float, float]:
    """Web Mercator edge length and row height of hexagons ``size_m`` metres across an edge at the district.

    Mercator stretches lengths by 1 / cos(latitude); at the district's
    latitude the stretch is undone, so a cell is ``size_m`` metres there
    (the same rule as :func:`cell_degrees` for squares).
    """
    s = size_m / math.cos(math.radians(_map_latitude()))
    return s, s * math.sqrt(3.0)


def density_features(period: Period, *, size_m: float, bbox=None, workers: list[int] | None = None,
                     limit: int = MAX_DENSITY_CELLS, shape: str = "square") -> list[str]:
    """GeoJSON Feature texts of the period's density cells, busiest first.

    ``shape``: ``square`` (ST_SnapToGrid, sql/density.sql) or ``hex``
    (the ST_HexagonGrid tiling, sql/hex_density.sql).
    """
    if shape not in SHAPES:
        raise ValueError(shape)
    minx, miny, maxx, maxy = bbox if bbox else (None, None, None, None)
    common = {"t_from": period.start, "t_to": period.end, "workers": workers,
              "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy, "limit": limit}
    if shape == "hex":
        s, h = hexagon_size(size_m)
        return list(db.session.execute(sql("patrols/hex_density"), {"s": s, "h": h, **common}).scalars())
    dx, dy = cell_degrees(size_m)
    return list(db.session.execute(sql("patrols/density"), {"dx": dx, "dy": dy, **common}).scalars())


def collection(features: list[str]) -> str:
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def grid_collection(figures: list[dict], tolerance: float | None = None) -> dict:
    by_id = {f["id"]: f for f in figures}
    rows = db.session.execute(sql("patrols/grid_shapes"), {"grid_ids": list(by_id), "tolerance": tolerance}).all()
    shapes = {r.id: json.loads(r.geometry) for r in rows}
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f["code"], "geometry": shapes.get(f["id"]), "properties": f} for f in figures]}


def first_walker(worker_ids: list[int], day) -> int | None:
    """The first of ``worker_ids`` (in their order) with a fix that day, so the map opens on a
    track rather than on "no track". An index probe per worker (the key is worker, time) until one
    answers, never a scan of the day's fixes.

    Asked district by district (a worker's fixes are in the worker's district, app.models.district.
    worker_district): on Citus each question then runs on one shard, which accepts the probe's
    correlated EXISTS over the list of workers (over every shard Citus refuses it)."""
    if not worker_ids:
        return None
    from app.models.district import default_district_code

    start = datetime.combine(day, datetime.min.time(), BEIJING)
    default = default_district_code()
    districts: dict[str, list[int]] = {}
    for worker_id, district in db.session.execute(text(
            "SELECT id, district_code FROM app_user WHERE id = ANY(CAST(:ids AS integer[]))"), {"ids": worker_ids}):
        districts.setdefault(district or default, []).append(worker_id)
    found = []
    for district, ids in districts.items():
        walker = db.session.execute(text(
            "SELECT w.id FROM unnest(CAST(:ids AS integer[])) WITH ORDINALITY AS w(id, n) "
            "WHERE EXISTS (SELECT 1 FROM patrol_fix f WHERE f.district_code = :district AND f.worker_id = w.id "
            "AND f.time >= :t_from AND f.time < :t_to) "
            "ORDER BY w.n LIMIT 1"), {"ids": [i for i in worker_ids if i in set(ids)], "district": district,
                                      "t_from": start, "t_to": start + timedelta(days=1)}).scalar()
        if walker is not None:
            found.append(walker)
    return min(found, key=worker_ids.index) if found else None


def track_collection(worker_id: int, day, *, limit: int = MAX_TRACK_FIXES) -> dict:
    """The worker's sessions that day: a LineString each (a Point for a lone fix),
    with the fix times (epoch milliseconds) for playback."""
    start = datetime.combine(day, datetime.min.time(), BEIJING)
    rows = db.session.execute(sql("patrols/track"), {"worker_id": worker_id, "t_from": start,
                                                     "t_to": start + timedelta(days=1), "limit": limit}).all()
    fixes = [Fix(worker_id, r.time, r.lon, r.lat, r.accuracy) for r in rows]
    features = []
    for n, s in enumerate(split_sessions(fixes), start=1):
        coords = [[round(float(x), 7), round(float(y), 7)] for x, y in s.points]
        geometry = ({"type": "LineString", "coordinates": coords} if len(coords) > 1
                    else {"type": "Point", "coordinates": coords[0]})
        features.append({"type": "Feature", "geometry": geometry, "properties": {
            "session": n, "start": s.start.astimezone(BEIJING).isoformat(timespec="seconds"),
            "end": s.end.astimezone(BEIJING).isoformat(timespec="seconds"),
            "fixes": s.fix_count, "distance_m": round(s.distance_m, 1), "duration_s": s.duration_s,
            "times": [int(t.timestamp() * 1000) for t in s.times]}})
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) >= limit}


# --------------------------------------------------------------------------- output coordinate system

def shift(collection_: dict, crs) -> dict:
    """Convert every position of a FeatureCollection from WGS-84 into ``crs`` (AMap tiles: gcj02), in place."""
    if crs is None or crs.is_wgs84:
        return collection_
    positions: list[list] = []

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            positions.append(coords)
        else:
            for c in coords or ():
                walk(c)

    for feature in collection_.get("features", []):
        if feature.get("geometry"):
            walk(feature["geometry"]["coordinates"])
    if not positions:
        return collection_
    xy = np.array([[p[0], p[1]] for p in positions], dtype=float)
    x, y = from_wgs84(xy[:, 0], xy[:, 1], crs)
    for p, a, b in zip(positions, np.atleast_1d(x), np.atleast_1d(y)):
        p[0], p[1] = round(float(a), 7), round(float(b), 7)
    return collection_
