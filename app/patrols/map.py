"""The patrol map (folium), pure over its arguments like app/maps/builders.py.

Three layers, each fetched by the browser from the JSON API: patrol density
(hexagon or square cells counted in PostGIS, refetched for the view after
each move, with cells that follow the zoom: ``layers.size_for_zoom``),
the grids with their patrol figures (under-patrolled ones highlighted) and
one worker's track for a day with a playback control
(``static/js/gridmap-patrols.js``, which registers the layer kinds with
``GridMap.kinds``).
"""
from __future__ import annotations

from typing import Sequence

import folium
from folium.template import Template

from app.maps.builders import base_map
from app.maps.elements import GridmapSetup, Legend, ModuleScripts, RemoteGeoJson

PATROLS_MODULES = [("gridmap_patrols", "/static/js/gridmap-patrols.js")]

#: Density colour ramp, lowest share first (ColorBrewer YlOrRd 5).
DENSITY_COLORS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
GRID_STYLE = {"color": "#1f78b4", "weight": 1.5, "fillOpacity": 0.04}
UNDER_STYLE = {"color": "#d7191c", "weight": 3, "dashArray": "6 4", "fillColor": "#d7191c", "fillOpacity": 0.18,
               "className": "gm-under"}
TRACK_STYLE = {"color": "#6a3d9a", "weight": 3, "opacity": 0.9}


class PatrolScripts(ModuleScripts):
    """Loads gridmap-patrols.js (after gridmap-maps.js, which GridmapSetup brings)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            GridMapPatrols.init({{ this._parent.get_name() }}, {{ this.settings|tojson }});
        {% endmacro %}
    """)

    def __init__(self, settings: dict):
        super().__init__()
        self._name = "PatrolScripts"
        self.settings = settings

    def render(self, **kwargs):
        self.default_modules = list(PATROLS_MODULES)
        self.default_css = []
        super().render(**kwargs)


def patrol_map(center: Sequence[float], zoom: int, tiles: str, urls: dict[str, str], labels: dict[str, str],
               texts: dict[str, str], query: dict, *, tianditu_key: str = "") -> folium.Map:
    """``urls``: density, grids, track (API URLs). ``labels``: density, grids, track, under,
    legend, grid. ``query``: from, to, level, worker, date, shape (hex or square) -- the page's filters
    at start."""
    m = base_map(center, zoom, tiles, tianditu_key)
    GridmapSetup(texts).add_to(m)
    PatrolScripts({"densityColors": DENSITY_COLORS, "texts": dict(texts)}).add_to(m)
    period = {"from": query.get("from"), "to": query.get("to")}
    RemoteGeoJson(urls["density"], name=labels["density"], key="density",
                  params={**period, "shape": query.get("shape") or "hex"},
                  style={"colors": DENSITY_COLORS}, kind="density", bbox=True).add_to(m)
    RemoteGeoJson(urls["grids"], name=labels["grids"], key="patrolGrids",
                  params={**period, "level": query.get("level"), "format": "geojson", "zoom": zoom},
                  style={"base": GRID_STYLE, "under": UNDER_STYLE}, kind="patrolGrids", fit=True).add_to(m)
    RemoteGeoJson(urls["track"], name=labels["track"], key="track",
                  params={"worker": query.get("worker"), "date": query.get("date")},
                  style={"base": TRACK_STYLE}, kind="track").add_to(m)
    items = [{"label": labels["grid"], **GRID_STYLE}, {"label": labels["under"], **UNDER_STYLE},
             {"label": labels["track"], "color": TRACK_STYLE["color"], "weight": 3, "fillOpacity": 0}]
    items += [{"label": f"{labels['density']} {i + 1}/{len(DENSITY_COLORS)}", "color": c, "fillColor": c,
               "fillOpacity": 0.7, "weight": 0} for i, c in enumerate(DENSITY_COLORS)]
    Legend(labels["legend"], items).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m
