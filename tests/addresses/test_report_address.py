"""A report geocoded on intake keeps the standard address (标准地址) it matched and how sure the match was.

Through HTTP on real PostGIS: single reports, a bulk import with a mix, manual
placement (no address id), the address leaving the library (FK SET NULL),
the report list and Open311 GET.
"""
from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import text

from tests.api.helpers import check

ADDRESS_ONLY = {"category": "0402", "description": "消防通道被占", "channel": "hotline_12345"}


def post(client, address: str, **extra) -> dict:
    resp = client.post("/api/v1/reports", json={**ADDRESS_ONLY, "address": address, **extra})
    body = resp.get_json()
    assert resp.status_code == 201, body
    return body


def stored(db, ticket: str) -> tuple:
    return tuple(db.session.execute(text(
        "SELECT address_id, address_confidence, needs_placement FROM report WHERE ticket = :t"),
        {"t": ticket}).one())


def test_a_matched_address_is_kept_with_its_confidence(spec, client, client_as, db, library):  # noqa: F811
    body = post(client, "郑州市中原区建设路三十二号绿城百合2号楼")
    assert body["needs_placement"] is False and body["grid"]["code"] == "41010200100100101"
    sa = body["standard_address"]
    assert sa["id"] == library["lb-2"]
    assert sa["full_text"] == db.session.execute(text("SELECT full_text FROM standard_address WHERE id = :i"),
                                                 {"i": library["lb-2"]}).scalar_one()
    assert 0.75 <= sa["confidence"] <= 1
    address_id, confidence, needs_placement = stored(db, body["ticket"])
    assert (address_id, float(confidence), needs_placement) == (library["lb-2"], sa["confidence"], False)

    # The detail, for every role that reads reports; valid against the published schema.
    resp = client.get(f"/api/v1/reports/{body['ticket']}")
    assert check(spec, resp, "/api/v1/reports/{ticket}")["standard_address"] == sa
    assert client_as("viewer").get(f"/api/v1/reports/{body['ticket']}").get_json()["standard_address"] == sa
    # The list carries the id only (both formats).
    resp = client.get("/api/v1/reports")
    [listed] = check(spec, resp, "/api/v1/reports")["reports"]
    assert listed["address_id"] == library["lb-2"]
    resp = client.get("/api/v1/reports?format=geojson")
    assert resp.get_json()["features"][0]["properties"]["address_id"] == library["lb-2"]


def test_an_exact_match_has_full_confidence(client, db, library):
    body = post(client, "前进路32号")
    assert body["standard_address"] == {"id": library["qj32"], "full_text": "前进路32号", "confidence": 1.0}


def test_a_report_sent_with_a_point_has_no_standard_address(client, db, library):
    body = post(client, "前进路32号", lon=113.635, lat=34.758)
    assert body["standard_address"] is None
    assert stored(db, body["ticket"]) == (None, None, False)


def test_an_unmatched_address_keeps_null_and_stays_null_when_placed_by_hand(client, db, library):
    for address in ("建设路23号", "锦艺城"):            # unmatched, ambiguous
        body = post(client, address)
        assert body["needs_placement"] is True and body["standard_address"] is None
        assert stored(db, body["ticket"]) == (None, None, True)
    # A dispatcher clicks the map: the point came from a person, not from the library.
    resp = client.post(f"/api/v1/reports/{body['ticket']}/placement",
                       json={"lon": 113.6152, "lat": 34.757, "crs": "wgs84", "row_version": body["row_version"]})
    placed = resp.get_json()
    assert resp.status_code == 200, placed
    detail = client.get(f"/api/v1/reports/{body['ticket']}").get_json()
    assert detail["needs_placement"] is False and detail["grid"] is not None
    assert detail["standard_address"] is None
    assert stored(db, body["ticket"]) == (None, None, False)


