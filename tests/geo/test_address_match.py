"""Ranking standard-address candidates for free-text queries (geo.address_match).

The library below imitates a 郑州市中原区 standard address library (标准地址)
kept at mixed precision: doors, compounds, buildings and units.
"""
from __future__ import annotations

import time

import pytest

from geo.address import AddressParts, parse
from geo.address_match import (AMBIGUOUS, MATCHED, UNMATCHED, AddressIndex, Candidate, MatchResult,
                               compound_similarity, match, name_similarity, number_score)

LIBRARY = [
    ("lb", "建设路32号绿城百合花园"),                   # compound level...
    ("lb-1", "建设路32号绿城百合花园1号楼"),            # ...two buildings...
    ("lb-2", "建设路32号绿城百合花园2号楼"),
    ("lb-3-1", "建设路32号绿城百合花园3号楼1单元"),     # ...and building 3 only by unit
    ("lb-3-2", "建设路32号绿城百合花园3号楼2单元"),
    ("jy-a", "中原路208号锦艺城A座"),                   # 锦艺城: buildings only
    ("jy-b", "中原路208号锦艺城B座"),
    ("gm3", "棉纺路16号国棉三厂家属院"),
    ("gm3-5", "棉纺路16号国棉三厂家属院5号楼"),
    ("gm4", "棉纺路20号国棉四厂家属院"),
    ("tb1", "桐柏路1号院"),
    ("yh148", "伊河路148号"),
    ("qj32", "前进路32号"),
    ("qj23", "前进路23号"),
    ("ss12", "嵩山路12号"),
    ("ss12-1", "嵩山路12-1号"),
    ("gr56", "工人路56号"),
    ("gr12", "工人路12号兴华小区"),
    ("ql8-3", "秦岭路8号院3号楼"),
    ("hh19", "淮河路19号"),
    ("hhx19", "淮河西路19号"),
    ("bh-3", "百花里3号楼"),                            # an estate listed without its road
]
ALIASES = {"绿城百合": "绿城百合花园", "棉纺厂家属院": "国棉三厂家属院"}


@pytest.fixture(scope="module")
def index() -> AddressIndex:
    return AddressIndex([Candidate(cid, text, 113.6 + i / 1000, 34.75) for i, (cid, text) in enumerate(LIBRARY)],
                        aliases=ALIASES)


