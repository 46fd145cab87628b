"""The dispatch desk's folium map: community outlines, and the live events layer.

Pure over its arguments, like app.maps.builders. The events are not a folium
layer: ``DispatchSetup`` hands the map to static/js/gridmap-dispatch.js,
which polls the live feed and keeps one marker per event (no page reload).
"""
from __future__ import annotations

from typing import Sequence

import folium
from folium.template import Template

from app.maps.builders import base_map, community_outlines
from app.maps.elements import GridmapSetup, Legend, ModuleScripts

DISPATCH_MODULES = [("gridmap_dispatch", "/static/js/gridmap-dispatch.js")]
DISPATCH_CSS = [("gridmap_dispatch_css", "/static/css/gridmap-dispatch.css")]

#: Marker colour per state: cool colours wait at the centre, warm ones are in the field,
#: greens are done, greys are over.
STATUS_COLORS = {
    "reported": "#1f78b4",
    "accepted": "#6a3d9a",
    "dispatched": "#ff7f00",
    "in_progress": "#e6ab02",
    "returned": "#e7298a",
    "suspended": "#8c6d31",
    "handled": "#66a61e",
    "verified": "#1b9e77",
    "closed": "#636363",
    "cancelled": "#bdbdbd",
}


class DispatchSetup(ModuleScripts):
    """Loads gridmap-dispatch.js/css and starts the desk on the map (after GridmapSetup)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            GridMapDispatch.init({{ this._parent.get_name() }}, {{ this.settings|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, settings: dict):
        super().__init__()
        self._name = "DispatchSetup"
        self.settings = settings

    def render(self, **kwargs):
        self.default_modules = list(DISPATCH_MODULES)
        self.default_css = list(DISPATCH_CSS)
        super().render(**kwargs)


def desk_map(center: Sequence[float], zoom: int, tiles: str, grids_url: str, labels: dict[str, str],
             texts: dict[str, str], status_labels: dict[str, str], settings: dict, *,
             tianditu_key: str = "") -> folium.Map:
    """Community outlines (fetched by the browser) and the live events.

    ``settings`` go to ``GridMapDispatch.init`` as they are (URLs, filters,
    polling interval); the status colours are added here.
    """
    m = base_map(center, zoom, tiles, tianditu_key)
    GridmapSetup(texts).add_to(m)
    community_outlines(grids_url, labels["communities"]).add_to(m)
    DispatchSetup({**settings, "texts": dict(texts), "colors": STATUS_COLORS}).add_to(m)
    items = [{"label": status_labels[code], "marker": color} for code, color in STATUS_COLORS.items()]
    items.append({"label": labels["overdue"], "marker": "#ffffff", "overdue": True})
    Legend(labels["legend"], items).add_to(m)
    return m
