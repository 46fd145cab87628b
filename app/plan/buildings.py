"""The buildings a planner can move between grids, as a map layer of the draft editor.

A building is the standard addresses sharing its compound (or road and door
number) and building name (``gridmap_building_key``, migration 0018). The
layer shows one point per building in the map view, with the leaf grid of
the draft that holds it; a building move (app.plan.edits.move_buildings_op)
names a building by any of its address ids.
"""
from __future__ import annotations

from flask import current_app

from app.extensions import db
from app.models import BoundaryVersion
from app.sqlfiles import sql

#: Buildings sent for one view; a wider view says "zoom in" instead of drawing a carpet of points.
MAX_BUILDINGS = 3000


def in_view(draft: BoundaryVersion, bbox: tuple[float, float, float, float]) -> dict:
    minx, miny, maxx, maxy = bbox
    rows = db.session.execute(sql("plan/buildings_in_view"), {
        "draft_id": draft.id, "base": draft.base_generation, "district_code": current_app.config["DISTRICT_CODE"],
        "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy, "limit": MAX_BUILDINGS}).all()
    truncated = len(rows) > MAX_BUILDINGS
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(r.lon, 7), round(r.lat, 7)]},
        "properties": {"key": r.key, "address_id": r.address_id, "addresses": r.addresses,
                       "households": r.households, "label": _label(r.place, r.building), "grid": r.grid},
    } for r in rows[:MAX_BUILDINGS]]
    return {"type": "FeatureCollection", "features": [] if truncated else features, "truncated": truncated,
            "limit": MAX_BUILDINGS}


def _label(place: str | None, building: str | None) -> str:
    # Addresses are Chinese whatever the UI language: 绿城小区3号楼, 建设路12号.
    return (place or "") + (f"{building}号楼" if building else "")
