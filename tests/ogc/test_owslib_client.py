"""OGC API - Features against a live server through a real client library: OWSLib.

QGIS does the same requests (landing page, conformance, collections, items
paged by limit/offset and filtered by bbox) with the token in an
"Authorization: Bearer" header from its "API Header" authentication config.
"""
from __future__ import annotations

import json

import pytest
import requests

from tests.samples import SCHOOL, UNSTAFFED

pytest.importorskip("owslib")
from owslib.ogcapi.features import Features  # noqa: E402

pytestmark = pytest.mark.usefixtures("owslib_headers")


def _client(ogc_server) -> Features:
    url, token = ogc_server
    return Features(url, headers={"Authorization": f"Bearer {token}"})


def test_landing_conformance_and_api_definition(ogc_server):
    api = _client(ogc_server)
    rels = {link["rel"] for link in api.links}
    assert {"self", "alternate", "service-desc", "conformance", "data"} <= rels
    conforms = api.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conforms
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conforms
    definition = api.api()  # follows the service-desc link with its OpenAPI 3.0 media type
    assert definition["openapi"].startswith("3.0")
    assert "/collections/{collectionId}/items" in definition["paths"]


def test_collections_one_per_level_with_extent_from_the_data(ogc_server):
    api = _client(ogc_server)
    ids = api.feature_collections()
    assert ids[:6] == ["grids-district", "grids-subdistrict", "grids-community", "grids-grid", "grids-micro",
                       "grids-dedicated"]
    district = api.collection("grids-district")
    assert district["extent"]["spatial"]["bbox"] == [[113.6, 34.74, 113.64, 34.76]]
    assert district["extent"]["spatial"]["crs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert any(link["rel"] == "items" and link["type"] == "application/geo+json" for link in district["links"])


def test_items_filtered_by_bbox(ogc_server):
    api = _client(ogc_server)
    inside = api.collection_items("grids-micro", bbox=[113.601, 34.741, 113.604, 34.744])
    assert [f["id"] for f in inside["features"]] == ["41010200100200102"]
    assert inside["numberMatched"] == inside["numberReturned"] == 1
    # Touching counts: a box on the shared edge at lat 34.745 selects both micro-grids of that grid.
    edge = api.collection_items("grids-micro", bbox=[113.601, 34.745, 113.604, 34.745])
    assert [f["id"] for f in edge["features"]] == ["41010200100200101", "41010200100200102"]
    dedicated = api.collection_items("grids-dedicated", bbox=[113.6, 34.74, 113.64, 34.76])
    assert [f["id"] for f in dedicated["features"]] == [SCHOOL]


def test_items_page_by_limit_and_next_links(ogc_server):
    url, token = ogc_server
    api = _client(ogc_server)
    first = api.collection_items("grids-micro", limit=5)
    assert first["numberMatched"] == 16 and first["numberReturned"] == 5
    assert first["timeStamp"].endswith("Z")
    assert api.response_headers["Content-Type"].startswith("application/geo+json")
    props = first["features"][0]["properties"]
    assert set(props) == {"code", "name", "level", "kind", "parent_code", "households", "population", "area_m2",
                          "workers"}
    assert props["level"] == "micro" and props["households"] == 100 and props["area_m2"] > 100_000
    # Follow the next links as QGIS does, until there are none.
    codes = [f["id"] for f in first["features"]]
    page = first
    while (nxt := next((link for link in page["links"] if link["rel"] == "next"), None)) is not None:
        res = requests.get(nxt["href"], headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert res.status_code == 200 and res.headers["Content-Type"] == "application/geo+json"
        page = res.json()
        codes += [f["id"] for f in page["features"]]
    assert len(codes) == 16 == len(set(codes)) and codes == sorted(codes)
    # The same page straight from offset.
    again = api.collection_items("grids-micro", limit=5, offset=10)
    assert [f["id"] for f in again["features"]] == codes[10:15]


def test_single_feature_with_workers(ogc_server):
    api = _client(ogc_server)
    grid = api.collection_item("grids-grid", "410102001001001")
    assert grid["id"] == "410102001001001" and grid["geometry"]["type"] == "MultiPolygon"
    assert grid["properties"]["workers"]  # the sample gives every staffed grid a worker
    assert api.collection_item("grids-grid", UNSTAFFED)["properties"]["workers"] is None
    assert {link["rel"] for link in grid["links"]} >= {"self", "alternate", "collection"}


@pytest.mark.parametrize("call", [
    lambda api: api.collection("grids-province"),
    lambda api: api.collection_items("grids-micro-v999"),
    lambda api: api.collection_item("grids-grid", "41010200100100101"),  # a micro-grid is not in grids-grid
    lambda api: api.collection_item("grids-micro", "999"),
])
def test_unknown_collection_version_or_feature_is_an_ogc_404(ogc_server, call):
    api = _client(ogc_server)
    with pytest.raises(RuntimeError) as raised:
        call(api)
    body = json.loads(str(raised.value))
    assert body["code"] == "NotFound" and body["description"]
    status = requests.get(api.request, headers={"Authorization": f"Bearer {ogc_server[1]}"}, timeout=30)
    assert status.status_code == 404


def test_without_a_token_every_request_is_refused_with_401(ogc_server):
    url, _ = ogc_server
    api = Features(url)  # the landing page answers 401 as JSON: OWSLib keeps going with no links
    assert api.links == [] and api.response["code"] == "Unauthorized"
    with pytest.raises(RuntimeError) as raised:
        api.collection_items("grids-micro")
    assert json.loads(str(raised.value))["code"] == "Unauthorized"
    for path in ("", "/", "/conformance", "/api", "/collections", "/collections/grids-micro/items"):
        res = requests.get(url + path, timeout=30, allow_redirects=False)
        assert res.status_code == 401, path
        assert res.headers["WWW-Authenticate"] == 'Basic realm="GridMap", charset="UTF-8", Bearer realm="GridMap"'
    wrong = requests.get(url + "/collections", headers={"Authorization": "Bearer gm_not-a-token"}, timeout=30,
                         allow_redirects=False)
    assert wrong.status_code == 401


def test_a_planner_opens_a_draft_next_to_the_published_grids(ogc_server):
    url, token = ogc_server
    auth = {"Authorization": f"Bearer {token}"}
    res = requests.post(url.replace("/ogc", "/api/v1/drafts"), headers=auth, timeout=30,
                        json={"name": "东片调整", "note": "QGIS 对比", "effective_date": "2026-07-01"})
    assert res.status_code == 201, res.text
    draft_id = res.json()["id"]
    api = _client(ogc_server)
    ids = api.feature_collections()
    assert f"grids-micro-v{draft_id}" in ids and "grids-micro" in ids
    draft = api.collection_items(f"grids-micro-v{draft_id}", limit=100)
    current = api.collection_items("grids-micro", limit=100)
    assert draft["numberMatched"] == current["numberMatched"] == 16
    assert [f["geometry"] for f in draft["features"]] == [f["geometry"] for f in current["features"]]


# ---------------------------------------------------------------- issue 17: Basic, Part 2, queryables


def test_owslib_with_basic_authentication_as_qgis_sends_it(ogc_server):
    from owslib.util import Authentication

    url, token = ogc_server
    for password in ("correct-horse-battery", token):  # the user's password, or an API token as the password
        api = Features(url, auth=Authentication("ogc-planner", password))
        assert "grids-micro" in api.feature_collections()
        assert api.collection_items("grids-micro", limit=3)["numberReturned"] == 3
    refused = Features(url, auth=Authentication("ogc-planner", "wrong-password-1"))
    assert refused.response["code"] == "Unauthorized"


def test_owslib_reads_the_queryables_and_filters_with_them(ogc_server):
    api = _client(ogc_server)
    queryables = api.collection_queryables("grids-micro")
    assert set(queryables["properties"]) == {"code", "name", "parent_code"}
    micro = api.collection_items("grids-micro", parent_code="410102001002001")
    assert [f["id"] for f in micro["features"]] == ["41010200100200101", "41010200100200102"]


def test_owslib_asks_for_cgcs2000_gauss_krueger_with_a_box_in_it(ogc_server):
    import pyproj

    url, token = ogc_server
    api = _client(ogc_server)
    gk = "http://www.opengis.net/def/crs/EPSG/0/4547"
    assert gk in api.collection("grids-micro")["crs"]
    to_gk = pyproj.Transformer.from_crs("OGC:CRS84", "EPSG:4547")  # northing, easting: the CRS's own order
    (n0, e0), (n1, e1) = to_gk.transform(113.601, 34.741), to_gk.transform(113.604, 34.744)
    page = api.collection_items("grids-micro", bbox=[n0, e0, n1, e1], **{"bbox-crs": gk, "crs": gk})
    assert [f["id"] for f in page["features"]] == ["41010200100200102"]
    assert api.response_headers["Content-Crs"] == f"<{gk}>"
    northing, easting = page["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 3_845_000 < northing < 3_847_000 and 460_000 < easting < 470_000


@pytest.mark.parametrize("path", ["/collections/grids-micro/schema", "/tiles", "/collections/grids-micro/items/x/y"])
def test_unknown_resources_are_ogc_exceptions_owslib_can_read(ogc_server, path):
    url, token = ogc_server
    res = requests.get(url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert res.status_code == 404 and res.headers["Content-Type"].startswith("application/json")
    assert res.json()["code"] == "NotFound"
    api = _client(ogc_server)
    with pytest.raises(RuntimeError) as raised:
        api._request(path=path.lstrip("/"))
    assert json.loads(str(raised.value))["code"] == "NotFound"
