"""A district's settings: its base map tiles and its working calendar, over the deployment's defaults.

``district.settings`` (jsonb, migration 0031) holds what differs between the districts of one city
deployment. This module reads, checks and writes two of its sections; a section a district does not
set is the deployment's (``GRIDMAP_TILES*``, ``GRIDMAP_HOLIDAYS_FILE`` and the built-in years)::

    {"tiles":    {"kind": "xyz", "url": "http://10.1.2.3/tiles/{z}/{x}/{y}.png", "crs": "wgs84",
                  "attribution": "区政务地图"},
     "calendar": {"hours": [["08:30", "12:00"], ["14:00", "17:30"]],
                  "seasons": [{"from": "05-01", "to": "09-30", "hours": [["08:30", "12:00"], ["15:00", "18:00"]]}],
                  "days_off": ["2026-07-20"], "workdays": ["2026-07-25"]}}

- ``tiles``: the keys are GRIDMAP_TILES and its companions, lower case without the prefix (``kind``
  for GRIDMAP_TILES, ``url`` for GRIDMAP_TILES_URL ..., ``tianditu_key``); app.tiles says what
  each means and checks them, as it does at start-up.
- ``calendar``: on top of the national calendar (app.events.holidays), the district's own working
  hours (``hours``: its working periods; ``seasons``: other periods from one day to another of every
  year, a summer schedule 夏季作息) and its own days: ``days_off``
  (non-working days: a local closure) and ``workdays`` (worked days). A district's day overrides
  the national data of that day. app.events.holidays.for_district builds the calendar deadlines of
  the district's events are counted on.
- Other sections (``address_prefixes``, app.addresses) are left as they are.

Caching: the documents of every district are read once per application context (one query on a
table of a few rows), so every process sees a change from its next request on; what is built from a
document (a tile source, a calendar) is kept per process, keyed by the document itself, so a changed
document builds anew and an unchanged one is never rebuilt. :func:`save` forgets the current
context's copy at once.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, time
from typing import Mapping

from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit, tiles as own_tiles
from app.errors import NotFound, ValidationError
from app.extensions import db
from app.models import District

#: The sections this module owns.
SECTIONS = ("tiles", "calendar")
#: Base maps a district may choose (app.config.TILE_CHOICES).
TILE_KINDS = ("none", "osm", "tianditu", "amap", "xyz", "wmts")
#: tiles key -> the deployment setting it stands for.
TILE_FIELDS = {
    "kind": "TILES", "url": "TILES_URL", "crs": "TILES_CRS", "layer": "TILES_LAYER",
    "matrix_set": "TILES_MATRIX_SET", "matrix": "TILES_MATRIX", "style": "TILES_STYLE", "format": "TILES_FORMAT",
    "subdomains": "TILES_SUBDOMAINS", "attribution": "TILES_ATTRIBUTION", "name": "TILES_NAME",
    "tianditu_key": "TIANDITU_KEY",
}
_FIELD_OF_SETTING = {setting: key for key, setting in TILE_FIELDS.items()}
CALENDAR_KEYS = ("hours", "seasons", "days_off", "workdays")
#: At most this many working periods a day and own days a district lists.
MAX_PERIODS = 4
MAX_SEASONS = 4
MAX_DAYS = 400
MAX_TEXT = 500
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_G_KEY = "gridmap_district_settings"


# --- Reading --------------------------------------------------------------------------------------


def documents() -> dict[str, dict]:
    """Every district's settings document by code, read once per application context."""
    docs = g.get(_G_KEY) if has_app_context() else None
    if docs is None:
        docs = {code: dict(settings or {}) for code, settings in
                db.session.execute(select(District.code, District.settings)).all()}
        if has_app_context():
            setattr(g, _G_KEY, docs)
    return docs


def document(code: str | None) -> dict:
    """The settings document of district ``code`` ({} for None: the deployment's defaults)."""
    return documents().get(code, {}) if code else {}


def forget() -> None:
    """Read the documents afresh on next use (after a change)."""
    if has_app_context():
        g.pop(_G_KEY, None)


def _key(doc) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False)


# --- Tiles ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tiles:
    """The base map of a page: ``layer`` is a preset's name or an own TileSource (app.maps.builders)."""

    kind: str
    layer: object
    tianditu_key: str
    #: Where the browser loads tiles from (the Content-Security-Policy's img-src).
    hosts: tuple[str, ...]
    #: Whether a district set them (False: the deployment's).
    own: bool


