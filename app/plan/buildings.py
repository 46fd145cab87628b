"""The buildings a planner can move between grids: the map layer of the draft editor, and the
buildings a move names (their sites, and those of their leaf grids' other buildings).

A building is the standard addresses sharing its compound (or road and door
number) and building name (``gridmap_building_key``, migration 0018). The
layer shows one point per building in the map view, with the leaf grid of
the draft that holds it; a building move (app.plan.edits.move_buildings_op)
names a building by any of its address ids.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import text

from app.errors import ValidationError
from app.extensions import db
from app.models import BoundaryVersion
from app.sqlfiles import sql

#: Buildings sent for one view; a wider view says "zoom in" instead of drawing a carpet of points.
MAX_BUILDINGS = 3000


def in_view(draft: BoundaryVersion, bbox: tuple[float, float, float, float]) -> dict:
    minx, miny, maxx, maxy = bbox
    rows = db.session.execute(sql("plan/buildings_in_view"), {
        "draft_id": draft.id, "base": draft.base_generation, "district_code": draft.district_code,
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


@dataclass(frozen=True)
class Picked:
    """A building picked for a move: its key, the leaf grid of the draft holding its site, where
    the site is (the centroid of all its addresses) and its households."""
    key: str
    leaf: str
    lon: float
    lat: float
    households: int


def picked(draft: BoundaryVersion, address_ids: list[int]) -> tuple[list[Picked], dict[str, dict]]:
    """The buildings named by ``address_ids``, and every building site of their leaf grids
    (leaf -> key -> lon/lat: what divides a leaf into plots). 422 ``invalid_edit`` for an unknown
    address, a compound or road listed with its own buildings, or a building outside every grid."""
    params = {"draft_id": draft.id, "base": draft.base_generation,
              "district_code": draft.district_code}
    known = dict(db.session.execute(text(
        "SELECT a.id, a.building IS NOT NULL OR EXISTS (SELECT 1 FROM household_address h WHERE h.district_code = :district_code AND h.id = a.id) "
        "FROM standard_address a WHERE a.id = ANY(CAST(:ids AS bigint[])) AND a.district_code = :district_code"),
        {"ids": address_ids, "district_code": params["district_code"]}).all())
    missing = [i for i in address_ids if i not in known]
    if missing:
        raise ValidationError(_("No standard address %(ids)s: pick the buildings on the map again.",
                                ids=", ".join(map(str, missing[:10]))),
                              {"field": "address_ids", "reason": "unknown_address", "ids": missing[:100]},
                              code="invalid_edit")
    not_buildings = [i for i in address_ids if not known[i]]
    if not_buildings:
        raise ValidationError(_("Address %(ids)s is a compound or a road with buildings of its own on record: "
                                "pick those buildings.", ids=", ".join(map(str, not_buildings[:10]))),
                              {"field": "address_ids", "reason": "not_a_building", "ids": not_buildings[:100]},
                              code="invalid_edit")
    rows = db.session.execute(sql("plan/building_sites"), {**params, "address_ids": address_ids}).all()
    outside = [row.key for row in rows if row.leaf is None]
    if outside:
        raise ValidationError(_("Building %(building)s lies outside every grid of this draft.", building=outside[0]),
                              {"field": "address_ids", "reason": "outside_grids"}, code="invalid_edit")
    chosen = [Picked(r.key, r.leaf, r.lon, r.lat, int(r.households)) for r in rows]
    sites: dict[str, dict] = {b.leaf: {} for b in chosen}
    for row in db.session.execute(sql("plan/leaf_buildings"), {**params, "leaves": sorted(sites)}):
        sites[row.leaf][row.key] = (row.lon, row.lat)
    for b in chosen:  # a picked building's site counts all its addresses, wherever they are
        sites[b.leaf][b.key] = (b.lon, b.lat)
    return chosen, sites
