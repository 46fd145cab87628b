"""Chinese standard-address text (标准地址): normalisation and parsing.

Hotline calls and spreadsheets write one address in many ways: full-width
digits, Chinese numerals, 号楼/栋/幢/座, a province-city-district prefix or
none, spaces and punctuation. Geocoding against a standard address library
needs one canonical spelling first; this module provides it, with no web
framework, ORM or database (``geo`` stays pure).

Normalisation rules (``normalise``)
-----------------------------------
1. NFKC folds full-width forms to half-width (``３２号`` -> ``32号``) and
   ASCII letters are upper-cased (``a座`` -> ``A栋``).
2. Spaces and punctuation (，。、·()“” etc.) are dropped. A hyphen is kept
   **only between two digits**, because ``32-1号`` (an annex door number) and
   ``3-2-301`` (building-unit-room) carry meaning; every other hyphen or dash
   is dropped. ``#`` after a number means building (``3#楼``, ``3#``).
3. Administrative prefixes at the start (province, city, district, a
   subdistrict ending in 街道/办事处) are stripped; which names count is the
   ``prefixes`` parameter (default: 河南省郑州市中原区 and their short forms).
   A short form (``郑州``) is stripped only when another admin unit or a
   road follows it, so ``郑州大学家属院`` keeps its name. 社区 names are
   *parts*, not prefixes: they stay in the text and ``parse`` reports them.
4. Chinese numerals before a marker (号, 号楼, 栋, 幢, 座, 楼, 单元, 层, 室,
   户, 期) become Arabic (``三十二号`` -> ``32号``, ``一百零五号`` -> ``105号``,
   ``两单元`` -> ``2单元``, ``二〇一室`` -> ``201室``); numerals inside names
   (``国棉三厂``, ``二七路``) are left alone. ``第`` before such a number goes.
5. ``32号附1号`` / ``32号之1`` become ``32-1号``.
6. Right after a road, ``N号院`` and ``N号楼`` mean the compound/building *at
   door N*, so they become ``N号`` (``伊河路148号院`` == ``伊河路148号``).
7. Building suffixes 号楼/号栋/幢/座/楼 become ``栋``. A bare ``楼`` is a floor
   (``层``) when a building was already named (``3栋5楼``) or when the room
   number that follows starts with it (``3楼301``).
8. 户/房 after a number become ``室``; leading zeros of numbers are dropped.
9. Estate aliases (a mapping variant -> canonical name) are applied last, so
   ``绿城百合`` and ``绿城百合花园`` can share one spelling.

Parsing (``parse``) then splits the canonical text into ``AddressParts``.
Numbers are stored without their suffix (number ``"32"``/``"32-1"``,
building ``"3"``, unit ``"2"``); ``AddressParts.text()`` puts them back.
A leading ``…社区`` is the community; the first name ending in a road suffix
(路/街/大道/大街/巷/胡同/道) is the road; a name after it (or with no road) is
the compound. Locative noise (门口, 东门, 附近, 内...) and intersections
(建设路与桐柏路交叉口) go to ``rest``, which never enters the key.

Examples
--------
>>> normalise("河南省郑州市中原区 建设路三十二号院 十号楼 二单元")
'建设路32号10栋2单元'
>>> parse("桐柏路１２号 锦艺城 Ａ座 3单元 502室").key()
'桐柏路|12|锦艺城|A|3'
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Iterable, Mapping

# Defaults for 河南省郑州市中原区. Short forms inherit the level of the long
# form listed with them; "中国" has no level and is simply dropped.
DEFAULT_PREFIXES: tuple[str, ...] = ("中国", "河南省", "河南", "郑州市", "郑州", "中原区")

LEVELS = ("province", "city", "district", "subdistrict")
# Suffix -> admin level, longest first so 自治区 wins over 区.
_LEVEL_SUFFIXES = (("自治区", "province"), ("省", "province"), ("市", "city"), ("区", "district"),
                   ("县", "district"), ("旗", "district"), ("街道办事处", "subdistrict"),
                   ("街道", "subdistrict"), ("办事处", "subdistrict"), ("镇", "subdistrict"),
                   ("乡", "subdistrict"))

ROAD_SUFFIXES = ("大道", "大街", "胡同", "路", "街", "巷", "道")
# Words that end an estate name; used to split "绿城百合花园建设路" into a
# compound and a road when the estate is written first.
COMPOUND_SUFFIXES = ("家属院", "家属楼", "小区", "花园", "家园", "公寓", "大厦", "广场", "新村", "苑", "院")
# Generic word that does not identify an estate: 锦艺城小区 == 锦艺城.
GENERIC_COMPOUND_SUFFIX = "小区"

_HAN = "\u4e00-\u9fff"
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_MARKERS = "号院|号楼|号|栋|幢|座|楼|单元|层|室|户|期"

_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−~～"})
_NUMERAL_RE = re.compile(rf"(?:第)?([零〇一二两三四五六七八九十百千]+)(?={_MARKERS})")
# A trailing room number read digit by digit after a floor/unit: 六楼六零二.
_TRAILING_NUMERAL_RE = re.compile(r"(?<=[楼层元栋幢座])([零〇一二两三四五六七八九十百千]+)$")
_ORDINAL_RE = re.compile(rf"第(?=[0-9]+(?:{_MARKERS}))")
_LEADING_ZERO_RE = re.compile(r"(?<![0-9])0+(?=[0-9])")
_ANNEX_RE = re.compile(r"([0-9]+)号(?:附|之)([0-9]+)号?")
_DOOR_COMPOUND_RE = re.compile(r"(?<=[路街道巷同])([0-9]+(?:-[0-9]+)?)号(?:大院|院|楼)")
_BUILDING_RE = re.compile(r"([0-9]+|[A-Z]+[0-9]*)(号楼|号栋|号幢|号座|栋|幢|座|楼)(?=([0-9]*))")
_ROOM_RE = re.compile(r"([0-9]+)(?:号房|房间|房|户)")

_SUBDISTRICT_RE = re.compile(rf"([{_HAN}]{{2,6}}?(?:街道办事处|街道办|街道|办事处))")
_COMMUNITY_RE = re.compile(rf"([{_HAN}]{{2,8}}?(?:社区居委会|社区|居委会))")
_ROAD_RE = re.compile(rf"([^0-9]{{1,10}}?(?:{'|'.join(ROAD_SUFFIXES)}))")
# A short road right after a short-form prefix ("郑州建设路"); kept short so
# "郑州大学家属院..." is not mistaken for one.
_ROAD_HEAD_RE = re.compile(rf"[{_HAN}]{{1,6}}?(?:大道|大街|胡同|路|街|巷)")
# Locative noise a caller adds to an address; it identifies nothing.
_NOISE_RE = re.compile(r"(附近|旁边|对面|门口|楼下|里面|内|东门|西门|南门|北门|东侧|西侧|南侧|北侧|路口|交叉口)$")
_TOKEN_RE = re.compile(r"(?P<id>[0-9]+(?:-[0-9]+)*|[A-Z]+[0-9]*)(?P<suffix>号院|号|栋|单元|层|室)?"
                       r"|(?P<text>[^0-9A-Z]+)")


# --------------------------------------------------------------------------
# Parts
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class AddressParts:
    """One address split into its levels; ``None`` where a part is absent.

    Numbers carry no suffix: number ``"32"`` or ``"32-1"`` (门牌号), building
    ``"3"`` (栋), unit ``"2"`` (单元), floor ``"5"`` (层), room ``"501"`` (室).
    ``rest`` holds text that fitted no part (noise such as 门口, or words
    after the unit); it never enters the key.
    """

    province: str | None = None
    city: str | None = None
    district: str | None = None
    subdistrict: str | None = None
    community: str | None = None
    road: str | None = None
    number: str | None = None
    compound: str | None = None
    building: str | None = None
    unit: str | None = None
    floor: str | None = None
    room: str | None = None
    rest: str | None = None

    def key(self) -> str:
        """Canonical exact-match key: road|number|compound|building|unit.

        The compound enters without a generic 小区 suffix. Admin levels,
        community, floor and room stay out: standard address libraries are
        kept at unit level or coarser, and callers rarely repeat the admin
        chain consistently.

        >>> AddressParts(road="建设路", number="32", compound="锦艺城小区", building="3").key()
        '建设路|32|锦艺城|3|'
        """
        return address_key(self)

    def text(self) -> str:
        """Canonical text of the non-admin parts, suffixes restored.

        >>> AddressParts(road="建设路", number="32", building="3", unit="2", room="501").text()
        '建设路32号3栋2单元501室'
        """
        pieces = [self.community or "", self.road or "", _suffixed(self.number, "号"), self.compound or "",
                  _suffixed(self.building, "栋"), _suffixed(self.unit, "单元"), _suffixed(self.floor, "层"),
                  _suffixed(self.room, "室")]
        return "".join(pieces)

    @property
    def level(self) -> str | None:
        """The finest addressed level: unit, building, compound, number, road or None.

        >>> parse("绿城百合3号楼").level
        'building'
        """
        for name in ("unit", "building", "compound", "number", "road"):
            if getattr(self, name):
                return name
        return None

    def as_dict(self) -> dict[str, str | None]:
        """Plain dict of all parts (for JSON and logs)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _suffixed(value: str | None, suffix: str) -> str:
    return f"{value}{suffix}" if value else ""


