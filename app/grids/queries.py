"""Named read queries over grids."""
from __future__ import annotations

import json

import shapely
from sqlalchemy import func, select

from app.extensions import db
from app.grids.versions import Scope
from app.labels import LEVEL_LABELS, ROLE_LABELS
from app.models import Grid
from app.sqlfiles import sql
from geo.crs import geometry_from_wgs84

#: Highest zoom at which simplification still pays; beyond it send full detail.
MAX_SIMPLIFY_ZOOM = 18


def tolerance_for_zoom(zoom: int) -> float:
    """Half a screen pixel in degrees at ``zoom`` (256-px tiles): invisible simplification."""
    return 360.0 / (256 * 2 ** zoom) / 2


def _labels(mapping: dict) -> str:
    return json.dumps({k: str(v) for k, v in mapping.items()}, ensure_ascii=False)


def export_features(scope: Scope, *, level=None, kind=None, parent=None, code=None, bbox=None, tolerance=None,
                    limit=None, out_crs=None) -> str:
    """A GeoJSON FeatureCollection as text, built in PostGIS so large levels stay fast."""
    minx, miny, maxx, maxy = bbox if bbox else (None, None, None, None)
    rows = db.session.execute(sql("grids/export_features"), {
        **scope.params, "level": level, "kind": kind, "parent": parent, "code": code, "tolerance": tolerance,
        "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy, "limit": limit,
        "level_labels": _labels(LEVEL_LABELS), "role_labels": _labels(ROLE_LABELS),
    }).scalars().all()
    if out_crs is not None and not out_crs.is_wgs84:
        rows = [_shift_feature(r, out_crs) for r in rows]
    return feature_collection(rows)


def feature_collection(rows: list[str]) -> str:
    return '{"type":"FeatureCollection","features":[' + ",".join(rows) + "]}"


def _shift_feature(feature_text: str, out_crs) -> str:
    # Only for AMap base tiles: draw overlays in GCJ-02 so they sit on the tiles.
    feature = json.loads(feature_text)
    geom = shapely.from_geojson(json.dumps(feature["geometry"]))
    feature["geometry"] = json.loads(shapely.to_geojson(geometry_from_wgs84(geom, out_crs)))
    return json.dumps(feature, ensure_ascii=False)


def counts_by_level(scope: Scope):
    """(level, kind, grids, staffed) for the home page figures."""
    from app.models import StaffAssignment

    staffed = select(StaffAssignment.grid_code).distinct().scalar_subquery()
    in_scope = scope.grid_filter()
    return db.session.execute(
        select(Grid.level, Grid.kind, func.count(),
               func.count().filter(Grid.code.in_(staffed)))
        .where(in_scope).group_by(Grid.level, Grid.kind)
    ).all()


def district_center(scope: Scope):
    """(lat, lon) of the centre of the grids, for centring maps."""
    row = db.session.execute(
        select(func.ST_Y(func.ST_Centroid(func.ST_Extent(Grid.geom))),
               func.ST_X(func.ST_Centroid(func.ST_Extent(Grid.geom))))
        .where(Grid.generation_high.is_(None), Grid.draft_id.is_(None), Grid.level == "district")
    ).first()
    return (row[0], row[1]) if row and row[0] is not None else None


def city_outline() -> dict | None:
    """The city's outline: the union of every district's current root grid (for the city map), as
    ``{"geometry": GeoJSON, "districts": [codes]}``; None while no district has boundaries."""
    row = db.session.execute(sql("grids/city_outline")).one()
    if row.geometry is None:
        return None
    return {"geometry": json.loads(row.geometry), "districts": list(row.districts)}
