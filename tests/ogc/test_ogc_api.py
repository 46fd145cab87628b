"""/ogc through the Flask client: documents, parameters, versions, formats and access."""
from __future__ import annotations

import re

import pytest
from app.ogc.params import DEFAULT_LIMIT, MAX_LIMIT
from tests.samples import SCHOOL, UNSTAFFED

#: Two neighbouring grids of community 410102001001 (tests/samples.py), split at lon 113.61.
WEST = "410102001001001"

GEOJSON = "application/geo+json"


def _rels(doc) -> dict:
    return {link["rel"]: link for link in doc["links"]}


# ------------------------------------------------------------------ the documents


def test_landing_page_links(client, sample):
    res = client.get("/ogc", headers={"Accept": "application/json"})
    assert res.status_code == 200 and res.mimetype == "application/json"
    assert client.get("/ogc/").get_json() == res.get_json()  # OWSLib asks for /ogc/
    links = _rels(res.get_json())
    assert links["self"]["type"] == "application/json" and links["alternate"]["type"] == "text/html"
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert links["service-desc"]["href"].startswith("http://localhost/ogc/api")
    assert links["service-doc"]["type"] == "text/html"
    assert links["conformance"]["href"].startswith("http://localhost/ogc/conformance")
    assert links["data"]["href"].startswith("http://localhost/ogc/collections")
    assert "http://www.opengis.net/def/rel/ogc/1.0/data" in links
    assert "Accept" in res.headers["Vary"]