def compound_core(name: str | None) -> str:
    """Estate name without the generic 小区 suffix (kept when nothing else is left).

    >>> compound_core("锦艺城小区"), compound_core("小区"), compound_core(None)
    ('锦艺城', '小区', '')
    """
    if not name:
        return ""
    if name.endswith(GENERIC_COMPOUND_SUFFIX) and len(name) - len(GENERIC_COMPOUND_SUFFIX) >= 2:
        return name[: -len(GENERIC_COMPOUND_SUFFIX)]
    return name


def address_key(parts: AddressParts) -> str:
    """The exact-match key of ``parts`` (see ``AddressParts.key``)."""
    return "|".join((parts.road or "", parts.number or "", compound_core(parts.compound),
                     parts.building or "", parts.unit or ""))


# --------------------------------------------------------------------------
# Text-level helpers (no configuration needed)
# --------------------------------------------------------------------------

def chinese_to_int(text: str) -> int | None:
    """Value of a Chinese numeral, or None when ``text`` is not one.

    Handles positional forms (三十二, 一百零五, 十, 两百) and digit strings read
    one by one (一零五, 二〇一).

    >>> [chinese_to_int(t) for t in ("三十二", "十", "一百零五", "两", "二〇一", "十二", "百合")]
    [32, 10, 105, 2, 201, 12, None]
    """
    if not text or any(c not in _CN_DIGITS and c not in _CN_UNITS for c in text):
        return None
    if not any(c in _CN_UNITS for c in text):
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total, digit = 0, None
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        else:
            # A unit with no digit before it counts once: 十二 = 12.
            total += (1 if digit is None else digit) * _CN_UNITS[char]
            digit = None
    return total + (digit or 0)


