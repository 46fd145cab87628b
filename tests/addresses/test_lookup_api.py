"""The lookup API by address, address id and grid code; suggestions; neighbours at a boundary."""
from __future__ import annotations

import pytest

from tests.addresses import helpers as lib

# (query, expected status, expected library row (its test name) or None, expected grid code or None)
VARIANTS = [
    # numerals, suffixes, prefixes, spaces and full-width forms: one place
    ("建设路32号绿城百合花园", "matched", "lb", "41010200100100101"),
    ("河南省郑州市中原区建设路三十二号绿城百合花园", "matched", "lb", "41010200100100101"),
    ("郑州 建设路 ３２号 绿城百合 １号楼", "matched", "lb-1", "41010200100100101"),
    ("建设路32号绿城百合2幢", "matched", "lb-2", "41010200100100101"),
    ("绿城百合3座二单元501室", "matched", "lb-3-2", "41010200100100101"),
    ("建设路32号绿城百合 3-1-201", "matched", "lb-3-1", "41010200100100101"),
    ("中原路二百零八号锦艺城a座", "matched", "jy-a", "41010200100100201"),
    ("中原区中原路208号锦艺城B栋", "matched", "jy-b", "41010200100100201"),
    ("棉纺路十六号国棉三厂家属院", "matched", "gm3", "41010200200200101"),
    ("前进路32号楼", "matched", "qj32", "41010200200100201"),
    ("伊河路一百四十八号院", "matched", "yh148", "41010200100100102"),
    ("伊河路148号门口", "matched", "yh148", "41010200100100102"),
    # missing parts and typos
    ("绿城百合", "matched", "lb", "41010200100100101"),               # road and door omitted, alias
    ("建设路绿城百合1号楼", "matched", "lb-1", "41010200100100101"),
    ("绿成百合2号楼", "matched", "lb-2", "41010200100100101"),        # one wrong character
    ("建没路32号绿城百合花园", "matched", "lb", "41010200100100101"),
    ("中原路208号锦艺成B座", "matched", "jy-b", "41010200100100201"),
    ("国棉三厂", "matched", "gm3", "41010200200200101"),
    ("绿城百合9号楼", "matched", "lb", "41010200100100101"),          # unknown building: the estate
    # ambiguous: a person picks
    ("锦艺城", "ambiguous", None, None),
    ("中原路208号", "ambiguous", None, None),
    ("建设路32号绿城百合3号楼", "ambiguous", None, None),
    # unmatched: never a guess
    ("建设路23号", "unmatched", None, None),
    ("前进路33号", "unmatched", None, None),
    ("国棉二厂家属院", "unmatched", None, None),
    ("花园路1号", "unmatched", None, None),
    ("3栋2单元", "unmatched", None, None),
    ("建设路", "unmatched", None, None),
]


