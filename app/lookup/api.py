"""GET /api/v1/lookup?lon=&lat=[&crs=][&version=]"""
from __future__ import annotations

import math

from flask import Blueprint, request
from flask_babel import gettext as _

from app.api import params
from app.errors import ValidationError
from app.grids.versions import resolve
from app.lookup.service import lookup_point
from geo.crs import to_wgs84
from app.auth.guard import public
from app.security import rate_limited

api_bp = Blueprint("lookup_api", __name__, url_prefix="/api/v1")


@api_bp.get("/lookup")
@public
@rate_limited
def lookup():
    args = request.args
    crs = params.crs(args)
    geographic = crs.is_geographic
    lon = params.number(args, "lon", required=True, **({"lo": -180, "hi": 180} if geographic else {}))
    lat = params.number(args, "lat", required=True, **({"lo": -90, "hi": 90} if geographic else {}))
    x, y = to_wgs84(lon, lat, crs)
    x, y = float(x), float(y)
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise ValidationError(_("The coordinates do not convert to a point on Earth; check crs."),
                              {"field": "crs"})
    result = lookup_point(x, y, resolve(args.get("version")))
    result["submitted"] = {"lon": lon, "lat": lat, "crs": crs.label}
    return result
