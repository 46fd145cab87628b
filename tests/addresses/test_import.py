"""The standard address library: import (service, CLI, API), per-row errors, assignment, lists, export."""
from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import text

from app.addresses import service
from tests.addresses import helpers as lib


def grid_of(db, address_id):
    return db.session.execute(text("SELECT grid_code FROM standard_address WHERE id = :i"),
                              {"i": address_id}).scalar_one()


def test_import_stores_parts_keys_and_grids(db, library):
    for name, code in lib.EXPECTED_GRID.items():
        assert grid_of(db, library[name]) == code, name
    row = db.session.execute(text("SELECT * FROM standard_address WHERE id = :i"), {"i": library["lb-3-1"]}).mappings().one()
    # Suffixes are stripped, the key is geo.address's, the text is the register's spelling.
    assert (row["road"], row["number"], row["compound"], row["building"], row["unit"]) == \
        ("建设路", "32", "绿城百合花园", "3", "1")
    assert row["norm_key"] == "建设路|32|绿城百合花园|3|1"
    assert row["full_text"] == "建设路32号绿城百合花园3号楼1单元"
    assert row["out_of_coverage"] is False and row["source"] == "test"
    outside = db.session.execute(text("SELECT out_of_coverage, grid_id FROM standard_address WHERE id = :i"),
                                 {"i": library["tb1"]}).one()
    assert outside == (True, None)
    # A full text is parsed: 号院 after a road is the door number.
    yh = db.session.execute(text("SELECT road, number, compound, norm_key FROM standard_address WHERE id = :i"),
                            {"i": library["yh148"]}).one()
    assert tuple(yh) == ("伊河路", "148", None, "伊河路|148|||")
    # The alias column became an alias row.
    assert service.alias_map() == {"绿城百合": "绿城百合花园"}


def test_shared_vertex_and_edge_follow_the_assignment_rule(db, library):
    # 伊河路148号 is on the vertex of four micro-grids, 棉纺路16号 on the edge of two: lowest code wins.
    assert grid_of(db, library["yh148"]) == "41010200100100102"
    assert grid_of(db, library["gm3"]) == "41010200200200101"


def test_reimport_updates_instead_of_duplicating(db, library):
    before = service.library_size()
    result = service.import_addresses([{"道路": "前进路", "门牌号": "三十二号", "经度": 113.636, "纬度": 34.751}])
    assert (result.created, result.updated, result.stored) == (0, 1, 1)
    assert service.library_size() == before
    lon, code = db.session.execute(text("SELECT ST_X(location), grid_code FROM standard_address WHERE id = :i"),
                                   {"i": library["qj32"]}).one()
    assert lon == pytest.approx(113.636) and code == "41010200200100202"


BAD_ROWS = [
    ({"道路": "建设路", "门牌号": "40"}, {"lon", "lat"}),
    ({"道路": "建设路", "门牌号": "41", "经度": "abc", "纬度": 34.75}, {"lon"}),
    ({"道路": "建设路", "门牌号": "42", "经度": 113.6, "纬度": 34.75, "坐标系": "mars"}, {"crs"}),
    ({"道路": "建设路", "门牌号": "43", "经度": 200, "纬度": 34.75}, {"lon"}),
    ({"楼栋": "3", "单元": "2", "经度": 113.6, "纬度": 34.75}, {"address"}),          # names no road or estate
    ({"道路": "建设路", "经度": 113.6, "纬度": 34.75}, {"number"}),                    # a road alone
    ({"经度": 113.6, "纬度": 34.75}, {"address"}),                                   # nothing at all
    ({"地址": "建" * 400, "经度": 113.6, "纬度": 34.75}, {"address"}),
    ("not an object", {"row"}),
]


def test_bad_rows_are_listed_and_good_rows_stored(db, sample, english):
    rows = [{"道路": "建设路", "门牌号": "1", "经度": 113.601, "纬度": 34.741}] + [r for r, _ in BAD_ROWS] + [
        {"道路": "建设路", "门牌号": "一号", "经度": 113.602, "纬度": 34.742}]       # the same place as row 1
    result = service.import_addresses(rows)
    assert result.stored == 1 and result.received == len(rows)
    by_row: dict[int, set] = {}
    for e in result.errors:
        by_row.setdefault(e.row, set()).add(e.field)
        assert e.message
    for i, (_, fields) in enumerate(BAD_ROWS, start=2):
        assert by_row.get(i) == fields, (i, BAD_ROWS[i - 2], by_row.get(i))
    duplicate = [e for e in result.errors if e.row == len(rows)]
    assert duplicate and "row 1" in duplicate[0].message