_TILES_CACHE: dict[tuple[str, str, str], Tiles] = {}


def tile_config(doc_tiles: Mapping | None, config: Mapping) -> dict:
    """The deployment's tile settings with a district's ``tiles`` section put over them: a section
    replaces the whole base map (a key it leaves out is blank, not the deployment's), except the
    Tianditu key, which it may leave to the deployment."""
    cfg = {setting: config.get(setting, "") for setting in TILE_FIELDS.values()}
    if doc_tiles:
        for key, setting in TILE_FIELDS.items():
            if key != "tianditu_key":
                cfg[setting] = doc_tiles.get(key, "")
        cfg["TILES_MATRIX"] = doc_tiles.get("matrix") or "{z}"
        cfg["TILES_STYLE"] = doc_tiles.get("style") or "default"
        cfg["TILES_FORMAT"] = doc_tiles.get("format") or "image/png"
        cfg["TILES_SUBDOMAINS"] = doc_tiles.get("subdomains") or "abc"
        cfg["TILES_CRS"] = doc_tiles.get("crs") or "wgs84"
        cfg["TIANDITU_KEY"] = doc_tiles.get("tianditu_key") or config.get("TIANDITU_KEY", "")
    return cfg


def _preset_hosts(kind: str) -> tuple[str, ...]:
    from app.security import TILE_HOSTS

    return TILE_HOSTS.get(kind, ())


def tiles(code: str | None) -> Tiles:
    """The base map of district ``code``'s pages: its own, else the deployment's (None: a city user's)."""
    section = document(code).get("tiles")
    # The deployment's settings are part of the key: they are the default (and tests change them).
    cache_key = (code or "", _key(section), _key([current_app.config.get(n) for n in TILE_FIELDS.values()]))
    found = _TILES_CACHE.get(cache_key)
    if found is None:
        try:
            found = _build_tiles(section)
        except (own_tiles.TileSettingError, ValidationError) as exc:
            # Written past the checks (by hand in the database): the maps keep the deployment's base map.
            current_app.logger.warning("district %s: tiles setting ignored (%s)", code, getattr(exc, "message", exc))
            found = _build_tiles(None)
        if len(_TILES_CACHE) > 256:
            _TILES_CACHE.clear()
        _TILES_CACHE[cache_key] = found
    return found


def _build_tiles(section) -> Tiles:
    if section:
        section = clean_tiles(section)
    cfg = tile_config(section, current_app.config)
    source = own_tiles.source(cfg)
    kind = str(cfg.get("TILES") or "none")
    return Tiles(kind=kind, layer=source or kind, tianditu_key=str(cfg.get("TIANDITU_KEY") or ""),
                 hosts=own_tiles.csp_hosts(source.url) if source is not None else _preset_hosts(kind),
                 own=bool(section))


# --- Calendar -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarSettings:
    """A district's calendar section, parsed: ``hours`` None keeps the national working hours."""

    hours: tuple[tuple[time, time], ...] | None
    days_off: frozenset[date]
    workdays: frozenset[date]
    #: (first (month, day), last (month, day), periods) of every year: a summer schedule.
    seasons: tuple[tuple[tuple[int, int], tuple[int, int], tuple[tuple[time, time], ...]], ...] = ()


_CALENDAR_CACHE: dict[tuple[str, str], CalendarSettings | None] = {}


def calendar_settings(code: str | None) -> CalendarSettings | None:
    """District ``code``'s calendar section, parsed; None when it has none (the deployment's calendar)."""
    section = document(code).get("calendar")
    if not section:
        return None
    cache_key = (code or "", _key(section))
    if cache_key not in _CALENDAR_CACHE:
        try:
            clean = clean_calendar(section) or {}
        except ValidationError as exc:
            # Written past the checks: deadlines keep the deployment's calendar rather than fail.
            current_app.logger.warning("district %s: calendar setting ignored (%s)", code, exc.message)
            clean = {}
        if len(_CALENDAR_CACHE) > 256:
            _CALENDAR_CACHE.clear()
        _CALENDAR_CACHE[cache_key] = None if not clean else CalendarSettings(
            hours=tuple((_time(a), _time(b)) for a, b in clean["hours"]) if clean.get("hours") else None,
            days_off=frozenset(date.fromisoformat(d) for d in clean.get("days_off", ())),
            workdays=frozenset(date.fromisoformat(d) for d in clean.get("workdays", ())),
            seasons=tuple((_md(x["from"]), _md(x["to"]), tuple((_time(a), _time(b)) for a, b in x["hours"]))
                          for x in clean.get("seasons", ())))
    return _CALENDAR_CACHE[cache_key]


