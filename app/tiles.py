"""Base maps from a district's own tile server (GRIDMAP_TILES=xyz or wmts).

Besides the presets (none, osm, tianditu, amap), a district on an intranet
(政务外网) points GridMap at its own tiles:

- ``xyz``: ``GRIDMAP_TILES_URL`` is a tile URL template with ``{z}``, ``{x}``,
  ``{y}`` (or ``{-y}`` for TMS) and optionally ``{s}`` (``GRIDMAP_TILES_SUBDOMAINS``);
- ``wmts``: ``GRIDMAP_TILES_URL`` is a WMTS service's KVP endpoint (GeoServer's
  ``.../gwc/service/wmts``, an intranet Tianditu's ``.../vec_w/wmts``), with
  ``GRIDMAP_TILES_LAYER``, ``GRIDMAP_TILES_MATRIX_SET`` and, when its tile
  matrices are not named 0, 1, 2 ..., ``GRIDMAP_TILES_MATRIX`` (GeoServer's
  ``EPSG:900913:{z}``). The matrix set must be Web Mercator
  (GoogleMapsCompatible, EPSG:3857/900913, Tianditu's ``w``): the maps are.

``GRIDMAP_TILES_CRS`` says what the tiles are drawn in: ``wgs84`` (WGS-84 or
CGCS2000, the same at map scale) or ``gcj02``, whose tiles are moved under the
WGS-84 data as the AMap preset's are. A template may also be a path on
GridMap's own host (``/basemap/{z}/{x}/{y}.png`` behind the same proxy).

Pure: no Flask here. ``source`` reads the settings, ``check`` refuses bad ones
at start-up, ``csp_hosts`` tells the Content-Security-Policy where tiles come
from.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlencode, urlsplit

#: Kinds of GRIDMAP_TILES that name the district's own server.
OWN = ("xyz", "wmts")
#: What GRIDMAP_TILES_CRS may say.
TILE_CRS = ("wgs84", "gcj02")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
#: Placeholders Leaflet fills in a tile URL (any other one stops the map).
_KNOWN = {"s", "x", "y", "z", "-y", "r"}


@dataclass(frozen=True)
class TileSource:
    """One tile layer the maps draw under the data."""

    url: str
    attribution: str = ""
    gcj02: bool = False
    subdomains: str = "abc"
    name: str = ""


class TileSettingError(ValueError):
    """A tile setting GridMap cannot use; the message names the setting and the fix.

    ``code`` says which rule was broken and ``setting`` which setting (``TILES_URL`` ...), so a
    district's settings page (app.districts.settings) can say the same in its own words."""

    def __init__(self, message: str, code: str = "", setting: str = "", **params):
        super().__init__(message)
        self.code, self.setting, self.params = code, setting, params


def _setting(cfg: Mapping, name: str) -> str:
    return str(cfg.get(name) or "").strip()


def wmts_template(cfg: Mapping) -> str:
    """The KVP GetTile URL of a WMTS layer as a Leaflet template (tile row = y, column = x)."""
    query = urlencode({
        "SERVICE": "WMTS", "REQUEST": "GetTile", "VERSION": "1.0.0",
        "LAYER": _setting(cfg, "TILES_LAYER"), "STYLE": _setting(cfg, "TILES_STYLE") or "default",
        "TILEMATRIXSET": _setting(cfg, "TILES_MATRIX_SET"),
        "FORMAT": _setting(cfg, "TILES_FORMAT") or "image/png",
    })
    matrix = (_setting(cfg, "TILES_MATRIX") or "{z}").replace("{z}", "\0")
    # Leaflet fills the braces; everything else is URL-encoded once, here.
    tail = urlencode({"TILEMATRIX": matrix}).replace("%00", "{z}") + "&TILEROW={y}&TILECOL={x}"
    base = _setting(cfg, "TILES_URL")
    return f"{base}{'&' if '?' in base else '?'}{query}&{tail}"


def source(cfg: Mapping) -> TileSource | None:
    """The district's own tile layer when GRIDMAP_TILES is xyz or wmts, else None (a preset)."""
    kind = _setting(cfg, "TILES")
    if kind not in OWN:
        return None
    url = wmts_template(cfg) if kind == "wmts" else _setting(cfg, "TILES_URL")
    return TileSource(url=url, attribution=_setting(cfg, "TILES_ATTRIBUTION"),
                      gcj02=_setting(cfg, "TILES_CRS").lower() == "gcj02",
                      subdomains=_setting(cfg, "TILES_SUBDOMAINS") or "abc",
                      name=_setting(cfg, "TILES_NAME"))


