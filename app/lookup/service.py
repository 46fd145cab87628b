"""Which grid is this point (or address, or grid code) in, and who answers for it."""
from __future__ import annotations

import json
import math
from collections import defaultdict

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, text

from app.errors import NotFound
from app.extensions import db
from app.grids.versions import Scope
from app.labels import LEVEL_LABELS, ROLE_LABELS, text as label_text, translated
from app.models import Grid, Staff, StaffAssignment
from app.models.boundary import VERSION_FIELDS, version_dict
from app.models.district import default_district_code
from app.sqlfiles import execute_prepared, sql

#: The farthest a client may ask neighbours for (metres): beyond it they are not "at the boundary".
#: The longest address a lookup takes (characters): the API's address=, the page's q=.
MAX_ADDRESS = 200
MAX_NEAR_M = 200.0
M_PER_DEGREE_LAT = 110_540.0
#: point_answer.sql runs prepared (planning it cost more than running it): its parameters' types.
_POINT_ANSWER_TYPES = {"lon": "float8", "lat": "float8", "generation": "integer", "draft_id": "integer",
                       "district_code": "varchar", "radius": "float8", "degrees": "float8",
                       "published_district": "varchar"}


def staff_by_code(codes) -> dict[str, list[dict]]:
    rows = db.session.execute(
        select(StaffAssignment.grid_code, StaffAssignment.role, Staff.name, Staff.phone, Staff.employment)
        .join(Staff, Staff.id == StaffAssignment.staff_id)
        .where(StaffAssignment.grid_code.in_(list(codes)), Staff.active)
        .order_by(StaffAssignment.grid_code, StaffAssignment.role, Staff.name)
    ).all()
    out: dict[str, list[dict]] = defaultdict(list)
    for code, role, name, phone, employment in rows:
        out[code].append({"name": name, "role": role, "role_label": label_text(ROLE_LABELS, role),
                          "phone": phone, "employment": employment})
    return out


def _grid_dict(g, staff, levels: dict[str, str]) -> dict:
    """``g``: a Grid, or a dict of the same fields (point_answer.sql); ``levels``: LEVEL_LABELS translated."""
    if isinstance(g, dict):
        return {**g, "level_label": levels.get(g["level"], g["level"]), "staff": staff.get(g["code"], [])}
    return {"id": g.id, "code": g.code, "name": g.name, "level": g.level,
            "level_label": levels.get(g.level, g.level), "kind": g.kind,
            "households": g.households, "population": g.population, "staff": staff.get(g.code, [])}


def _geometries(ids) -> dict[int, dict]:
    """GeoJSON of grids (6 decimals: ~0.1 m), for a small map of the answer."""
    rows = db.session.execute(text("SELECT id, ST_AsGeoJSON(geom, 6) FROM grid WHERE id = ANY(:ids)"),
                              {"ids": list(ids)}).all()
    return {i: json.loads(g) for i, g in rows}


def _degrees(near_m: float, lat: float) -> float:
    """Degrees at least ``near_m`` metres wide at ``lat``: longitude degrees shrink with latitude,
    so the box is sized on the wider of the two."""
    return near_m / (M_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01)) * 1.1


def default_near_m() -> float:
    return float(current_app.config.get("LOOKUP_NEIGHBOUR_M", 15.0))


def _answer(point: dict, scope: Scope, lineage, dedicated, neighbours, geometry: bool, loaded=None,
            version: dict | None = None) -> dict:
    """The lookup answer for a point already placed in ``lineage`` (+ dedicated, neighbours).

    ``loaded``: (grids by id, staff by code) already read; else they are read here.
    ``version``: the answer's version as a dict, when read already (else ``scope.version``'s).
    """
    near = dict(neighbours)
    if loaded is None:
        ids = list(lineage) + list(dedicated) + list(near)
        grids = {g.id: g for g in db.session.scalars(select(Grid).where(Grid.id.in_(ids)))}
        staff = staff_by_code(g.code for g in grids.values())
    else:
        grids, staff = loaded
    levels = translated(LEVEL_LABELS)
    chain = [_grid_dict(grids[i], staff, levels) for i in lineage]
    answer = {
        "point": point,
        "version": version if version is not None else scope.version.to_dict() if scope.version else None,
        "grid": chain[-1],
        "chain": chain,
        "dedicated": [_grid_dict(grids[i], staff, levels) for i in dedicated],
        "neighbours": [{**_grid_dict(grids[i], staff, levels), "distance_m": round(d, 1)} for i, d in neighbours],
    }
    if geometry:
        shapes = _geometries([chain[-1]["id"], *near])
        answer["grid"]["geometry"] = shapes.get(chain[-1]["id"])
        for n in answer["neighbours"]:
            n["geometry"] = shapes.get(n["id"])
    return answer


