"""The workers' lookup page (/lookup): address, grid code or "my location" -> grid, chain, workers.

Public and mobile first: field workers open it on their phones, often not
signed in. The page is a shell; static/js/gridmap-lookup.js asks the public
APIs (/api/v1/addresses/suggest, /api/v1/lookup) and draws the answer on a
small folium/Leaflet map.
"""
from __future__ import annotations

from branca.element import MacroElement
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from folium.template import Template

from app.api import params
from app.auth.guard import public
from app.labels import LEVEL_LABELS, geolocation_texts
from app.lookup.service import MAX_ADDRESS
from app.maps.builders import base_map, page_parts
from app.maps.settings import map_settings

bp = Blueprint("lookup", __name__)

#: Wait this long after the last keystroke before asking for suggestions.
SUGGEST_DEBOUNCE_MS = 250


class LookupMapHandle(MacroElement):
    """Hands the folium map to gridmap-lookup.js (which draws the answers on it)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            window.gridmapLookupMap = {{ this._parent.get_name() }};
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "LookupMapHandle"


def texts() -> dict[str, str]:
    """Strings static/js/gridmap-lookup.js shows (``%(name)s`` placeholders)."""
    out = {
        "searching": _("Searching…"),
        "locating": _("Finding your location…"),
        "no_geolocation": _("This browser cannot tell your location; type an address instead."),
        "location_denied": _("%(reason)s Or type an address instead."),
        "failed": _("The lookup failed: %(error)s"),
        "empty": _("Type an address or a grid code."),
        "matched": _("Standard address: %(text)s"),
        "confidence": _("match %(percent)s%%"),
        "external": _("Found by the external geocoder (%(source)s), not in the standard address library."),
        "ambiguous": _("Several standard addresses fit; pick one:"),
        "unmatched": _("No standard address matches confidently; pick one or refine the address:"),
        "no_candidates": _("No standard address is similar. Check the spelling, or use your location."),
        "outside": _("This point is outside every grid."),
        "nearest": _("Nearest grid: %(name)s (%(code)s), %(distance)s m away."),
        "grid": _("Grid"),
        "code": _("Code"),
        "chain": _("Belongs to"),
        "workers": _("Workers"),
        "no_worker": _("No worker is assigned to this grid."),
        "worker_above": _("No worker in this grid; the worker of %(name)s:"),
        "call": _("Call %(phone)s"),
        "dedicated": _("Also in the dedicated grid"),
        "neighbours": _("Close to the boundary (within %(m)s m): it may belong to"),
        "distance": _("%(m)s m"),
        "your_location": _("Your location"),
        "suggestions": _("Suggestions"),
    }
    out.update({f"level_{code}": str(label) for code, label in LEVEL_LABELS.items()})
    out.update(geolocation_texts())
    return out


@bp.get("/lookup")
@public
def lookup_page():
    # ?q= (the form without script, or a shared link): searched for when the page opens.
    query = params.text(request.args, "q", MAX_ADDRESS) or ""
    cfg = current_app.config
    ms = map_settings()
    m = base_map(ms["center"], 12, ms["tiles"], ms["tianditu_key"])
    LookupMapHandle().add_to(m)
    root = request.script_root
    settings = {
        "api": {"lookup": f"{root}/api/v1/lookup", "suggest": f"{root}/api/v1/addresses/suggest"},
        "debounce_ms": SUGGEST_DEBOUNCE_MS,
        "near_m": float(cfg.get("LOOKUP_NEIGHBOUR_M", 15.0)),
        "texts": texts(),
    }
    return render_template("lookup/index.html", settings=settings, query=query, max_query=MAX_ADDRESS, **page_parts(m))