@pytest.mark.parametrize("query, status, name, grid", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_lookup_by_address_variants(anon, library, query, status, name, grid):
    resp = anon.get("/api/v1/lookup", query_string={"address": query})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    match = body["match"]
    assert match["status"] == status, match
    assert match["needs_placement"] == (status != "matched")
    if status == "matched":
        assert match["best"]["id"] == library[name] and match["confidence"] >= 0.75
        assert body["grid"]["code"] == grid
        assert [g["level"] for g in body["chain"]][-1] == "micro" and body["chain"][0]["level"] == "district"
        assert body["point"] == {"lon": match["best"]["lon"], "lat": match["best"]["lat"]}
    else:
        assert match["best"] is None and body["grid"] is None and body["chain"] == [] and body["point"] is None
        if status == "ambiguous":
            assert len(match["candidates"]) >= 2


def test_lookup_answers_with_the_worker_and_candidates(anon, library):
    body = anon.get("/api/v1/lookup?address=绿城百合1号楼").get_json()
    staff = body["grid"]["staff"]
    assert staff and staff[0]["phone"].startswith("1380371")
    assert body["match"]["candidates"][0]["id"] == library["lb-1"]
    assert body["match"]["parsed"]["compound"] == "绿城百合花园"


def test_lookup_by_address_id_and_outside(anon, library):
    body = anon.get(f"/api/v1/lookup?address_id={library['jy-a']}&geometry=true").get_json()
    assert body["match"]["reason"] == "picked" and body["grid"]["code"] == "41010200100100201"
    assert body["grid"]["geometry"]["type"] == "MultiPolygon"
    outside = anon.get(f"/api/v1/lookup?address_id={library['tb1']}").get_json()
    assert outside["out_of_coverage"] is True and outside["grid"] is None
    assert outside["point"] == {"lon": 113.7, "lat": 34.75}
    resp = anon.get("/api/v1/lookup?address_id=999999")
    assert resp.status_code == 404 and resp.get_json()["error"]["details"]["field"] == "address_id"


def test_lookup_by_code(anon, sample):
    body = anon.get("/api/v1/lookup?code=410102001001001&geometry=1").get_json()
    assert body["grid"]["code"] == "410102001001001" and body["grid"]["level"] == "grid"
    assert [g["level"] for g in body["chain"]] == ["district", "subdistrict", "community", "grid"]
    assert body["grid"]["geometry"]["type"] == "MultiPolygon" and body["point"]["lon"] > 113.6
    school = anon.get("/api/v1/lookup?code=410102001001901").get_json()
    assert school["grid"]["kind"] == "dedicated" and school["chain"][-1]["level"] == "community"
    resp = anon.get("/api/v1/lookup?code=410102009009009")
    assert resp.status_code == 404


def test_neighbours_near_a_boundary(anon, sample):
    # 5 m east of the edge between grid 1 and grid 2 of community 410102001001 (lon 113.61).
    near = anon.get("/api/v1/lookup?lon=113.61005&lat=34.757&geometry=true").get_json()
    assert near["grid"]["code"] == "41010200100100201"
    assert [n["code"] for n in near["neighbours"]] == ["41010200100100101"]
    assert 3 < near["neighbours"][0]["distance_m"] < 6 and near["neighbours"][0]["geometry"]
    assert near["neighbours"][0]["staff"]
    # The default radius (15 m) is a setting; near= asks for another.
    assert anon.get("/api/v1/lookup?lon=113.61005&lat=34.757&near=2").get_json()["neighbours"] == []
    far = anon.get("/api/v1/lookup?lon=113.615&lat=34.757").get_json()
    assert far["neighbours"] == []
    # On a vertex: the three other micro-grids.
    vertex = anon.get("/api/v1/lookup?lon=113.61&lat=34.755").get_json()
    assert len(vertex["neighbours"]) == 3 and all(n["distance_m"] < 0.5 for n in vertex["neighbours"])


@pytest.mark.parametrize("query", [
    "", "lon=113.6", "address=x&code=410102", "address=" + "建" * 201, "code=abc", "address_id=x",
    "lon=113.61&lat=34.75&near=500", "code=410102&geometry=maybe",
])
def test_lookup_rejects_bad_questions(anon, sample, query):
    resp = anon.get("/api/v1/lookup?" + query)
    assert resp.status_code == 422, (query, resp.get_json())
    assert resp.get_json()["error"]["details"]["field"]


def test_suggest_api(anon, library):
    body = anon.get("/api/v1/addresses/suggest?q=建设路32号").get_json()
    assert body["query"] == "建设路32号"
    texts = [s["text"] for s in body["suggestions"]]
    assert texts[0] == "建设路32号绿城百合花园" and len(texts) == 5
    assert body["suggestions"][0]["grid_code"] == "41010200100100101"
    assert len(anon.get("/api/v1/addresses/suggest?q=建设路&limit=2").get_json()["suggestions"]) == 2
    assert anon.get("/api/v1/addresses/suggest?q=").get_json()["suggestions"] == []
    assert anon.get("/api/v1/addresses/suggest?q=" + "x" * 101).status_code == 422
    assert anon.get("/api/v1/addresses/suggest?q=a&limit=11").status_code == 422


def test_suggest_is_fast(anon, library):
    import time

    anon.get("/api/v1/addresses/suggest?q=建")   # builds the index
    started = time.perf_counter()
    for q in ("建", "建设", "建设路", "绿城", "锦艺", "前近路"):
        assert anon.get("/api/v1/addresses/suggest", query_string={"q": q}).status_code == 200
    assert (time.perf_counter() - started) / 6 < 0.1


def test_public_endpoints_are_rate_limited_for_anonymous_callers(app, anon, client, library):
    app.config["RATELIMIT_PUBLIC"] = "3 per minute"
    try:
        codes = [anon.get("/api/v1/addresses/suggest?q=建设").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        codes = [anon.get("/api/v1/lookup?address=前进路32号").status_code for _ in range(4)]
        assert codes[-1] == 429
        # Signed-in callers are accountable and not limited.
        assert all(client.get("/api/v1/addresses/suggest?q=建设").status_code == 200 for _ in range(5))
    finally:
        app.config["RATELIMIT_PUBLIC"] = "120 per minute"


def test_every_library_row_is_found_by_its_own_text(client, library):
    listed = client.get("/api/v1/addresses").get_json()["addresses"]
    assert len(listed) == len(lib.ROWS)
    for address in listed:
        body = client.get("/api/v1/lookup", query_string={"address": address["text"]}).get_json()
        assert (body["match"]["reason"], body["match"]["best"]["id"]) == ("exact", address["id"]), address["text"]
