"""Geocoding against the standard address libraries, in memory, one index per district and process.

Each process keeps a ``geo.address_match.AddressIndex`` per district's
library (issue 19: one deployment, many districts). Before each use it reads
one number, ``address_library_version`` (a primary-key lookup), which every
statement changing a library or its aliases sets from a sequence (migration
0011), and so does a change of a district's address prefixes: when it
differs from the number a district's index was built from, that index is
rebuilt. Imports in another process are therefore seen by the next request
here, at the cost of one tiny query per request.

One version for the whole city, not one per district: the bump is a statement
trigger (and on Citus a statement the app issues after each write,
app/citus.py), which does not know which district's rows a statement touched
without reading them; the libraries change seldom (an import, an alias, a
prefix list), and a district whose library did not change only rebuilds once,
when it is next asked, in well under a second for a district's library.

Which district a text is matched in: :meth:`City.districts_for` (the one rule), used by
:func:`geocode_in_city` and :func:`suggest_in_city`.

``geocode(text)`` answers ``matched`` only at or above the confidence
threshold (``GRIDMAP_GEOCODE_THRESHOLD``, default 0.75); anything else
(``ambiguous``, ``unmatched``) means a person must place it: the caller
flags it ``needs_placement`` and never guesses. When the library has no
confident answer and ``GRIDMAP_GEOCODER`` names an external geocoder, that is
asked too (app.addresses.external); it is off by default and everything
works offline.
"""
from __future__ import annotations

import bisect
import re
import threading
import time
from dataclasses import dataclass, field
from itertools import zip_longest

from flask import current_app
from rapidfuzz import fuzz, process
from sqlalchemy import text

from app.extensions import db
from geo.address import DEFAULT_PREFIXES, AddressNormaliser, AddressParts, chinese_to_int, get_normaliser
from geo.address_match import (AMBIGUOUS, DEFAULT_MARGIN, MATCHED, MAX_RANKED, UNMATCHED, AddressIndex, Candidate,
                               MatchResult)

MAX_SUGGESTIONS = 10
#: Below this many characters a fuzzy suggestion is noise.
FUZZY_MIN_CHARS = 2
FUZZY_CUTOFF = 70.0
_EXTENSION = "gridmap_address_library"
_TRAILING_NUMERAL = re.compile(r"(?<=[路街道巷号栋])[零〇一二两三四五六七八九十百千]+$")


@dataclass(frozen=True)
class Entry:
    """One library row as the geocoder hands it out."""

    id: int
    text: str
    lon: float
    lat: float
    grid_code: str | None
    parts: AddressParts
    level: str | None
    district_code: str | None = None

    def brief(self) -> dict:
        return {"id": self.id, "text": self.text, "lon": self.lon, "lat": self.lat, "grid_code": self.grid_code,
                "level": self.level, "district_code": self.district_code}


@dataclass
class Library:
    """The in-memory library of one district at one version."""

    version: int
    index: AddressIndex
    entries: dict[int, Entry]
    # Canonical spellings sorted for prefix search: (text, rank, id). Each entry
    # appears road-first (建设路32号绿城百合花园3栋) and, when it has an
    # estate, estate-first (绿城百合花园3栋), since people type either.
    _sorted: list[tuple[str, int, int]] = field(default_factory=list)
    _texts: list[str] = field(default_factory=list)
    _text_ids: list[int] = field(default_factory=list)
    district_code: str | None = None

    @property
    def normaliser(self) -> AddressNormaliser:
        return self.index.normaliser

    def entry(self, address_id) -> Entry | None:
        return self.entries.get(address_id)

    def suggest(self, query: str, limit: int = MAX_SUGGESTIONS) -> list[Entry]:
        """Prefix matches first (coarsest first), then substrings, then fuzzy; at most ``limit``."""
        q = _TRAILING_NUMERAL.sub(lambda m: str(chinese_to_int(m.group(0)) or m.group(0)),
                                  self.normaliser.normalise(query or ""))   # 伊河路一百四十八, still typing
        if not q or limit <= 0:
            return []
        found: list[int] = []
        seen: set[int] = set()

        def take(ids) -> bool:
            for i in ids:
                if i not in seen:
                    seen.add(i)
                    found.append(i)
                    if len(found) >= limit:
                        return True
            return False

        start = bisect.bisect_left(self._sorted, (q,))
        prefixed = []
        for spelling, rank, address_id in self._sorted[start:]:
            if not spelling.startswith(q):
                break
            prefixed.append((rank, len(spelling), spelling, address_id))
        prefixed.sort()
        if take(i for *_, i in prefixed):
            return [self.entries[i] for i in found]
        if take(i for t, i in zip(self._texts, self._text_ids) if q in t):
            return [self.entries[i] for i in found]
        # Fuzzy only when nothing contains the text: next to real matches it is noise.
        if not found and len(q) >= FUZZY_MIN_CHARS and self._texts:
            hits = process.extract(q, self._texts, scorer=fuzz.partial_ratio, limit=limit * 3,
                                   score_cutoff=FUZZY_CUTOFF)
            take(self._text_ids[pos] for _, _, pos in sorted(hits, key=lambda h: (-h[1], len(h[0]), h[2])))
        return [self.entries[i] for i in found]


