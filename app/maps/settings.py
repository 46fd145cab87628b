"""Settings every map page shares: the JSON API's URLs, the start centre, the base tiles."""
from __future__ import annotations

from flask import current_app, request

from app import tiles


def api_url(path: str) -> str:
    # Relative to the app's mount point, so a reverse proxy prefix still works.
    return f"{request.script_root}/api/v1/{path}"


def center_setting(value) -> tuple[float, float]:
    # From the environment it arrives as "lat,lon".
    if isinstance(value, str):
        lat, lon = (float(x) for x in value.split(","))
        return lat, lon
    return tuple(value)


def map_settings() -> dict:
    """``tiles`` is a preset's name, or the district's own TileSource (GRIDMAP_TILES=xyz/wmts)."""
    cfg = current_app.config
    return {
        "center": center_setting(cfg.get("MAP_CENTER", (34.748, 113.61))),
        "tiles": tiles.source(cfg) or cfg.get("TILES", "none"),
        "tianditu_key": cfg.get("TIANDITU_KEY", ""),
    }