# (query, expected status, expected id when matched, expected reason)
VARIANTS = [
    # -- exact keys, whatever the spelling -------------------------------------------------------
    ("建设路32号绿城百合花园", MATCHED, "lb", "exact"),
    ("河南省郑州市中原区建设路三十二号绿城百合１号楼", MATCHED, "lb-1", "exact"),
    ("郑州 建设路 32 号 绿城百合 1 号楼", MATCHED, "lb-1", "exact"),
    ("建设路街道 建设路社区 建设路32号绿城百合花园2号楼", MATCHED, "lb-2", "exact"),
    ("建设路３２号绿城百合花园２幢", MATCHED, "lb-2", "exact"),
    ("建设路32号绿城百合3座二单元501室", MATCHED, "lb-3-2", "exact"),
    ("建设路32号绿城百合 3-2-301", MATCHED, "lb-3-2", "exact"),
    ("中原路二百零八号锦艺城a座", MATCHED, "jy-a", "exact"),
    ("郑州市棉纺路十六号棉纺厂家属院", MATCHED, "gm3", "exact"),
    ("棉纺路16号国棉三厂家属院五号楼", MATCHED, "gm3-5", "exact"),
    ("棉纺路16号国棉三厂家属院5#楼", MATCHED, "gm3-5", "exact"),
    ("桐柏路一号院", MATCHED, "tb1", "exact"),
    ("桐柏路1号", MATCHED, "tb1", "exact"),
    ("伊河路148号院", MATCHED, "yh148", "exact"),
    ("伊河路一百四十八号", MATCHED, "yh148", "exact"),
    ("前进路32号楼", MATCHED, "qj32", "exact"),
    ("前进路三十二号", MATCHED, "qj32", "exact"),
    ("嵩山路12号附1号", MATCHED, "ss12-1", "exact"),
    ("嵩山路12-1号", MATCHED, "ss12-1", "exact"),
    ("工人路56号门口", MATCHED, "gr56", "exact"),
    ("工人路12号兴华", MATCHED, "gr12", "exact"),
    ("秦岭路8号3栋", MATCHED, "ql8-3", "exact"),
    ("中原区秦岭路八号院三号楼", MATCHED, "ql8-3", "exact"),
    ("淮河西路19号", MATCHED, "hhx19", "exact"),
    ("百花里3号楼", MATCHED, "bh-3", "exact"),
    # -- fuzzy: missing parts, typos, coarser library entries --------------------------------------
    ("绿城百合1栋", MATCHED, "lb-1", "fuzzy"),                 # road and door omitted
    ("绿城百合二幢", MATCHED, "lb-2", "fuzzy"),
    ("绿城百合3号楼2单元501", MATCHED, "lb-3-2", "fuzzy"),
    ("绿城百合", MATCHED, "lb", "fuzzy"),                      # compound-level entry exists
    ("建设路32号", MATCHED, "lb", "fuzzy"),                    # the one compound at that door
    ("建设路绿城百合", MATCHED, "lb", "fuzzy"),                # door omitted
    ("绿成百合2号楼", MATCHED, "lb-2", "fuzzy"),               # one wrong character in the estate
    ("绿城白合花园2号楼", MATCHED, "lb-2", "fuzzy"),
    ("建设路绿成百合2号楼", MATCHED, "lb-2", "fuzzy"),
    ("中原路208号锦艺成B座", MATCHED, "jy-b", "fuzzy"),
    ("锦艺城小区B座", MATCHED, "jy-b", "fuzzy"),               # generic 小区 added
    ("建没路32号绿城百合花园", MATCHED, "lb", "fuzzy"),        # one wrong character in the road
    ("绿城百合5号楼", MATCHED, "lb", "fuzzy"),                 # unknown building: the compound, never lb-1
    ("建设路32号绿城百合3号楼3单元", MATCHED, "lb", "fuzzy"),  # unknown unit: the compound
    ("嵩山路12-2号", MATCHED, "ss12", "fuzzy"),                # unknown annex: the main door
    ("工人路兴华小区", MATCHED, "gr12", "fuzzy"),
    ("国棉三厂", MATCHED, "gm3", "fuzzy"),
    ("前进路23号金色港湾", MATCHED, "qj23", "fuzzy"),           # estate unknown: its door stands in
    ("百花里", MATCHED, "bh-3", "fuzzy"),                      # the only building of the estate
    # -- ambiguous: several entries qualify and the query does not say which ------------------------
    ("锦艺城", AMBIGUOUS, None, "close_scores"),               # two buildings, no compound-level entry
    ("中原路208号", AMBIGUOUS, None, "close_scores"),
    ("中原路锦艺城", AMBIGUOUS, None, "close_scores"),
    ("建设路32号绿城百合3号楼", AMBIGUOUS, None, "close_scores"),  # two units of building 3
    ("前进路23号绿城百合", AMBIGUOUS, None, "contradiction"),     # the estate is at 建设路32号
    ("工人路56号兴华小区", AMBIGUOUS, None, "contradiction"),     # the estate is at 工人路12号
    # -- unmatched: never guess ------------------------------------------------------------------
    ("建设路23号", UNMATCHED, None, "conflict"),               # wrong door number on a known road
    ("前进路33号", UNMATCHED, None, "conflict"),
    ("锦艺城C座", UNMATCHED, None, "conflict"),                # unknown building, no compound entry
    ("绿城百合1号楼3单元", MATCHED, "lb-1", "fuzzy"),          # unit unknown: falls back to the building
    ("淮河东路19号", UNMATCHED, None, "conflict"),             # a different road, not a typo
    ("中原西路19号", UNMATCHED, None, "conflict"),
    ("国棉二厂家属院", UNMATCHED, None, "conflict"),            # a different factory, not a typo
    ("花园路1号", UNMATCHED, None, "conflict"),
    ("中原区XX大厦", UNMATCHED, None, "below_threshold"),
    ("3栋2单元", UNMATCHED, None, "too_vague"),
    ("建设路", UNMATCHED, None, "too_vague"),
    ("河南省郑州市中原区", UNMATCHED, None, "too_vague"),
    ("", UNMATCHED, None, "too_vague"),
]