def test_bulk_csv_import_keeps_the_matched_rows_addresses(client, db, library):
    csv = ("类别,描述,地址,经度,纬度\n"
           "0402,有坐标,前进路32号,113.615,34.757\n"          # 1 coordinates as sent: no address id
           "0102,垃圾,前进路三十二号楼,,\n"                    # 2 matched exactly
           "0102,垃圾,绿成百合2号楼,,\n"                       # 3 matched with a typo
           "0601,充电,锦艺城,,\n"                              # 4 ambiguous
           "0601,充电,花园路1号,,\n"                           # 5 unmatched
           "9999,坏类别,前进路32号,,\n").encode("gb18030")     # 6 rejected
    resp = client.post("/api/v1/reports/import", data={"file": (io.BytesIO(csv), "hotline.csv")},
                       content_type="multipart/form-data")
    result = resp.get_json()["import"]
    assert resp.status_code == 201, result
    assert (result["stored"], result["needs_placement"], result["rejected"]) == (5, 2, 1)
    outcomes = {g["row"]: g for g in result["geocoding"]}
    rows = db.session.execute(text(
        "SELECT description, address, address_id, address_confidence, needs_placement FROM report ORDER BY id")).all()
    assert [(r.address, r.address_id, r.needs_placement) for r in rows] == [
        ("前进路32号", None, False),
        ("前进路三十二号楼", library["qj32"], False),
        ("绿成百合2号楼", library["lb-2"], False),
        ("锦艺城", None, True),
        ("花园路1号", None, True)]
    # Each kept confidence is the one the import answered for its row.
    assert float(rows[1].address_confidence) == outcomes[2]["confidence"] == 1.0
    assert float(rows[2].address_confidence) == outcomes[3]["confidence"] < 1.0
    assert [r.address_confidence for r in rows if r.address_id is None] == [None, None, None]


def test_bulk_json_import_with_a_mix(client, db, library):
    rows = [{"category": "0102", "description": "a", "address": "伊河路148号院"},
            {"category": "0102", "description": "b", "address": "不存在路9号"},
            {"category": "0102", "description": "c", "address": "中原路208号锦艺城B座"},
            {"category": "0102", "description": "d", "lon": 113.625, "lat": 34.745}]
    resp = client.post("/api/v1/reports/import", json=rows)
    result = resp.get_json()["import"]
    assert resp.status_code == 201, result
    assert (result["stored"], result["needs_placement"]) == (4, 1)
    kept = dict(db.session.execute(text("SELECT description, address_id FROM report")).all())
    assert kept == {"a": library["yh148"], "b": None, "c": library["jy-b"], "d": None}
    tickets = dict(db.session.execute(text("SELECT description, ticket FROM report")).all())
    detail = client.get(f"/api/v1/reports/{tickets['c']}").get_json()
    assert detail["standard_address"]["id"] == library["jy-b"]


# On Citus the key is NO ACTION (Citus refuses ON DELETE SET NULL in a key holding the district; GridMap
# deletes no standard address): docs/scale.md.
@pytest.mark.skipif(os.environ.get("GRIDMAP_TEST_CITUS") == "1", reason="plain PostgreSQL only")
def test_deleting_the_standard_address_leaves_the_report_without_a_link(spec, client, db, library):  # noqa: F811
    body = post(client, "前进路32号")
    ticket = body["ticket"]
    # Importing the library again (the same key) updates the row in place: the link holds.
    from app.addresses.service import import_addresses
    assert not import_addresses([{"地址": "前进路32号", "经度": 113.6351, "纬度": 34.7581}], source="test").errors
    assert client.get(f"/api/v1/reports/{ticket}").get_json()["standard_address"]["id"] == library["qj32"]
    # Removed from the library: the report stays where it is, only the link goes (ON DELETE SET NULL).
    db.session.execute(text("DELETE FROM standard_address WHERE id = :i"), {"i": library["qj32"]})
    db.session.commit()
    address_id, confidence, _ = stored(db, ticket)
    assert address_id is None and float(confidence) == 1.0     # the match on intake is still on record
    resp = client.get(f"/api/v1/reports/{ticket}")
    detail = check(spec, resp, "/api/v1/reports/{ticket}")
    assert detail["standard_address"] is None and detail["location"] == body["location"]
    assert detail["grid"] == body["grid"]
    listed = client.get("/api/v1/reports").get_json()["reports"]
    assert [r["address_id"] for r in listed] == [None]
    [item] = client.get(f"/open311/v2/requests/{ticket}.json").get_json()
    assert item["address_id"] is None and item["address"] == "前进路32号"
    # The desk can still act on it.
    resp = client.post(f"/api/v1/reports/{ticket}/transitions", json={"action": "accept",
                                                                      "expected_state": "reported"})
    assert resp.status_code == 200, resp.get_json()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_publishes_the_standard_address_id(client, db, library, fmt):
    from tests.open311.conftest import xml_items

    matched = post(client, "前进路32号")["ticket"]
    unmatched = post(client, "花园路1号")["ticket"]
    with_point = post(client, "建设路12号", lon=113.615, lat=34.757)["ticket"]
    # A report whose own address is empty shows its standard address's text.
    blank = post(client, "伊河路148号院")["ticket"]
    db.session.execute(text("UPDATE report SET address = NULL WHERE ticket = :t"), {"t": blank})
    db.session.commit()
    resp = client.get(f"/open311/v2/requests.{fmt}")
    assert resp.status_code == 200
    items = resp.get_json() if fmt == "json" else xml_items(resp, "request")
    by_ticket = {i["service_request_id"]: i for i in items}
    empty = None if fmt == "json" else ""
    assert by_ticket[matched]["address_id"] == str(library["qj32"])
    assert by_ticket[matched]["address"] == "前进路32号"
    assert by_ticket[unmatched]["address_id"] == empty and by_ticket[unmatched]["address"] == "花园路1号"
    assert by_ticket[with_point]["address_id"] == empty and by_ticket[with_point]["address"] == "建设路12号"
    assert by_ticket[blank]["address_id"] == str(library["yh148"])
    assert by_ticket[blank]["address"] == "伊河路148号院"
    [one] = client.get(f"/open311/v2/requests/{matched}.json").get_json()
    assert one["address_id"] == str(library["qj32"])


