"""OGC API - Features Part 2 (crs, bbox-crs, storageCrs, Content-Crs), queryables, JSON errors everywhere
under /ogc and configurable CORS, through the Flask test client (issue 17). The same through OWSLib and
GDAL: test_owslib_client.py and test_gdal_client.py."""
from __future__ import annotations

import pyproj
import pytest

from app import create_app
from app.ogc.params import DEFAULT_LIMIT, MAX_LIMIT

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
#: Grid 410102001002001 of tests/samples.py: lon 113.60–113.61, lat 34.74–34.75.
GRID = "410102001002001"
GRID_BOX = (113.60, 34.74, 113.61, 34.75)


def _ring(client, crs: str | None, code: str = GRID):
    url = f"/ogc/collections/grids-grid/items/{code}" + (f"?crs={crs}" if crs else "")
    res = client.get(url)
    assert res.status_code == 200, res.get_data(as_text=True)
    return res, res.get_json()["geometry"]["coordinates"][0][0][0]  # the first corner of the outer ring


def test_collections_list_their_crs_and_the_storage_crs(client, sample):
    doc = client.get("/ogc/collections/grids-micro").get_json()
    assert doc["storageCrs"] == CRS84
    assert doc["crs"] == [CRS84, EPSG + "4326", EPSG + "4490", EPSG + "4547"]
    assert doc["extent"]["spatial"]["crs"] == CRS84
    listed = client.get("/ogc/collections").get_json()["collections"]
    assert all(c["storageCrs"] == CRS84 and EPSG + "4547" in c["crs"] for c in listed)


@pytest.mark.parametrize("code", [4326, 4490, 4547])
def test_crs_gives_coordinates_in_that_crs_and_its_axis_order(client, sample, code):
    res, plain = _ring(client, None)
    assert res.headers["Content-Crs"] == f"<{CRS84}>"
    assert GRID_BOX[0] <= plain[0] <= GRID_BOX[2] and GRID_BOX[1] <= plain[1] <= GRID_BOX[3]  # lon, lat
    res, ring = _ring(client, EPSG + str(code))
    assert res.headers["Content-Crs"] == f"<{EPSG}{code}>"
    assert "crs" not in res.get_json()["geometry"]  # named by the header, not by a GeoJSON 1.0 member
    # What PROJ makes of the same corner, in the CRS's own axis order (authority order, not x/y).
    want = pyproj.Transformer.from_crs("OGC:CRS84", f"EPSG:{code}").transform(*plain)
    assert ring == pytest.approx(list(want), abs=1e-6 if code != 4547 else 1e-3)
    if code == 4547:
        # Zhengzhou: 3,846 km north of the equator, 37 km west of the zone's central meridian 114°E
        # (false easting 500 km).
        northing, easting = ring
        assert 3_840_000 < northing < 3_850_000 and 460_000 < easting < 470_000
    else:
        lat, lon = ring
        assert lat == pytest.approx(plain[1], abs=1e-5) and lon == pytest.approx(plain[0], abs=1e-5)


def test_crs84_asked_for_by_name_is_the_default(client, sample):
    res, ring = _ring(client, CRS84)
    assert res.headers["Content-Crs"] == f"<{CRS84}>" and ring == _ring(client, None)[1]
    items = client.get(f"/ogc/collections/grids-micro/items?crs={CRS84}&limit=2")
    assert items.headers["Content-Crs"] == f"<{CRS84}>" and items.get_json()["numberReturned"] == 2


def _ids(client, query: str) -> list[str]:
    res = client.get(f"/ogc/collections/grids-grid/items?{query}")
    assert res.status_code == 200, res.get_data(as_text=True)
    return [f["id"] for f in res.get_json()["features"]]


def test_bbox_crs_reads_the_box_in_that_crs_and_its_axis_order(client, sample):
    inside = (113.602, 34.741, 113.604, 34.744)  # within GRID only
    assert _ids(client, "bbox=%s,%s,%s,%s" % inside) == [GRID]
    lat_first = f"{inside[1]},{inside[0]},{inside[3]},{inside[2]}"
    for code in (4326, 4490):
        assert _ids(client, f"bbox={lat_first}&bbox-crs={EPSG}{code}") == [GRID]
    to_gk = pyproj.Transformer.from_crs("OGC:CRS84", "EPSG:4547")  # northing, easting
    (n0, e0), (n1, e1) = to_gk.transform(inside[0], inside[1]), to_gk.transform(inside[2], inside[3])
    assert _ids(client, f"bbox={n0},{e0},{n1},{e1}&bbox-crs={EPSG}4547") == [GRID]
    # Given as x/y (easting first) the box lands in the wrong place: nothing there.
    assert _ids(client, f"bbox={e0},{n0},{e1},{n1}&bbox-crs={EPSG}4547") == []
    # bbox-crs and crs are independent; paging links keep both.
    res = client.get(f"/ogc/collections/grids-micro/items?bbox=34.74,113.60,34.76,113.61&bbox-crs={EPSG}4326"
                     f"&crs={EPSG}4547&limit=1")
    body = res.get_json()
    assert res.headers["Content-Crs"] == f"<{EPSG}4547>" and body["numberMatched"] == 8
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    assert "bbox-crs=http" in nxt and "crs=http" in nxt