def test_conformance(client):
    body = client.get("/ogc/conformance").get_json()
    assert set(body["conformsTo"]) == {
        *(f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{c}" for c in ("core", "geojson", "html", "oas30")),
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        *(f"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/{c}"
          for c in ("queryables", "queryables-query-parameters"))}


def test_service_description_is_valid_openapi_30_and_states_the_limits(client):
    validator = pytest.importorskip("openapi_spec_validator")
    res = client.get("/ogc/api")
    assert res.status_code == 200
    assert res.headers["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    spec = res.get_json(force=True)
    validator.validate(spec)
    assert spec["servers"] == [{"url": "http://localhost/ogc"}]
    limit = spec["components"]["parameters"]["limit"]["schema"]
    assert (limit["maximum"], limit["default"]) == (MAX_LIMIT, DEFAULT_LIMIT)
    routed = {re.sub(r"<(\w+)>", lambda m: "{" + {"collection_id": "collectionId", "feature_id": "featureId"}
                     [m.group(1)] + "}", r.rule)[len("/ogc"):] or "/"
              for r in client.application.url_map.iter_rules()
              if r.rule.startswith("/ogc") and r.endpoint != "ogc.unknown_resource"}
    assert routed == set(spec["paths"])


def _json_schema(node):
    """OpenAPI 3.0 schema -> JSON Schema: ``nullable`` becomes a null type."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k not in ("nullable", "example")}
    if node.get("nullable") and "type" in node:
        out["type"] = [node["type"], "null"]
    return out


def test_responses_match_the_service_description(client, sample):
    jsonschema = pytest.importorskip("jsonschema")
    spec = client.get("/ogc/api").get_json(force=True)
    components = _json_schema(spec["components"])
    for url, schema in [("/ogc", "landingPage"), ("/ogc/conformance", "confClasses"),
                        ("/ogc/collections", "collections"), ("/ogc/collections/grids-micro", "collection"),
                        ("/ogc/collections/grids-micro/items?limit=3", "featureCollectionGeoJSON"),
                        ("/ogc/collections/grids-dedicated/items", "featureCollectionGeoJSON"),
                        (f"/ogc/collections/grids-grid/items/{UNSTAFFED}", "featureGeoJSON"),
                        ("/ogc/collections/nothing", "exception"), ("/ogc/collections?x=1", "exception")]:
        body = client.get(url).get_json(force=True)
        jsonschema.validate(body, {"$ref": f"#/components/schemas/{schema}", "components": components})


def test_collections_per_level_with_extent(client, sample):
    body = client.get("/ogc/collections").get_json()
    assert _rels(body)["self"]["href"].startswith("http://localhost/ogc/collections")
    by_id = {c["id"]: c for c in body["collections"]}
    assert list(by_id) == ["grids-district", "grids-subdistrict", "grids-community", "grids-grid", "grids-micro",
                           "grids-dedicated"]
    assert by_id["grids-micro"]["extent"]["spatial"]["bbox"] == [[113.6, 34.74, 113.64, 34.76]]
    assert by_id["grids-dedicated"]["extent"]["spatial"]["bbox"] == [[113.602, 34.752, 113.606, 34.756]]
    assert all(c["itemType"] == "feature" for c in body["collections"])
    items = [link for link in by_id["grids-grid"]["links"] if link["rel"] == "items"]
    assert {link["type"] for link in items} == {GEOJSON, "text/html"}
    one = client.get("/ogc/collections/grids-grid").get_json()
    assert one == by_id["grids-grid"]


def test_collections_on_an_empty_database_have_no_extent(client):
    body = client.get("/ogc/collections").get_json()
    assert [c["id"] for c in body["collections"]][:1] == ["grids-district"]
    assert all("extent" not in c for c in body["collections"])
    empty = client.get("/ogc/collections/grids-micro/items").get_json()
    assert empty["features"] == [] and empty["numberMatched"] == 0


# ------------------------------------------------------------------ items


def test_items_document(client, sample):
    res = client.get("/ogc/collections/grids-grid/items")
    assert res.status_code == 200 and res.headers["Content-Type"] == GEOJSON
    body = res.get_json(force=True)
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == 8  # regular grids only, not the school
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["timeStamp"])
    assert "next" not in _rels(body) and "prev" not in _rels(body)
    assert _rels(body)["collection"]["href"].startswith("http://localhost/ogc/collections/grids-grid")
    feats = {f["id"]: f for f in body["features"]}
    assert feats[UNSTAFFED]["properties"]["workers"] is None
    assert feats["410102001001001"]["properties"]["workers"].startswith("员工")
    assert feats["410102001001001"]["properties"]["parent_code"] == "410102001001"
    dedicated = client.get("/ogc/collections/grids-dedicated/items").get_json(force=True)
    assert [f["id"] for f in dedicated["features"]] == [SCHOOL]


def test_paging_links_keep_the_filter(client, sample):
    bbox = "113.60,34.74,113.62,34.76"  # the western subdistrict: 8 micro-grids
    body = client.get(f"/ogc/collections/grids-micro/items?limit=3&offset=3&bbox={bbox}").get_json(force=True)
    assert body["numberMatched"] == 8 + 4 and body["numberReturned"] == 3  # + 4 touching the eastern edge
    links = _rels(body)
    assert "offset=6" in links["next"]["href"] and "offset=0" in links["prev"]["href"]
    assert "bbox=113.60" in links["next"]["href"] and "limit=3" in links["next"]["href"]
    assert links["next"]["type"] == GEOJSON
    last = client.get(f"/ogc/collections/grids-micro/items?limit=3&offset=9&bbox={bbox}").get_json(force=True)
    assert last["numberReturned"] == 3 and "next" not in _rels(last)
    beyond = client.get("/ogc/collections/grids-micro/items?offset=500").get_json(force=True)
    assert beyond["features"] == [] and beyond["numberMatched"] == 16 and beyond["numberReturned"] == 0


def test_limit_above_the_maximum_is_the_maximum(client, sample):
    body = client.get(f"/ogc/collections/grids-micro/items?limit={MAX_LIMIT * 10}").get_json(force=True)
    assert body["numberReturned"] == 16


def test_bbox_forms(client, sample):
    def ids(q):
        return [f["id"] for f in client.get(f"/ogc/collections/grids-grid/items?{q}").get_json(force=True)["features"]]

    assert ids("bbox=113.601,34.741,113.604,34.744") == ["410102001002001"]
    assert ids("bbox=113.601,34.741,0,113.604,34.744,100") == ["410102001002001"]  # six numbers: heights ignored
    # West edge east of the east edge: the box spans the antimeridian, i.e. everything outside 113.605..113.635.
    assert ids("bbox=113.635,34.74,113.605,34.76") == ["410102001001001", "410102001002001",
                                                       "410102002001002", "410102002002002"]
    assert ids("bbox=0,0,1,1") == []


def test_datetime_is_validated_and_selects_every_grid(client, sample):
    base = client.get("/ogc/collections/grids-grid/items").get_json(force=True)["numberMatched"]
    for value in ("2024-05-01T08:00:00Z", "2024-05-01T00:00:00+08:00/..", "../2030-01-01T00:00:00Z",
                  "2020-01-01T00:00:00Z/2030-01-01T00:00:00Z"):
        res = client.get("/ogc/collections/grids-grid/items", query_string={"datetime": value})
        assert res.status_code == 200 and res.get_json(force=True)["numberMatched"] == base, value


@pytest.mark.parametrize("query,field", [
    ("limit=0", "limit"), ("limit=ten", "limit"), ("offset=-1", "offset"),
    ("bbox=1,2,3", "bbox"), ("bbox=1,2,3,nan", "bbox"), ("bbox=0,50,10,40", "bbox"), ("bbox=0,0,200,10", "bbox"),
    ("datetime=yesterday", "datetime"), ("datetime=..", "datetime"), ("datetime=a/b/c", "datetime"),
    ("datetime=2030-01-01T00:00:00Z/2020-01-01T00:00:00Z", "datetime"),
    ("f=xml", "f"), ("level=micro", "level"), ("version=1", "version"),
])
def test_bad_or_unknown_parameters_are_400_ogc_exceptions(client, sample, query, field):
    res = client.get(f"/ogc/collections/grids-micro/items?{query}")
    assert res.status_code == 400, query
    body = res.get_json()
    assert body["code"] == "InvalidParameterValue" and body["description"]
    assert body["error"]["details"]["field"] == field


def test_unknown_parameter_on_other_resources(client):
    res = client.get("/ogc/collections?limit=3")
    assert res.status_code == 400 and res.get_json()["error"]["details"]["field"] == "limit"


def test_single_feature(client, sample):
    res = client.get(f"/ogc/collections/grids-grid/items/{UNSTAFFED}")
    assert res.status_code == 200 and res.headers["Content-Type"] == GEOJSON
    feat = res.get_json(force=True)
    assert feat["type"] == "Feature" and feat["id"] == UNSTAFFED
    assert feat["properties"]["households"] == 200 and feat["properties"]["population"] == 480
    assert _rels(feat)["self"]["href"].startswith(f"http://localhost/ogc/collections/grids-grid/items/{UNSTAFFED}")
    assert client.get(f"/ogc/collections/grids-dedicated/items/{SCHOOL}").status_code == 200


@pytest.mark.parametrize("url", [
    "/ogc/collections/grids-province", "/ogc/collections/micro", "/ogc/collections/grids-micro-v0",
    "/ogc/collections/grids-micro-v999/items", "/ogc/collections/grids-grid/items/999",
    f"/ogc/collections/grids-dedicated/items/{UNSTAFFED}", f"/ogc/collections/grids-grid/items/{SCHOOL}",
])
def test_not_found_is_an_ogc_404(client, sample, url):
    res = client.get(url)
    assert res.status_code == 404 and res.mimetype == "application/json"
    body = res.get_json()
    assert body["code"] == "NotFound" and body["error"]["code"] == "not_found"


# ------------------------------------------------------------------ versions


@pytest.fixture
def draft(client, sample):
    """A draft opened and edited through the planning API: grid WEST reshaped eastwards, so its
    neighbour EAST shrinks. The draft shares every other row with the published version."""
    res = client.post("/api/v1/drafts",
                      json={"name": "东片调整", "note": "OGC 测试", "effective_date": "2026-07-01"})
    assert res.status_code == 201, res.get_json()
    draft = res.get_json()
    west = {"type": "Polygon", "coordinates": [[[113.60, 34.75], [113.614, 34.75], [113.614, 34.76],
                                                [113.60, 34.76], [113.60, 34.75]]]}
    res = client.post(f"/api/v1/drafts/{draft['id']}/reshape",
                      json={"row_version": draft["row_version"], "code": WEST, "geometry": west})
    assert res.status_code == 200, res.get_json()
    return draft


def _east_edge(client, collection_id, code):
    feat = client.get(f"/ogc/collections/{collection_id}/items/{code}").get_json(force=True)
    return max(x for ring in feat["geometry"]["coordinates"][0] for x, _ in ring)


def test_each_other_version_has_its_own_collections(client, draft):
    ids = [c["id"] for c in client.get("/ogc/collections").get_json()["collections"]]
    assert f"grids-micro-v{draft['id']}" in ids and f"grids-dedicated-v{draft['id']}" in ids
    published = next(v for v in client.get("/api/v1/versions").get_json()["versions"] if v["status"] == "published")
    assert f"grids-micro-v{published['id']}" not in ids  # the published one is listed once, as grids-micro
    one = client.get(f"/ogc/collections/grids-grid-v{draft['id']}").get_json()
    assert one["version"]["status"] == "draft" and "东片调整" in one["description"]
    assert one["extent"]["spatial"]["bbox"] == [[113.6, 34.74, 113.64, 34.76]]
    # The whole draft (shared rows and its own), with the reshaped grids as drawn.
    items = client.get(f"/ogc/collections/grids-grid-v{draft['id']}/items").get_json(force=True)
    assert items["numberMatched"] == 8
    assert _east_edge(client, f"grids-grid-v{draft['id']}", WEST) == pytest.approx(113.614)
    assert _east_edge(client, "grids-grid", WEST) == pytest.approx(113.61)  # published: unchanged
    # The unlisted id of the published version serves the same grids as the alias.
    alias = client.get("/ogc/collections/grids-micro/items").get_json(force=True)["features"]
    pinned = client.get(f"/ogc/collections/grids-micro-v{published['id']}/items").get_json(force=True)["features"]
    assert pinned == alias and len(alias) == 16


def test_drafts_are_for_planners_only(client_as, draft):
    viewer = client_as("viewer")
    ids = [c["id"] for c in viewer.get("/ogc/collections").get_json()["collections"]]
    assert not any(i.endswith(f"-v{draft['id']}") for i in ids)
    res = viewer.get(f"/ogc/collections/grids-grid-v{draft['id']}/items")
    assert res.status_code == 403 and res.get_json()["code"] == "Forbidden"
    planner = client_as("planner")
    ids = [c["id"] for c in planner.get("/ogc/collections").get_json()["collections"]]
    assert f"grids-grid-v{draft['id']}" in ids
    assert planner.get(f"/ogc/collections/grids-grid-v{draft['id']}/items").status_code == 200


# ------------------------------------------------------------------ HTML


def test_html_pages_by_f_and_by_accept(client, sample):
    for url in ("/ogc", "/ogc/conformance", "/ogc/api", "/ogc/collections", "/ogc/collections/grids-grid",
                "/ogc/collections/grids-grid/items", f"/ogc/collections/grids-grid/items/{UNSTAFFED}"):
        for res in (client.get(url + "?f=html"), client.get(url, headers={"Accept": "text/html,*/*;q=0.8"})):
            assert res.status_code == 200 and res.mimetype == "text/html", url
            html = res.get_data(as_text=True)
            assert "Content-Security-Policy" in res.headers
            assert not re.search(r"\son[a-z]+=", html), f"inline handler on {url}"
            assert 'id="ogc-json"' in html  # the JSON alternate is one click away
    api = client.get("/ogc/api?f=html").get_data(as_text=True)
    assert "/collections/{collectionId}/items" in api and "bbox" in api
    page = client.get("/ogc/collections/grids-micro/items?f=html&limit=5").get_data(as_text=True)
    assert page.count("<tr>") == 1 + 5 and 'rel="next"' in page and "offset=5" in page
    assert "41010200100100101" in page


def test_html_error_page(client, sample):
    res = client.get("/ogc/collections/grids-province?f=html")
    assert res.status_code == 404 and res.mimetype == "text/html"


# ------------------------------------------------------------------ access


@pytest.mark.parametrize("headers", [{}, {"Accept": "*/*"}, {"Accept": "application/json"},
                                     {"Accept": "application/geo+json"}])
def test_anonymous_clients_get_401_not_the_sign_in_page(anon, headers):
    for url in ("/ogc", "/ogc/collections?f=json", "/ogc/collections/grids-micro/items", "/ogc/api"):
        res = anon.get(url, headers=headers)
        assert res.status_code == 401, (url, headers)
        assert res.headers.getlist("WWW-Authenticate") == ['Basic realm="GridMap", charset="UTF-8"',
                                                           'Bearer realm="GridMap"']
        body = res.get_json()
        assert body["code"] == "Unauthorized" and body["error"]["code"] == "unauthorized"


def test_anonymous_browser_is_sent_to_sign_in(anon):
    for res in (anon.get("/ogc/collections?f=html"),
                anon.get("/ogc/collections", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})):
        assert res.status_code == 302 and "/login?next=" in res.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "worker", "dispatcher", "planner"])
def test_every_role_that_reads_grids_may_use_it(client_as, sample, role):
    c = client_as(role, areas=["410102001"] if role == "worker" else ())
    res = c.get("/ogc/collections/grids-micro/items")
    # Boundaries are not personal data: a worker sees the whole district's grids, as in /api/v1/grids.
    assert res.status_code == 200 and res.get_json(force=True)["numberMatched"] == 16


def test_signed_in_session_reads_the_pages(app, db, sample):
    from app.auth import users
    from tests.auth_helpers import sign_in
    from tests.conftest import PASSWORD

    users.create("ogc-viewer", PASSWORD, "viewer", display_name="查看员")
    db.session.commit()
    browser = app.test_client()
    sign_in(browser, "ogc-viewer", PASSWORD)
    res = browser.get("/ogc/collections", headers={"Accept": "text/html"})
    assert res.status_code == 200 and "grids-micro" in res.get_data(as_text=True)