_LEVEL_RANK = {"road": 0, "number": 1, "compound": 2, "building": 3, "unit": 4, None: 5}


def _canonical(parts: AddressParts, with_road: bool) -> str:
    core = AddressParts(road=parts.road if with_road else None, number=parts.number if with_road else None,
                        compound=parts.compound, building=parts.building, unit=parts.unit)
    return core.text()


def split_prefixes(raw) -> tuple[str, ...]:
    """Prefix names from a text (commas, Chinese commas, 、 or spaces between them) or a list."""
    if isinstance(raw, str):
        raw = re.split(r"[,，、\s]+", raw)
    return tuple(p.strip() for p in raw if isinstance(p, str) and p.strip())


def deployment_prefixes() -> tuple[str, ...]:
    """The deployment's ``ADDRESS_PREFIXES`` setting as names."""
    raw = current_app.config.get("ADDRESS_PREFIXES")
    return DEFAULT_PREFIXES if raw is None else split_prefixes(raw)


def _districts() -> list[tuple[str, str]]:
    return db.session.execute(text("SELECT code, name FROM district ORDER BY code")).all()


def _named(rows) -> dict[str, str]:
    return {code: name for code, name in rows if name and name != code}


def district_names() -> dict[str, str]:
    """code -> name of every district of the deployment (a district still named by its code: none)."""
    return _named(_districts())


def default_prefixes(district_code: str, names: dict[str, str] | None = None) -> tuple[str, ...]:
    """A district's prefixes when it has set none: the deployment's, without the other districts' names
    (中原区 is no prefix of an address in 二七区: 中原区… there is another district's address), with its own."""
    names = district_names() if names is None else names
    own = names.get(district_code)
    others = {name for code, name in names.items() if code != district_code}
    prefixes = [p for p in deployment_prefixes() if p not in others]
    if own and own not in prefixes:
        prefixes.append(own)
    return tuple(prefixes)


def address_prefixes(district_code: str | None = None) -> tuple[str, ...]:
    """The administrative prefixes stripped from a district's addresses (河南省郑州市二七区…): the
    district's ``settings['address_prefixes']`` when set, else :func:`default_prefixes`. Every
    normaliser of a district's library takes its prefixes from here."""
    code = district_code or current_app.config["DISTRICT_CODE"]
    stored = db.session.execute(text("SELECT settings -> 'address_prefixes' FROM district WHERE code = :d"),
                                {"d": code}).scalar()
    if isinstance(stored, list) and split_prefixes(stored):
        return split_prefixes(stored)
    return default_prefixes(code)


def normaliser_of(district_code: str, extra_aliases: dict[str, str] | None = None) -> AddressNormaliser:
    """The normaliser of a district's library (its prefixes and estate aliases): queries and entries
    must share it."""
    aliases = dict(db.session.execute(text(
        "SELECT alias, canonical FROM address_alias WHERE district_code = :d ORDER BY id"), {"d": district_code}).all())
    return get_normaliser(address_prefixes(district_code), {**aliases, **(extra_aliases or {})})


