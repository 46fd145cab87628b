"""Point folium and its plugins at the vendored copies under ``static/vendor/``.

folium's defaults load Leaflet, jQuery, Bootstrap, Font Awesome and the
plugins from public CDNs; government intranets have none of them, and a page
whose ``<script src>`` cannot load draws nothing. ``use_local_assets()``
rewrites the class attributes once, at start-up, so every map rendered
afterwards links only ``/static/...`` URLs. See ``static/vendor/README.md``
for the versions (the same ones folium 0.20.0 asks for).
"""
from __future__ import annotations

import folium
from folium import plugins

V = "/static/vendor"

#: folium.Map's assets. The Bootstrap 3 glyphicons stylesheet is left out:
#: it is not on the npm registry as a file and our markers use Font Awesome.
MAP_JS = [
    ("leaflet", f"{V}/leaflet/leaflet.js"),
    ("jquery", f"{V}/jquery/jquery.min.js"),
    ("bootstrap", f"{V}/bootstrap/js/bootstrap.bundle.min.js"),
    ("awesome_markers", f"{V}/leaflet.awesome-markers/leaflet.awesome-markers.js"),
]
MAP_CSS = [
    ("leaflet_css", f"{V}/leaflet/leaflet.css"),
    ("bootstrap_css", f"{V}/bootstrap/css/bootstrap.min.css"),
    ("awesome_markers_font_css", f"{V}/fontawesome-free/css/all.min.css"),
    ("awesome_markers_css", f"{V}/leaflet.awesome-markers/leaflet.awesome-markers.css"),
    ("awesome_rotate_css", f"{V}/folium/leaflet.awesome.rotate.min.css"),
]

#: Plugins we use, by class, with their (js, css) lists.
PLUGINS = {
    plugins.MarkerCluster: (
        [("markerclusterjs", f"{V}/leaflet.markercluster/leaflet.markercluster.js")],
        [
            ("markerclustercss", f"{V}/leaflet.markercluster/MarkerCluster.css"),
            ("markerclusterdefaultcss", f"{V}/leaflet.markercluster/MarkerCluster.Default.css"),
        ],
    ),
    plugins.Fullscreen: (
        [("Control.Fullscreen.js", f"{V}/leaflet.fullscreen/Control.FullScreen.js")],
        [("Control.FullScreen.css", f"{V}/leaflet.fullscreen/Control.FullScreen.css")],
    ),
}

#: Our own scripts are ES modules (static/js/, importing static/js/core.js): linked with
#: <script type="module">, they run after the classic vendor scripts and before the page's map
#: script, itself a module (see elements.ModuleScripts). This one is on every map page.
GRIDMAP_MODULES = [("gridmap_maps", "/static/js/gridmap-maps.js")]
GRIDMAP_CSS = [("gridmap_maps_css", "/static/css/gridmap-maps.css")]


def use_local_assets() -> None:
    """Replace the CDN URLs folium and the used plugins would emit. Idempotent."""
    # New lists, not in-place edits: folium.folium._default_js is shared module state.
    folium.Map.default_js = list(MAP_JS)
    folium.Map.default_css = list(MAP_CSS)
    for cls, (js, css) in PLUGINS.items():
        cls.default_js = list(js)
        cls.default_css = list(css)
