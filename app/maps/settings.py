"""Settings every map page shares: the JSON API's URLs, the start centre, the base tiles."""
from __future__ import annotations

from flask import current_app, request

from app.auth.scope import actor_district
from app.districts import settings as district_settings
from app.security import use_tile_hosts


def api_url(path: str) -> str:
    # Relative to the app's mount point, so a reverse proxy prefix still works.
    return f"{request.script_root}/api/v1/{path}"


def center_setting(value) -> tuple[float, float]:
    # From the environment it arrives as "lat,lon".
    if isinstance(value, str):
        lat, lon = (float(x) for x in value.split(","))
        return lat, lon
    return tuple(value)


def map_settings(district_code: str | None = None) -> dict:
    """``tiles`` is a preset's name, or an own TileSource (GRIDMAP_TILES=xyz/wmts): those of the signed-in
    user's district (app.districts.settings), or of ``district_code`` for a page that is about one; the
    deployment's for a city user. The page's Content-Security-Policy lets the browser load them."""
    cfg = current_app.config
    base = district_settings.tiles(district_code or actor_district())
    use_tile_hosts(base.hosts)
    return {
        "center": center_setting(cfg.get("MAP_CENTER", (34.748, 113.61))),
        "tiles": base.layer,
        "tianditu_key": base.tianditu_key,
    }