def test_parts_and_crs(db, sample):
    from geo.crs import from_wgs84

    x, y = from_wgs84(113.603, 34.757, "gcj02")
    e, n = from_wgs84(113.615, 34.757, 4547)
    result = service.import_addresses([
        {"road": "建设路", "number": "50", "lon": float(x), "lat": float(y), "crs": "gcj02"},
        {"road": "中原路", "number": "210", "lon": float(e), "lat": float(n)},
    ], crs="4547")
    assert result.stored == 2 and not result.errors, result.errors
    points = db.session.execute(text(
        "SELECT road, ST_X(location), ST_Y(location), grid_code FROM standard_address ORDER BY id")).all()
    assert points[0][1] == pytest.approx(113.603, abs=1e-7) and points[0][3] == "41010200100100101"
    assert points[1][1] == pytest.approx(113.615, abs=1e-6) and points[1][3] == "41010200100100201"


def test_reassign_follows_new_boundaries(db, library):
    # Move the east half of the district 0.01° west by redrawing it in the published version:
    # simplest real change is a new dedicated/regular grid; here we shrink a micro-grid directly.
    db.session.execute(text(
        "UPDATE grid SET geom = ST_Multi(ST_MakeEnvelope(113.60, 34.755, 113.6031, 34.76, 4326)) "
        "WHERE code = '41010200100100101' AND generation_high IS NULL"))
    db.session.execute(text(
        "UPDATE grid SET geom = ST_Multi(ST_Union(geom, ST_MakeEnvelope(113.6031, 34.755, 113.605, 34.76, 4326))) "
        "WHERE code = '41010200100100201' AND generation_high IS NULL"))
    outcome = service.reassign_addresses()
    db.session.flush()
    assert outcome["addresses"] == len(lib.ROWS) and outcome["changed"] >= 4
    assert grid_of(db, library["lb"]) == "41010200100100101"        # 113.603 stays west of the new edge
    assert grid_of(db, library["lb-2"]) == "41010200100100201"      # 113.6034 now lies east of it
    assert grid_of(db, library["yh148"]) == "41010200100100102"     # untouched
    entry = db.session.execute(text("SELECT after FROM audit_entry WHERE action = 'address.reassign'")).scalar_one()
    assert entry == outcome


def test_aliases_rekey_the_library(db, library):
    result = service.add_alias("锦艺小区", "锦艺城")
    assert result["changed"] and result["rekeyed"] == 0
    # An alias whose target spelling differs from the stored one re-keys the rows.
    result = service.add_alias("锦艺城", "锦艺城市花园")
    assert result["rekeyed"] == 2
    keys = db.session.execute(text("SELECT norm_key FROM standard_address WHERE compound LIKE '锦艺%' ORDER BY id")
                              ).scalars().all()
    assert keys == ["中原路|208|锦艺城市花园|A|", "中原路|208|锦艺城市花园|B|"]
    # Removing it again restores the register's spelling (kept in the text).
    assert service.remove_alias("锦艺城") == 2
    keys = db.session.execute(text("SELECT norm_key FROM standard_address WHERE compound LIKE '锦艺%' ORDER BY id")
                              ).scalars().all()
    assert keys == ["中原路|208|锦艺城|A|", "中原路|208|锦艺城|B|"]


def test_cli_import_with_crs_progress_and_errors(cli, db, sample, tmp_path):
    from geo.crs import from_wgs84

    e, n = from_wgs84(113.603, 34.757, 4547)
    path = tmp_path / "addresses.csv"
    path.write_bytes(("道路,门牌号,小区,经度,纬度\n建设路,32,绿城百合花园,%f,%f\n建设路,,,1,2\n" % (e, n)).encode("gb18030"))
    errors = tmp_path / "errors.csv"
    result = cli.invoke(args=["addresses", "import", str(path), "--crs", "4547", "--errors", str(errors)])
    assert result.exit_code == 0, result.output
    assert "Stored 1 of 2 addresses" in result.output and "1 in a grid" in result.output
    assert "row 2" in result.output
    assert "number" in errors.read_text(encoding="utf-8-sig")
    code = db.session.execute(text("SELECT grid_code FROM standard_address")).scalar_one()
    assert code == "41010200100100101"
    bad = cli.invoke(args=["addresses", "import", str(path), "--crs", "mars"])
    assert bad.exit_code != 0 and "mars" in bad.output


def test_cli_export_round_trips(cli, db, library, tmp_path):
    out = tmp_path / "export.csv"
    result = cli.invoke(args=["addresses", "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == len(lib.ROWS)
    assert rows[0]["道路"] == "建设路" and rows[0]["网格编码"] == "41010200100100101"
    geo = tmp_path / "export.geojson"
    assert cli.invoke(args=["addresses", "export", "-o", str(geo)]).exit_code == 0
    collection = json.loads(geo.read_text(encoding="utf-8"))
    assert len(collection["features"]) == len(lib.ROWS)
    assert collection["features"][0]["geometry"]["coordinates"] == [113.603, 34.757]
    # Importing the export again changes nothing but the update time.
    db.session.execute(text("DELETE FROM address_alias"))
    again = service.import_addresses(list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))))
    assert (again.created, again.updated, again.errors) == (0, len(lib.ROWS), [])