def check(cfg: Mapping) -> None:
    """Refuse, at start-up, tile settings that would only leave the maps blank later.

    >>> check({"TILES": "xyz", "TILES_URL": "http://10.1.2.3/tiles/{z}/{x}/{y}.png"})
    >>> check({"TILES": "xyz", "TILES_URL": "http://10.1.2.3/tiles/{z}/{col}/{row}.png"})
    Traceback (most recent call last):
    ...
    app.maps.tiles.TileSettingError: GRIDMAP_TILES_URL has {col}, {row}: a template may use {z}, {x}, {y} (or {-y}) and {s}
    """
    kind = _setting(cfg, "TILES")
    if kind not in OWN:
        return
    url = _setting(cfg, "TILES_URL")
    if not url:
        raise TileSettingError(f"GRIDMAP_TILES={kind} needs GRIDMAP_TILES_URL (" + (
            "a tile URL template such as http://10.1.2.3/tiles/{z}/{x}/{y}.png)" if kind == "xyz" else
            "the WMTS service URL, such as http://10.1.2.3/geoserver/gwc/service/wmts)"), "required", "TILES_URL")
    crs = _setting(cfg, "TILES_CRS").lower()
    if crs and crs not in TILE_CRS:
        raise TileSettingError(f"GRIDMAP_TILES_CRS={crs!r}: use wgs84 (WGS-84 or CGCS2000 tiles) or gcj02 "
                               "(tiles drawn in GCJ-02, as AMap's)", "crs", "TILES_CRS")
    if kind == "wmts":
        missing = [f"GRIDMAP_{n}" for n in ("TILES_LAYER", "TILES_MATRIX_SET") if not _setting(cfg, n)]
        if missing:
            raise TileSettingError(f"GRIDMAP_TILES=wmts needs {' and '.join(missing)} (from the service's "
                                   "GetCapabilities: the layer identifier and a Web Mercator TileMatrixSet)",
                                   "required", missing[0].removeprefix("GRIDMAP_"))
        if "{z}" not in (_setting(cfg, "TILES_MATRIX") or "{z}"):
            raise TileSettingError("GRIDMAP_TILES_MATRIX must contain {z}, e.g. EPSG:900913:{z}", "matrix_z",
                                   "TILES_MATRIX")
        if _PLACEHOLDER.search(url):
            raise TileSettingError("GRIDMAP_TILES_URL of a WMTS is the service URL, without {placeholders}",
                                   "wmts_placeholders", "TILES_URL")
    else:
        names = _PLACEHOLDER.findall(url)
        unknown = sorted(set(names) - _KNOWN)
        if unknown:
            raise TileSettingError(f"GRIDMAP_TILES_URL has {', '.join('{' + n + '}' for n in unknown)}: a template "
                                   "may use {z}, {x}, {y} (or {-y}) and {s}", "unknown_placeholders", "TILES_URL",
                                   names=", ".join("{" + n + "}" for n in unknown))
        if not ({"z", "x"} <= set(names) and ({"y", "-y"} & set(names))):
            raise TileSettingError("GRIDMAP_TILES_URL must contain {z}, {x} and {y} (or {-y}), e.g. "
                                   "http://10.1.2.3/tiles/{z}/{x}/{y}.png", "missing_placeholders", "TILES_URL")
    csp_hosts(url)  # the host must be one a Content-Security-Policy can name


def csp_hosts(url: str) -> tuple[str, ...]:
    """The CSP img-src source of a tile URL: its scheme, host and port (``{s}`` as ``*``).

    >>> csp_hosts("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png")
    ('http://10.1.2.3:8080',)
    >>> csp_hosts("https://t{s}.tiles.example.gov.cn/{z}/{x}/{y}.png")
    ('https://*.tiles.example.gov.cn',)
    >>> csp_hosts("/basemap/{z}/{x}/{y}.png")
    ()
    """
    if url.startswith("/") and not url.startswith("//"):
        return ()  # GridMap's own host: 'self' covers it
    parts = urlsplit(url.replace("{s}", "s0"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TileSettingError(f"GRIDMAP_TILES_URL={url!r}: give an http:// or https:// URL (or a path on this "
                               "host starting with /)", "scheme", "TILES_URL")
    host = url.split("//", 1)[1].split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    if "{s}" in host:
        labels = host.split(".")
        if "{s}" not in labels[0] or len(labels) < 3:
            raise TileSettingError(f"GRIDMAP_TILES_URL={url!r}: {{s}} may only stand in the first label of a "
                                   "host name (t{s}.tiles.example.gov.cn)", "subdomain", "TILES_URL")
        host = ".".join(["*", *labels[1:]])
    return (f"{parts.scheme}://{host}",)
