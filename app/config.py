"""Configuration from the environment (``GRIDMAP_`` prefix, plus ``DATABASE_URL``)."""
from __future__ import annotations

import os

#: Base map choices for every folium page. "none" works on an intranet with no internet.
TILE_CHOICES = ("none", "osm", "tianditu", "amap")


class Config:
    SECRET_KEY = "dev-only-change-me"
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")
    JSON_AS_ASCII = False
    # The district this instance serves (GB/T 2260 code); every large table carries it.
    DISTRICT_CODE = "410102"
    TILES = "none"
    TIANDITU_KEY = ""
    # Request limits; hostile-input hardening builds on these.
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    MAX_IMPORT_FEATURES = 50_000
    MAX_IMPORT_ROWS = 200_000
    # Default map centre (Zhongyuan district, WGS-84) before any grid is loaded.
    MAP_CENTER = (34.748, 113.61)


def from_environment() -> dict:
    """Settings read from ``GRIDMAP_*`` variables; ``DATABASE_URL`` picks the database."""
    cfg: dict = {}
    for key, value in os.environ.items():
        if key.startswith("GRIDMAP_") and key != "GRIDMAP_INSTANCE_DIR":
            cfg[key.removeprefix("GRIDMAP_")] = value
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs say postgres://, SQLAlchemy wants postgresql://
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        cfg["SQLALCHEMY_DATABASE_URI"] = url
    return cfg