def test_cli_reassign_and_aliases(cli, db, library):
    result = cli.invoke(args=["addresses", "reassign"])
    assert result.exit_code == 0 and f"{len(lib.ROWS)} addresses re-assigned" in result.output
    assert cli.invoke(args=["addresses", "alias", "百合园", "绿城百合花园"]).exit_code == 0
    listed = cli.invoke(args=["addresses", "aliases"]).output
    assert "百合园\t绿城百合花园" in listed and "绿城百合\t绿城百合花园" in listed


# ------------------------------------------------------------------------- API

def test_api_import_csv_geojson_and_errors(client, db, sample):
    data = lib.csv_text().encode("gb18030")
    resp = client.post("/api/v1/addresses/import", data={"file": (io.BytesIO(data), "addresses.csv")},
                       content_type="multipart/form-data")
    body = resp.get_json()
    assert resp.status_code == 201, body
    assert body["import"]["created"] == len(lib.ROWS) and body["import"]["assigned"] == len(lib.ROWS) - 1
    assert body["import"]["out_of_coverage"] == 1 and body["import"]["aliases"] == 1
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.632, 34.743]},
               "properties": {"road": "嵩山路", "number": "12-1"}}
    resp = client.post("/api/v1/addresses/import",
                       json={"type": "FeatureCollection", "features": [feature, {"type": "Feature"}]})
    body = resp.get_json()
    assert resp.status_code == 201 and body["import"]["created"] == 1 and body["import"]["rejected"] == 1
    assert {e["field"] for e in body["import"]["errors"]} == {"address", "lon", "lat"}
    resp = client.post("/api/v1/addresses/import", json=[{"road": "x"}])
    assert resp.status_code == 422 and resp.get_json()["import"]["stored"] == 0
    resp = client.post("/api/v1/addresses/import", data=b"")
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "file"
    resp = client.post("/api/v1/addresses/import?crs=mars", json=[])
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "crs"
    actions = db.session.execute(text("SELECT actor, after->>'source' FROM audit_entry "
                                      "WHERE action = 'address.import' ORDER BY id")).all()
    assert actions == [("test-admin", "api"), ("test-admin", "api")]


@pytest.mark.parametrize("role, allowed", [("admin", True), ("planner", True), ("dispatcher", False),
                                           ("worker", False), ("viewer", False)])
def test_api_import_needs_addresses_edit(client_as, sample, role, allowed):
    c = client_as(role, areas=["410102001"] if role == "worker" else ())
    resp = c.post("/api/v1/addresses/import", json=[{"road": "建设路", "number": "9", "lon": 113.61, "lat": 34.75}])
    assert (resp.status_code == 201) if allowed else (resp.status_code == 403)


def test_api_list_filters_and_pages(client, library):
    body = client.get("/api/v1/addresses?limit=3").get_json()
    assert body["total"] == len(lib.ROWS) and body["count"] == 3 and body["limit"] == 3
    assert [a["text"] for a in body["addresses"]][:1] == ["建设路32号绿城百合花园"]
    page = client.get("/api/v1/addresses?limit=3&offset=9").get_json()
    assert page["count"] == 2 and page["total"] == len(lib.ROWS)
    past = client.get("/api/v1/addresses?offset=100").get_json()
    assert past["count"] == 0 and past["total"] == len(lib.ROWS)
    assert client.get("/api/v1/addresses?compound=锦艺城").get_json()["total"] == 2
    assert client.get("/api/v1/addresses?road=建设路&q=3号楼").get_json()["total"] == 2
    assert client.get("/api/v1/addresses?grid=410102001001001").get_json()["total"] == 6  # a grid and its micro-grids
    assert client.get("/api/v1/addresses?grid=410102001001").get_json()["total"] == 8     # a community
    assert client.get("/api/v1/addresses?grid=410102002").get_json()["total"] == 2        # a subdistrict
    only = client.get("/api/v1/addresses?outside=true").get_json()
    assert [a["text"] for a in only["addresses"]] == ["桐柏路1号"] and only["addresses"][0]["grid_code"] is None
    assert client.get("/api/v1/addresses?key=伊河路|148|||").get_json()["total"] == 1
    assert client.get("/api/v1/addresses?bbox=113.60,34.75,113.61,34.76").get_json()["total"] == 6
    assert client.get("/api/v1/addresses?q=100%").get_json()["total"] == 0
    for bad in ("limit=0", "limit=5000", "outside=maybe", "grid=abc", "bbox=1,2"):
        resp = client.get(f"/api/v1/addresses?{bad}")
        assert resp.status_code == 422, bad


def test_api_list_is_for_signed_in_readers(anon, client_as, library):
    assert anon.get("/api/v1/addresses").status_code == 401
    for role in ("viewer", "worker", "dispatcher", "planner"):
        c = client_as(role, areas=["410102001"] if role == "worker" else ())
        assert c.get("/api/v1/addresses").status_code == 200
