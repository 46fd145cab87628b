"""What GeoReport clients do beyond the form-encoded POST: paging, jurisdiction_id on every call,
api_key in the query string, a JSON body (issue 17). georeport itself: tests/open311/test_georeport_client.py."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Report
from tests.open311.conftest import IN_GRID, V2, json_errors, xml_items

POINT = {"service_code": "0102", "lat": IN_GRID[1], "long": IN_GRID[0], "description": "楼道堆放杂物"}


def tickets(res) -> list[str]:
    assert res.status_code == 200, res.get_data(as_text=True)
    return [r["service_request_id"] for r in res.get_json()]


@pytest.fixture
def five(post_request, sample):
    """Five requests, newest first as the list answers them."""
    made = [post_request(**{k: str(v) for k, v in POINT.items()}).get_json()[0]["service_request_id"]
            for _ in range(5)]
    return list(reversed(made))


def test_pages_of_page_size(anon, five):
    assert tickets(anon.get(f"{V2}/requests.json?page_size=2")) == five[:2]
    assert tickets(anon.get(f"{V2}/requests.json?page_size=2&page=2")) == five[2:4]
    assert tickets(anon.get(f"{V2}/requests.json?page_size=2&page=3")) == five[4:]
    assert tickets(anon.get(f"{V2}/requests.json?page_size=2&page=4")) == []
    # max_requests is page_size under the name some clients use; the XML pages alike.
    assert tickets(anon.get(f"{V2}/requests.json?max_requests=3")) == five[:3]
    assert [r["service_request_id"] for r in xml_items(anon.get(f"{V2}/requests.xml?page_size=1&page=5"),
                                                         "request")] == five[4:]


@pytest.mark.parametrize("query,field", [
    ("page_size=0", "page_size"), ("page_size=1001", "page_size"), ("page_size=x", "page_size"),
    ("page=0", "page"), ("page=-1", "page"), ("max_requests=5000", "max_requests"),
    ("page_size=2&max_requests=3", "max_requests"),
])
def test_bad_paging_is_400_naming_the_field(anon, db, query, field):
    [error] = json_errors(anon.get(f"{V2}/requests.json?{query}&lang=en"), 400)
    assert field in error["description"]


@pytest.mark.parametrize("url", ["/discovery.json", "/services.json", "/services/0102.json", "/requests.json",
                                 "/requests/GM1.json", "/requests.xml"])
def test_another_jurisdiction_is_404_on_every_resource(anon, db, sample, url):
    res = anon.get(f"{V2}{url}", query_string={"jurisdiction_id": "999999", "lang": "en"})
    assert res.status_code == 404
    description = xml_items(res, "error")[0]["description"] if url.endswith(".xml") \
        else json_errors(res, 404)[0]["description"]
    assert "jurisdiction_id 999999 is not served here" in description and "410102" in description
    # The district's own code is welcome everywhere.
    if "GM1" not in url:
        assert anon.get(f"{V2}{url}", query_string={"jurisdiction_id": "410102"}).status_code == 200


def test_another_jurisdiction_is_refused_on_post_whichever_way_it_comes(anon, api_key, db, sample):
    for kwargs in ({"data": {**POINT, "api_key": api_key, "jurisdiction_id": "999999"}},
                   {"json": {**POINT, "api_key": api_key, "jurisdiction_id": "999999"}},
                   {"data": {**POINT, "api_key": api_key}, "query_string": {"jurisdiction_id": "999999"}}):
        json_errors(anon.post(f"{V2}/requests.json", **kwargs), 404)
    assert db.session.scalar(select(Report.id)) is None


def test_a_json_body_is_a_request_like_the_form(anon, api_key, db, sample):
    res = anon.post(f"{V2}/requests.json", json={**POINT, "api_key": api_key, "first_name": "小明",
                                                 "last_name": "王", "account_id": 42, "jurisdiction_id": "410102"})
    assert res.status_code == 201, res.get_data(as_text=True)
    [answer] = res.get_json()
    assert answer["account_id"] == "42"
    report = db.session.scalars(select(Report).where(Report.ticket == answer["service_request_id"])).one()
    assert report.reporter_name == "王小明" and report.description == "楼道堆放杂物"
    assert (report.raw_lon, report.raw_lat) == (IN_GRID[0], IN_GRID[1])


@pytest.mark.parametrize("body,status,needle", [
    ({**POINT}, 403, "api_key is required"),
    ({**POINT, "lat": "north", "api_key": "KEY"}, 400, "lat"),
    ({**POINT, "service_code": ["0102"], "api_key": "KEY"}, 400, "service_code must be a single value"),
    ([POINT], 400, "JSON object"),
])
def test_a_bad_json_body_gets_the_real_reason(anon, api_key, db, sample, body, status, needle):
    if isinstance(body, dict) and body.get("api_key") == "KEY":
        body = {**body, "api_key": api_key}
    [error] = json_errors(anon.post(f"{V2}/requests.json?lang=en", json=body), status)
    assert needle in error["description"]
    assert db.session.scalar(select(Report.id)) is None


def test_api_key_in_the_query_reads_an_unpublished_district(app, anon, api_key, five, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN311_PUBLIC_READ", False)
    json_errors(anon.get(f"{V2}/requests.json"), 401)
    assert tickets(anon.get(f"{V2}/requests.json", query_string={"api_key": api_key})) == five
    json_errors(anon.get(f"{V2}/requests.json", query_string={"api_key": "gm_wrong"}), 401)