@pytest.mark.parametrize("query, field", [
    (f"crs={EPSG}3857", "crs"), ("crs=EPSG:9999", "crs"), (f"bbox-crs={EPSG}2385&bbox=1,2,3,4", "bbox-crs"),
    (f"bbox=1,2,3&bbox-crs={EPSG}4547", "bbox"), (f"bbox=3846000,410000,3845000,411000&bbox-crs={EPSG}4547", "bbox"),
    (f"bbox=200,113.6,201,113.7&bbox-crs={EPSG}4326", "bbox"),
])
def test_a_crs_not_offered_or_a_bad_box_is_a_400_naming_the_parameter(client, sample, query, field):
    res = client.get(f"/ogc/collections/grids-micro/items?{query}")
    assert res.status_code == 400, res.get_data(as_text=True)
    body = res.get_json()
    assert body["code"] == "InvalidParameterValue" and body["error"]["details"]["field"] == field
    if field == "crs":
        assert EPSG + "4547" in body["description"]  # the message lists what is offered


def test_short_crs_names_are_read_too(client, sample):
    res, ring = _ring(client, "EPSG:4547")
    assert res.headers["Content-Crs"] == f"<{EPSG}4547>" and ring[0] > 3_000_000


def test_queryables_are_a_json_schema_and_filter_the_items(client, sample):
    res = client.get("/ogc/collections/grids-micro/queryables")
    assert res.status_code == 200 and res.mimetype == "application/schema+json"
    doc = res.get_json(force=True)
    assert doc["type"] == "object" and doc["$id"].endswith("/ogc/collections/grids-micro/queryables?f=json")
    assert set(doc["properties"]) == {"code", "name", "parent_code"}
    links = client.get("/ogc/collections/grids-micro").get_json()["links"]
    assert any(link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables" for link in links)
    body = client.get(f"/ogc/collections/grids-micro/items?parent_code={GRID}").get_json()
    assert [f["id"] for f in body["features"]] == [GRID + "01", GRID + "02"] and body["numberMatched"] == 2
    assert all(f["properties"]["parent_code"] == GRID for f in body["features"])
    name = body["features"][0]["properties"]["name"]
    assert [f["id"] for f in client.get(f"/ogc/collections/grids-micro/items?name={name}&parent_code={GRID}")
            .get_json()["features"]] == [GRID + "01"]
    page = client.get("/ogc/collections/grids-micro/queryables?f=html").get_data(as_text=True)
    assert 'id="ogc-queryables"' in page and "parent_code" in page
    assert client.get("/ogc/collections/grids-province/queryables").status_code == 404


@pytest.mark.parametrize("method, path, status, code", [
    ("get", "/ogc/collections/grids-micro/schema", 404, "NotFound"),
    ("get", "/ogc/nothing-here", 404, "NotFound"),
    ("post", "/ogc/collections", 405, "MethodNotAllowed"),
    ("delete", "/ogc/collections/grids-micro/items/41010200100100101", 405, "MethodNotAllowed"),
])
def test_every_error_under_ogc_is_json_for_a_json_client(client, sample, method, path, status, code):
    res = getattr(client, method)(path, headers={"Accept": "*/*"})
    assert res.status_code == status and res.mimetype == "application/json", res.get_data(as_text=True)
    body = res.get_json()
    assert body["code"] == code and body["description"] and body["error"]["code"]
    if status == 405:
        assert res.headers["Allow"] == "GET, HEAD"


def test_unknown_paths_are_not_shown_to_strangers(anon):
    res = anon.get("/ogc/nothing-here", headers={"Accept": "application/json"})
    assert res.status_code == 401 and res.get_json()["code"] == "Unauthorized"


def test_the_default_page_is_large_and_within_the_maximum(client, sample):
    assert DEFAULT_LIMIT == 1000 <= MAX_LIMIT
    body = client.get("/ogc/collections/grids-micro/items").get_json()
    assert body["numberReturned"] == body["numberMatched"] == 16
    assert not [link for link in body["links"] if link["rel"] == "next"]


@pytest.fixture
def cors_client(app, db):
    """The app as configured with GRIDMAP_OGC_CORS_ORIGINS (the test database, the same tables)."""
    configured = create_app({**{k: app.config[k] for k in ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY")},
                             "OGC_CORS_ORIGINS": "https://gis.example.gov.cn, https://map.example.gov.cn/"})
    return configured.test_client()


def test_cors_lets_the_configured_origins_read_with_a_token(cors_client, client, sample):
    token = client.environ_base["HTTP_AUTHORIZATION"]
    origin = {"Origin": "https://gis.example.gov.cn"}
    preflight = cors_client.options("/ogc/collections/grids-micro/items", headers={
        **origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://gis.example.gov.cn"
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    res = cors_client.get("/ogc/collections/grids-micro/items?limit=1", headers={**origin, "Authorization": token})
    assert res.status_code == 200 and res.headers["Access-Control-Allow-Origin"] == "https://gis.example.gov.cn"
    assert "Content-Crs" in res.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in res.headers  # cookies never cross origins
    other = cors_client.get("/ogc/collections", headers={"Origin": "https://evil.example", "Authorization": token})
    assert "Access-Control-Allow-Origin" not in other.headers
    api = cors_client.get("/api/v1/grids?limit=1", headers={**origin, "Authorization": token})
    assert "Access-Control-Allow-Origin" not in api.headers  # /ogc only


def test_cors_is_off_unless_configured(client, sample):
    res = client.get("/ogc/collections", headers={"Origin": "https://gis.example.gov.cn"})
    assert res.status_code == 200 and "Access-Control-Allow-Origin" not in res.headers
