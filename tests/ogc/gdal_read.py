"""Read one OAPIF layer with GDAL (pyogrio) in a process of its own, as ogr2ogr would; print JSON.

    python -m tests.ogc.gdal_read '{"url": "OAPIF:http://...", "layer": "grids-micro",
                                    "options": {"USERPWD": "..."}, "bbox": [...], "where": "...",
                                    "config": {"GDAL_HTTP_HEADERS": "..."}}'

pyogrio holds the GIL while GDAL downloads, so GDAL cannot read from a server
running in the test's own process: the tests run it here instead. Prints
``{"crs", "features": {code: [minx, miny, maxx, maxy]}}`` or ``{"error": ...}``.
"""
from __future__ import annotations

import json
import sys

import pyogrio
import shapely
from pyogrio.errors import DataSourceError
from pyogrio.raw import read


def main(spec: dict) -> dict:
    pyogrio.set_gdal_config_options(spec.get("config") or {})
    try:
        meta, _fids, geometry, fields = read(spec["url"], layer=spec["layer"], bbox=tuple(spec["bbox"])
                                             if spec.get("bbox") else None, where=spec.get("where"),
                                             **(spec.get("options") or {}))
    except DataSourceError as exc:
        return {"error": str(exc)}
    codes = fields[list(meta["fields"]).index("code")]
    shapes = shapely.from_wkb(geometry)
    return {"crs": meta["crs"], "features": {str(c): list(s.bounds) for c, s in zip(codes, shapes)}}


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