def clean_text(text: str) -> str:
    """NFKC, dash and ``#`` handling, drop spaces/punctuation, upper-case.

    A hyphen survives only between two ASCII digits (``32-1号``).

    >>> clean_text("  建设路 ３２－１号，绿城·百合 3#楼 ")
    '建设路32-1号绿城百合3号楼'
    """
    s = unicodedata.normalize("NFKC", text).translate(_DASHES)
    s = "".join(ch for ch in s if not ch.isspace())
    s = re.sub(r"(?<=[0-9A-Za-z])#楼", "号楼", s)
    s = re.sub(r"(?<=[0-9A-Za-z])#", "栋", s)
    out = []
    for i, ch in enumerate(s):
        if ch == "-":
            if 0 < i < len(s) - 1 and s[i - 1] in "0123456789" and s[i + 1] in "0123456789":
                out.append(ch)
        elif unicodedata.category(ch)[0] not in "PZSC":
            out.append(ch)
    return "".join(out).upper()


def convert_numerals(text: str) -> str:
    """Chinese numerals before an address marker become Arabic; 第 goes.

    >>> convert_numerals("三十二号十号楼第二单元一〇五室国棉三厂"), convert_numerals("六楼六零二")
    ('32号10号楼2单元105室国棉三厂', '6楼602')
    """
    def repl(match: re.Match[str]) -> str:
        value = chinese_to_int(match.group(1))
        return match.group(0) if value is None else str(value)

    return _ORDINAL_RE.sub("", _TRAILING_NUMERAL_RE.sub(repl, _NUMERAL_RE.sub(repl, text)))


def unify_buildings(text: str) -> str:
    """号楼/号栋/幢/座/楼 -> 栋; a bare 楼 is a floor (层) after a building or before its room.

    >>> unify_buildings("10号楼2单元"), unify_buildings("A座"), unify_buildings("3栋5楼"), unify_buildings("3楼301")
    ('10栋2单元', 'A栋', '3栋5层', '3层301')
    """
    seen_building = False

    def repl(match: re.Match[str]) -> str:
        nonlocal seen_building
        ident, suffix, following = match.group(1), match.group(2), match.group(3)
        room_follows = ident.isdigit() and len(following) > len(ident) and following.startswith(ident)
        if suffix == "楼" and (seen_building or room_follows):
            return f"{ident}层"
        seen_building = True
        return f"{ident}栋"

    return _BUILDING_RE.sub(repl, text)


