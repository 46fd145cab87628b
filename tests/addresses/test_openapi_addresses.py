"""The address, suggestion, lookup-by-address and needs-placement answers match app/api/openapi.json."""
from __future__ import annotations

import io

from tests.addresses import helpers as lib
from tests.api.helpers import check


def test_address_list_and_import(spec, client, library):  # noqa: F811
    body = check(spec, client.get("/api/v1/addresses?limit=5"), "/api/v1/addresses")
    assert body["total"] == len(lib.ROWS)
    check(spec, client.get("/api/v1/addresses?outside=true"), "/api/v1/addresses")
    check(spec, client.get("/api/v1/addresses?limit=0"), "/api/v1/addresses")
    resp = client.post("/api/v1/addresses/import", data={"file": (io.BytesIO(lib.csv_text().encode()), "a.csv")},
                       content_type="multipart/form-data")
    body = check(spec, resp, "/api/v1/addresses/import", "post")
    assert resp.status_code == 201 and body["import"]["updated"] == len(lib.ROWS)
    resp = client.post("/api/v1/addresses/import", json=[{"road": "建设路"}])
    assert resp.status_code == 422
    check(spec, resp, "/api/v1/addresses/import", "post", schema_name="AddressImportResult")
    check(spec, client.post("/api/v1/addresses/import", data=b""), "/api/v1/addresses/import", "post",
          schema_name="Error")


def test_suggest_and_lookup_answers(spec, anon, library):  # noqa: F811
    body = check(spec, anon.get("/api/v1/addresses/suggest?q=建设路"), "/api/v1/addresses/suggest")
    assert body["suggestions"]
    check(spec, anon.get("/api/v1/addresses/suggest?limit=99"), "/api/v1/addresses/suggest")
    for query in ("address=绿城百合1号楼&geometry=true", "address=锦艺城", "address=花园路1号",
                  f"address_id={library['tb1']}", "code=410102001001001&geometry=true", "code=410102001001901",
                  "lon=113.61005&lat=34.757&geometry=true"):
        resp = anon.get("/api/v1/lookup?" + query)
        assert resp.status_code == 200, (query, resp.get_json())
        check(spec, resp, "/api/v1/lookup")
    for query in ("code=410102009009009", "address_id=99999", "address=x&code=1"):
        check(spec, anon.get("/api/v1/lookup?" + query), "/api/v1/lookup")


def test_reports_with_addresses(spec, client, library):  # noqa: F811
    for address in ("前进路32号", "花园路1号"):
        resp = client.post("/api/v1/reports", json={"category": "0402", "description": "d", "address": address})
        check(spec, resp, "/api/v1/reports", "post")
    body = check(spec, client.get("/api/v1/reports?needs_placement=true"), "/api/v1/reports")
    assert body["count"] == 1
    csv = "类别,描述,地址\n0402,违停,前进路32号\n0402,违停,锦艺城\n".encode()
    resp = client.post("/api/v1/reports/import", data={"file": (io.BytesIO(csv), "h.csv")},
                       content_type="multipart/form-data")
    body = check(spec, resp, "/api/v1/reports/import", "post")
    assert body["import"]["needs_placement"] == 1 and len(body["import"]["geocoding"]) == 2
