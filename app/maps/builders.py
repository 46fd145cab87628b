"""The folium maps, one function per map, pure over their arguments.

No database access and no Flask globals here: routes pass in URLs, labels
(already translated) and settings, so the builders can be tested and reused
outside a request. The data itself never goes into the HTML: each layer is
a ``RemoteGeoJson`` that the browser fetches from the JSON API.
"""
from __future__ import annotations

from typing import Sequence

import folium
from folium import plugins

from app.maps.elements import GcjTileLayer, GridmapSetup, Legend, RemoteGeoJson
from app.tiles import TileSource

LEVELS = ("district", "subdistrict", "community", "grid", "micro")

#: One colour per level, heavier lines for bigger units. District and
#: subdistrict and community are outlines only and drawn on top (their lines stay visible,
#: and hovering inside reaches the grid below); lower levels get a light fill
#: so a hover anywhere inside shows their tooltip.
LEVEL_STYLES: dict[str, dict] = {
    "district": {"color": "#252525", "weight": 3.5, "fill": False},
    "subdistrict": {"color": "#1f78b4", "weight": 2.5, "fill": False},
    "community": {"color": "#33a02c", "weight": 2.5, "fill": False},
    "grid": {"color": "#ff7f00", "weight": 1.5, "fillOpacity": 0.08},
    "micro": {"color": "#6a3d9a", "weight": 1, "fillOpacity": 0.06},
    "dedicated": {"color": "#e7298a", "weight": 2, "dashArray": "2 5", "fillOpacity": 0.12},
}

#: A grid without any worker: red dashed outline, hatched translucent red fill
#: (the hatch is an SVG pattern the page defines; the CSS class applies it).
UNSTAFFED_STYLE = {
    "color": "#d7191c",
    "weight": 2.5,
    "dashArray": "6 4",
    "fillColor": "#d7191c",
    "fillOpacity": 0.35,
    "className": "gm-unstaffed",
}

#: Levels where "no worker" is a gap to flag (a district has no grid worker).
STAFFED_LEVELS = ("grid", "micro", "dedicated")

#: Reports outside every grid: hollow dark marker, whatever the category.
OUT_OF_COVERAGE_STYLE = {"color": "#000000", "fillColor": "#ffffff"}

MAX_ZOOM = 19

TILE_SETTINGS = ("none", "osm", "tianditu", "amap")

_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"
)
_AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"


def base_map(center: Sequence[float], zoom: int, tiles: str | TileSource, tianditu_key: str = "") -> folium.Map:
    """A map with the configured base tiles: a preset (``"none"`` needs no network at all) or the
    district's own tile server (a TileSource, app.tiles)."""
    if isinstance(tiles, TileSource):
        m = folium.Map(location=list(center), zoom_start=zoom, tiles=None, control_scale=True, max_zoom=MAX_ZOOM,
                       maxZoom=MAX_ZOOM)
        # GCJ-02 tiles are moved under the WGS-84 data, as AMap's are.
        layer = GcjTileLayer if tiles.gcj02 else folium.TileLayer
        layer(tiles=tiles.url, attr=tiles.attribution or " ", name=tiles.name or "base", subdomains=tiles.subdomains,
              control=False, max_zoom=MAX_ZOOM).add_to(m)
        plugins.Fullscreen(position="topleft").add_to(m)
        return m
    if tiles not in TILE_SETTINGS:
        raise ValueError(f"unknown TILES setting {tiles!r}; choose one of {TILE_SETTINGS}")
    if tiles == "tianditu" and not tianditu_key:
        raise ValueError("TILES=tianditu needs TIANDITU_KEY")
    # maxZoom on the map itself: with no tile layer Leaflet has none, and
    # MarkerCluster refuses to work without it.
    m = folium.Map(location=list(center), zoom_start=zoom, tiles=None, control_scale=True, max_zoom=MAX_ZOOM, maxZoom=MAX_ZOOM)
    if tiles == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(m)
    elif tiles == "tianditu":
        for layer, name, overlay in (("vec", "天地图", False), ("cva", "天地图注记", True)):
            folium.TileLayer(
                tiles=_TIANDITU % (layer, layer, tianditu_key),
                attr='&copy; <a href="https://www.tianditu.gov.cn/">天地图</a>',
                name=name,
                subdomains="01234567",
                overlay=overlay,
                control=False,
                max_zoom=MAX_ZOOM,
            ).add_to(m)
    elif tiles == "amap":
        # AMap draws in GCJ-02: the tiles are moved under the WGS-84 data, not the other way round.
        GcjTileLayer(
            tiles=_AMAP,
            attr="&copy; 高德地图",
            name="高德地图",
            subdomains="1234",
            control=False,
            max_zoom=MAX_ZOOM,
        ).add_to(m)
    plugins.Fullscreen(position="topleft").add_to(m)
    return m


