"""GET discovery, services and service definitions, in JSON and XML, with errors in the GeoReport form."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.events import categories as category_table
from tests.open311.conftest import V2, json_errors, xml_items


def test_discovery_json_and_xml(anon, db):
    res = anon.get(f"{V2}/discovery.json")
    assert res.status_code == 200 and res.content_type == "application/json; charset=utf-8"
    body = res.get_json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2"
    assert endpoint["formats"] == ["application/json", "text/xml"]
    assert endpoint["changeset"] == body["changeset"] and body["changeset"].endswith("+08:00")
    assert "api_key" in body["key_service"]

    xml = anon.get(f"{V2}/discovery.xml")
    assert xml.status_code == 200 and xml.content_type == "text/xml; charset=utf-8"
    root = ET.fromstring(xml.get_data())
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "http://localhost/open311/v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["application/json", "text/xml"]


def test_services_are_the_active_categories(anon, db):
    body = anon.get(f"{V2}/services.json").get_json()
    active = [c.code for c in category_table.all_categories() if c.active]
    assert [s["service_code"] for s in body] == active and len(active) >= 10
    garbage = next(s for s in body if s["service_code"] == "0102")
    assert garbage["service_name"] == "暴露垃圾"          # Chinese by default
    assert garbage["group"] == "市容环境"                 # the big class
    assert garbage["metadata"] is False and garbage["type"] == "realtime"
    assert garbage["keywords"] == "暴露垃圾,市容环境"
    assert set(garbage) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}

    english = anon.get(f"{V2}/services.json?lang=en").get_json()
    garbage = next(s for s in english if s["service_code"] == "0102")
    assert garbage["service_name"] == "Exposed garbage"
    assert garbage["group"] == "City appearance and environment"


def test_services_xml_matches_json(anon, db):
    as_json = anon.get(f"{V2}/services.json?lang=en").get_json()
    services = xml_items(anon.get(f"{V2}/services.xml?lang=en"), "service")
    assert [s["service_code"] for s in services] == [s["service_code"] for s in as_json]
    first = services[0]
    assert first["metadata"] == "false" and first["type"] == "realtime"
    assert first["service_name"] == as_json[0]["service_name"]


def test_an_inactive_category_is_not_offered(client, anon, db):
    res = client.patch("/api/v1/categories/0102", json={"active": False})
    assert res.status_code == 200, res.get_json()
    codes = [s["service_code"] for s in anon.get(f"{V2}/services.json").get_json()]
    assert "0102" not in codes
    json_errors(anon.get(f"{V2}/services/0102.json"), 404)


def test_service_definition(anon, db):
    assert anon.get(f"{V2}/services/0102.json").get_json() == {"service_code": "0102", "attributes": []}
    root = ET.fromstring(anon.get(f"{V2}/services/0102.xml").get_data())
    assert root.tag == "service_definition" and root.findtext("service_code") == "0102"
    assert root.find("attributes") is not None and list(root.find("attributes")) == []


def test_unknown_service_code_is_a_georeport_404(anon, db):
    [error] = json_errors(anon.get(f"{V2}/services/9999.json?lang=en"), 404)
    assert "9999" in error["description"] and "service_code" in error["description"]
    res = anon.get(f"{V2}/services/9999.xml?lang=en")
    assert res.status_code == 404 and res.content_type.startswith("text/xml")
    root = ET.fromstring(res.get_data())
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404" and "9999" in root.findtext("error/description")


@pytest.mark.parametrize("url", [f"{V2}/services.yaml", f"{V2}/nothing-here.json", f"{V2}/requests/GM1.csv",
                                 f"{V2}/discovery.html"])
def test_unknown_formats_and_paths_answer_in_georeport_form(anon, db, url):
    json_errors(anon.get(url), 404)


def test_an_xml_path_gets_its_error_in_xml(anon, db):
    res = anon.get(f"{V2}/nothing-here.xml")
    assert res.status_code == 404 and ET.fromstring(res.get_data()).tag == "errors"


def test_the_guard_never_sends_a_client_to_the_sign_in_page(anon, db):
    # GeoReport clients send Accept: */* or text/html-ish headers; they get data, not /login.
    for url in ("discovery.json", "services.xml", "requests.json"):
        res = anon.get(f"{V2}/{url}", headers={"Accept": "text/html,*/*"})
        assert res.status_code == 200, (url, res.status_code)


def test_rate_limit_answers_in_georeport_form(app, anon, db, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_PUBLIC", "2 per minute")
    statuses = [anon.get(f"{V2}/services.xml").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    res = anon.get(f"{V2}/services.xml")
    assert ET.fromstring(res.get_data()).findtext("error/code") == "429"


@pytest.mark.parametrize("method,url,status", [
    ("POST", f"{V2}/discovery.json", 405), ("DELETE", f"{V2}/requests.json", 405),
    ("PUT", f"{V2}/services/0102.json", 405), ("POST", f"{V2}/nothing.json", 404),
])
def test_wrong_methods_answer_in_georeport_form(anon, db, method, url, status):
    res = anon.open(url, method=method)
    json_errors(res, status)
    if url.endswith("requests.json"):
        assert res.headers["Allow"] == "GET, POST"
