"""The district's outline and grid lines for the report maps (/report, /m/report): QA R10.

No base tiles may be reachable (an intranet, GRIDMAP_TILES=none), so the
pin map alone is plain grey: these lines, from the published boundaries,
are what a resident or a worker orients by. One small document per
published version: lines not polygons (each shared edge once), simplified
to about 5 m, gzip-compressed once and kept in the process until a new
version is published; the browser keeps it too (ETag).
"""
from __future__ import annotations

import gzip
import json
from threading import Lock

from app.extensions import db
from app.models.boundary import published_version
from app.sqlfiles import sql

#: Simplification tolerance in degrees (~5 m): lines for orientation, not for judging a boundary.
TOLERANCE = 0.00005
#: The levels drawn, coarsest first (the page styles each).
LEVELS = ("district", "subdistrict", "community", "grid")

_cache: dict[int | None, tuple[bytes, bytes]] = {}
_lock = Lock()


def published_version_id() -> int | None:
    version = published_version()
    return version.id if version is not None else None


def document(version_id: int | None) -> tuple[bytes, bytes]:
    """``(json, gzip of json)`` of ``{"version", "levels": {level: GeoJSON geometry}}``."""
    with _lock:
        cached = _cache.get(version_id)
    if cached is not None:
        return cached
    levels = {row.level: json.loads(row.geometry)
              for row in db.session.execute(sql("resident/outlines"), {"tolerance": TOLERANCE})
              if row.geometry}
    body = json.dumps({"version": version_id, "levels": {k: levels[k] for k in LEVELS if k in levels}},
                      separators=(",", ":")).encode()
    out = (body, gzip.compress(body, 6))
    with _lock:
        _cache.clear()   # one version at a time
        _cache[version_id] = out
    return out
