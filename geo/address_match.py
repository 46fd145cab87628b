"""Match a free-text address against a standard address library.

Pure Python plus rapidfuzz: no web framework, ORM or database. The caller
loads the library (标准地址) into ``Candidate`` objects, builds an
``AddressIndex`` once, and asks it for each query; the result carries a
status string the app translates, never user-facing text.

How a query is matched
----------------------
1. The query is parsed with the index's own ``AddressNormaliser`` (same
   prefixes and estate aliases as the library).
2. **Exact key**: road|number|compound|building|unit equal to a library
   entry -> ``matched`` with confidence 1.0 (several entries with one key are
   duplicates of one address; the first wins).
3. **Too vague**: otherwise a query must name a compound, or a road *and* a
   door number; "3栋2单元" or a bare "建设路" names no single place ->
   ``unmatched`` (reason ``too_vague``).
4. **Narrowing**: entries on the query's road and door number (else on its
   road), plus entries with the query's compound name. When that pool is
   empty, or yields no match, every entry is scored: narrowing is a speed-up,
   never a filter that can hide the right answer.
5. **Scoring** an entry needs an anchor: its road or its compound must be
   similar (>= 0.6) to the query's. Entries without one cannot be the answer
   and are only listed, low, for a human. Anchored entries are scored per
   part (weights road 3, number 3, compound 3, building 2, unit 1; a part
   counts only when the rule below gives it a value):

   =========  ===========================  ==================  ==============
   part       both sides name it           only the query      only the entry
   =========  ===========================  ==================  ==============
   road       name similarity              ignored             ignored
   number     equal 1; 32-1 vs 32: 0.6     0.6 if the entry    0.7 if the
              (entry coarser), 32 vs 32-1  has no compound     query has no
              0.7; else **conflict**       (road-level), else  compound, else
                                           ignored             ignored
   compound   name similarity              0.8 if both name    ignored
                                           the same door, else 0
   building   equal 1, else **conflict**   0.6 (entry coarser) 0.7
   unit       equal 1, else **conflict**   0.6 (entry coarser) 0.7
   =========  ===========================  ==================  ==============

   "Ignored" sides are formatting differences, not disagreements: libraries
   often list an estate without its road, callers often omit the door.

   A query road that the library itself contains is taken as written:
   every other road scores 0 against it (汝河路 is not a typo of 淮河路
   when both exist). Otherwise name similarity (roads, compounds) is
   normalised Levenshtein, raised to
   0.8 for a single-character typo in a name of 3+ characters and to 0.85
   when one name contains the other (绿城百合 / 绿城百合花园) or only the
   generic suffix differs (花园/家园/小区/苑...; a typo plus a differing
   suffix: typo score x 0.95), but 0 when the names differ in a direction
   or numeral character (中原路/中原西路, 国棉三厂/国棉二厂: different places,
   not typos). Below 0.6 is a conflict.

   The part score is blended with rapidfuzz ``WRatio`` of the canonical
   texts (85/15). A conflict caps the score at 0.5, and fuzzy scores are
   capped at 0.99 so that 1.0 always means an exact key.
6. **Decision**: best score below ``threshold`` (0.75) -> ``unmatched``
   (reason ``conflict`` when the best entry contradicts the query, e.g. 23号
   for 32号, else ``below_threshold``); never a guess. Otherwise, if another
   entry scores within ``margin`` (0.05) of the best and is not nested with
   it -> ``ambiguous`` (reason ``close_scores``). Nested means one entry lies
   inside the other (绿城百合 and 绿城百合1栋; duplicates of one key): such a
   pair is one answer at two precisions, not two answers. A door-level best
   entry for a query whose estate the library places at another door is
   ``ambiguous`` too (reason ``contradiction``). Else ``matched`` (reason
   ``fuzzy``).

So a query that omits building/unit matches the compound-level entry when
the library has one (the entry names nothing the query lacks), matches the
single building when that is the only entry there, and is ambiguous among
several buildings (or several units of one building); a query naming a
building the library lacks falls back to the compound-level entry (0.6 for
the missing building), never to another building.

Examples
--------
>>> index = AddressIndex([
...     Candidate(1, "建设路32号绿城百合3号楼", 113.62, 34.75),
...     Candidate(2, "建设路32号绿城百合5号楼", 113.62, 34.75),
...     Candidate(3, "中原西路11号", 113.60, 34.74),
... ], aliases={"绿城百合": "绿城百合花园"})
>>> r = index.match("河南省郑州市中原区建设路三十二号绿城百合花园 3栋")
>>> r.status, r.best.id, r.confidence, r.reason
('matched', 1, 1.0, 'exact')
>>> index.match("中原西路23号").status, index.match("建设路32号绿城百合").status
('unmatched', 'ambiguous')
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Iterable, Mapping

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from geo.address import (COMPOUND_SUFFIXES, DEFAULT_PREFIXES, AddressNormaliser, AddressParts, address_key,
                         compound_core, get_normaliser)

MATCHED, AMBIGUOUS, UNMATCHED = "matched", "ambiguous", "unmatched"

DEFAULT_THRESHOLD = 0.75
DEFAULT_MARGIN = 0.05
MAX_RANKED = 5

WEIGHTS = {"road": 3.0, "number": 3.0, "compound": 3.0, "building": 2.0, "unit": 1.0}
TEXT_WEIGHT = 0.15          # share of the whole-text WRatio in the final score
ENTRY_COARSER = 0.6         # the query names a part the entry lacks (building 5 -> compound)
QUERY_UNSPECIFIED = 0.7     # the entry names a part the query lacks (one of several buildings)
DOOR_FOR_COMPOUND = 0.8     # a door-level entry standing in for the compound at that door
ONE_TYPO = 0.8              # one wrong character in a name of 3+ characters
CONTAINED = 0.85            # one name contains the other (绿城百合 / 绿城百合花园)
NAME_FLOOR = 0.6            # name similarity below this: a different road/compound
CONFLICT_CAP = 0.5          # a contradicting entry can never reach the threshold
FUZZY_CAP = 0.99            # 1.0 is reserved for exact keys
PREFILTER = 45.0            # partial_ratio below which a name cannot reach NAME_FLOOR
SUFFIX_DIFFERS = 0.95       # factor when two estate names differ in a generic suffix too
ESTATE_GENERIC_SUFFIXES = ("花园", "家园", "小区", "公寓", "社区", "苑")
# A name differing in one of these is a different place, not a typo.
IDENTITY_CHARS = frozenset("东西南北中零〇一二两三四五六七八九十0123456789")


@dataclass(frozen=True)
class Candidate:
    """One entry of the standard address library.

    ``parts`` and ``key`` are computed by the index from ``text`` when not
    given; pass them when the library already stores parsed parts.
    """

    id: Hashable
    text: str
    lon: float | None = None
    lat: float | None = None
    parts: AddressParts | None = None
    key: str | None = None


@dataclass(frozen=True)
class RankedCandidate:
    """A scored entry: ``conflict`` names the part that contradicts the query."""

    candidate: Candidate
    parts: AddressParts
    key: str
    score: float
    exact: bool = False
    conflict: str | None = None


@dataclass(frozen=True)
class MatchResult:
    """Outcome of one query.

    ``status`` is ``matched``, ``ambiguous`` or ``unmatched``; ``best`` is set
    only when matched. ``reason``: ``exact`` / ``fuzzy`` (matched),
    ``close_scores`` / ``contradiction`` (ambiguous), ``too_vague`` / ``no_candidates`` /
    ``conflict`` / ``below_threshold`` (unmatched). ``candidates`` lists up to
    five ranked entries in every case, for a human to pick from.
    """

    status: str
    best: Candidate | None
    confidence: float
    candidates: tuple[RankedCandidate, ...]
    query: AddressParts
    reason: str

    @property
    def matched(self) -> bool:
        """True when ``best`` is set."""
        return self.status == MATCHED


# --------------------------------------------------------------------------
# Part similarities
# --------------------------------------------------------------------------

def name_similarity(a: str, b: str) -> float:
    """Similarity of two road or compound names in 0..1 (rules in the module docstring).

    >>> [round(name_similarity(a, b), 2) for a, b in [("绿城百合", "绿城百合"), ("绿成百合", "绿城百合"),
    ...     ("锦艺成", "锦艺城"), ("绿城百合", "绿城百合花园"), ("中原路", "中原西路"),
    ...     ("国棉三厂家属院", "国棉二厂家属院"), ("锦艺城", "绿城百合")]]
    [1.0, 0.8, 0.8, 0.85, 0.0, 0.0, 0.0]
    """
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    short, long = sorted((a, b), key=len)
    if len(short) >= 3 and short in long and short not in COMPOUND_SUFFIXES:
        return CONTAINED
    ops = Levenshtein.editops(a, b)
    changed = {a[op.src_pos] for op in ops if op.tag in ("replace", "delete")}
    changed |= {b[op.dest_pos] for op in ops if op.tag in ("replace", "insert")}
    if changed & IDENTITY_CHARS:
        return 0.0
    similarity = Levenshtein.normalized_similarity(a, b)
    if len(ops) == 1 and len(short) >= 3:
        similarity = max(similarity, ONE_TYPO)
    return similarity


def _estate_stem(name: str) -> tuple[str, str]:
    """(stem, generic suffix) of an estate name: 绿城百合花园 -> (绿城百合, 花园)."""
    for suffix in ESTATE_GENERIC_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)], suffix
    return name, ""


def compound_similarity(a: str, b: str) -> float:
    """Like ``name_similarity`` but tolerant of a differing generic suffix (花园, 家园, 苑...).

    >>> round(compound_similarity("绿成百合", "绿城百合花园"), 2), compound_similarity("锦艺城小区", "锦艺城家园")
    (0.76, 0.85)
    """
    whole = name_similarity(a, b)
    (stem_a, suffix_a), (stem_b, suffix_b) = _estate_stem(a), _estate_stem(b)
    if whole == 1.0 or (not suffix_a and not suffix_b):
        return whole
    if stem_a == stem_b:
        return max(whole, CONTAINED)
    return max(whole, name_similarity(stem_a, stem_b) * SUFFIX_DIFFERS)


def _main_number(number: str) -> str:
    """Door number without its annex: 32-1 -> 32."""
    return number.split("-", 1)[0]


def number_score(query: str, entry: str) -> float:
    """Door-number agreement: 1 equal, 0.6/0.7 for main-vs-annex, 0 otherwise.

    >>> number_score("32", "32"), number_score("32-1", "32"), number_score("32", "32-1"), number_score("32", "23")
    (1.0, 0.6, 0.7, 0.0)
    """
    if query == entry:
        return 1.0
    if _main_number(query) != _main_number(entry):
        return 0.0
    if "-" not in entry:
        return ENTRY_COARSER       # asked for the annex 32-1, library only has 32
    if "-" not in query:
        return QUERY_UNSPECIFIED   # asked for 32, library has annexes 32-1, 32-2...
    return 0.0                     # 32-1 vs 32-2


def _identifier_score(query: str | None, entry: str | None) -> float | None:
    """Building/unit agreement; None when neither side names it."""
    if query and entry:
        return 1.0 if query == entry else 0.0
    if query:
        return ENTRY_COARSER
    if entry:
        return QUERY_UNSPECIFIED
    return None


# --------------------------------------------------------------------------
# Index
# --------------------------------------------------------------------------

# (score, position in the index, conflicting part or None)
_Scored = tuple[float, int, "str | None"]


@dataclass(frozen=True)
class _Entry:
    candidate: Candidate
    parts: AddressParts
    key: str
    compound: str   # compound_core of the parts
    text: str       # canonical text used for the whole-text score


def _core_text(parts: AddressParts) -> str:
    """Road..unit canonical text plus unparsed rest (admin, community, floor and room left out)."""
    core = AddressParts(road=parts.road, number=parts.number, compound=compound_core(parts.compound),
                        building=parts.building, unit=parts.unit)
    return core.text() + (parts.rest or "")


class AddressIndex:
    """A standard address library prepared for matching.

    Built once (parses every entry, computes keys, buckets entries by key,
    by road, by road + main door number and by compound), then queried many
    times; a few thousand entries per query take milliseconds.
    """

    def __init__(self, candidates: Iterable[Candidate] = (), *, prefixes: Iterable[str] = DEFAULT_PREFIXES,
                 aliases: Mapping[str, str] | None = None, normaliser: AddressNormaliser | None = None) -> None:
        self.normaliser = normaliser or get_normaliser(prefixes, aliases)
        self._entries: list[_Entry] = []
        self._by_key: dict[str, list[int]] = {}
        self._by_road: dict[str, list[int]] = {}
        self._by_road_number: dict[tuple[str, str], list[int]] = {}
        self._by_compound: dict[str, list[int]] = {}
        for candidate in candidates:
            self.add(candidate)

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, candidate: Candidate) -> None:
        """Add one library entry (parsed here unless it brings its own parts)."""
        parts = candidate.parts or self.normaliser.parse(candidate.text)
        key = candidate.key or parts.key()
        position = len(self._entries)
        self._entries.append(_Entry(candidate, parts, key, compound_core(parts.compound), _core_text(parts)))
        if parts.road or parts.compound:   # no road and no compound: it names no place, never matched
            self._by_key.setdefault(key, []).append(position)
        if parts.road:
            self._by_road.setdefault(parts.road, []).append(position)
            if parts.number:
                self._by_road_number.setdefault((parts.road, _main_number(parts.number)), []).append(position)
        if parts.compound:
            self._by_compound.setdefault(compound_core(parts.compound), []).append(position)

    # -- matching ---------------------------------------------------------
    def parse(self, text: str) -> AddressParts:
        """Parse ``text`` the way the library entries were parsed."""
        return self.normaliser.parse(text)

    def match(self, query: str | AddressParts, *, threshold: float = DEFAULT_THRESHOLD,
              margin: float = DEFAULT_MARGIN, limit: int = MAX_RANKED) -> MatchResult:
        """Best entry for ``query`` with a status (see the module docstring)."""
        parts = query if isinstance(query, AddressParts) else self.parse(query)
        if not self._entries:
            return MatchResult(UNMATCHED, None, 0.0, (), parts, "no_candidates")
        exact = self._by_key.get(parts.key()) if (parts.road or parts.compound) else None
        if exact:
            ranked = tuple(self._ranked(i, 1.0, exact=True) for i in exact[:limit])
            return MatchResult(MATCHED, ranked[0].candidate, 1.0, ranked, parts, "exact")
        if not (parts.compound or (parts.road and parts.number)):
            return MatchResult(UNMATCHED, None, 0.0, (), parts, "too_vague")
        pool = self._narrow(parts)
        result = self._decide(parts, self._score(parts, pool), threshold, margin, limit)
        if result.status != MATCHED and len(pool) < len(self._entries):
            result = self._decide(parts, self._score(parts, range(len(self._entries))), threshold, margin, limit)
        return result

    def _narrow(self, parts: AddressParts) -> list[int]:
        """Entries on the query's road (and door), plus those with its compound name."""
        pool: set[int] = set()
        if parts.road:
            door = (parts.road, _main_number(parts.number)) if parts.number else None
            pool.update(self._by_road_number.get(door, ()) or self._by_road.get(parts.road, ()))
        pool.update(self._by_compound.get(compound_core(parts.compound), ()))
        return sorted(pool)

    def _score(self, parts: AddressParts, pool: Iterable[int]) -> list[_Scored]:
        """(score, position, conflict) for every entry of ``pool``; best first, library order among equals.

        Road and compound similarities are computed once per distinct name.
        An entry whose road and compound both disagree with the query (or
        that shares neither) cannot be the answer: it skips per-part and text
        scoring and gets half its best ``partial_ratio`` screen (< 0.5, left
        out when 0), which only orders the list shown to a human.
        """
        entries = self._entries
        positions = list(pool)
        roads, road_screen = _name_scores(parts.road, {entries[i].parts.road for i in positions},
                                          name_similarity)
        if parts.road in self._by_road:
            # A road the library knows is taken as written: another known road one character
            # away (汝河路/淮河路) is a different road, not a typo of it.
            roads = {name: 1.0 if name == parts.road else 0.0 for name in roads}
        compounds, compound_screen = _name_scores(compound_core(parts.compound),
                                                  {entries[i].compound for i in positions}, compound_similarity)
        scored: list[_Scored] = []
        plausible: list[tuple[int, float | None, float | None]] = []
        for position in positions:
            entry = entries[position]
            road, compound = roads.get(entry.parts.road), compounds.get(entry.compound)
            if (road or 0.0) >= NAME_FLOOR or (compound or 0.0) >= NAME_FLOOR:
                plausible.append((position, road, compound))
            else:
                shown = 0.5 * max(road_screen.get(entry.parts.road, 0.0), compound_screen.get(entry.compound, 0.0))
                if shown > 0:
                    scored.append((shown, position, "road" if road is not None else "compound"))
        if plausible:
            texts = process.cdist([_core_text(parts)], [entries[p].text for p, _, _ in plausible],
                                  scorer=fuzz.WRatio, workers=1)[0] / 100
            for (position, road, compound), text_score in zip(plausible, texts.tolist()):
                part_score, conflict = _part_score(parts, entries[position], road, compound)
                score = part_score * (1 - TEXT_WEIGHT) + TEXT_WEIGHT * text_score
                scored.append((min(score, CONFLICT_CAP if conflict else FUZZY_CAP), position, conflict))
        scored.sort(key=lambda item: (-item[0], item[1]))   # library order breaks ties
        return scored

    def _ranked(self, position: int, score: float, *, exact: bool = False,
                conflict: str | None = None) -> RankedCandidate:
        entry = self._entries[position]
        return RankedCandidate(entry.candidate, entry.parts, entry.key, round(score, 4), exact, conflict)

    def _decide(self, parts: AddressParts, scored: list[_Scored], threshold: float, margin: float,
                limit: int) -> MatchResult:
        """Status from the sorted scores (threshold, then the ambiguity margin)."""
        shown = tuple(self._ranked(position, score, conflict=conflict) for score, position, conflict in scored[:limit])
        if not shown:
            return MatchResult(UNMATCHED, None, 0.0, shown, parts, "below_threshold")
        best = shown[0]
        if best.score < threshold:
            reason = "conflict" if best.conflict else "below_threshold"
            return MatchResult(UNMATCHED, None, best.score, shown, parts, reason)
        best_parts = best.parts
        for score, position, _ in scored[1:]:
            if best.score - round(score, 4) >= margin:
                break
            other = self._entries[position].parts
            if not (_nested(other, best_parts) or _nested(best_parts, other)):
                return MatchResult(AMBIGUOUS, None, best.score, shown, parts, "close_scores")
        if self._compound_lies_elsewhere(parts, best_parts):
            return MatchResult(AMBIGUOUS, None, best.score, shown, parts, "contradiction")
        return MatchResult(MATCHED, best.candidate, best.score, shown, parts, "fuzzy")

    def _compound_lies_elsewhere(self, query: AddressParts, best: AddressParts) -> bool:
        """True if a door-level best entry stands in for an estate the library places elsewhere.

        "前进路23号绿城百合" when 绿城百合 is at 建设路32号: the door and the
        estate point to two places, and picking either would be a guess.
        """
        if best.compound or not query.compound:
            return False
        elsewhere = self._by_compound.get(compound_core(query.compound), ())
        return any(not (_nested(best, self._entries[i].parts) or _nested(self._entries[i].parts, best))
                   for i in elsewhere)