def _prefix_level(name: str, names: set[str]) -> tuple[str | None, bool]:
    """(level, is_short_form) of a configured prefix name."""
    for suffix, level in _LEVEL_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return level, False
    for suffix, level in _LEVEL_SUFFIXES:
        if name + suffix in names:
            return level, True
    return None, True


def _starts_with_road_suffix(text: str) -> bool:
    return text.startswith(ROAD_SUFFIXES)


# --------------------------------------------------------------------------
# Configured normaliser
# --------------------------------------------------------------------------

class AddressNormaliser:
    """Normalise and parse with one set of prefixes and estate aliases.

    Build one per configuration and reuse it: the alias table is compiled
    once. Queries and library entries must go through the *same* instance
    so that both sides get the same spelling.

    >>> n = AddressNormaliser(aliases={"绿城百合": "绿城百合花园"})
    >>> n.normalise("郑州市绿城百合3号楼"), n.normalise("绿城百合花园3栋")
    ('绿城百合花园3栋', '绿城百合花园3栋')
    """

    def __init__(self, prefixes: Iterable[str] = DEFAULT_PREFIXES,
                 aliases: Mapping[str, str] | None = None) -> None:
        cleaned = [clean_text(p) for p in prefixes if p and p.strip()]
        names = set(cleaned)
        # Longest first, so 郑州市 is tried before 郑州.
        self._prefixes = [(name, *_prefix_level(name, names)) for name in sorted(names, key=len, reverse=True)]
        self._alias_map, self._alias_re = self._compile_aliases(aliases or {})

    # -- aliases ----------------------------------------------------------
    def _compile_aliases(self, aliases: Mapping[str, str]) -> tuple[dict[str, str], re.Pattern[str] | None]:
        """Normalise both sides of every alias and resolve chains to one canonical name."""
        raw = {}
        for variant, canonical in aliases.items():
            v, c = self._normalise_plain(variant)[1], self._normalise_plain(canonical)[1]
            if v and c and v != c:
                raw[v] = c
        resolved = {}
        for name in set(raw) | set(raw.values()):
            target, seen = name, {name}
            while target in raw and raw[target] not in seen:  # follow a→b→c, stop on cycles
                target = raw[target]
                seen.add(target)
            resolved[name] = target
        if not resolved:
            return {}, None
        # Longest alternative first: "绿城百合花园" must win over its prefix "绿城百合".
        pattern = "|".join(re.escape(n) for n in sorted(resolved, key=len, reverse=True))
        return resolved, re.compile(pattern)

    def _apply_aliases(self, text: str) -> str:
        if self._alias_re is None:
            return text
        return self._alias_re.sub(lambda m: self._alias_map[m.group(0)], text)

    # -- admin prefixes ---------------------------------------------------
    def _admin_follows(self, rest: str) -> bool:
        """True if ``rest`` starts with an admin unit, community or road (short-form guard)."""
        return (any(rest.startswith(name) for name, _, _ in self._prefixes)
                or bool(_SUBDISTRICT_RE.match(rest) or _COMMUNITY_RE.match(rest) or _ROAD_HEAD_RE.match(rest)))

    def _strip_one_prefix(self, text: str, admin: dict[str, str]) -> str | None:
        """Text without its leading configured prefix or subdistrict, or None."""
        for name, level, short in self._prefixes:
            if not text.startswith(name):
                continue
            rest = text[len(name):]
            # "中原" + "路" is a road, not a prefix; a short form needs an
            # admin unit or road after it (郑州大学 keeps its name).
            if _starts_with_road_suffix(rest) or (short and not self._admin_follows(rest)):
                continue
            if level:
                admin.setdefault(level, name)
            return rest
        match = _SUBDISTRICT_RE.match(text)
        if match and "subdistrict" not in admin and not _starts_with_road_suffix(text[match.end():]):
            admin["subdistrict"] = match.group(1)
            return text[match.end():]
        return None

    def _strip_admin(self, text: str) -> tuple[dict[str, str], str]:
        admin: dict[str, str] = {}
        while (rest := self._strip_one_prefix(text, admin)) is not None:
            text = rest
        return admin, text

    # -- public -----------------------------------------------------------
    def _normalise_plain(self, text: str) -> tuple[dict[str, str], str]:
        """Every normalisation step except aliases; returns (admin parts, text)."""
        admin, s = self._strip_admin(clean_text(text))
        s = convert_numerals(s)
        s = _LEADING_ZERO_RE.sub("", s)
        s = _ANNEX_RE.sub(r"\1-\2号", s)
        s = _DOOR_COMPOUND_RE.sub(r"\1号", s)
        s = unify_buildings(s)
        s = _ROOM_RE.sub(r"\1室", s)
        return admin, s

    def normalise_with_admin(self, text: str) -> tuple[dict[str, str], str]:
        """(stripped admin levels by name, canonical text)."""
        admin, s = self._normalise_plain(text)
        return admin, self._apply_aliases(s)

    def normalise(self, text: str) -> str:
        """Canonical spelling of ``text`` (see the module docstring for the rules)."""
        return self.normalise_with_admin(text)[1]

    def parse(self, text: str) -> AddressParts:
        """Split ``text`` into ``AddressParts`` after normalising it."""
        admin, s = self.normalise_with_admin(text)
        builder = _PartsBuilder()
        for kind, value, suffix in _tokens(s):
            if kind == "text":
                builder.take_text(value)
            else:
                builder.take_number(value, suffix)
        return builder.build(admin)


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