@pytest.mark.parametrize("query, status, expected_id, reason", VARIANTS, ids=[row[0] or "empty" for row in VARIANTS])
def test_variants(index, query, status, expected_id, reason):
    result = index.match(query)
    assert (result.status, result.reason) == (status, reason), result.candidates
    assert (result.best.id if result.best else None) == expected_id
    if status == MATCHED:
        assert result.confidence >= 0.75
        assert result.candidates[0].candidate is result.best
        assert (result.confidence == 1.0) == (reason == "exact")
    else:
        assert result.best is None


def test_table_is_large_and_varied():
    statuses = [row[1] for row in VARIANTS]
    assert len(VARIANTS) >= 40
    assert {MATCHED, AMBIGUOUS, UNMATCHED} <= set(statuses)


def test_wrong_number_on_the_same_road_is_never_confident(index):
    for query in ("建设路23号", "前进路33号", "嵩山路21号"):
        result = index.match(query)
        assert result.status == UNMATCHED
        assert result.confidence <= 0.5
        assert all(r.conflict == "number" for r in result.candidates if r.parts.road == result.query.road)


def test_unmatched_still_lists_the_nearest_entries(index):
    result = index.match("建设路23号")
    assert result.candidates and result.candidates[0].candidate.id.startswith("lb")
    assert result.candidates[0].conflict == "number"


def test_ambiguous_lists_the_rivals_with_equal_scores(index):
    result = index.match("锦艺城")
    assert [r.candidate.id for r in result.candidates[:2]] == ["jy-a", "jy-b"]
    assert result.candidates[0].score == result.candidates[1].score


def test_ranking_is_sorted_and_limited(index):
    result = index.match("建设路32号")
    scores = [r.score for r in result.candidates]
    assert len(result.candidates) == 5
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert len(index.match("建设路32号", limit=2).candidates) == 2


def test_threshold_and_margin_are_parameters(index):
    typo = index.match("绿成百合2号楼")
    assert typo.status == MATCHED and typo.confidence < 0.9
    assert index.match("绿成百合2号楼", threshold=0.9).status == UNMATCHED
    assert index.match("嵩山路12-2号").status == MATCHED               # 12号 at 0.81, 12-1号 capped at 0.5
    assert index.match("嵩山路12-2号", margin=0.4).status == AMBIGUOUS


def test_building_query_prefers_the_exact_building_over_its_compound(index):
    result = index.match("绿城百合1号楼")
    assert result.best.id == "lb-1"
    assert result.candidates[1].candidate.id == "lb"      # the compound ranks next, a fallback


def test_duplicate_keys_match_the_first_entry():
    result = match("伊河路148号", [Candidate("a", "伊河路148号院"), Candidate("b", "伊河路一百四十八号")])
    assert (result.status, result.best.id, result.confidence) == (MATCHED, "a", 1.0)
    assert [r.candidate.id for r in result.candidates] == ["a", "b"]


def test_match_accepts_a_plain_list_and_aliases():
    candidates = [Candidate(1, "建设路32号绿城百合花园", 113.62, 34.75), Candidate(2, "中原西路11号")]
    result = match("绿城百合", candidates, aliases={"绿城百合": "绿城百合花园"})
    assert (result.status, result.reason, result.best.id) == (MATCHED, "fuzzy", 1)   # road omitted
    assert (result.best.lon, result.best.lat) == (113.62, 34.75)


def test_candidates_may_bring_their_own_parts():
    parts = AddressParts(road="建设路", number="32", compound="绿城百合花园", building="1")
    index = AddressIndex([Candidate("x", "(any label)", parts=parts)])
    assert index.match("建设路32号绿城百合花园1号楼").best.id == "x"
    assert index.match(parse("建设路32号绿城百合花园1号楼")).best.id == "x"    # a pre-parsed query


