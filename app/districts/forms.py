"""The form of a district's settings page (Flask-WTF; CSRF included). The checks are the service's
(app.districts.settings), shown beside the field they name."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

#: Base maps, as the page names them ("" : the deployment's).
TILE_KIND_LABELS = {
    "none": _l("No base map (works offline)"),
    "osm": _l("OpenStreetMap"),
    "tianditu": _l("Tianditu (天地图)"),
    "amap": _l("AMap (高德)"),
    "xyz": _l("Own tile server (XYZ template)"),
    "wmts": _l("Own tile server (WMTS)"),
}
TILE_CRS_LABELS = {"wgs84": _l("WGS-84 or CGCS2000"), "gcj02": _l("GCJ-02 (as AMap's tiles)")}


def _text(label, max_length=500, **kwargs):
    return StringField(label, validators=[Optional(), Length(max=max_length)], **kwargs)


class DistrictSettingsForm(FlaskForm):
    tiles_kind = SelectField(_l("Base map"), choices=[], validate_choice=False)
    tiles_url = _text(_l("Tile URL"), description=_l(
        "XYZ: a template such as http://10.1.2.3/tiles/{z}/{x}/{y}.png; WMTS: the service URL such as "
        "http://10.1.2.3/geoserver/gwc/service/wmts."))
    tiles_crs = SelectField(_l("Coordinate system of the tiles"), choices=[], validate_choice=False)
    tiles_layer = _text(_l("WMTS layer"))
    tiles_matrix_set = _text(_l("WMTS tile matrix set (Web Mercator)"))
    tiles_matrix = _text(_l("WMTS tile matrix names"), description=_l("e.g. EPSG:900913:{z}; blank: {z}."))
    tiles_format = _text(_l("WMTS image format"), description=_l("blank: image/png."))
    tiles_subdomains = _text(_l("Subdomains for {s}"), description=_l("blank: abc."))
    tiles_attribution = _text(_l("Attribution shown on the map"))
    tiles_name = _text(_l("Name of the base map"))
    tiles_tianditu_key = _text(_l("Tianditu key"), description=_l("blank: the deployment's key."))
    calendar_hours = _text(_l("Working hours"), description=_l(
        "Working periods of a working day, e.g. 08:30-12:00, 15:00-18:00 for a summer schedule; blank: the "
        "national hours."))
    calendar_seasons = TextAreaField(_l("Seasonal working hours"), validators=[Optional(), Length(max=2000)],
                                     description=_l("One season a line, every year: e.g. 05-01~09-30 08:30-12:00, "
                                                    "15:00-18:00 for a summer schedule (夏季作息)."))
    calendar_days_off = TextAreaField(_l("The district's own days off"), validators=[Optional(), Length(max=8000)],
                                      description=_l("Days such as 2026-07-20, separated by commas or new lines: "
                                                     "no deadline runs on them, even on a national working day."))
    calendar_workdays = TextAreaField(_l("The district's own working days"),
                                      validators=[Optional(), Length(max=8000)],
                                      description=_l("Days such as 2026-07-25 worked by the district, even on a "
                                                     "weekend or national holiday."))

    def __init__(self, deployment_label: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tiles_kind.choices = [("", deployment_label)] + [(k, str(v)) for k, v in TILE_KIND_LABELS.items()]
        self.tiles_crs.choices = [(k, str(v)) for k, v in TILE_CRS_LABELS.items()]

    TILE_KEYS = ("url", "crs", "layer", "matrix_set", "matrix", "format", "subdomains", "attribution", "name",
                 "tianditu_key")
    CALENDAR_KEYS = ("hours", "seasons", "days_off", "workdays")

    def fill(self, doc: dict) -> None:
        """The fields from a district's settings document."""
        tiles = doc.get("tiles") or {}
        self.tiles_kind.data = tiles.get("kind", "")
        for key in self.TILE_KEYS:
            getattr(self, f"tiles_{key}").data = tiles.get(key, "")
        self.tiles_crs.data = tiles.get("crs") or "wgs84"
        calendar = doc.get("calendar") or {}
        self.calendar_hours.data = ", ".join(f"{a}-{b}" for a, b in calendar.get("hours", []))
        self.calendar_seasons.data = "\n".join(
            f"{x['from']}~{x['to']} " + ", ".join(f"{a}-{b}" for a, b in x["hours"])
            for x in calendar.get("seasons", []))
        self.calendar_days_off.data = ", ".join(calendar.get("days_off", []))
        self.calendar_workdays.data = ", ".join(calendar.get("workdays", []))

    def changes(self, doc: dict) -> dict:
        """The sections as the form sets them, over ``doc`` (keys the form has no field for are kept)."""
        tiles = None
        if self.tiles_kind.data:
            tiles = {**(doc.get("tiles") or {}), "kind": self.tiles_kind.data}
            tiles.update({key: (getattr(self, f"tiles_{key}").data or "").strip() for key in self.TILE_KEYS})
        calendar = {key: (getattr(self, f"calendar_{key}").data or "").strip() for key in self.CALENDAR_KEYS}
        return {"tiles": tiles, "calendar": calendar if any(calendar.values()) else None}