def build_library(version: int, district_code: str) -> Library:
    normaliser = normaliser_of(district_code)
    rows = db.session.execute(text(
        "SELECT id, full_text, norm_key, road, number, compound, building, unit, community, "
        "ST_X(location) AS lon, ST_Y(location) AS lat, grid_code "
        "FROM standard_address WHERE district_code = :d ORDER BY id"), {"d": district_code}).all()
    index = AddressIndex(normaliser=normaliser)
    entries: dict[int, Entry] = {}
    spellings: list[tuple[str, int, int]] = []
    for r in rows:
        # The stored parts are the normaliser's own output (import and re-key), so
        # the index need not parse the text again.
        parts = AddressParts(community=r.community, road=r.road, number=r.number, compound=r.compound,
                             building=r.building, unit=r.unit)
        index.add(Candidate(r.id, r.full_text, r.lon, r.lat, parts=parts, key=r.norm_key))
        entry = Entry(r.id, r.full_text, r.lon, r.lat, r.grid_code, parts, parts.level, district_code)
        entries[r.id] = entry
        rank = _LEVEL_RANK.get(entry.level, 5)
        spellings.append((_canonical(parts, True), rank, r.id))
        if parts.compound and parts.road:
            spellings.append((_canonical(parts, False), rank, r.id))
    spellings.sort()
    library = Library(version, index, entries, spellings, district_code=district_code)
    library._texts = [_canonical(e.parts, True) for e in entries.values()]
    library._text_ids = list(entries)
    return library


def library_version() -> int:
    return db.session.execute(text("SELECT version FROM address_library_version WHERE id = 1")).scalar_one()


