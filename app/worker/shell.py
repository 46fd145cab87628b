"""What the service worker keeps so the app opens with no network: the shell pages and their assets.

The assets are the files under /static/ the phone pages link (the vendored
Leaflet and folium assets of the pin map included). The service worker's
version is a hash of those files: a deployment that changes any of them
changes /m/sw.js, the browser installs the new worker, and it replaces the
old cache.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app, url_for

from app.maps.assets import MAP_CSS, MAP_JS, PLUGINS

#: Our own files every phone page uses (relative to static/).
OWN_ASSETS = (
    "vendor/bootstrap/css/bootstrap.min.css", "css/gridmap.css", "css/gridmap-worker.css", "img/gridmap.svg",
    "img/worker-192.png", "img/worker-512.png",
    "js/core.js", "js/gcj.js", "js/pin-map.js", "js/address-suggest.js", "js/photo.js", "js/form-errors.js",
    "js/worker/app.js", "js/worker/outbox.js", "js/worker/tasks.js", "js/worker/report.js",
    "js/worker/patrol.js",
)
#: The shell pages, by endpoint.
PAGES = ("worker.tasks_page", "worker.report_page", "worker.patrol_page")


def _static_root() -> Path:
    return Path(current_app.static_folder)


def _map_assets() -> list[str]:
    from folium import plugins

    urls = [u for _n, u in MAP_JS] + [u for _n, u in MAP_CSS]
    js, css = PLUGINS[plugins.Fullscreen]
    urls += [u for _n, u in js] + [u for _n, u in css]
    return [u.removeprefix("/static/") for u in urls]


def asset_paths() -> list[str]:
    """Files under static/ to keep, those that exist (a missing one would fail the whole install)."""
    root = _static_root()
    return [p for p in dict.fromkeys([*OWN_ASSETS, *_map_assets()]) if (root / p).is_file()]


def precache_urls() -> list[str]:
    return [url_for("static", filename=p) for p in asset_paths()]


def page_urls() -> list[str]:
    return [url_for(endpoint) for endpoint in PAGES]


@lru_cache(maxsize=4)
def _version(root: str, paths: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for p in paths:
        digest.update(p.encode("utf-8"))
        digest.update((Path(root) / p).read_bytes())
    return digest.hexdigest()[:16]


def version() -> str:
    return _version(str(_static_root()), tuple(asset_paths()))
