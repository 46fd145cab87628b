"""folium elements that load their data in the browser.

``folium.GeoJson(embed=False)`` reads the URL in Python while rendering,
which cannot work for a relative Flask route and would put thousands of
polygons into the HTML anyway. ``RemoteGeoJson`` instead emits an empty
``L.geoJSON`` and lets ``static/js/gridmap-maps.js`` fetch the URL (again
with the current bbox and zoom after each move when ``bbox=True``). It is a
folium ``Layer``, so ``LayerControl`` lists it like any other overlay.
"""
from __future__ import annotations

from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.raster_layers import TileLayer
from folium.template import Template
from branca.element import JavascriptLink, MacroElement

from app.maps.assets import GRIDMAP_CSS, GRIDMAP_MODULES


class JavascriptModuleLink(JavascriptLink):
    """``<script type="module" src=...>``: one of GridMap's own scripts (static/js/)."""

    _template = Template('<script type="module" src="{{this.url}}"></script>')

    def __init__(self, url: str):
        super().__init__(url)
        self._name = "JavascriptModuleLink"


class ModuleScripts(JSCSSMixin):
    """A ``JSCSSMixin`` that also links ``default_modules``, ES modules, in the page's header.

    Modules run once the page is parsed, in document order, and the page templates make folium's
    map script a module too: so the map script finds ``GridMap``, ``GridMapPlan`` ... defined,
    whatever the order of the links. A module imported by several (static/js/core.js) runs once.
    """

    default_modules: list[tuple[str, str]] = []

    def render(self, **kwargs):
        figure = self.get_root()
        for name, url in self.default_modules:
            figure.header.add_child(JavascriptModuleLink(url), name=name)
        super().render(**kwargs)


class GridmapSetup(ModuleScripts):
    """Loads gridmap-maps.js/css and hands it the map and the page's texts.

    Add it to the map before any ``RemoteGeoJson``: the layers call into it.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            GridMap.init({{ this._parent.get_name() }}, {{ this.settings|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, texts: dict[str, str]):
        super().__init__()
        self._name = "GridmapSetup"
        self.settings = {"texts": dict(texts)}

    def render(self, **kwargs):
        # Read the module lists at render time so tests can see one source of truth.
        self.default_modules = list(GRIDMAP_MODULES)
        self.default_css = list(GRIDMAP_CSS)
        super().render(**kwargs)


class GcjTileLayer(ModuleScripts, TileLayer):
    """A tile layer drawn in GCJ-02 (AMap), moved tile by tile under WGS-84 overlays.

    See ``GridMap.gcjTileLayer`` in gridmap-maps.js: all of GridMap's data,
    clicks and drawings stay WGS-84, whatever the base map.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = GridMap.gcjTileLayer(
                {{ this.tiles|tojson }},
                {{ this.options|tojavascript }}
            );
        {% endmacro %}
        """
    )

    def render(self, **kwargs):
        self.default_modules = list(GRIDMAP_MODULES)
        self.default_css = []
        super().render(**kwargs)


class RemoteGeoJson(Layer):
    """An overlay whose GeoJSON the browser fetches from ``url``.

    Parameters
    ----------
    url : str
        Endpoint returning a FeatureCollection (relative URLs are fine).
    name : str
        Name in the layer control.
    key : str
        Stable id; the page exposes the layer as ``window.gridmapLayers[key]``.
    params : dict
        Fixed query parameters (``level``, ``kind``, ``status`` ...).
    style : dict
        Leaflet path options for polygons (``color``, ``weight``, ``dashArray``...).
    kind : {"grids", "reports", "outline"}
        How features are drawn: grid polygons with tooltips and the
        "no worker" style, report markers with popups, or plain outlines.
    bbox : bool
        Refetch with ``bbox`` and ``zoom`` after every move (for big levels).
    min_zoom : int, optional
        With ``bbox``, draw nothing below this zoom (asks the user to zoom in).
    target : folium layer, optional
        Put the features into this layer instead (e.g. a MarkerCluster).
    fit : bool
        Fit the map to the features after the first successful load.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = GridMap.remoteGeoJson(
                {{ this._parent.get_name() }},
                {{ this.js_options|tojson }},
                {{ this.target_name or "null" }}
            );
        {% endmacro %}
        """
    )

    def __init__(
        self,
        url: str,
        name: str,
        key: str,
        *,
        params: dict | None = None,
        style: dict | None = None,
        kind: str = "grids",
        bbox: bool = False,
        min_zoom: int | None = None,
        target: Layer | None = None,
        fit: bool = False,
        interactive: bool = True,
        show: bool = True,
        control: bool = True,
    ):
        if target is not None:
            # The target is the visible layer; this one only holds the data.
            show = control = False
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "RemoteGeoJson"
        self.url = url
        self.target = target
        self.js_options = {
            "key": key,
            "url": url,
            "params": {k: v for k, v in (params or {}).items() if v not in (None, "")},
            "style": style or {},
            "kind": kind,
            "bbox": bbox,
            "minZoom": min_zoom,
            "fit": fit,
            "interactive": interactive,
            "name": name,
        }

    @property
    def target_name(self) -> str | None:
        return self.target.get_name() if self.target is not None else None


class Legend(MacroElement):
    """A legend control: ``items`` are dicts with ``label`` and a path style
    (``color``, ``fillColor``, ``dashArray``, ``hatch``) or ``marker`` colour."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            GridMap.legend({{ this._parent.get_name() }}, {{ this.title|tojson }}, {{ this.items|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, items: list[dict]):
        super().__init__()
        self._name = "Legend"
        self.title = title
        self.items = items