def _tokens(text: str) -> list[tuple[str, str, str | None]]:
    """(kind, value, suffix) tokens; numbers that belong to a name merge into text.

    A letter without a building/unit suffix is text (锦艺城A区), and a bare
    number between two name pieces is part of the name (锦艺城2期, 国棉3厂)
    unless the text before it is a road (建设路32绿城百合: a door number).
    """
    raw: list[tuple[str, str, str | None]] = []
    for m in _TOKEN_RE.finditer(text):
        if m.group("text") is not None:
            raw.append(("text", m.group("text"), None))
        elif not m.group("id")[0].isdigit() and m.group("suffix") not in ("栋", "单元", "号"):
            raw.append(("text", m.group(0), None))
        else:
            raw.append(("num", m.group("id"), m.group("suffix")))
    merged: list[tuple[str, str, str | None]] = []
    for i, tok in enumerate(raw):
        prev_text = merged[-1][1] if merged and merged[-1][0] == "text" else None
        next_is_text = i + 1 < len(raw) and raw[i + 1][0] == "text"
        in_name = (tok[0] == "num" and tok[2] is None and "-" not in tok[1] and prev_text is not None
                   and next_is_text and not prev_text.endswith(ROAD_SUFFIXES))
        if (tok[0] == "text" or in_name) and prev_text is not None:
            merged[-1] = ("text", prev_text + tok[1], None)
        elif in_name:
            merged.append(("text", tok[1], None))
        else:
            merged.append(tok)
    return merged


def _split_road(text: str) -> tuple[str | None, str, str]:
    """(compound written before the road, road, remainder) of a text token.

    ``绿城百合花园建设路`` -> (``绿城百合花园``, ``建设路``, ``""``). A compound
    suffix at the very start of the road name (花园路, 学院路) is the road's
    own name and is not split off.
    """
    match = _ROAD_RE.match(text)
    if not match:
        return None, "", text
    road, remainder = match.group(1), text[match.end():]
    for suffix in COMPOUND_SUFFIXES:
        pos = road.rfind(suffix)
        end = pos + len(suffix)
        if pos > 0 and len(road) - end >= 3:
            return road[:end], road[end:], remainder
    return None, road, remainder


