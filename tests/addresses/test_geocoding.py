"""Geocoding against the library: the per-process index and its version check, suggestions,
the threshold, and the optional external geocoders (fake geopy classes, never the network)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app.addresses import external, geocoding, service
from geo.crs import from_wgs84


def test_index_is_built_once_and_rebuilt_when_the_library_changes(app, db, library):
    first = geocoding.current_library()
    assert geocoding.current_library() is first                   # same version: reused
    assert len(first.index) == len(first.entries) == 11
    version = geocoding.library_version()
    service.import_addresses([{"道路": "工人路", "门牌号": "56", "经度": 113.633, "纬度": 34.742}])
    assert geocoding.library_version() != version
    second = geocoding.current_library()
    assert second is not first and len(second.entries) == 12
    assert geocoding.geocode("工人路五十六号").status == "matched"
    # Any statement on the tables moves the version, deletes included.
    db.session.execute(text("DELETE FROM standard_address WHERE road = '工人路'"))
    assert geocoding.geocode("工人路56号").status == "unmatched"


def test_version_numbers_never_repeat_across_rollbacks(app, db, library):
    # nextval is not transactional: a rolled-back change cannot hand out a number again.
    before = geocoding.library_version()
    db.session.begin_nested()
    service.add_alias("百合", "绿城百合花园", commit=False)
    inside = geocoding.library_version()
    db.session.rollback()
    assert geocoding.library_version() == before
    db.session.execute(text("UPDATE address_alias SET canonical = canonical"))
    assert geocoding.library_version() not in (before, inside)


def test_geocode_statuses(db, library):
    found = geocoding.geocode("河南省郑州市中原区建设路三十二号绿城百合２号楼")
    assert (found.status, found.reason, found.address_id, found.source) == ("matched", "exact", library["lb-2"], "library")
    assert (found.lon, found.lat) == (113.6034, 34.7574) and not found.needs_placement
    typo = geocoding.geocode("绿成百合2号楼")
    assert typo.status == "matched" and typo.reason == "fuzzy" and 0.75 <= typo.confidence < 1
    ambiguous = geocoding.geocode("锦艺城")
    assert ambiguous.status == "ambiguous" and ambiguous.needs_placement and ambiguous.lon is None
    assert {c["id"] for c in ambiguous.candidates[:2]} == {library["jy-a"], library["jy-b"]}
    wrong = geocoding.geocode("建设路23号")
    assert wrong.status == "unmatched" and wrong.reason == "conflict" and wrong.candidates
    assert geocoding.geocode("").status == "unmatched"


def test_threshold_is_a_setting(app, db, library):
    app.config["GEOCODE_THRESHOLD"] = 0.95
    try:
        typo = geocoding.geocode("绿成百合2号楼")
        assert typo.status == "unmatched" and typo.needs_placement
        assert geocoding.geocode("建设路32号绿城百合2号楼").status == "matched"    # exact keys are 1.0
    finally:
        app.config["GEOCODE_THRESHOLD"] = 0.75


@pytest.mark.parametrize("query, first", [
    ("建设路", "建设路32号绿城百合花园"),              # prefix, coarsest first
    ("建设路32号绿城百合花园3", "建设路32号绿城百合花园3号楼1单元"),
    ("绿城百合", "建设路32号绿城百合花园"),            # estate first, through the alias
    ("锦艺城a", "中原路208号锦艺城A座"),               # full-width/upper-case folded
    ("国棉三厂", "棉纺路16号国棉三厂家属院"),          # a substring
    ("伊河路一百四十八", "伊河路148号院"),             # numerals
    ("前近路32", "前进路32号"),                        # fuzzy: one wrong character
])
def test_suggestions(db, library, query, first):
    found = geocoding.current_library().suggest(query)
    assert found and found[0].text == first, [e.text for e in found]
    assert len(found) <= 10


def test_suggestions_are_limited_and_ranked(db, library):
    found = geocoding.current_library().suggest("建设路32号")
    assert [e.level for e in found] == ["compound", "building", "building", "unit", "unit"]
    assert len(geocoding.current_library().suggest("建设路", limit=2)) == 2
    assert geocoding.current_library().suggest("   ") == []
    assert geocoding.current_library().suggest("完全不相干的地方") == []


# ------------------------------------------------------------------ external geocoders

class FakeLocation:
    def __init__(self, address, lat, lon, raw):
        self.address, self.latitude, self.longitude, self.raw = address, lat, lon, raw


class FakeGeocoder:
    """Stands in for a geopy geocoder class: records how it was built and asked."""

    calls: list = []
    answer = None

    def __init__(self, **kwargs):
        FakeGeocoder.calls.append(("init", kwargs))

    def geocode(self, query, exactly_one=True):
        FakeGeocoder.calls.append(("geocode", query))
        if isinstance(FakeGeocoder.answer, Exception):
            raise FakeGeocoder.answer
        return FakeGeocoder.answer


@pytest.fixture
def fake_geocoder(app, monkeypatch):
    FakeGeocoder.calls, FakeGeocoder.answer = [], None
    monkeypatch.setattr(external, "geocoder_class", lambda provider: FakeGeocoder)
    saved = {k: app.config.get(k) for k in ("GEOCODER", "GEOCODER_KEY", "GEOCODER_CRS")}
    yield FakeGeocoder
    app.config.update(saved)


def test_off_by_default_never_asks(app, db, library, fake_geocoder):
    assert app.config["GEOCODER"] == "off"
    assert geocoding.geocode("花园路1号").status == "unmatched"
    assert fake_geocoder.calls == []


def test_baidu_answers_are_converted_from_bd09(app, db, library, fake_geocoder):
    app.config.update(GEOCODER="baidu", GEOCODER_KEY="test-ak")
    bx, by = from_wgs84(113.6255, 34.7421, "bd09")
    fake_geocoder.answer = FakeLocation("门址", float(by), float(bx), {"precise": 1, "confidence": 80,
                                                                     "level": "门址"})
    found = geocoding.geocode("花园路1号")
    assert (found.status, found.reason, found.source) == ("matched", "external", "baidu")
    # BD-09 -> WGS-84 through geo.crs: within a few centimetres of the true point.
    assert found.lon == pytest.approx(113.6255, abs=1e-6) and found.lat == pytest.approx(34.7421, abs=1e-6)
    assert found.confidence == 0.8 and found.address_id is None
    init, ask = fake_geocoder.calls
    assert init[1]["api_key"] == "test-ak" and ask == ("geocode", "河南省郑州市中原区花园路1号")
    # The library answers first: a confident match never goes out.
    fake_geocoder.calls.clear()
    assert geocoding.geocode("前进路32号").source == "library" and fake_geocoder.calls == []


def test_gcj02_answers_and_imprecise_or_failed_ones(app, db, library, fake_geocoder):
    app.config.update(GEOCODER="nominatim", GEOCODER_CRS="gcj02")
    gx, gy = from_wgs84(113.6111, 34.7444, "gcj02")
    fake_geocoder.answer = FakeLocation("花园路1号", float(gy), float(gx), {"place_rank": 30})
    found = geocoding.geocode("花园路1号")
    assert found.source == "nominatim" and found.confidence == 0.9
    assert found.lon == pytest.approx(113.6111, abs=1e-6) and found.lat == pytest.approx(34.7444, abs=1e-6)
    # A street-level answer is not a placement; nor is a failure.
    fake_geocoder.answer = FakeLocation("花园路", float(gy), float(gx), {"place_rank": 26})
    assert geocoding.geocode("花园路1号").needs_placement
    fake_geocoder.answer = TimeoutError("no network here")
    assert geocoding.geocode("花园路1号").status == "unmatched"
    app.config.update(GEOCODER="baidu", GEOCODER_CRS="")
    fake_geocoder.answer = FakeLocation("道路", 34.7, 113.6, {"precise": 0, "confidence": 90})
    assert geocoding.geocode("花园路1号").needs_placement


def test_settings_are_checked_at_start():
    from app.config import ConfigError, check

    with pytest.raises(ConfigError, match="GEOCODER"):
        check({"TILES": "none", "GEOCODER": "google"})
    with pytest.raises(ConfigError, match="GEOCODER_KEY"):
        check({"TILES": "none", "GEOCODER": "baidu"})
    check({"TILES": "none", "GEOCODER": "nominatim"})


def test_real_geopy_classes_are_the_ones_named():
    from geopy import geocoders

    assert external.geocoder_class("baidu") is geocoders.BaiduV3
    assert external.geocoder_class("nominatim") is geocoders.Nominatim


def test_the_prefixes_stripped_are_a_setting(app, db, monkeypatch):
    # The default is the demo district's; another district names its own (any of , ， 、 between them).
    assert geocoding.address_prefixes()[-1] == "中原区"
    assert service.normaliser().normalise("河南省郑州市中原区建设路32号") == service.normaliser().normalise("建设路32号")
    monkeypatch.setitem(app.config, "ADDRESS_PREFIXES", "广东省，深圳市、福田区")
    assert geocoding.address_prefixes() == ("广东省", "深圳市", "福田区")
    n = service.normaliser()
    assert n.normalise("广东省深圳市福田区深南大道1号") == n.normalise("深南大道1号")
    assert n.normalise("郑州市中原区建设路32号") != n.normalise("建设路32号")  # no longer stripped
