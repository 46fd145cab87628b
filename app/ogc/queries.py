"""Read queries behind the OGC API collections (GeoJSON built in PostGIS)."""
from __future__ import annotations

import json
from dataclasses import dataclass

from app.extensions import db
from app.grids.versions import Scope
from app.ogc import crs as crs_
from app.ogc.catalog import CollectionRef
from app.sqlfiles import sql


@dataclass(frozen=True)
class Page:
    number_matched: int
    number_returned: int
    #: The features as one JSON array, ready to splice into the response.
    features_json: str


@dataclass(frozen=True)
class Extent:
    grids: int
    bbox: tuple[float, float, float, float]


def items(ref: CollectionRef, scope: Scope, *, area: str | None = None, limit: int, offset: int = 0,
          code: str | None = None, properties: dict | None = None, crs: crs_.Crs = crs_.CRS84) -> Page:
    """One page of grids; ``properties``: equality filters on the queryables (``name``, ``parent_code``)."""
    wanted = {"name": None, "parent_code": None, **(properties or {})}
    if code is None:
        code = wanted.pop("code", None)
    wanted.pop("code", None)
    row = db.session.execute(sql("ogc/items"), {
        **scope.params, **ref.filters, **wanted, **crs.query_params(), "area": area, "code": code,
        "limit": limit, "offset": offset,
    }).one()
    return Page(row.number_matched, row.number_returned, row.features)


def feature(ref: CollectionRef, scope: Scope, code: str, crs: crs_.Crs = crs_.CRS84) -> dict | None:
    found = json.loads(items(ref, scope, code=code, limit=1, crs=crs).features_json)
    return found[0] if found else None


def extents(scope: Scope, district: str | None = None) -> dict[str, Extent]:
    """Grids and extent per bucket of one version (buckets without grids are absent), in ``district``
    (None: every district)."""
    rows = db.session.execute(sql("ogc/extents"), {**scope.params, "district": district}).all()
    return {r.bucket: Extent(r.grids, (r.minx, r.miny, r.maxx, r.maxy)) for r in rows}
