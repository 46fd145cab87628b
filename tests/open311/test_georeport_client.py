"""Open311 through a real GeoReport v2 client library against a live server: ``georeport`` 0.3.1.

georeport reads services, service definitions and requests, in JSON and in
XML (parsed with xmltodict). It cannot post (its README says so), so the POST
goes out as the plain form-encoded request the spec describes, and the
client then reads the new request back.
"""
from __future__ import annotations

import pytest
import requests

from tests.open311.conftest import IN_GRID, MICRO

pytest.importorskip("georeport")
from georeport import GeoReport  # noqa: E402


@pytest.fixture
def georeport_server(live_server, committed_db):
    """(GeoReport root URL, API key) with the sample district committed; ``committed_db`` empties it afterwards."""
    from tests.samples import load_sample_for_client

    token = load_sample_for_client("open311-client", "dispatcher", "Open311", "Open311")
    return f"{live_server}/open311/v2", token


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_and_definitions(georeport_server, fmt):
    root, _ = georeport_server
    client = GeoReport(root, output_format=fmt)
    services = client.get_service_list()
    garbage = next(s for s in services if s["service_code"] == "0102")
    assert garbage["service_name"] == "暴露垃圾" and garbage["group"] == "市容环境"
    assert str(garbage["metadata"]).lower() == "false"
    definition = client.get_service_definition("0102")
    assert definition["service_code"] == "0102"
    with pytest.raises(requests.HTTPError) as failed:
        client.get_service_definition("9999")
    assert failed.value.response.status_code == 404


def test_post_then_read_back_with_the_client(georeport_server, committed_db):
    root, key = georeport_server
    res = requests.post(f"{root}/requests.json", data={
        "api_key": key, "service_code": "0402", "lat": IN_GRID[1], "long": IN_GRID[0],
        "description": "消防通道被占用", "first_name": "小红", "last_name": "李", "phone": "13912345678",
        "account_id": "resident-7"}, timeout=10)
    assert res.status_code == 201, res.text
    [answer] = res.json()
    ticket = answer["service_request_id"]
    assert answer["account_id"] == "resident-7"

    from app.models import Grid, Report
    committed_db.session.remove()
    report = committed_db.session.query(Report).filter_by(ticket=ticket).one()
    assert committed_db.session.get(Grid, report.grid_id).code == MICRO

    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)
        one = client.get_service_request(ticket)
        assert one["service_request_id"] == ticket and one["status"] == "open"
        assert one["service_code"] == "0402" and one["description"] == "消防通道被占用"
        assert float(one["lat"]) == pytest.approx(IN_GRID[1]) and float(one["long"]) == pytest.approx(IN_GRID[0])
        listed = client.get_service_requests(service_code="0402", status="open")
        # xmltodict gives a dict for a single <request>, a list for several.
        listed = listed if isinstance(listed, list) else [listed]
        assert [r["service_request_id"] for r in listed] == [ticket]
        assert client.get_service_requests(service_request_id=ticket)
    # Nothing personal reaches the client, in either format.
    for fmt in ("json", "xml"):
        body = requests.get(f"{root}/requests/{ticket}.{fmt}", timeout=10).text
        assert "小红" not in body and "13912345678" not in body


def test_a_bad_key_is_403_in_the_georeport_form(georeport_server):
    root, _ = georeport_server
    res = requests.post(f"{root}/requests.json", data={"api_key": "gm_wrong", "service_code": "0402",
                                                       "lat": IN_GRID[1], "long": IN_GRID[0]}, timeout=10)
    assert res.status_code == 403
    [error] = res.json()
    assert error["code"] == 403 and error["description"]
    with pytest.raises(requests.HTTPError):
        GeoReport(root).get_service_requests(start_date="not-a-date")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_client_names_its_jurisdiction_on_every_call(georeport_server, fmt):
    root, key = georeport_server
    ours = GeoReport(root, jurisdiction="410102", output_format=fmt)
    assert any(s["service_code"] == "0102" for s in ours.get_service_list())
    assert ours.get_service_definition("0102")["service_code"] == "0102"
    ticket = requests.post(f"{root}/requests.json", params={"api_key": key}, json={
        "service_code": "0402", "lat": IN_GRID[1], "long": IN_GRID[0], "jurisdiction_id": "410102"},
        timeout=10).json()[0]["service_request_id"]
    assert ours.get_service_request(ticket)["service_request_id"] == ticket
    listed = ours.get_service_requests(status="open")
    assert ticket in str(listed)
    # Another jurisdiction is not served here: every call says so with a 404.
    theirs = GeoReport(root, jurisdiction="999999", output_format=fmt)
    for call in (theirs.get_service_list, lambda: theirs.get_service_definition("0102"),
                 lambda: theirs.get_service_requests(status="open"), lambda: theirs.get_service_request(ticket)):
        with pytest.raises(requests.HTTPError) as failed:
            call()
        assert failed.value.response.status_code == 404


def test_a_key_in_the_url_and_a_json_body_then_pages_read_back(georeport_server):
    root, key = georeport_server
    made = []
    for i in range(3):
        res = requests.post(f"{root}/requests.json", params={"api_key": key}, json={
            "service_code": "0102", "lat": IN_GRID[1], "long": IN_GRID[0], "description": f"垃圾{i}"}, timeout=10)
        assert res.status_code == 201, res.text
        made.append(res.json()[0]["service_request_id"])
    pages = [requests.get(f"{root}/requests.json", params={"page_size": 2, "page": n}, timeout=10).json()
             for n in (1, 2)]
    assert [r["service_request_id"] for page in pages for r in page] == list(reversed(made))
    assert [r["service_request_id"] for r in GeoReport(root).get_service_requests()] == list(reversed(made))