def test_a_report_filed_at_an_address_id_takes_its_point_and_keeps_it(spec, client, db, library):  # noqa: F811
    """A field app picks the address from /api/v1/addresses/suggest and sends its id, no point."""
    resp = client.post("/api/v1/reports", json={**ADDRESS_ONLY, "address_id": library["qj32"]})
    assert resp.status_code == 201, resp.get_json()
    body = check(spec, resp, "/api/v1/reports", "post")
    assert body["standard_address"] == {"id": library["qj32"], "full_text": "前进路32号", "confidence": 1.0}
    assert body["address"] == "前进路32号" and body["needs_placement"] is False and body["grid"] is not None
    x, y = db.session.execute(text("SELECT ST_X(location), ST_Y(location) FROM standard_address WHERE id = :i"),
                              {"i": library["qj32"]}).one()
    assert (body["location"]["lon"], body["location"]["lat"]) == (pytest.approx(x), pytest.approx(y))
    # With a point of its own the point stays, the address is still kept; its own text too.
    own = post(client, "前进路32号东门", address_id=library["qj32"], lon=113.6351, lat=34.7581)
    assert own["location"] == {"lon": pytest.approx(113.6351), "lat": pytest.approx(34.7581)}
    assert own["standard_address"]["id"] == library["qj32"] and own["address"] == "前进路32号东门"


@pytest.mark.parametrize("bad", [999_999_999, "abc", -3, True, 1.5])
def test_an_address_id_not_in_the_library_is_refused_and_nothing_stored(client, db, library, bad):
    resp = client.post("/api/v1/reports", json={**ADDRESS_ONLY, "address_id": bad})
    assert resp.status_code == 422
    errors = resp.get_json()["error"]["details"]["errors"]
    assert [e["field"] for e in errors] == ["address_id"] and "address_id" in errors[0]["message"]
    assert db.session.execute(text("SELECT count(*) FROM report")).scalar_one() == 0


def test_bulk_rows_with_address_ids_are_placed_and_an_unknown_one_is_a_row_error(client, db, library):
    rows = [{"category": "0102", "description": "a", "address_id": library["yh148"]},
            {"category": "0102", "description": "b", "address_id": 987654321},
            {"category": "0102", "description": "c", "address_id": str(library["jy-b"])}]
    resp = client.post("/api/v1/reports/import", json=rows)
    result = resp.get_json()["import"]
    assert resp.status_code == 201, result
    assert result["stored"] == 2 and [(e["row"], e["field"]) for e in result["errors"]] == [(2, "address_id")]
    kept = dict(db.session.execute(text("SELECT description, address_id FROM report")).all())
    assert kept == {"a": library["yh148"], "c": library["jy-b"]}