def test_empty_index():
    result = AddressIndex().match("建设路32号")
    assert (result.status, result.reason, result.candidates) == (UNMATCHED, "no_candidates", ())


def test_result_reports_the_parsed_query(index):
    result = index.match("郑州市建设路三十二号绿城百合1号楼")
    assert isinstance(result, MatchResult) and result.matched
    assert result.query.key() == "建设路|32|绿城百合花园|1|"      # parsed with the index's aliases


@pytest.mark.parametrize("a, b, low, high", [
    ("建设路", "建设路", 1.0, 1.0),
    ("建没路", "建设路", 0.8, 0.8),                    # one typo in 3 characters
    ("绿成百合", "绿城百合", 0.8, 0.8),
    ("绿城百合", "绿城百合花园", 0.85, 0.85),           # containment
    ("中原路", "中原西路", 0.0, 0.0),                   # direction: another road
    ("淮河东路", "淮河西路", 0.0, 0.0),
    ("国棉三厂家属院", "国棉二厂家属院", 0.0, 0.0),     # numeral: another estate
    ("锦艺城", "绿城百合", 0.0, 0.3),
])
def test_name_similarity(a, b, low, high):
    assert low <= name_similarity(a, b) <= high
    assert name_similarity(a, b) == name_similarity(b, a)


def test_compound_similarity_tolerates_generic_suffixes():
    assert compound_similarity("锦艺城家园", "锦艺城花园") == 0.85
    assert 0.6 <= compound_similarity("绿成百合", "绿城百合花园") < 0.8
    assert compound_similarity("锦艺城", "绿城百合") < 0.6


def test_number_score():
    assert number_score("32", "32") == 1.0
    assert number_score("32", "23") == 0.0
    assert number_score("32-1", "32-2") == 0.0
    assert 0.5 < number_score("32-1", "32") < number_score("32", "32-1") < 1.0


def test_a_few_thousand_candidates_per_query_is_fast():
    roads = ["建设路", "中原路", "桐柏路", "伊河路", "前进路", "棉纺路", "嵩山路", "工人路", "秦岭路", "淮河路"]
    heads = "绿锦兴华万帝碧名正建升嘉金银宏"
    tails = ["城花园", "艺城", "华苑", "林家园", "达广场", "湖花园", "水云天"]
    estates = iter(a + b + t for t in tails for a in heads for b in "东瑞丰和祥福安鑫圣泰")
    candidates = []
    for road in roads:
        for door in range(1, 300, 3):
            estate = next(estates)
            candidates.append(Candidate(len(candidates), f"{road}{door}号{estate}"))
            candidates += [Candidate(len(candidates) + b, f"{road}{door}号{estate}{b}号楼") for b in range(1, 3)]
    index = AddressIndex(candidates)
    assert len(index) == 3000
    target = candidates[1501]
    queries = [target.text, target.text.replace("号楼", "栋"), "建没路4号", "某某花园3号楼", "中原路2号"]
    index.match(queries[0])                               # warm-up
    start = time.perf_counter()
    results = [index.match(q) for q in queries]
    elapsed = time.perf_counter() - start
    assert results[0].best is target and results[1].best is target
    assert results[2].status == MATCHED and results[2].best.text.startswith("建设路4号")
    assert results[3].status == UNMATCHED and results[4].status == UNMATCHED
    assert elapsed < 2.0, elapsed                          # typically ~50 ms for all five


def test_a_known_road_is_taken_as_written():
    # 汝河路 and 淮河路 are both in the library, one character apart: a query on 汝河路 with a
    # misspelt estate must not fall back to 淮河路3号 as if 汝河路 were a typo.
    index = AddressIndex([Candidate("rh", "汝河路3号兴华小区2号楼3单元"), Candidate("hh", "淮河路3号")])
    result = index.match("汝河路3号兴花小区2号楼3单元")
    assert result.status == UNMATCHED and all(r.candidate.id != "hh" or r.score < 0.5 for r in result.candidates)
    # An unknown road is still read as a typo of a known one.
    assert index.match("淮何路3号").best.id == "hh"
