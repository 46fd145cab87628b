"""Reports with an address and no point: geocoded on intake and in bulk imports, or flagged for a person."""
from __future__ import annotations

import io

from sqlalchemy import text


def test_single_report_with_a_known_address_is_placed(client, db, library):
    resp = client.post("/api/v1/reports", json={"category": "0402", "description": "消防通道被占",
                                                "address": "郑州市中原区建设路三十二号绿城百合2号楼",
                                                "channel": "hotline_12345"})
    body = resp.get_json()
    assert resp.status_code == 201, body
    assert body["needs_placement"] is False and body["out_of_coverage"] is False
    assert body["location"] == {"lon": 113.6034, "lat": 34.7574}
    assert body["grid"]["code"] == "41010200100100101"
    assert body["submitted"]["crs"] == "address"


def test_single_report_with_an_unknown_address_waits_for_a_person(client, db, library):
    for address in ("建设路23号", "锦艺城"):           # unmatched, ambiguous: never guessed
        resp = client.post("/api/v1/reports", json={"category": "0402", "description": "违停", "address": address})
        body = resp.get_json()
        assert resp.status_code == 201, body
        assert body["needs_placement"] is True and body["location"] is None
        assert body["out_of_coverage"] is False and body["grid"] is None and body["grid_chain"] == []
    stored = db.session.execute(text("SELECT count(*) FROM report WHERE needs_placement AND location IS NULL")).scalar()
    assert stored == 2


def test_no_point_and_no_address_is_still_refused(client, library):
    resp = client.post("/api/v1/reports", json={"category": "0402", "description": "违停"})
    assert resp.status_code == 422
    assert {e["field"] for e in resp.get_json()["error"]["details"]["errors"]} == {"lon", "lat"}


def test_coordinates_win_over_the_address(client, library):
    body = client.post("/api/v1/reports", json={"category": "0402", "description": "违停", "address": "建设路23号",
                                                "lon": 113.635, "lat": 34.758}).get_json()
    assert body["needs_placement"] is False and body["grid"]["code"] == "41010200200100201"


def test_needs_placement_list(client, client_as, db, library):
    client.post("/api/v1/reports", json={"category": "0402", "description": "a", "address": "花园路1号"})
    client.post("/api/v1/reports", json={"category": "0402", "description": "b", "address": "前进路32号"})
    listed = client.get("/api/v1/reports?needs_placement=true").get_json()
    assert [r["address"] for r in listed["reports"]] == ["花园路1号"]
    assert listed["reports"][0]["needs_placement"] is True and "lon" not in listed["reports"][0]
    placed = client.get("/api/v1/reports?needs_placement=false").get_json()["reports"]
    assert [r["address"] for r in placed] == ["前进路32号"]
    assert client.get("/api/v1/reports?needs_placement=maybe").status_code == 422
    dispatcher = client_as("dispatcher")
    assert dispatcher.get("/api/v1/reports?needs_placement=true").get_json()["count"] == 1
    # A worker sees the events of their own grids: an unplaced report is in none yet.
    worker = client_as("worker", areas=["410102001"])
    assert worker.get("/api/v1/reports?needs_placement=true").get_json()["count"] == 0


def test_bulk_import_geocodes_row_by_row(client, db, library):
    csv = ("类别,描述,地址,经度,纬度\n"
           "0402,有坐标,建设路23号,113.615,34.757\n"          # 1 coordinates as sent
           "0102,垃圾,前进路三十二号楼,,\n"                    # 2 matched exactly
           "0102,垃圾,绿成百合2号楼,,\n"                       # 3 matched with a typo
           "0601,充电,锦艺城,,\n"                              # 4 ambiguous -> needs placement
           "0601,充电,花园路1号,,\n"                           # 5 unmatched -> needs placement
           "9999,坏类别,前进路32号,,\n"                         # 6 rejected (category)
           "0402,无地址,,,\n").encode("gb18030")                # 7 rejected (no point, no address)
    resp = client.post("/api/v1/reports/import", data={"file": (io.BytesIO(csv), "hotline.csv")},
                       content_type="multipart/form-data")
    result = resp.get_json()["import"]
    assert resp.status_code == 201, result
    assert (result["received"], result["stored"], result["assigned"], result["needs_placement"],
            result["out_of_coverage"], result["rejected"]) == (7, 5, 3, 2, 0, 2)
    outcomes = {g["row"]: g for g in result["geocoding"]}
    assert sorted(outcomes) == [2, 3, 4, 5]
    assert outcomes[2]["status"] == "matched" and outcomes[2]["matched_text"] == "前进路32号"
    assert outcomes[2]["address_id"] == library["qj32"] and outcomes[2]["confidence"] == 1.0
    assert outcomes[3]["status"] == "matched" and outcomes[3]["address_id"] == library["lb-2"]
    assert (outcomes[4]["status"], outcomes[4]["needs_placement"]) == ("ambiguous", True)
    assert (outcomes[5]["status"], outcomes[5]["address_id"]) == ("unmatched", None)
    assert {e["row"] for e in result["errors"]} == {6, 7}
    rows = db.session.execute(text(
        "SELECT r.address, g.code, r.needs_placement, r.coord_crs FROM report r LEFT JOIN grid g ON g.id = r.grid_id "
        "ORDER BY r.id")).all()
    assert [tuple(r) for r in rows] == [
        ("建设路23号", "41010200100100201", False, "EPSG:4326"),
        ("前进路三十二号楼", "41010200200100201", False, "address"),
        ("绿成百合2号楼", "41010200100100101", False, "address"),
        ("锦艺城", None, True, None),
        ("花园路1号", None, True, None)]


def test_bulk_geocoding_asks_the_library_version_once(app, db, library, monkeypatch):
    from app.addresses import geocoding
    from app.reports.service import import_reports

    calls = []
    real = geocoding.library_version
    monkeypatch.setattr(geocoding, "library_version", lambda: calls.append(1) or real())
    rows = [{"category": "0102", "description": f"r{i}", "address": "前进路32号"} for i in range(50)]
    result = import_reports(rows)
    assert result.stored == 50 and result.assigned == 50 and len(calls) == 1
