"""The draft editor's folium map (page ``/plan/drafts/<id>``), pure over its arguments.

Three layers, each fetched by the browser from ``/api/v1/grids?version=<draft>``:
the level being edited (clickable: select, merge, target of a move), the level
above as outlines (context; it fits the view) and the level below (the units a
move picks, shown in "move" mode only). ``static/js/plan/editor.js`` draws
with Leaflet.draw, saves each edit to the draft API with the draft's
``row_version`` and reloads the layers and the validation after it.

Leaflet.draw is linked here from ``static/vendor/leaflet-draw/`` (not through
``folium.plugins.Draw``, whose template only offers a file download and whose
assets point at a CDN).
"""
from __future__ import annotations

from typing import Sequence

import folium
from folium.template import Template

from app.maps.builders import base_map
from app.maps.elements import GridmapSetup, Legend, ModuleScripts, RemoteGeoJson

V = "/static/vendor/leaflet-draw"
PLAN_JS = [("leaflet_draw", f"{V}/leaflet.draw.js")]
PLAN_MODULES = [("gridmap_plan", "/static/js/plan/editor.js")]
PLAN_CSS = [("leaflet_draw_css", f"{V}/leaflet.draw.css"), ("gridmap_plan_css", "/static/css/gridmap-plan.css")]

#: Levels a planner edits (the district outline is fixed in a draft).
EDIT_LEVELS = ("subdistrict", "community", "grid", "micro")
LEVEL_ABOVE = {"subdistrict": "district", "community": "subdistrict", "grid": "community", "micro": "grid"}
LEVEL_BELOW = {"subdistrict": "community", "community": "grid", "grid": "micro", "micro": None}

EDIT_STYLE = {"color": "#ff7f00", "weight": 2, "fillColor": "#ff7f00", "fillOpacity": 0.12, "className": "gm-plan-edit"}
PARENT_STYLE = {"color": "#1d3557", "weight": 3, "fill": False}
CHILD_STYLE = {"color": "#6a3d9a", "weight": 1, "fillColor": "#6a3d9a", "fillOpacity": 0.08,
               "className": "gm-plan-child"}
SELECTED_STYLE = {"color": "#0057e7", "weight": 4, "fillColor": "#0057e7", "fillOpacity": 0.3}
PICKED_STYLE = {"color": "#008744", "weight": 3, "fillColor": "#008744", "fillOpacity": 0.45}
ERROR_STYLE = {"color": "#d7191c", "weight": 3, "fillColor": "#d7191c", "fillOpacity": 0.5}
WARNING_STYLE = {"color": "#e6a700", "weight": 2, "dashArray": "4 4", "fillColor": "#e6a700", "fillOpacity": 0.25}
#: The grid an issue of the validation list is about, once the planner clicks the issue.
HIGHLIGHT_STYLE = {"color": "#00b4d8", "weight": 5, "fillColor": "#00b4d8", "fillOpacity": 0.25,
                   "className": "gm-plan-highlight"}
#: The impact preview's diff: the outlines before (dashed red) under the outlines after (solid blue).
OLD_STYLE = {"color": "#d7191c", "weight": 3, "dashArray": "8 6", "fill": False, "className": "gm-plan-old"}
NEW_STYLE = {"color": "#0057e7", "weight": 2, "fillColor": "#0057e7", "fillOpacity": 0.08, "className": "gm-plan-new"}

#: Levels with thousands of units are fetched for the visible area only.
BBOX_LEVELS = {"micro": 14}


class PlanScripts(ModuleScripts):
    """Loads Leaflet.draw and the editor's modules (static/js/plan/) and starts the editor."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            GridMapPlan.init({{ this._parent.get_name() }}, {{ this.settings|tojson }});
        {% endmacro %}
    """)

    def __init__(self, settings: dict):
        super().__init__()
        self._name = "PlanScripts"
        self.settings = settings

    def render(self, **kwargs):
        self.default_js = list(PLAN_JS)
        self.default_modules = list(PLAN_MODULES)
        self.default_css = list(PLAN_CSS)
        super().render(**kwargs)


def _layer(url: str, name: str, key: str, level: str, draft_id: int, style: dict, kind: str, **kw) -> RemoteGeoJson:
    min_zoom = BBOX_LEVELS.get(level)
    return RemoteGeoJson(url, name=name, key=key, params={"version": draft_id, "level": level, "kind": "regular"},
                         style={"base": style}, kind=kind, bbox=min_zoom is not None, min_zoom=min_zoom, **kw)


def plan_map(center: Sequence[float], zoom: int, tiles: str, grids_url: str, draft_id: int, level: str,
             labels: dict[str, str], texts: dict[str, str], settings: dict, *, tianditu_key: str = "") -> folium.Map:
    """``labels``: one per level code, plus ``legend``, ``selected``, ``picked``, ``error``, ``warning``,
    ``highlight``.
    ``settings`` go to ``GridMapPlan.init`` (draft, API URLs, texts)."""
    if level not in EDIT_LEVELS:
        raise ValueError(f"level must be one of {EDIT_LEVELS}")
    m = base_map(center, zoom, tiles, tianditu_key)
    GridmapSetup(texts).add_to(m)
    above, below = LEVEL_ABOVE[level], LEVEL_BELOW[level]
    PlanScripts({**settings, "level": level, "childLevel": below, "parentLevel": above,
                 "styles": {"edit": EDIT_STYLE, "selected": SELECTED_STYLE, "picked": PICKED_STYLE,
                            "child": CHILD_STYLE, "error": ERROR_STYLE, "warning": WARNING_STYLE,
                            "old": OLD_STYLE, "new": NEW_STYLE, "highlight": HIGHLIGHT_STYLE}}).add_to(m)
    if below:
        # Off at start: "move" mode switches it on.
        _layer(grids_url, labels[below], "planChildren", below, draft_id, CHILD_STYLE, "planChildren",
               show=False).add_to(m)
    _layer(grids_url, labels[level], "planGrids", level, draft_id, EDIT_STYLE, "planGrids").add_to(m)
    _layer(grids_url, labels[above], "planParents", above, draft_id, PARENT_STYLE, "outline",
           fit=True, interactive=False).add_to(m)
    items = [{"label": labels[level], **EDIT_STYLE}, {"label": labels[above], **PARENT_STYLE}]
    if below:
        items.append({"label": labels[below], **CHILD_STYLE})
    items += [{"label": labels["selected"], **SELECTED_STYLE}, {"label": labels["picked"], **PICKED_STYLE},
              {"label": labels["error"], **ERROR_STYLE}, {"label": labels["warning"], **WARNING_STYLE},
              {"label": labels["highlight"], **HIGHLIGHT_STYLE}]
    Legend(labels["legend"], items).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m