def lookup_point(lon: float, lat: float, scope: Scope | None, *, near_m: float | None = None,
                 geometry: bool = False) -> dict:
    """The grid chain from district to the finest grid at (lon, lat) in WGS-84.

    ``scope`` None: the published rows, as ``resolve(None)`` picks them, with the published version
    read by the same statement (the API's hot path: one round trip for the whole answer).

    ``neighbours``: other leaf grids within ``near_m`` metres (default
    ``LOOKUP_NEIGHBOUR_M``), when the point is that close to a boundary.
    Raises ``NotFound`` (404) with the nearest grid and its distance when the
    point is outside coverage.
    """
    published = scope is None
    if published:
        scope = Scope(None)  # the current published rows (resolve's Scope(published_version()))
    params = {"lon": lon, "lat": lat, **scope.params}
    near_m = default_near_m() if near_m is None else near_m
    # One statement, one round trip: chain, dedicated grids, neighbours, the grids with their staff
    # (and, for the published rows, their version).
    row = execute_prepared("lookup/point_answer", _POINT_ANSWER_TYPES, {
        **params, "radius": near_m, "degrees": _degrees(near_m, lat),
        "published_district": default_district_code() if published else None}).one()
    version = version_dict(_ReadVersion(row)) if published and row.v_id is not None else None
    lineage = row.lineage
    if not lineage:
        nearest = db.session.execute(sql("lookup/nearest"), params).first()
        details = {"lon": lon, "lat": lat, "nearest": None}
        if nearest is not None:
            details["nearest"] = {"code": nearest.code, "name": nearest.name, "level": nearest.level,
                                  "distance_m": round(float(nearest.distance_m), 1)}
            message = _("This point is outside every grid; the nearest grid is %(name)s (%(code)s), "
                        "%(distance)s m away.", name=nearest.name, code=nearest.code,
                        distance=round(float(nearest.distance_m)))
        else:
            message = _("This point is outside every grid, and no grids are loaded yet.")
        raise NotFound(message, details, code="out_of_coverage")
    grids = {g["id"]: g for g in row.grids}
    roles = translated(ROLE_LABELS)
    staff = {g["code"]: [{**s, "role_label": roles.get(s["role"], s["role"])} for s in g.pop("staff")]
             for g in row.grids}
    near = [(i, float(d)) for i, d in row.neighbours]
    return _answer({"lon": lon, "lat": lat}, scope, lineage, row.dedicated, near, geometry, (grids, staff),
                   version)


class _ReadVersion:
    """A version's fields as point_answer.sql read them (its ``v_`` columns)."""

    def __init__(self, row):
        for field in VERSION_FIELDS:
            setattr(self, field, getattr(row, f"v_{field}"))


def lookup_code(code: str, scope: Scope, *, geometry: bool = False) -> dict:
    """The chain of the grid with ``code`` (a point inside it stands for "here")."""
    row = db.session.execute(sql("lookup/grid_by_code"), {"code": code, **scope.params}).first()
    if row is None:
        raise NotFound(_("No grid with code %(code)s.", code=code[:20]), {"field": "code"})
    if row.kind == "dedicated":
        # A dedicated grid overlays the tiling: its chain is its parent's, it is the answer itself.
        answer = _answer({"lon": row.lon, "lat": row.lat}, scope, list(row.lineage), [row.id], [], False)
        answer["grid"] = answer["dedicated"][0]
        if geometry:
            answer["grid"]["geometry"] = _geometries([row.id]).get(row.id)
        return answer
    return _answer({"lon": row.lon, "lat": row.lat}, scope, list(row.lineage), [], [], geometry)


def _unplaced(scope: Scope) -> dict:
    return {"point": None, "version": scope.version.to_dict() if scope.version else None, "grid": None,
            "chain": [], "dedicated": [], "neighbours": []}


def lookup_address(query: str | None, scope: Scope, *, address_id: int | None = None, near_m: float | None = None,
                   geometry: bool = False) -> dict:
    """Geocode ``query`` (or take standard address ``address_id``) and answer as for its point.

    Only a ``matched`` geocode gets a grid; ``ambiguous`` and ``unmatched``
    answer with the candidates and no grid (never a guess).
    """
    from app.addresses import geocoding
    from app.auth.scope import actor_district

    # A district's user looks up in their district's library; anyone else across the city
    # (app.addresses.geocoding.City.districts_for).
    own = actor_district()
    if address_id is not None:
        entry = geocoding.by_id(address_id, own)
        if entry is None:
            raise NotFound(_("No standard address %(id)s.", id=address_id), {"field": "address_id"})
        found = geocoding.Geocoded(entry.text, geocoding.MATCHED, "picked", 1.0, "library", entry.brief(),
                                   [{**entry.brief(), "score": 1.0, "conflict": None}], entry.parts,
                                   entry.lon, entry.lat, entry.id, entry.district_code)
    else:
        found = geocoding.geocode_in_city(query or "", district_code=own)
    answer = _unplaced(scope)
    answer["out_of_coverage"] = False
    if found.status == geocoding.MATCHED:
        try:
            answer.update(lookup_point(found.lon, found.lat, scope, near_m=near_m, geometry=geometry))
        except NotFound as exc:
            if exc.code != "out_of_coverage":
                raise
            answer["point"] = {"lon": found.lon, "lat": found.lat}
            answer["out_of_coverage"] = True
    answer["match"] = found.to_dict()
    return answer