def _name_scores(query: str | None, names: Iterable[str | None],
                 scorer: Callable[[str, str], float]) -> tuple[dict[str, float], dict[str, float]]:
    """(similarity, partial_ratio screen in 0..1) of ``query`` to each distinct entry name.

    The screen runs first, vectorised: below ``PREFILTER`` no rule of
    ``name_similarity`` can reach the 0.6 floor, so those names score 0
    without the slower per-pair rules. Absent names are left out of both.
    """
    distinct = [name for name in names if name]
    if not query or not distinct:
        return {}, {}
    screen = process.cdist([query], distinct, scorer=fuzz.partial_ratio, score_cutoff=PREFILTER, workers=1)[0]
    quick = dict(zip(distinct, (value / 100 for value in screen.tolist())))
    return {name: scorer(query, name) if quick[name] else 0.0 for name in distinct}, quick


def _nested(outer: AddressParts, inner: AddressParts) -> bool:
    """True if ``inner`` lies within ``outer``: it agrees on every key part ``outer`` names.

    A compound-level entry and one of its buildings are not rivals: when the
    query names no building the compound is the complete answer.

    >>> _nested(AddressParts(road="建设路", number="32"), AddressParts(road="建设路", number="32", building="1"))
    True
    """
    return all(not a or a == b for a, b in zip(address_key(outer).split("|"), address_key(inner).split("|")))