def coverage_map(
    center: Sequence[float],
    zoom: int,
    tiles: str,
    grids_url: str,
    labels: dict[str, str],
    texts: dict[str, str],
    *,
    tianditu_key: str = "",
    micro_min_zoom: int = 15,
) -> folium.Map:
    """Every grid level as a toggleable overlay, plus dedicated grids.

    ``labels`` holds the translated names: one per level in ``LEVELS``,
    ``"dedicated"``, ``"no_worker"`` and ``"legend"`` (the legend title).
    District to grid are on at start and fetched once; micro-grids (thousands)
    are off, and when switched on are fetched for the visible bbox only.
    """
    m = base_map(center, zoom, tiles, tianditu_key)
    GridmapSetup(texts).add_to(m)
    for level in LEVELS:
        micro = level == "micro"
        RemoteGeoJson(
            grids_url,
            name=labels[level],
            key=level,
            params={"level": level, "kind": "regular"},
            style={"base": LEVEL_STYLES[level], "unstaffed": UNSTAFFED_STYLE if level in STAFFED_LEVELS else None},
            kind="grids",
            bbox=micro,
            min_zoom=micro_min_zoom if micro else None,
            fit=level == "district",
            show=not micro,
        ).add_to(m)
    RemoteGeoJson(
        grids_url,
        name=labels["dedicated"],
        key="dedicated",
        params={"kind": "dedicated"},
        style={"base": LEVEL_STYLES["dedicated"], "unstaffed": UNSTAFFED_STYLE},
        kind="grids",
    ).add_to(m)
    items = [{"label": labels[level], **LEVEL_STYLES[level]} for level in LEVELS]
    items.append({"label": labels["dedicated"], **LEVEL_STYLES["dedicated"]})
    items.append({"label": labels["no_worker"], **UNSTAFFED_STYLE, "hatch": True})
    Legend(labels["legend"], items).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def community_outlines(grids_url: str, name: str) -> RemoteGeoJson:
    """Community boundaries as a backdrop for event markers: outlines only, not clickable, the map fitted to them."""
    return RemoteGeoJson(
        grids_url,
        name=name,
        key="communities",
        params={"level": "community", "kind": "regular"},
        style={"base": {**LEVEL_STYLES["community"], "fillOpacity": 0.0}},
        kind="outline",
        interactive=False,
        fit=True,
    )


def issues_map(
    center: Sequence[float],
    zoom: int,
    tiles: str,
    reports_url: str,
    grids_url: str,
    categories: Sequence[dict],
    labels: dict[str, str],
    texts: dict[str, str],
    *,
    status: str = "open",
    category: str | None = None,
    channel: str | None = None,
    deadline_state: str | None = None,
    limit: int = 5000,
    tianditu_key: str = "",
) -> folium.Map:
    """Reports as clustered markers coloured by category, over community outlines.

    ``categories`` are dicts ``{code, label, color}``. ``labels`` holds
    ``"reports"``, ``"communities"``, ``"out_of_coverage"`` and ``"legend"``.
    The page's filter form changes the query the browser sends
    (``GridMap.setQuery("reports", {...})``); nothing is re-rendered.
    """
    m = base_map(center, zoom, tiles, tianditu_key)
    GridmapSetup(texts).add_to(m)
    community_outlines(grids_url, labels["communities"]).add_to(m)
    cluster = plugins.MarkerCluster(
        name=labels["reports"],
        options={"showCoverageOnHover": False, "maxClusterRadius": 50},
    ).add_to(m)
    RemoteGeoJson(
        reports_url,
        name=labels["reports"],
        key="reports",
        params={"format": "geojson", "status": status, "category": category, "channel": channel,
                "deadline_state": deadline_state, "limit": limit},
        style={"colors": {c["code"]: c["color"] for c in categories}, "outOfCoverage": OUT_OF_COVERAGE_STYLE},
        kind="reports",
        target=cluster,
    ).add_to(m)
    items = [{"label": c["label"], "marker": c["color"]} for c in categories]
    items.append({"label": labels["out_of_coverage"], "marker": OUT_OF_COVERAGE_STYLE["fillColor"], "out": True})
    items.append({"label": labels["overdue"], "marker": "#ffffff", "overdue": True})
    Legend(labels["legend"], items).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def page_parts(m: folium.Map) -> dict[str, str]:
    """Render a map into the three pieces a page template places itself:
    ``map_header`` (links and styles for <head>), ``map_html`` (the map div)
    and ``map_script`` (the JS that builds it, for the end of <body>)."""
    fig = m.get_root()
    fig.render()  # renders the children, which fill header/html/script
    return {
        "map_header": fig.header.render(),
        "map_html": fig.html.render(),
        "map_script": fig.script.render(),
    }
