"""The dispatch desk's folium map: community outlines, and the live events layer.

Pure over its arguments, like app.maps.builders. The events are not a folium
layer: ``DispatchSetup`` hands the map to static/js/dispatch/desk.js, which
polls the live feed and keeps one marker per event (no page reload), in a
Leaflet.markercluster group (vendored) so a district's thousands of events
stay readable at low zoom.
"""
from __future__ import annotations

from typing import Sequence

import folium
from folium import plugins
from folium.template import Template

from app.maps.assets import PLUGINS
from app.maps.builders import base_map, community_outlines
from app.maps.elements import GridmapSetup, Legend, ModuleScripts

DISPATCH_MODULES = [("gridmap_dispatch", "/static/js/dispatch/desk.js")]
DISPATCH_CSS = [("gridmap_dispatch_css", "/static/css/gridmap-dispatch.css")]
#: The vendored Leaflet.markercluster (a classic script, loaded before the modules).
CLUSTER_JS, CLUSTER_CSS = PLUGINS[plugins.MarkerCluster]

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
    """Loads the desk's modules, CSS and the marker clusters, and starts the desk on the map (after GridmapSetup)."""

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
        self.default_js = list(CLUSTER_JS)
        self.default_css = list(CLUSTER_CSS) + list(DISPATCH_CSS)
        super().render(**kwargs)


def desk_map(center: Sequence[float], zoom: int, tiles: str, grids_url: str, labels: dict[str, str],
             texts: dict[str, str], status_labels: dict[str, str], settings: dict, *,
             tianditu_key: str = "") -> folium.Map:
    """Community outlines (fetched by the browser) and the live events.

    ``settings`` go to ``GridMapDispatch.init`` as they are (URLs, filters,
    polling interval); the status colours are added here. With
    ``settings["home_bounds"]`` (a caller bound to an area) the desk opens on
    those bounds instead of fitting the whole district.
    """
    m = base_map(center, zoom, tiles, tianditu_key)
    GridmapSetup(texts).add_to(m)
    outlines = community_outlines(grids_url, labels["communities"])
    if settings.get("home_bounds"):
        outlines.js_options["fit"] = False
    outlines.add_to(m)
    DispatchSetup({**settings, "texts": dict(texts), "colors": STATUS_COLORS}).add_to(m)
    items = [{"label": status_labels[code], "marker": color} for code, color in STATUS_COLORS.items()]
    items.append({"label": labels["overdue"], "marker": "#ffffff", "overdue": True})
    Legend(labels["legend"], items).add_to(m)
    return m