def bump_library_version() -> None:
    """Tell every process its libraries are stale (a change no library statement makes: a district's
    prefixes). The same number the trigger of 0011 (and app/citus.py on Citus) would set."""
    from app.citus import BUMP_ADDRESS_VERSION, is_citus

    if is_citus(db.session):
        db.session.connection().exec_driver_sql(BUMP_ADDRESS_VERSION, (time.time_ns() // 1000,))
    else:
        db.session.execute(text("UPDATE address_library_version SET version = nextval('address_library_seq') "
                                "WHERE id = 1"))


def current_library(district_code: str | None = None) -> Library:
    """This process's library of ``district_code`` (default: the deployment's default district),
    rebuilt when the database's version moved on."""
    return _library_at(district_code or current_app.config["DISTRICT_CODE"], library_version())


def _library_at(code: str, version: int) -> Library:
    state = current_app.extensions.setdefault(_EXTENSION, {"lock": threading.Lock(), "libraries": {}})
    library = state["libraries"].get(code)
    if library is not None and library.version == version:
        return library
    with state["lock"]:
        library = state["libraries"].get(code)
        if library is None or library.version != version:
            library = build_library(version, code)
            state["libraries"][code] = library
    return library


# --------------------------------------------------------------------------- geocode

@dataclass
class Geocoded:
    """The answer for one address text.

    ``status`` is ``matched`` only when a point can be used without a person
    looking at it; ``needs_placement`` is its negation. ``source`` says where
    the point came from: ``library`` (a standard address) or the external
    geocoder's name.
    """

    query: str
    status: str
    reason: str
    confidence: float
    source: str | None = None
    best: dict | None = None
    candidates: list[dict] = field(default_factory=list)
    parts: AddressParts | None = None
    lon: float | None = None
    lat: float | None = None
    address_id: int | None = None
    district_code: str | None = None

    @property
    def needs_placement(self) -> bool:
        return self.status != MATCHED

    def to_dict(self) -> dict:
        return {"query": self.query, "status": self.status, "reason": self.reason,
                "confidence": round(self.confidence, 4), "source": self.source, "best": self.best,
                "candidates": self.candidates, "needs_placement": self.needs_placement,
                "district_code": self.district_code,
                "parsed": {k: v for k, v in self.parts.as_dict().items() if v} if self.parts else {}}


def _candidate_dict(library: Library, ranked) -> dict:
    entry = library.entry(ranked.candidate.id)
    return {**entry.brief(), "score": ranked.score, "conflict": ranked.conflict}


def _from_match(query: str, result: MatchResult, library: Library) -> Geocoded:
    out = Geocoded(query, result.status, result.reason, result.confidence,
                   "library" if result.matched else None,
                   candidates=[_candidate_dict(library, r) for r in result.candidates], parts=result.query)
    if result.matched:
        entry = library.entry(result.best.id)
        out.best, out.lon, out.lat, out.address_id = entry.brief(), entry.lon, entry.lat, entry.id
    return out


def threshold() -> float:
    return float(current_app.config.get("GEOCODE_THRESHOLD", 0.75))


def geocode(query: str, *, library: Library | None = None, district_code: str | None = None,
            external: bool = True) -> Geocoded:
    """Match ``query`` against one district's library (``library``, else ``district_code``'s, else the
    default district's); ask the external geocoder (if set) when it is not confident."""
    library = library or current_library(district_code)
    result = _from_match(query, library.index.match(query or "", threshold=threshold()), library)
    result.district_code = library.district_code if result.status == MATCHED else None
    if result.status != MATCHED and external:
        _ask_external(result)
    return result


def _ask_external(result: Geocoded) -> None:
    from app.addresses import external as ext

    found = ext.geocode(result.query)
    if found is not None:
        result.status, result.reason, result.source = MATCHED, "external", found.provider
        result.confidence, result.lon, result.lat = found.confidence, found.lon, found.lat
        result.address_id, result.district_code = None, None
        result.best = {"id": None, "text": found.address, "lon": found.lon, "lat": found.lat,
                       "grid_code": None, "level": None, "district_code": None}


def named_districts(query: str, names: dict[str, str] | None = None) -> list[str]:
    """The districts whose name the text says (二七区大学路…), in the order it says them."""
    names = district_names() if names is None else names
    said = [(query.find(name), code) for code, name in names.items() if name and name in (query or "")]
    return [code for _pos, code in sorted(said)]


class City:
    """Every district's library at one version, for one request or one batch of reports: the version
    and the districts are read once, each library when first needed."""

    def __init__(self):
        self.version = library_version()
        rows = _districts()
        self.names = _named(rows)
        self.codes = [code for code, _name in rows] or [current_app.config["DISTRICT_CODE"]]

    def library(self, code: str) -> Library:
        return _library_at(code, self.version)

    def districts_for(self, query: str, district_code: str | None = None) -> list[str]:
        """The districts whose libraries a text is matched in, in order of preference (the one rule):

        1. the district the sender belongs to (a district's user; ``district_code``), only that one;
        2. else (a city user, a resident, a 12345 import) the districts whose name the text says;
        3. else every district of the deployment.
        """
        if district_code:
            return [district_code]
        return named_districts(query or "", self.names) or list(self.codes)


def geocode_in_city(query: str, *, district_code: str | None = None, external: bool = True,
                    city: City | None = None) -> Geocoded:
    """Match ``query`` in the districts of :meth:`City.districts_for` and take the best answer.

    One district: its answer. Several: the confident (``matched``) answer with the highest confidence;
    when another district's library matches within the ambiguity margin the text is ``ambiguous``
    (reason ``several_districts``: 建设路1号 in two districts is for a person to place, never a guess);
    none matched: the closest answer, with the candidates of every district by score.
    ``city``: a batch's :class:`City` (one version check for all its texts).
    """
    city = city or City()
    districts = city.districts_for(query, district_code)
    answers = [geocode(query, library=city.library(code), external=False) for code in districts]
    matched = sorted((a for a in answers if a.status == MATCHED), key=lambda a: -a.confidence)
    if len(matched) > 1 and matched[0].confidence - matched[1].confidence < DEFAULT_MARGIN:
        best = matched[0]
        result = Geocoded(query, AMBIGUOUS, "several_districts", best.confidence, None,
                          candidates=_merged(matched), parts=best.parts)
    elif matched:
        result = matched[0]
    else:
        result = max(answers, key=lambda a: a.confidence)
        if len(answers) > 1:
            result.candidates = _merged(answers)
    if result.status != MATCHED and external:
        _ask_external(result)
    return result


def _merged(answers: list[Geocoded]) -> list[dict]:
    ranked = sorted((c for a in answers for c in a.candidates), key=lambda c: -c["score"])
    return ranked[:MAX_RANKED]


def suggest_in_city(query: str, limit: int = MAX_SUGGESTIONS, *, district_code: str | None = None) -> list[Entry]:
    """Suggestions while typing, from the districts of :meth:`City.districts_for` (each district's in
    turn when the text names none)."""
    city = City()
    lists = [city.library(code).suggest(query, limit) for code in city.districts_for(query, district_code)]
    out: list[Entry] = []
    for row in zip_longest(*lists):
        out.extend(e for e in row if e is not None)
        if len(out) >= limit:
            break
    return out[:limit]


def by_id(address_id: int, district_code: str | None = None) -> Entry | None:
    """Standard address ``address_id`` of ``district_code`` (None: of any district)."""
    code = district_code or db.session.execute(
        text("SELECT district_code FROM standard_address WHERE id = :id"), {"id": address_id}).scalar()
    return current_library(code).entry(address_id) if code else None


__all__ = ["AMBIGUOUS", "MATCHED", "UNMATCHED", "Geocoded", "Library", "address_prefixes", "by_id", "current_library",
           "geocode", "geocode_in_city", "suggest_in_city"]
