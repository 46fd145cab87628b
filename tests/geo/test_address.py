"""Normalisation and parsing of Chinese standard addresses (geo.address)."""
from __future__ import annotations

import dataclasses

import pytest

from geo.address import (DEFAULT_PREFIXES, AddressNormaliser, AddressParts, chinese_to_int, clean_text,
                         compound_core, get_normaliser, normalise, parse)

ALIASES = {"绿城百合": "绿城百合花园", "棉纺厂家属院": "国棉三厂家属院"}


@pytest.mark.parametrize("text, value", [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("三十二", 32), ("一百零五", 105), ("两百", 200),
    ("两", 2), ("一零五", 105), ("二〇一", 201), ("一千零一", 1001), ("零三", 3),
    ("", None), ("百合", None), ("三厂", None),
])
def test_chinese_to_int(text, value):
    assert chinese_to_int(text) == value


@pytest.mark.parametrize("raw, expected", [
    # full-width digits, letters and punctuation fold to ASCII, spaces go
    ("建设路　３２号", "建设路32号"),
    ("桐柏路（１２号）Ａ座", "桐柏路12号A栋"),
    # punctuation between names is dropped...
    ("绿城·百合，3号楼、2单元。", "绿城百合3栋2单元"),
    ("锦艺城-A座", "锦艺城A栋"),
    # ...but a hyphen between digits is kept: an annex number or building-unit-room
    ("嵩山路１２－１号", "嵩山路12-1号"),
    ("绿城百合 3—2—301", "绿城百合3-2-301"),
    # Chinese numerals before a marker become Arabic
    ("前进路三十二号", "前进路32号"),
    ("绿城百合十号楼", "绿城百合10栋"),
    ("绿城百合3号楼二单元", "绿城百合3栋2单元"),
    ("棉纺路一百零五号", "棉纺路105号"),
    ("绿城百合两单元", "绿城百合2单元"),
    ("绿城百合第三单元", "绿城百合3单元"),
    ("秦岭路8号3栋2单元六楼六零二", "秦岭路8号3栋2单元6层602"),
    # numerals inside names stay: 国棉三厂, 二七路
    ("国棉三厂家属院", "国棉三厂家属院"),
    ("二七路12号", "二七路12号"),
    # building suffixes unify to 栋
    ("绿城百合3号楼", "绿城百合3栋"),
    ("绿城百合3幢", "绿城百合3栋"),
    ("绿城百合3座", "绿城百合3栋"),
    ("绿城百合3号栋", "绿城百合3栋"),
    ("绿城百合3#楼", "绿城百合3栋"),
    ("绿城百合3#", "绿城百合3栋"),
    ("绿城百合3楼2单元", "绿城百合3栋2单元"),
    # a bare 楼 after a building, or before its room number, is a floor
    ("绿城百合3栋2单元5楼", "绿城百合3栋2单元5层"),
    ("工人路12号3楼301", "工人路12号3层301"),
    # 号院 / 号楼 right after a road are the door number
    ("伊河路148号院", "伊河路148号"),
    ("伊河路148号大院", "伊河路148号"),
    ("前进路32号楼", "前进路32号"),
    ("秦岭路8号院3号楼", "秦岭路8号3栋"),
    # ...not after an estate name
    ("国棉三厂家属院5号楼", "国棉三厂家属院5栋"),
    # annex numbers
    ("建设路32号附1号", "建设路32-1号"),
    ("建设路32号之1", "建设路32-1号"),
    # rooms and leading zeros
    ("绿城百合3栋2单元501户", "绿城百合3栋2单元501室"),
    ("中原路0032号", "中原路32号"),
    # admin prefixes are stripped, communities are kept
    ("河南省郑州市中原区建设路32号", "建设路32号"),
    ("郑州市中原区建设路街道建设路社区建设路32号", "建设路社区建设路32号"),
    ("中原区棉纺路街道办事处棉纺路16号", "棉纺路16号"),
    ("河南郑州中原区桐柏路1号", "桐柏路1号"),
    ("中国河南省郑州市嵩山路12号", "嵩山路12号"),
    # a short form is stripped only before an admin unit or a road
    ("郑州建设路32号", "建设路32号"),
    ("郑州大学家属院3号楼", "郑州大学家属院3栋"),
    # a prefix that is really the start of a road name stays
    ("中原区中原路108号", "中原路108号"),
    ("", ""),
])
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_normalise_is_idempotent():
    for raw in ("河南省郑州市中原区建设路三十二号院 十号楼 二单元", "绿城百合 3—2—301", "工人路12号3楼301"):
        once = normalise(raw)
        assert normalise(once) == once


@pytest.mark.parametrize("raw, expected", [
    ("绿城百合3号楼", "绿城百合花园3栋"),
    ("绿城百合花园3号楼", "绿城百合花园3栋"),          # the longer spelling is not re-expanded
    ("郑州市棉纺厂家属院五号楼", "国棉三厂家属院5栋"),
    ("国棉三厂家属院5号楼", "国棉三厂家属院5栋"),
])
def test_aliases_give_one_spelling(raw, expected):
    assert normalise(raw, aliases=ALIASES) == expected


def test_alias_chains_and_spelling_variants_resolve():
    chain = {"百合小区": "绿城百合", "绿城百合": "绿城百合花园", "绿城 百合园": "绿城百合花园"}
    normaliser = AddressNormaliser(aliases=chain)
    spellings = ("百合小区", "绿城百合", "绿城百合花园", "绿城·百合园")
    assert {normaliser.normalise(t) for t in spellings} == {"绿城百合花园"}