def _part_score(query: AddressParts, entry: _Entry, road: float | None,
                compound: float | None) -> tuple[float, str | None]:
    """Weighted per-part score in 0..1 and the first contradicting part (or None).

    ``road``/``compound`` are the name similarities (None when a side lacks
    the name); the caller only calls this when one of them is plausible.
    """
    scores: dict[str, float] = {}
    query_compound = compound_core(query.compound)
    if road is not None:
        scores["road"] = road
    if compound is not None:
        scores["compound"] = compound
    if query.number and entry.parts.number:
        scores["number"] = number_score(query.number, entry.parts.number)
    elif query.number and not entry.compound:
        scores["number"] = ENTRY_COARSER          # a road-level record
    elif entry.parts.number and not query_compound:
        scores["number"] = QUERY_UNSPECIFIED      # one of the doors on the road
    if query_compound and not entry.compound:
        same_door = bool(query.number) and query.number == entry.parts.number
        scores["compound"] = DOOR_FOR_COMPOUND if same_door else 0.0
    for name in ("building", "unit"):
        value = _identifier_score(getattr(query, name), getattr(entry.parts, name))
        if value is not None:
            scores[name] = value
    weight = sum(WEIGHTS[name] for name in scores)
    return sum(WEIGHTS[name] * s for name, s in scores.items()) / weight, _first_conflict(scores, query, entry.parts)


