"""Coordinate reference systems of /ogc: OGC API - Features Part 2 (CRS by Reference).

Grids are stored in WGS 84 longitude/latitude (PostGIS SRID 4326), so the
storage CRS announced is CRS84, and a client that asks for nothing gets
exactly what is stored. On request (``crs``) the features come in EPSG:4326,
CGCS2000 (EPSG:4490, Tianditu's) or CGCS2000 / 3-degree Gauss-Krüger CM 114E
(EPSG:4547, which Zhengzhou's survey and CAD data use), transformed by PostGIS;
a ``bbox`` may be given in any of them (``bbox-crs``).

Axis order follows each CRS's own definition, as Part 2 requires for both
the coordinates sent (/req/crs/crs-action) and the bbox read
(/req/crs/bbox-crs-action): CRS84 is longitude, latitude; EPSG:4326 and
4490 are latitude, longitude; EPSG:4547 is northing, easting. GDAL's OAPIF
driver expects exactly that (its SERVER_FEATURE_AXIS_ORDER default,
AUTHORITY_COMPLIANT) and turns them back to x/y for GIS use. Every features
response names its CRS in the ``Content-Crs`` header (/req/crs/ogc-crs-header).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import pyproj
import shapely
from flask_babel import gettext as _

from app.errors import ValidationError
from geo.crs import geometry_to_wgs84

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/"
#: The EPSG codes offered besides CRS84 (add one here to offer it everywhere).
EPSG_CODES = (4326, 4490, 4547)


@dataclass(frozen=True)
class Crs:
    uri: str
    #: The PostGIS/EPSG code the coordinates are made in.
    srid: int
    #: True when the CRS's first axis points north (latitude or northing first).
    north_first: bool
    geographic: bool

    @property
    def digits(self) -> int:
        # Full precision in degrees (as stored); a tenth of a millimetre in metres.
        return 9 if self.geographic else 4

    @property
    def header(self) -> str:
        """The ``Content-Crs`` header value."""
        return f"<{self.uri}>"

    def query_params(self) -> dict:
        """Bound parameters of the items query (app/ogc/sql/items.sql)."""
        return {"srid": self.srid, "north_first": self.north_first, "digits": self.digits}


@lru_cache(maxsize=None)
def _epsg(code: int) -> Crs:
    crs = pyproj.CRS.from_epsg(code)
    return Crs(_EPSG_URI + str(code), code, crs.axis_info[0].direction in ("north", "south"), crs.is_geographic)


CRS84 = Crs(CRS84_URI, 4326, False, True)
#: The storage CRS (/req/crs/storageCrs-valid-value): what PostGIS holds, longitude first.
STORAGE = CRS84


def supported() -> tuple[Crs, ...]:
    return (CRS84, *(_epsg(code) for code in EPSG_CODES))


def uris() -> list[str]:
    return [c.uri for c in supported()]


def _by_name(raw: str) -> Crs | None:
    name = raw.strip()
    if name.startswith("https://"):
        name = "http://" + name.removeprefix("https://")
    if name.startswith("[") and name.endswith("]"):  # a safe CURIE, [EPSG:4547]
        name = name[1:-1]
    for crs in supported():
        code = crs.uri.rsplit("/", 1)[-1]
        if name in (crs.uri, f"EPSG:{code}" if crs is not CRS84 else "OGC:CRS84"):
            return crs
    return None


def parse(args, field: str) -> Crs:
    """The CRS named by ``field`` (``crs`` or ``bbox-crs``); CRS84 when absent. Unknown: a 400."""
    raw = args.get(field)
    if raw in (None, ""):
        return CRS84
    found = _by_name(raw)
    if found is None:
        raise ValidationError(_("%(field)s must be one of the CRS URIs this collection lists: %(allowed)s.",
                                field=field, allowed=", ".join(uris())),
                              {"field": field, "value": raw[:120]})
    return found


def bbox_area(args, bbox_crs: Crs) -> str | None:
    """``bbox`` given in ``bbox_crs`` (in that CRS's axis order) as WKT of the WGS 84 area it covers.

    CRS84 is read by app.ogc.params.bbox_area. A box in another CRS is put
    into longitude/easting-first order, checked, and for a projected CRS
    densified before it is transformed, so its curved outline in WGS 84 is
    followed closely rather than cut across.
    """
    from app.ogc import params

    raw = args.get("bbox")
    if raw in (None, "") or bbox_crs is CRS84:
        return params.bbox_area(args)
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        values = []
    if len(values) not in (4, 6) or not all(math.isfinite(v) for v in values):
        _bad_bbox(bbox_crs, raw)
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    lo1, lo2, hi1, hi2 = values
    if bbox_crs.north_first:
        lo1, lo2, hi1, hi2 = lo2, lo1, hi2, hi1
    west, south, east, north = lo1, lo2, hi1, hi2
    if bbox_crs.geographic:
        # Degrees: the CRS84 rules (ranges, the antimeridian) apply once the axes are in that order.
        return params.bbox_area({"bbox": f"{west!r},{south!r},{east!r},{north!r}"})
    if not (west <= east and south <= north):
        _bad_bbox(bbox_crs, raw)
    box = shapely.box(west, south, east, north)
    if box.area > 0:
        box = shapely.segmentize(box, max(east - west, north - south) / 32)
    area = geometry_to_wgs84(box, bbox_crs.srid)
    if not shapely.is_valid(area) or not all(math.isfinite(v) for v in area.bounds):
        _bad_bbox(bbox_crs, raw)
    return shapely.to_wkt(area, rounding_precision=-1)


def _bad_bbox(bbox_crs: Crs, raw: str):
    order = _("northing, easting") if not bbox_crs.geographic else _("latitude, longitude")
    if not bbox_crs.north_first:
        order = _("easting, northing") if not bbox_crs.geographic else _("longitude, latitude")
    raise ValidationError(_("bbox must be four numbers, the lower corner then the upper corner in the axis order "
                            "of bbox-crs (%(crs)s: %(order)s).", crs=bbox_crs.uri, order=order),
                          {"field": "bbox", "value": raw[:80]})
