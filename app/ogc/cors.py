"""Cross-origin reads of /ogc (GRIDMAP_OGC_CORS_ORIGINS), for web maps served from other origins.

Off by default. ``*`` lets any origin read; a comma-separated list names the
origins that may. Credentials never travel by CORS (no cookies): a web map
sends an API token itself, in the Authorization header, which preflight
requests are told they may carry. The ``Content-Crs`` header is exposed so
the page can read which CRS the coordinates are in.
"""
from __future__ import annotations

from flask import Flask
from flask_cors import CORS

#: Request paths covered: /ogc and everything under it.
PATHS = r"^/ogc(/.*)?$"


def origins(setting: str) -> list[str] | str | None:
    """The origins ``GRIDMAP_OGC_CORS_ORIGINS`` allows: None (CORS off), ``"*"`` or a list.

    >>> origins(""), origins(" * "), origins("https://a.example, https://b.example/")
    (None, '*', ['https://a.example', 'https://b.example'])
    """
    setting = (setting or "").strip()
    if not setting:
        return None
    if setting == "*":
        return "*"
    return [o.strip().rstrip("/") for o in setting.split(",") if o.strip()]


def init_app(app: Flask) -> None:
    allowed = origins(app.config.get("OGC_CORS_ORIGINS", ""))
    if allowed is None:
        return
    CORS(app, resources={PATHS: {"origins": allowed}}, methods=["GET", "HEAD", "OPTIONS"],
         allow_headers=["Authorization", "Accept", "Accept-Language"], expose_headers=["Content-Crs"],
         supports_credentials=False, max_age=600, vary_header=True)