def test_prefixes_are_configurable():
    erqi = ("河南省", "郑州市", "二七区")
    assert normalise("河南省郑州市二七区大学路10号", prefixes=erqi) == "大学路10号"
    assert normalise("河南省郑州市二七区大学路10号").startswith("二七区")     # not a default prefix
    assert normalise("郑州市中原区建设路32号", prefixes=()) == "郑州市中原区建设路32号"
    assert parse("河南省郑州市二七区大学路10号", prefixes=erqi).district == "二七区"
    assert "中原区" in DEFAULT_PREFIXES and "郑州市" in DEFAULT_PREFIXES


def test_clean_text_keeps_only_meaningful_hyphens():
    assert clean_text("3-2-301") == "3-2-301"
    assert clean_text("A-3") == "A3"
    assert clean_text("- 32 -") == "32"


P = AddressParts


@pytest.mark.parametrize("raw, expected", [
    ("河南省郑州市中原区建设路街道建设路社区建设路32号绿城百合花园3号楼2单元501室",
     P(province="河南省", city="郑州市", district="中原区", subdistrict="建设路街道", community="建设路社区",
       road="建设路", number="32", compound="绿城百合花园", building="3", unit="2", room="501")),
    ("前进路32号", P(road="前进路", number="32")),
    ("嵩山路12-1号", P(road="嵩山路", number="12-1")),
    ("淮河路32", P(road="淮河路", number="32")),                       # 号 forgotten
    ("伊河路148号院", P(road="伊河路", number="148")),
    ("12号院3号楼", P(compound="12号院", building="3")),               # no road: the 号院 is the compound
    ("中原西路11号", P(road="中原西路", number="11")),
    ("棉纺路16号国棉三厂家属院5号楼", P(road="棉纺路", number="16", compound="国棉三厂家属院", building="5")),
    ("绿城百合3号2单元", P(compound="绿城百合", building="3", unit="2")),  # 3号 after an estate is a building
    ("绿城百合3-2-301", P(compound="绿城百合", building="3", unit="2", room="301")),
    ("绿城百合3栋2-301", P(compound="绿城百合", building="3", unit="2", room="301")),
    ("绿城百合3栋501", P(compound="绿城百合", building="3", room="501")),
    ("锦艺城B座12楼1203", P(compound="锦艺城", building="B", floor="12", room="1203")),
    ("锦艺城二期3号楼", P(compound="锦艺城2期", building="3")),
    ("锦艺城A区", P(compound="锦艺城A区")),
    ("绿城百合花园（建设路32号）3号楼", P(road="建设路", number="32", compound="绿城百合花园", building="3")),
    ("建设路与桐柏路交叉口", P(road="建设路", rest="与桐柏路交叉口")),
    ("工人路56号门口", P(road="工人路", number="56", rest="门口")),
    ("绿城百合东门", P(compound="绿城百合", rest="东门")),
    ("建设大道18号", P(road="建设大道", number="18")),
    ("秦岭路八号院二号楼三单元六楼六零二", P(road="秦岭路", number="8", building="2", unit="3", floor="6", room="602")),
    ("3栋2单元", P(building="3", unit="2")),
    ("", P()),
])
def test_parse(raw, expected):
    assert parse(raw) == expected


@pytest.mark.parametrize("a, b", [
    ("伊河路148号院", "伊河路148号"),
    ("河南省郑州市中原区建设路三十二号绿城百合３号楼二单元", "建设路32号绿城百合3栋2单元501室"),
    ("锦艺城小区A座", "锦艺城A栋"),                                      # 小区 is generic
    ("建设路32号附1号", "建设路32-1号"),
    ("建设路街道 建设路社区 前进路32号楼", "前进路32号"),                 # community and floor stay out of the key
])
def test_equivalent_spellings_share_a_key(a, b):
    assert parse(a).key() == parse(b).key()


@pytest.mark.parametrize("a, b", [
    ("建设路32号", "建设路23号"),
    ("中原路32号", "中原西路32号"),
    ("绿城百合3栋", "绿城百合5栋"),
    ("绿城百合3栋1单元", "绿城百合3栋2单元"),
    ("国棉三厂家属院", "国棉四厂家属院"),
])
def test_different_addresses_have_different_keys(a, b):
    assert parse(a).key() != parse(b).key()


def test_key_text_and_level():
    parts = parse("郑州市建设路三十二号绿城百合小区十号楼二单元六楼")
    assert parts.key() == "建设路|32|绿城百合|10|2"
    assert parts.text() == "建设路32号绿城百合小区10栋2单元6层"
    assert parts.level == "unit"
    assert parse("建设路32号").level == "number" and parse("绿城百合").level == "compound"
    assert parse("").level is None
    assert parts.as_dict()["city"] == "郑州市"


def test_parts_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        parse("建设路32号").road = "中原路"


def test_compound_core():
    assert compound_core("锦艺城小区") == "锦艺城"
    assert compound_core("兴华小区") == "兴华"
    assert compound_core("小区") == "小区"
    assert compound_core("绿城百合花园") == "绿城百合花园"


def test_normaliser_is_cached_per_configuration():
    assert get_normaliser(aliases=ALIASES) is get_normaliser(aliases=dict(ALIASES))
    assert get_normaliser(aliases=ALIASES) is not get_normaliser()
