"""GET /api/v1/lookup?lon=&lat=[&crs=] | ?address= | ?address_id= | ?code= [&version=][&near=][&geometry=]"""
from __future__ import annotations

import math

from flask import Blueprint, request
from flask_babel import gettext as _

from app.api import params
from app.errors import ValidationError
from app.grids.versions import PUBLISHED, resolve
from app.lookup.service import MAX_ADDRESS, MAX_NEAR_M, lookup_address, lookup_code, lookup_point
from geo.crs import to_wgs84
from app.auth.guard import public
from app.security import rate_limited

api_bp = Blueprint("lookup_api", __name__, url_prefix="/api/v1")


def _mode(args) -> str:
    given = [name for name, present in (
        ("point", args.get("lon") not in (None, "") or args.get("lat") not in (None, "")),
        ("address", args.get("address") not in (None, "")),
        ("address_id", args.get("address_id") not in (None, "")),
        ("code", args.get("code") not in (None, ""))) if present]
    if len(given) != 1:
        raise ValidationError(_("Ask with exactly one of: lon and lat, address, address_id, or code."),
                              {"field": "lon" if not given else given[-1]})
    return given[0]


@api_bp.get("/lookup")
@public
@rate_limited
def lookup():
    args = request.args
    mode = _mode(args)
    near = params.number(args, "near", lo=0, hi=MAX_NEAR_M)
    geometry = bool(params.flag(args, "geometry"))
    # version= (an id) or at= (a date: the version in effect then); drafts only for planners.
    # Neither, for a point: None, the published rows, whose version lookup_point reads with its answer.
    scope = None if (mode == "point" and args.get("version") in PUBLISHED and args.get("at") in (None, "")) \
        else resolve(args.get("version"), args.get("at"), guard=True)
    if mode == "address":
        address = args["address"].strip()
        if len(address) > MAX_ADDRESS:
            raise ValidationError(_("address is too long: at most %(n)s characters.", n=MAX_ADDRESS),
                                  {"field": "address"})
        return lookup_address(address, scope, near_m=near, geometry=geometry)
    if mode == "address_id":
        address_id = params.integer(args, "address_id", lo=1, hi=2**62)
        return lookup_address(None, scope, address_id=address_id, near_m=near,
                              geometry=geometry)
    if mode == "code":
        code = args["code"].strip()
        if not code.isdigit() or len(code) > 17:
            raise ValidationError(_("code must be a grid code (6 to 17 digits)."), {"field": "code",
                                                                                   "value": code[:20]})
        return lookup_code(code, scope, geometry=geometry)
    crs = params.crs(args)
    geographic = crs.is_geographic
    lon = params.number(args, "lon", required=True, **({"lo": -180, "hi": 180} if geographic else {}))
    lat = params.number(args, "lat", required=True, **({"lo": -90, "hi": 90} if geographic else {}))
    x, y = to_wgs84(lon, lat, crs)
    x, y = float(x), float(y)
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise ValidationError(_("The coordinates do not convert to a point on Earth; check crs."),
                              {"field": "crs"})
    result = lookup_point(x, y, scope, near_m=near, geometry=geometry)
    result["submitted"] = {"lon": lon, "lat": lat, "crs": crs.label}
    return result
