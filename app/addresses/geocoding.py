"""Geocoding against the standard address library, in memory, one index per process.

Each process keeps a ``geo.address_match.AddressIndex`` of the district's
library. Before each use it reads one number, ``address_library_version``
(a primary-key lookup), which every statement changing the library or its
aliases sets from a sequence (migration 0011): when it differs from the
number the index was built from, the index is rebuilt. Imports in another
process are therefore seen by the next request here, at the cost of one tiny
query per request.

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
from dataclasses import dataclass, field

from flask import current_app
from rapidfuzz import fuzz, process
from sqlalchemy import text

from app.extensions import db
from geo.address import DEFAULT_PREFIXES, AddressNormaliser, AddressParts, chinese_to_int, get_normaliser
from geo.address_match import AMBIGUOUS, MATCHED, UNMATCHED, AddressIndex, Candidate, MatchResult

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

    def brief(self) -> dict:
        return {"id": self.id, "text": self.text, "lon": self.lon, "lat": self.lat, "grid_code": self.grid_code,
                "level": self.level}


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


def address_prefixes() -> tuple[str, ...]:
    """The ``ADDRESS_PREFIXES`` setting as names (commas, Chinese commas or 、 between them)."""
    raw = current_app.config.get("ADDRESS_PREFIXES")
    if raw is None:
        return DEFAULT_PREFIXES
    if isinstance(raw, str):
        raw = re.split(r"[,，、\s]+", raw)
    return tuple(p.strip() for p in raw if p and p.strip())


def build_library(version: int, district_code: str) -> Library:
    aliases = dict(db.session.execute(text(
        "SELECT alias, canonical FROM address_alias WHERE district_code = :d ORDER BY id"), {"d": district_code}).all())
    normaliser = get_normaliser(address_prefixes(), aliases)
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
        entry = Entry(r.id, r.full_text, r.lon, r.lat, r.grid_code, parts, parts.level)
        entries[r.id] = entry
        rank = _LEVEL_RANK.get(entry.level, 5)
        spellings.append((_canonical(parts, True), rank, r.id))
        if parts.compound and parts.road:
            spellings.append((_canonical(parts, False), rank, r.id))
    spellings.sort()
    library = Library(version, index, entries, spellings)
    library._texts = [_canonical(e.parts, True) for e in entries.values()]
    library._text_ids = list(entries)
    return library


def library_version() -> int:
    return db.session.execute(text("SELECT version FROM address_library_version WHERE id = 1")).scalar_one()


def current_library() -> Library:
    """This process's library, rebuilt when the database's version moved on."""
    state = current_app.extensions.setdefault(_EXTENSION, {"lock": threading.Lock(), "library": None})
    version = library_version()
    library = state["library"]
    if library is not None and library.version == version:
        return library
    with state["lock"]:
        library = state["library"]
        if library is None or library.version != version:
            library = build_library(version, current_app.config["DISTRICT_CODE"])
            state["library"] = library
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

    @property
    def needs_placement(self) -> bool:
        return self.status != MATCHED

    def to_dict(self) -> dict:
        return {"query": self.query, "status": self.status, "reason": self.reason,
                "confidence": round(self.confidence, 4), "source": self.source, "best": self.best,
                "candidates": self.candidates, "needs_placement": self.needs_placement,
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


def geocode(query: str, *, library: Library | None = None, external: bool = True) -> Geocoded:
    """Match ``query`` against the library; ask the external geocoder (if set) when it is not confident."""
    library = library or current_library()
    result = _from_match(query, library.index.match(query or "", threshold=threshold()), library)
    if result.status != MATCHED and external:
        from app.addresses import external as ext

        found = ext.geocode(query)
        if found is not None:
            result.status, result.reason, result.source = MATCHED, "external", found.provider
            result.confidence, result.lon, result.lat = found.confidence, found.lon, found.lat
            result.best = {"id": None, "text": found.address, "lon": found.lon, "lat": found.lat,
                           "grid_code": None, "level": None}
    return result


def by_id(address_id: int) -> Entry | None:
    return current_library().entry(address_id)


__all__ = ["AMBIGUOUS", "MATCHED", "UNMATCHED", "Geocoded", "Library", "current_library", "geocode", "by_id"]
