"""The OpenAPI document: valid, complete, and true to what the API really returns.

Real responses are validated against the schemas the document gives for
their path, method, status and media type (tests/api/conformance.py does so
for every answer of the whole suite; the tests here name the cases). The
OpenAPI 3.0 schemas are turned into JSON Schema (``nullable``, ``$ref``), and
every documented object is made closed (``additionalProperties: false``) for
the check, so a field the code returns but the document does not describe
fails the test -- the published document itself stays open to additions.
"""
from __future__ import annotations

import io
import json
import re

import pytest

from tests.api.helpers import SPEC_PATH, check, json_schema as _json_schema

METHODS = {"get", "post", "put", "patch", "delete"}


# ----------------------------------------------------------------- the document


def test_document_is_valid_openapi_303(spec):
    validator = pytest.importorskip("openapi_spec_validator")
    assert spec["openapi"] == "3.0.3"
    validator.validate(spec)


def test_served_document_is_the_file(client, spec):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert resp.get_json() == spec


def _documented(spec) -> set[tuple[str, str]]:
    return {(path, method) for path, item in spec["paths"].items() for method in item if method in METHODS}


def _routed(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/") or rule.rule == "/healthz"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        out |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return out


def test_every_api_route_is_documented_and_nothing_else(app, spec):
    routed, documented = _routed(app), _documented(spec)
    assert routed - documented == set(), "routes missing from openapi.json"
    assert documented - routed == set(), "openapi.json documents routes the app does not have"


def test_every_ref_resolves_and_every_schema_is_used(spec):
    text = json.dumps(spec)
    refs = set(re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', text))
    # Security schemes are named by the operations' "security" lists, not by $ref.
    refs |= {("securitySchemes", name) for item in spec["paths"].values() for op in item.values()
             for requirement in op.get("security", []) for name in requirement}
    for section, name in refs:
        assert name in spec["components"][section], f"dangling $ref {section}/{name}"
    for section, entries in spec["components"].items():
        for name in entries:
            assert (section, name) in refs, f"components/{section}/{name} is never used"


def test_operations_are_described(spec):
    ids = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            ids.append(op["operationId"])
            assert op.get("summary"), (path, method)
            for name in re.findall(r"{(\w+)}", path):
                assert any(p.get("name") == name and p.get("in") == "path" for p in op.get("parameters", [])), \
                    (path, name)
    assert len(ids) == len(set(ids))


def _schemas(node, path="#"):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _schemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _schemas(value, f"{path}/{i}")


def test_generated_clients_can_read_every_schema(spec):
    # What openapi-python-client refused (tests/api/test_generated_client.py generates one):
    # an array without items, and a nullable enum without null (it raised on a null value).
    for path, node in _schemas(spec):
        if node.get("type") == "array":
            assert "items" in node, f"{path}: an array needs items"
        if node.get("nullable") and "enum" in node:
            assert None in node["enum"], f"{path}: a nullable enum must list null"


def test_a_null_the_enum_does_not_list_fails_the_check(spec):
    schema = _json_schema({"type": "string", "nullable": True, "enum": ["a"]}, spec)
    jsonschema = pytest.importorskip("jsonschema")
    assert not jsonschema.Draft7Validator(schema).is_valid(None)
    schema = _json_schema({"type": "string", "nullable": True, "enum": ["a", None]}, spec)
    assert jsonschema.Draft7Validator(schema).is_valid(None)


def test_rules_and_coordinate_systems_are_described(spec):
    info = spec["info"]["description"]
    for phrase in ("finest regular grid that covers it", "lowest code", "ST_Covers", "out_of_coverage",
                   "gcj02", "bd09", "4490", "4547"):
        assert phrase in info, phrase
    assert "lowest code" in spec["paths"]["/api/v1/lookup"]["get"]["description"]
    error = spec["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["required"]) == {"code", "message", "details"}


# ------------------------------------------------------- responses vs. schemas


def test_check_catches_undocumented_fields(spec, client, sample):
    # The strict check is what makes these tests worth having: prove it bites.
    class Fake:
        status_code = 200
        mimetype = "application/json"

        def __init__(self, body):
            self._body = body

        def get_data(self, as_text=False):
            return json.dumps(self._body)

    good = client.get("/api/v1/versions").get_json()
    check(spec, Fake(good), "/api/v1/versions")
    good["versions"][0]["surprise"] = 1
    with pytest.raises(AssertionError, match="surprise"):
        check(spec, Fake(good), "/api/v1/versions")


def test_lookup_inside_on_a_vertex_and_outside(spec, client, sample):
    body = check(spec, client.get("/api/v1/lookup?lon=113.603&lat=34.753"), "/api/v1/lookup")
    assert body["grid"]["level"] == "micro" and [g["level"] for g in body["dedicated"]] == ["grid"]
    assert body["grid"]["staff"][0]["phone"]
    # A vertex shared by four micro-grids: the lowest code wins, as documented.
    body = check(spec, client.get("/api/v1/lookup?lon=113.61&lat=34.75"), "/api/v1/lookup")
    assert body["grid"]["code"] == "41010200100100102"
    body = check(spec, client.get("/api/v1/lookup?lon=113.6095&lat=34.7541&crs=gcj02"), "/api/v1/lookup")
    assert body["submitted"]["crs"] == "GCJ-02"
    resp = client.get("/api/v1/lookup?lon=113.7&lat=34.75")
    assert resp.status_code == 404
    body = check(spec, resp, "/api/v1/lookup", schema_name="OutOfCoverageError")
    assert body["error"]["code"] == "out_of_coverage" and body["error"]["details"]["nearest"]["distance_m"] > 0
    check(spec, client.get("/api/v1/lookup?lon=113.7&lat=34.75&version=999"), "/api/v1/lookup")
    check(spec, client.get("/api/v1/lookup?lon=abc&lat=34.75"), "/api/v1/lookup")
    check(spec, client.get("/api/v1/lookup?lon=1&lat=2&crs=mars"), "/api/v1/lookup")


def test_report_create_get_and_reject(spec, client, sample):
    resp = client.post("/api/v1/reports", json={
        "category": "0402", "description": "小区门口机动车违停", "lon": 113.603, "lat": 34.753,
        "address": "中原区建设西路12号", "reporter": {"name": "张三", "phone": "13800000000"}})
    body = check(spec, resp, "/api/v1/reports", "post")
    assert resp.status_code == 201 and resp.headers["Location"] == f"/api/v1/reports/{body['ticket']}"
    assert [g["level"] for g in body["grid_chain"]] == ["district", "subdistrict", "community", "grid", "micro"]
    assert "reporter_phone" not in body
    check(spec, client.get(f"/api/v1/reports/{body['ticket']}"), "/api/v1/reports/{ticket}")

    resp = client.post("/api/v1/reports", json={"category": "0402", "description": "x", "lon": 113.7,
                                                "lat": 34.75, "crs": "gcj02", "channel": "hotline_12345"})
    body = check(spec, resp, "/api/v1/reports", "post")
    assert body["out_of_coverage"] and body["grid"] is None and body["grid_chain"] == []

    resp = client.post("/api/v1/reports", json={"category": "9999", "lon": "x"})
    assert resp.status_code == 422
    body = check(spec, resp, "/api/v1/reports", "post")
    assert {e["field"] for e in body["error"]["details"]["errors"]} >= {"category", "description", "lon", "lat"}
    check(spec, client.post("/api/v1/reports", data="not json"), "/api/v1/reports", "post")
    check(spec, client.get("/api/v1/reports/GM000"), "/api/v1/reports/{ticket}")


def test_report_lists(spec, client, sample):
    for lon in (113.603, 113.7):
        client.post("/api/v1/reports", json={"category": "0101", "description": "d", "lon": lon, "lat": 34.753})
    body = check(spec, client.get("/api/v1/reports?limit=5"), "/api/v1/reports")
    assert body["count"] == 2 and {"lon", "lat"} <= set(body["reports"][0])
    body = check(spec, client.get("/api/v1/reports?format=geojson&status=open&out_of_coverage=false"),
                 "/api/v1/reports")
    assert len(body["features"]) == 1
    check(spec, client.get("/api/v1/reports?status=bogus"), "/api/v1/reports")
    check(spec, client.get("/api/v1/reports?bbox=1,2,3"), "/api/v1/reports")


def test_report_import(spec, client, sample):
    csv = "类别,描述,经度,纬度,坐标系\n0402,违停,113.6095,34.7541,gcj02\n9999,坏行,1,2,\n".encode()
    resp = client.post("/api/v1/reports/import", data={"file": (io.BytesIO(csv), "hotline.csv")},
                       content_type="multipart/form-data")
    body = check(spec, resp, "/api/v1/reports/import", "post")
    assert resp.status_code == 201 and body["import"]["stored"] == 1 and body["import"]["errors"][0]["row"] == 2
    resp = client.post("/api/v1/reports/import", json=[{"category": "9999"}])
    assert resp.status_code == 422
    body = check(spec, resp, "/api/v1/reports/import", "post", schema_name="ReportImportResult")
    assert body["import"]["stored"] == 0
    check(spec, client.post("/api/v1/reports/import", data=b""), "/api/v1/reports/import", "post",
          schema_name="Error")


def test_grids(spec, client, sample):
    body = check(spec, client.get("/api/v1/grids?level=micro&bbox=113.60,34.74,113.62,34.76&zoom=14"),
                 "/api/v1/grids")
    assert body["features"] and {f["properties"]["level"] for f in body["features"]} == {"micro"}
    check(spec, client.get("/api/v1/grids?level=district&crs=gcj02"), "/api/v1/grids")
    check(spec, client.get("/api/v1/grids?parent=410102001&version=published"), "/api/v1/grids")
    check(spec, client.get("/api/v1/grids?level=block"), "/api/v1/grids")
    check(spec, client.get("/api/v1/grids?version=999"), "/api/v1/grids")
    check(spec, client.get("/api/v1/grids/410102001001001"), "/api/v1/grids/{code}")
    check(spec, client.get("/api/v1/grids/999"), "/api/v1/grids/{code}")
    check(spec, client.get("/api/v1/versions"), "/api/v1/versions")


def test_grid_import(spec, client, sample):
    bad = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "4101020030", "name": "x", "level": "subdistrict"},
         "geometry": None}]}
    resp = client.post("/api/v1/grids/import", json=bad)
    body = check(spec, resp, "/api/v1/grids/import", "post")
    assert resp.status_code == 422 and {e["reason"] for e in body["error"]["details"]["errors"]} >= {"bad_code"}
    check(spec, client.post("/api/v1/grids/import?crs=mars", json=bad), "/api/v1/grids/import", "post")
    check(spec, client.post("/api/v1/grids/import", data="{", content_type="application/json"),
          "/api/v1/grids/import", "post")
    school = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "410102001001903", "name": "新专属", "level": "grid",
                                           "kind": "dedicated", "parent_code": "410102001001"},
         "geometry": {"type": "Polygon", "coordinates": [[[113.603, 34.753], [113.604, 34.753], [113.604, 34.754],
                                                          [113.603, 34.754], [113.603, 34.753]]]}}]}
    resp = client.post("/api/v1/grids/import",
                       data={"file": (io.BytesIO(json.dumps(school).encode()), "school.geojson")},
                       content_type="multipart/form-data")
    body = check(spec, resp, "/api/v1/grids/import", "post")
    assert resp.status_code == 201 and body["imported"]["created"] == 1


@pytest.mark.parametrize("path", ["/api/v1/categories", "/api/v1/statuses", "/api/v1/channels", "/healthz"])
def test_reference_lists_and_health(spec, client, path):
    check(spec, client.get(path), path)
