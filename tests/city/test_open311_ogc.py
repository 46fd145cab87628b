"""Issue 19: Open311 jurisdiction_id is any district of the deployment; OGC collections per district."""
from __future__ import annotations

from tests.city import helpers as city

V2 = "/open311/v2"


def _ids(res) -> set[str]:
    assert res.status_code == 200, res.get_data(as_text=True)
    return {r["service_request_id"] for r in res.get_json()}


def test_open311_jurisdictions(two_districts):
    t, c = two_districts.tickets, two_districts.clients
    assert _ids(c["city"].get(f"{V2}/requests.json")) == set(t.values())
    assert _ids(c["city"].get(f"{V2}/requests.json", query_string={"jurisdiction_id": city.ERQI})) == {t["erqi"]}
    assert _ids(c["city"].get(f"{V2}/requests.json", query_string={"jurisdiction_id": city.ZHONGYUAN})) == \
        {t["zhongyuan"], t["outside"]}
    # A district's reader sees theirs only, whatever jurisdiction they name.
    assert _ids(c["eqview"].get(f"{V2}/requests.json")) == {t["erqi"]}
    assert _ids(c["eqview"].get(f"{V2}/requests.json", query_string={"jurisdiction_id": city.ZHONGYUAN})) == set()
    assert c["eqview"].get(f"{V2}/requests/{t['zhongyuan']}.json").status_code == 404
    # Services answer for every district of the deployment, and only for them.
    assert c["city"].get(f"{V2}/services.json", query_string={"jurisdiction_id": city.ERQI}).status_code == 200
    res = c["city"].get(f"{V2}/services.json", query_string={"jurisdiction_id": "410105"})
    assert res.status_code == 404 and "410103" in res.get_json()[0]["description"]


def _features(res) -> set[str]:
    assert res.status_code == 200, res.get_data(as_text=True)
    return {f["id"] for f in res.get_json()["features"]}


def test_ogc_collections_per_district_and_city(two_districts):
    c = two_districts.clients
    ids = {col["id"] for col in c["city"].get("/ogc/collections?f=json").get_json()["collections"]}
    assert {"grids-grid", "grids-grid-410102", "grids-grid-410103", "grids-district-410103"} <= ids
    erqi = _features(c["city"].get("/ogc/collections/grids-grid-410103/items?f=json"))
    assert erqi == {city.ERQI_WEST_GRID, city.ERQI_EAST_GRID}
    everything = _features(c["city"].get("/ogc/collections/grids-grid/items?f=json&limit=100"))
    assert erqi < everything and any(code.startswith(city.ZHONGYUAN) for code in everything)
    assert _features(c["city"].get("/ogc/collections/grids-district/items?f=json")) == {city.ZHONGYUAN, city.ERQI}
    doc = c["city"].get("/ogc/collections/grids-grid-410103?f=json").get_json()
    assert "二七区" in doc["title"] and doc["extent"]["spatial"]["bbox"][0][0] == city.ERQI_BOX[0]
    # A district's user: their district only.
    ids = {col["id"] for col in c["eqview"].get("/ogc/collections?f=json").get_json()["collections"]}
    assert "grids-grid-410103" in ids and "grids-grid-410102" not in ids
    assert _features(c["eqview"].get("/ogc/collections/grids-grid/items?f=json&limit=100")) == erqi
    assert c["eqview"].get("/ogc/collections/grids-grid-410102/items?f=json").status_code == 404
    assert c["city"].get("/ogc/collections/grids-grid-410199/items?f=json").status_code == 404
