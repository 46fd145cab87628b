"""The small map on which a worker or a resident shows where a problem is (a pin, the phone's location).

The configured base map (app.maps.builders.base_map: none, OSM, Tianditu, AMap
shifted under WGS-84) and a handle that gives the folium map to the page's
script (static/js/pin-map.js) under ``window[name]``.
"""
from __future__ import annotations

from branca.element import MacroElement
from flask_babel import gettext as _
from folium.template import Template

from app.labels import geolocation_texts
from app.maps.builders import base_map, page_parts
from app.maps.settings import map_settings

#: Close enough to see the street a pin is dropped on.
PIN_ZOOM = 15


class MapHandle(MacroElement):
    """``window[name] = <the folium map>`` once folium's script has built it."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            window[{{ this.handle|tojson }}] = {{ this._parent.get_name() }};
        {% endmacro %}
        """
    )

    def __init__(self, handle: str):
        super().__init__()
        self._name = "MapHandle"
        self.handle = handle


def pin_map_parts(handle: str) -> dict[str, str]:
    """``map_header``, ``map_html``, ``map_script`` of a pin map (app.maps.builders.page_parts)."""
    ms = map_settings()
    m = base_map(ms["center"], PIN_ZOOM - 2, ms["tiles"], ms["tianditu_key"])
    MapHandle(handle).add_to(m)
    return page_parts(m)


def pin_map_texts() -> dict[str, str]:
    """What static/js/pin-map.js, address-suggest.js and photo.js say (``%(name)s`` placeholders)."""
    return {
        "locating": _("Finding your location…"),
        "located": _("Your location (±%(m)s m)"),
        "no_geolocation": _("This browser cannot tell your location; tap the map or type an address."),
        "location_denied": _("%(reason)s Or tap the map, or type an address."),
        "pinned": _("The pin marks the place. Tap elsewhere on the map to move it."),
        "in_grid": _("In %(grid)s (%(parent)s)"),
        "outside": _("This point is outside every grid of the district; check the place."),
        "address_picked": _("Standard address: %(text)s"),
        "photo_ready": _("Photo ready (%(kb)s KB)"),
        "sending": _("Sending the report…"),
    } | geolocation_texts()