def _first_conflict(scores: Mapping[str, float], query: AddressParts, entry: AddressParts) -> str | None:
    """The first part both sides name and disagree on: a name below the floor, an identifier unequal."""
    for name in WEIGHTS:
        if name not in scores or not (getattr(query, name) and getattr(entry, name)):
            continue
        names_differ = name in ("road", "compound") and scores[name] < NAME_FLOOR
        if names_differ or scores[name] == 0.0:
            return name
    return None


def match(query: str | AddressParts, candidates: AddressIndex | Iterable[Candidate], *,
          threshold: float = DEFAULT_THRESHOLD, margin: float = DEFAULT_MARGIN, limit: int = MAX_RANKED,
          prefixes: Iterable[str] = DEFAULT_PREFIXES, aliases: Mapping[str, str] | None = None) -> MatchResult:
    """Match ``query`` against an ``AddressIndex`` or a plain list of candidates.

    Building an index per call is fine for a handful of candidates; reuse an
    ``AddressIndex`` for a library (``prefixes``/``aliases`` are then ignored:
    the index carries its own).

    >>> r = match("棉纺路一百零五号", [Candidate("a", "棉纺路105号"), Candidate("b", "棉纺路15号")])
    >>> r.status, r.best.id
    ('matched', 'a')
    """
    index = candidates if isinstance(candidates, AddressIndex) else AddressIndex(
        candidates, prefixes=prefixes, aliases=aliases)
    return index.match(query, threshold=threshold, margin=margin, limit=limit)