def _md(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


# --- Checking -------------------------------------------------------------------------------------


def _fail(field: str, message: str, **details):
    raise ValidationError(message, {"field": field, **details})


def _text(section: Mapping, key: str, field: str) -> str:
    value = section.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        _fail(field, _("%(field)s must be text.", field=field))
    value = value.strip()
    if len(value) > MAX_TEXT:
        _fail(field, _("%(field)s is too long (at most %(n)s characters).", field=field, n=MAX_TEXT))
    return value


def _tile_message(exc: own_tiles.TileSettingError, field: str) -> str:
    """app.tiles' rule, said for the settings page."""
    messages = {
        "required": _("%(field)s is required for this base map: fill it in from the tile service's description "
                      "(for WMTS, its GetCapabilities).", field=field),
        "crs": _("%(field)s: choose wgs84 (WGS-84 or CGCS2000 tiles) or gcj02 (tiles drawn in GCJ-02, as AMap's).",
                 field=field),
        "matrix_z": _("%(field)s must contain {z}, e.g. EPSG:900913:{z}.", field=field),
        "wmts_placeholders": _("%(field)s of a WMTS is the service URL, without {placeholders}, e.g. "
                               "http://10.1.2.3/geoserver/gwc/service/wmts.", field=field),
        "unknown_placeholders": _("%(field)s has %(names)s: a template may use {z}, {x}, {y} (or {-y}) and {s}.",
                                  field=field, names=exc.params.get("names", "")),
        "missing_placeholders": _("%(field)s must contain {z}, {x} and {y} (or {-y}), e.g. "
                                  "http://10.1.2.3/tiles/{z}/{x}/{y}.png.", field=field),
        "scheme": _("%(field)s: give an http:// or https:// URL, or a path on this host starting with /.",
                    field=field),
        "subdomain": _("%(field)s: {s} may only stand in the first label of a host name "
                       "(t{s}.tiles.example.gov.cn).", field=field),
    }
    return messages.get(exc.code) or str(exc)


def clean_tiles(section) -> dict | None:
    """A district's ``tiles`` section checked as start-up checks GRIDMAP_TILES*; None (or {}): the
    deployment's base map. Raises ValidationError naming the field (``tiles.url`` ...) and the fix."""
    if section is None or section == {}:
        return None
    if not isinstance(section, Mapping):
        _fail("tiles", _("tiles must be an object such as {\"kind\": \"osm\"}, or null for the deployment's base "
                         "map."))
    unknown = sorted(set(section) - set(TILE_FIELDS))
    if unknown:
        _fail(f"tiles.{unknown[0]}", _("tiles.%(key)s is not a tile setting; use %(keys)s.", key=unknown[0],
                                       keys=", ".join(TILE_FIELDS)))
    clean = {key: _text(section, key, f"tiles.{key}") for key in TILE_FIELDS}
    kind = clean["kind"]
    if kind not in TILE_KINDS:
        _fail("tiles.kind", _("tiles.kind: choose one of %(kinds)s.", kinds=", ".join(TILE_KINDS)))
    if kind == "tianditu" and not (clean["tianditu_key"] or current_app.config.get("TIANDITU_KEY")):
        _fail("tiles.tianditu_key", _("tiles.tianditu_key: Tianditu tiles need a key from the Tianditu console "
                                      "(the deployment has none)."))
    clean["crs"] = clean["crs"].lower()
    try:
        own_tiles.check(tile_config(clean, current_app.config))
    except own_tiles.TileSettingError as exc:
        field = "tiles." + _FIELD_OF_SETTING.get(exc.setting, "url")
        _fail(field, _tile_message(exc, field))
    # Only what the chosen base map reads is kept.
    keep = {"kind", "tianditu_key"} if kind == "tianditu" else {"kind"}
    if kind in own_tiles.OWN:
        keep |= {"url", "crs", "attribution", "name"} | ({"subdomains"} if kind == "xyz" else
                                                           {"layer", "matrix_set", "matrix", "style", "format"})
    return {key: value for key, value in clean.items() if key in keep and value}


def _days(section: Mapping, key: str) -> list[str]:
    raw = section.get(key) or []
    if isinstance(raw, str):
        raw = [part for part in re.split(r"[\s,，;；、]+", raw) if part]
    if not isinstance(raw, list):
        _fail(f"calendar.{key}", _("calendar.%(key)s must be a list of days such as 2026-07-20.", key=key))
    if len(raw) > MAX_DAYS:
        _fail(f"calendar.{key}", _("calendar.%(key)s lists too many days (at most %(n)s).", key=key, n=MAX_DAYS))
    days = set()
    for value in raw:
        try:
            days.add(date.fromisoformat(str(value).strip()))
        except ValueError:
            _fail(f"calendar.{key}", _("calendar.%(key)s: %(value)s is not a day; write days as 2026-07-20.",
                                       key=key, value=str(value)[:40]))
    return [d.isoformat() for d in sorted(days)]


def _periods(raw, field: str) -> list[list[str]]:
    """Working periods, as a list of ["08:30", "12:00"] pairs or as typed: "08:30-12:00, 15:00-18:00"."""
    if raw in (None, "", []):
        return []
    if isinstance(raw, str):
        # As typed into the page (also with spaces, – or 至 between the times, a full-width colon).
        raw = re.sub(r"\s*[-–—~～至]\s*", "-", raw.replace("：", ":"))
        raw = [part.split("-") for part in re.split(r"[\s,，;；、]+", raw) if part]
    if not isinstance(raw, list) or len(raw) > MAX_PERIODS:
        _fail(field, _("%(field)s: give at most %(n)s working periods such as 08:30-12:00, 15:00-18:00.",
                       field=field, n=MAX_PERIODS))
    periods = []
    for period in raw:
        if not (isinstance(period, (list, tuple)) and len(period) == 2
                and all(isinstance(t, str) and _HHMM.match(t.strip()) for t in period)):
            _fail(field, _("%(field)s: %(value)s is not a period; write each as 08:30-12:00 (24-hour clock).",
                           field=field, value=str(period)[:40]))
        periods.append([t.strip() for t in period])
    previous_end = None
    for start, end in periods:
        if not start < end:
            _fail(field, _("%(field)s: %(start)s-%(end)s must start before it ends.", field=field, start=start,
                           end=end))
        if previous_end is not None and start < previous_end:
            _fail(field, _("%(field)s: the periods must be in order and must not overlap.", field=field))
        previous_end = end
    return periods


_SPAN = re.compile(r"^\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[~～至到]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"\s*[:：]?\s*(.*)$")


def _month_day(text: str, field: str) -> str:
    try:
        month, day = (int(p) for p in str(text).strip().split("-"))
        date(2000, month, day)  # a leap year: 02-29 is a day
    except (TypeError, ValueError):
        _fail(field, _("%(field)s: %(value)s is not a day of the year; write it as 05-01.", field=field,
                       value=str(text)[:20]))
    return f"{month:02d}-{day:02d}"


def _seasons(raw) -> list[dict]:
    """Seasons (a summer schedule): [{"from": "05-01", "to": "09-30", "hours": [...]}], or typed one a
    line: "05-01~09-30 08:30-12:00, 15:00-18:00"."""
    field = "calendar.seasons"
    if raw in (None, "", []):
        return []
    if isinstance(raw, str):
        lines = [line for line in raw.splitlines() if line.strip()]
        raw = []
        for line in lines:
            m = _SPAN.match(line)
            if not m:
                _fail(field, _("%(field)s: write each season on a line as 05-01~09-30 08:30-12:00, 15:00-18:00; "
                               "%(value)s is not one.", field=field, value=line.strip()[:40]))
            raw.append({"from": f"{m[1]}-{m[2]}", "to": f"{m[3]}-{m[4]}", "hours": m[5]})
    if not isinstance(raw, list) or len(raw) > MAX_SEASONS:
        _fail(field, _("%(field)s: give at most %(n)s seasons, each {\"from\": \"05-01\", \"to\": \"09-30\", "
                       "\"hours\": [[\"08:30\", \"12:00\"], [\"15:00\", \"18:00\"]]}.", field=field, n=MAX_SEASONS))
    seasons = []
    for season in raw:
        if not isinstance(season, Mapping) or set(season) != {"from", "to", "hours"}:
            _fail(field, _("%(field)s: each season needs from, to and hours, e.g. {\"from\": \"05-01\", "
                           "\"to\": \"09-30\", \"hours\": [[\"08:30\", \"12:00\"]]}.", field=field))
        hours = _periods(season["hours"], field)
        if not hours:
            _fail(field, _("%(field)s: a season needs its working hours.", field=field))
        seasons.append({"from": _month_day(season["from"], field), "to": _month_day(season["to"], field),
                        "hours": hours})
    return seasons


def _clean_calendar(section) -> dict:
    clean = {}
    periods = _periods(section.get("hours"), "calendar.hours")
    if periods:
        clean["hours"] = periods
    seasons = _seasons(section.get("seasons"))
    if seasons:
        clean["seasons"] = seasons
    for key in ("days_off", "workdays"):
        days = _days(section, key)
        if days:
            clean[key] = days
    return clean


def clean_calendar(section) -> dict | None:
    """A district's ``calendar`` section checked; None (or {}): the deployment's calendar."""
    if section is None or section == {}:
        return None
    if not isinstance(section, Mapping):
        _fail("calendar", _("calendar must be an object such as {\"hours\": [[\"08:30\", \"12:00\"]]}, or null "
                            "for the deployment's calendar."))
    unknown = sorted(set(section) - set(CALENDAR_KEYS))
    if unknown:
        _fail(f"calendar.{unknown[0]}", _("calendar.%(key)s is not a calendar setting; use %(keys)s.",
                                          key=unknown[0], keys=", ".join(CALENDAR_KEYS)))
    clean = _clean_calendar(section)
    both = sorted(set(clean.get("days_off", ())) & set(clean.get("workdays", ())))
    if both:
        _fail("calendar.workdays", _("%(day)s is both a day off and a working day of the district: keep it in "
                                     "one list.", day=both[0]))
    return clean or None


def validate(changes) -> dict:
    """``changes`` (sections to set; null removes one) checked and cleaned; other keys refused."""
    if not isinstance(changes, Mapping):
        _fail("settings", _("Send an object with tiles and/or calendar."))
    unknown = sorted(set(changes) - set(SECTIONS))
    if unknown:
        _fail(unknown[0], _("%(key)s is not a setting edited here; send tiles and/or calendar.", key=unknown[0]))
    cleaners = {"tiles": clean_tiles, "calendar": clean_calendar}
    return {name: cleaners[name](value) for name, value in changes.items()}


# --- Who, and writing -----------------------------------------------------------------------------


def district(code: str) -> District:
    found = db.session.get(District, code) if isinstance(code, str) else None
    if found is None:
        raise NotFound(_("No district %(code)s in this deployment.", code=str(code)[:40]),
                       {"field": "code"})
    return found


def editable_by(actor_district: str | None, code: str) -> bool:
    """A city administrator edits every district; a district's administrator only theirs."""
    return actor_district is None or actor_district == code


def owned(doc: Mapping) -> dict:
    """The sections of a settings document this module owns (what a page shows and the audit logs)."""
    return {name: doc[name] for name in SECTIONS if doc.get(name)}


def save(code: str, changes) -> District:
    """Set sections of district ``code``'s settings (null or {} removes one: the deployment's default
    again); other sections stay as they are. Audited; the caller commits."""
    found = district(code)
    clean = validate(changes)
    # Locked, so two administrators' changes of different sections do not undo each other.
    db.session.refresh(found, with_for_update=True)
    before = dict(found.settings or {})
    after = dict(before)
    for name, value in clean.items():
        if value:
            after[name] = value
        else:
            after.pop(name, None)
    if after != before:
        found.settings = after
        audit.record("district.settings", "district", code, before=owned(before), after=owned(after),
                     district_code=code)
        db.session.flush()
    forget()
    return found


def effective(code: str) -> dict:
    """What district ``code``'s pages and deadlines use: its own sections, else the deployment's."""
    doc = document(code)
    t = tiles(code)
    cal = calendar_settings(code)
    return {
        "tiles": {"source": "district" if t.own else "deployment", "kind": t.kind,
                  "url": getattr(t.layer, "url", None), "hosts": list(t.hosts)},
        "calendar": {"source": "district" if doc.get("calendar") else "deployment",
                     "hours": [[f"{a:%H:%M}", f"{b:%H:%M}"] for a, b in cal.hours] if cal and cal.hours else None,
                     "days_off": sorted(d.isoformat() for d in cal.days_off) if cal else [],
                     "workdays": sorted(d.isoformat() for d in cal.workdays) if cal else [],
                     "seasons": (doc.get("calendar") or {}).get("seasons", []) if cal else []},
    }
