"""Checking one row of an address file.

Pure checks (no database): every problem is a ``RowError`` naming the field
and the fix. A row gives its address either as parts (道路, 门牌号, 小区,
楼栋, 单元 ...) or as one text (地址), plus a point. Both forms go through
the same ``AddressNormaliser`` as geocoding queries, so the stored key is the
key a query for the same place produces.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.addresses.files import normalise_keys
# Coordinates are read exactly as for reports (required, a finite number).
from app.rows import RowError, coordinate
from geo.address import AddressNormaliser, AddressParts
from geo.crs import SourceCRS, UnknownCRSError, parse_crs

MAX_PART = 100
MAX_TEXT = 300
PART_FIELDS = ("district", "subdistrict", "community", "road", "number", "compound", "building", "unit")
# Suffixes a register may or may not write in the part columns: 32号, 3号楼, 2单元.
_NUMBER_SUFFIX = re.compile(r"(号院|号)$")
_BUILDING_SUFFIX = re.compile(r"(号楼|号栋|号幢|号座|栋|幢|座|楼|号|#)$")
_UNIT_SUFFIX = re.compile(r"单元$")
ALIAS_SPLIT = re.compile(r"[;；,，、/|]")


@dataclass
class CleanAddress:
    row: int
    parts: AddressParts
    key: str
    full_text: str
    lon: float
    lat: float
    crs: SourceCRS | None
    district: str | None = None
    subdistrict: str | None = None
    community: str | None = None
    aliases: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _text(raw: dict, name: str, limit: int, errors: list, row: int) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        errors.append(RowError(row, name, _("%(field)s must be text.", field=name)))
        return None
    value = "".join(str(value).split())   # registers pad parts with spaces; none belong in an address
    if "\x00" in value:
        errors.append(RowError(row, name, _("%(field)s contains a NUL character.", field=name)))
        return None
    if len(value) > limit:
        errors.append(RowError(row, name, _("%(field)s is too long: at most %(n)s characters.", field=name,
                                            n=limit), value[:40]))
        return None
    return value


def _strip(value: str | None, suffix: re.Pattern[str]) -> str | None:
    if not value:
        return None
    return suffix.sub("", value) or None


def compose(road=None, number=None, compound=None, building=None, unit=None, *, display=False) -> str:
    """The address text of separate parts.

    ``display`` spells buildings the way registers print them (3号楼, A座);
    otherwise the canonical 栋 the normaliser produces.

    >>> compose("建设路", "32", "绿城百合花园", "3", "2", display=True)
    '建设路32号绿城百合花园3号楼2单元'
    >>> compose("建设路", "32", None, "A")
    '建设路32号A栋'
    """
    b = ""
    if building:
        b = building + (("号楼" if building[0].isdigit() else "座") if display else "栋")
    return "".join([road or "", f"{number}号" if number else "", compound or "", b,
                    f"{unit}单元" if unit else ""])


def check_address(raw, row: int, normaliser: AddressNormaliser, default_crs=None) -> CleanAddress:
    """A ``CleanAddress`` (``errors`` empty when it can be stored)."""
    errors: list[RowError] = []
    empty = CleanAddress(row, AddressParts(), "", "", 0.0, 0.0, None, errors=errors)
    if not isinstance(raw, dict):
        errors.append(RowError(row, "row", _("Each address must be an object with named fields.")))
        return empty
    raw = normalise_keys(raw)
    given = {name: _text(raw, name, MAX_PART, errors, row) for name in PART_FIELDS}
    text = _text(raw, "address", MAX_TEXT, errors, row)
    number = _strip(given["number"], _NUMBER_SUFFIX)
    building = _strip(given["building"], _BUILDING_SUFFIX)
    unit = _strip(given["unit"], _UNIT_SUFFIX)
    has_parts = any(given[name] for name in ("road", "number", "compound", "building", "unit"))
    # Parts win over the text when both are given (the text is then not stored): they are what
    # the register keeps.
    source = compose(given["road"], number, given["compound"], building, unit) if has_parts else text
    parts = normaliser.parse(source) if source else AddressParts()
    if not source:
        errors.append(RowError(row, "address", _("Give the address: a road and door number or an estate "
                                                 "(道路/门牌号/小区 ...), or the whole address (地址).")))
    elif not (parts.road or parts.compound):
        errors.append(RowError(row, "address", _("The address names no road or estate, so it names no single "
                                                 "place; add the road (道路) or the estate (小区)."), source[:60]))
    elif parts.road and not parts.number and not parts.compound:
        errors.append(RowError(row, "number", _("A road alone is not one place: add the door number (门牌号) "
                                                "or the estate (小区)."), source[:60]))
    lon = coordinate(raw, "lon", errors, row)
    lat = coordinate(raw, "lat", errors, row)
    crs = None
    try:
        crs = parse_crs(raw.get("crs") or default_crs or None)
    except (UnknownCRSError, TypeError, ValueError):
        errors.append(RowError(row, "crs", _("Unknown coordinate system: use an EPSG code such as 4326, "
                                             "4490 or 4547, or gcj02 / bd09."), str(raw.get("crs"))[:40]))
    if crs is not None and lon is not None and lat is not None and crs.is_geographic:
        if not -180 <= lon <= 180:
            errors.append(RowError(row, "lon", _("lon must be between -180 and 180."), str(lon)))
        if not -90 <= lat <= 90:
            errors.append(RowError(row, "lat", _("lat must be between -90 and 90."), str(lat)))
    aliases_raw = _text(raw, "aliases", MAX_TEXT, errors, row)
    aliases = [a for a in ALIAS_SPLIT.split(aliases_raw or "") if a.strip()]
    if aliases and not parts.compound:
        errors.append(RowError(row, "aliases", _("Aliases name an estate: give the estate (小区) too.")))
    # The stored text keeps the register's own spelling (before aliases): re-keying after an
    # alias changes parses it again. With parts given, it is spelled from them.
    display = compose(given["road"], number, given["compound"], building, unit, display=True) if has_parts \
        else text
    return CleanAddress(row, parts, parts.key(), display, lon or 0.0, lat or 0.0, crs,
                        given["district"] or parts.district, given["subdistrict"] or parts.subdistrict,
                        given["community"] or parts.community, aliases, errors)
