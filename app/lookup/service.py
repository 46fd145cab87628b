"""Which grid is this point in, and who answers for it."""
from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.grids.versions import Scope
from app.labels import LEVEL_LABELS, ROLE_LABELS, text as label_text
from app.models import Grid, Staff, StaffAssignment
from app.sqlfiles import sql


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


def _grid_dict(g: Grid, staff) -> dict:
    return {"id": g.id, "code": g.code, "name": g.name, "level": g.level,
            "level_label": label_text(LEVEL_LABELS, g.level), "kind": g.kind,
            "households": g.households, "population": g.population, "staff": staff.get(g.code, [])}


def lookup_point(lon: float, lat: float, scope: Scope) -> dict:
    """The grid chain from district to the finest grid at (lon, lat) in WGS-84.

    Raises ``NotFound`` (404) with the nearest grid and its distance when the
    point is outside coverage.
    """
    params = {"lon": lon, "lat": lat, **scope.params}
    lineage, dedicated = db.session.execute(sql("lookup/chain_at"), params).one()
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
    ids = list(lineage) + list(dedicated)
    grids = {g.id: g for g in db.session.scalars(select(Grid).where(Grid.id.in_(ids)))}
    staff = staff_by_code(g.code for g in grids.values())
    chain = [_grid_dict(grids[i], staff) for i in lineage]
    return {
        "point": {"lon": lon, "lat": lat},
        "version": scope.version.to_dict() if scope.version else None,
        "grid": chain[-1],
        "chain": chain,
        "dedicated": [_grid_dict(grids[i], staff) for i in dedicated],
    }