class _PartsBuilder:
    """Walks the tokens left to right, filling parts in their usual order.

    Rules: the first name with a road suffix is the road; a name after the
    road (or with none) is the compound; ``N号`` is the door number until a
    compound or building is known, then it is the building (绿城百合3号);
    bare ``a-b-c`` after a compound is building-unit-room; a bare number
    after a building or unit is the room; anything else goes to ``rest``.
    """

    def __init__(self) -> None:
        self.parts: dict[str, str] = {}
        self.rest: list[str] = []
        # True when the estate was written before its road (绿城百合花园建设路32号):
        # the 32号 that follows is then still the door number.
        self.compound_first = False

    def _has(self, *names: str) -> bool:
        return any(name in self.parts for name in names)

    def _set(self, name: str, value: str) -> None:
        if name in self.parts:
            self.rest.append(value)
        else:
            self.parts[name] = value

    def take_text(self, text: str) -> None:
        if not self.parts:
            match = _COMMUNITY_RE.match(text)
            if match:
                self.parts["community"] = match.group(1)
                text = text[match.end():]
        if text and not self._has("road", "number", "compound", "building"):
            before, road, text = _split_road(text)
            if road:
                if before:
                    self.parts["compound"] = before
                    self.compound_first = True
                self.parts["road"] = road
        if text.startswith(("与", "和", "交")):  # an intersection: 建设路与桐柏路交叉口
            self.rest.append(text)
            return
        noise = _NOISE_RE.search(text)
        if noise:
            self.rest.append(noise.group(1))
            text = text[: noise.start()]
        if not text:
            return
        if self._has("compound", "building", "unit", "floor", "room"):
            self.rest.append(text)
        else:
            self.parts["compound"] = text

    def take_number(self, ident: str, suffix: str | None) -> None:
        if suffix == "号":
            door_number = not self._has("compound") or self.compound_first
            if door_number and not self._has("number", "building") and ident[0].isdigit():
                self.parts["number"] = ident
            else:
                self._set("building", ident)
        elif suffix == "号院":
            if self._has("road") and not self._has("number", "compound"):
                self.parts["number"] = ident
            else:
                self._set("compound", f"{ident}号院")
        elif suffix in ("栋", "单元", "层", "室"):
            self._set({"栋": "building", "单元": "unit", "层": "floor", "室": "room"}[suffix], ident)
        else:
            self._take_bare(ident)

    def _take_bare(self, ident: str) -> None:
        """A number with no suffix: meaning depends on what came before."""
        pieces = ident.split("-")
        door_expected = self._has("road") and not self._has("number", "compound", "building")
        if door_expected and len(pieces) <= 2:
            self.parts["number"] = ident                          # 建设路32 / 建设路32-1
        elif len(pieces) == 3 and not self._has("building", "unit", "room"):
            self.parts.update(building=pieces[0], unit=pieces[1], room=pieces[2])
        elif len(pieces) == 2 and self._has("building") and not self._has("unit", "room"):
            self.parts.update(unit=pieces[0], room=pieces[1])    # 3栋2-301
        elif len(pieces) == 2 and self._has("compound") and not self._has("building", "unit"):
            self.parts.update(building=pieces[0], unit=pieces[1])  # 绿城百合3-2
        elif len(pieces) == 1 and self._has("building", "unit", "floor") and not self._has("room"):
            self.parts["room"] = ident                            # 3栋2单元501
        else:
            self.rest.append(ident)

    def build(self, admin: Mapping[str, str]) -> AddressParts:
        return AddressParts(**{level: admin.get(level) for level in LEVELS}, **self.parts,
                            rest="".join(self.rest) or None)


# --------------------------------------------------------------------------
# Module-level shortcuts
# --------------------------------------------------------------------------

@lru_cache(maxsize=32)
def _cached_normaliser(prefixes: tuple[str, ...], aliases: tuple[tuple[str, str], ...]) -> AddressNormaliser:
    return AddressNormaliser(prefixes, dict(aliases))


def get_normaliser(prefixes: Iterable[str] = DEFAULT_PREFIXES,
                   aliases: Mapping[str, str] | None = None) -> AddressNormaliser:
    """A cached ``AddressNormaliser`` for this configuration."""
    return _cached_normaliser(tuple(prefixes), tuple(sorted((aliases or {}).items())))


def normalise(text: str, *, prefixes: Iterable[str] = DEFAULT_PREFIXES,
              aliases: Mapping[str, str] | None = None) -> str:
    """Canonical spelling of a Chinese address (rules in the module docstring).

    >>> normalise("中原区  棉纺路 一百零五号 ３号楼 两单元")
    '棉纺路105号3栋2单元'
    >>> normalise("郑州市棉纺厂家属院五号楼", aliases={"棉纺厂家属院": "国棉三厂家属院"})
    '国棉三厂家属院5栋'
    """
    return get_normaliser(prefixes, aliases).normalise(text)


def parse(text: str, *, prefixes: Iterable[str] = DEFAULT_PREFIXES,
          aliases: Mapping[str, str] | None = None) -> AddressParts:
    """Split a Chinese address into ``AddressParts``.

    >>> p = parse("河南省郑州市中原区建设路街道 建设路社区 建设路32号院 3号楼2单元501室")
    >>> p.district, p.subdistrict, p.community, p.road, p.number, p.building, p.unit, p.room
    ('中原区', '建设路街道', '建设路社区', '建设路', '32', '3', '2', '501')
    >>> parse("伊河路148号院").key() == parse("伊河路148号").key()
    True
    """
    return get_normaliser(prefixes, aliases).parse(text)
