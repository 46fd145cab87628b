"""Issue 19: the standard address library per district — prefixes per district, a library per district,
an address text matched in the reporter's district or across the city, and no district's user touching
another district's library. Through HTTP and the CLI, against PostGIS."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from app.addresses import geocoding, service
from tests.addresses import helpers as zhongyuan_library
from tests.city import helpers as city

#: 二七区's small library (its box is lon 113.64–113.68, lat 34.74–34.76; west grid < 113.66 < east grid).
ERQI_ROWS = [
    {"地址": "大学路80号", "经度": 113.65, "纬度": 34.75},
    {"道路": "大学路", "门牌号": "82", "小区": "郑大家属院", "楼栋": "1号楼", "经度": 113.651, "纬度": 34.751},
    {"地址": "前进路32号", "经度": 113.675, "纬度": 34.755},       # 中原区's library has 前进路32号 too
    {"地址": "航海大学路5号", "经度": 113.655, "纬度": 34.745},     # 航海: a prefix only once 二七区 says so
]
#: A Zhongyuan row spelt with the same made-up prefix: its key must not move when 二七区's prefixes do.
ZHONGYUAN_PREFIXED = {"地址": "航海建设路9号", "经度": 113.602, "纬度": 34.741}


@pytest.fixture
def libraries(two_districts, db):
    """Both districts' libraries: 中原区's test library (+1 row), 二七区's rows above."""
    zhongyuan_library.load(db)
    result = service.import_addresses([ZHONGYUAN_PREFIXED], source="test", district_code=city.ZHONGYUAN)
    assert not result.errors, result.errors
    result = service.import_addresses(ERQI_ROWS, source="test", district_code=city.ERQI)
    assert not result.errors and result.created == len(ERQI_ROWS), result.errors
    return two_districts


def _client(app, db, name: str, role: str, district: str | None):
    user, token = city.make_user(db.session, name, role, district)
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


def _report(client, address: str) -> dict:
    res = client.post("/api/v1/reports", json={"category": "0402", "description": "地址上报", "address": address,
                                               "channel": "hotline_12345"})
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def _stored(db, ticket: str):
    return db.session.execute(text(
        "SELECT r.district_code, g.code AS grid, r.needs_placement, a.full_text FROM report r "
        "LEFT JOIN grid g ON g.id = r.grid_id LEFT JOIN standard_address a ON a.district_code = r.district_code AND a.id = r.address_id "
        "WHERE r.ticket = :t"), {"t": ticket}).one()


def _keys(db, district: str) -> dict[str, str]:
    return dict(db.session.execute(text("SELECT full_text, norm_key FROM standard_address WHERE district_code = :d"),
                                   {"d": district}).all())


# --------------------------------------------------------------------------- prefixes

def test_each_district_strips_its_own_name_and_not_the_others(app, libraries, db):
    with app.test_request_context():
        assert geocoding.address_prefixes(city.ERQI) == ("中国", "河南省", "河南", "郑州市", "郑州", "二七区")
        assert geocoding.address_prefixes(city.ZHONGYUAN) == ("中国", "河南省", "河南", "郑州市", "郑州", "中原区")
    c = libraries.clients["city"]
    body = c.get(f"/api/v1/addresses/prefixes?district={city.ERQI}").get_json()
    assert body["name"] == "二七区" and not body["custom"] and "二七区" in body["prefixes"]
    assert "中原区" not in body["prefixes"]
    # A 二七区 text is keyed without its district; a 中原区 text in 二七区's library keeps the name (not ours).
    keys = _keys(db, city.ERQI)
    assert keys["大学路80号"] == "大学路|80|||"


def test_a_prefix_change_rekeys_only_that_district(app, libraries, db):
    admin = _client(app, db, "city-admin", "admin", None)
    erqi_before, zhongyuan_before = _keys(db, city.ERQI), _keys(db, city.ZHONGYUAN)
    assert erqi_before["航海大学路5号"] == "航海大学路|5|||"
    wanted = ["中国", "河南省", "河南", "郑州市", "郑州", "二七区", "航海"]
    res = admin.put(f"/api/v1/addresses/prefixes?district={city.ERQI}", json={"prefixes": wanted})
    assert res.status_code == 202, res.get_json()
    job = res.get_json()["job"]
    assert job["state"] == "done" and job["result"]["rekeyed"] == 1 and job["result"]["custom"]
    erqi_after, zhongyuan_after = _keys(db, city.ERQI), _keys(db, city.ZHONGYUAN)
    assert erqi_after["航海大学路5号"] == "大学路|5|||"
    assert {k: v for k, v in erqi_after.items() if k != "航海大学路5号"} == \
        {k: v for k, v in erqi_before.items() if k != "航海大学路5号"}
    assert zhongyuan_after == zhongyuan_before and zhongyuan_after["航海建设路9号"] == "航海建设路|9|||"
    assert admin.get(f"/api/v1/addresses/prefixes?district={city.ERQI}").get_json()["prefixes"] == wanted
    # The library of every process follows: the new prefix is stripped from queries too.
    found = admin.get("/api/v1/lookup", query_string={"address": "二七区航海大学路5号"}).get_json()["match"]
    assert found["status"] == "matched" and found["district_code"] == city.ERQI
    # Back to the default: the key comes back.
    res = admin.put(f"/api/v1/addresses/prefixes?district={city.ERQI}", json={"prefixes": None})
    assert res.status_code == 202 and res.get_json()["job"]["result"]["rekeyed"] == 1
    assert _keys(db, city.ERQI) == erqi_before


@pytest.mark.parametrize("prefixes, word", [
    (["中国", "中原区"], "中原区"),          # another district's name
    (["China"], "China"),                   # not Chinese characters
    ([], "至少"),                           # empty list
    (5, "列表"),                             # not a list
])
def test_a_bad_prefix_list_is_refused_naming_the_field_in_chinese(app, libraries, db, prefixes, word):
    admin = _client(app, db, "city-admin", "admin", None)
    res = admin.put(f"/api/v1/addresses/prefixes?district={city.ERQI}", json={"prefixes": prefixes})
    assert res.status_code == 422
    error = res.get_json()["error"]
    assert error["message"].startswith("地址前缀：") and word in error["message"]
    assert error["details"]["field"] == "address_prefixes"
    assert db.session.execute(text("SELECT settings FROM district WHERE code = :d"), {"d": city.ERQI}).scalar() == {}


def test_the_cli_shows_and_sets_a_districts_prefixes(app, libraries, db, cli):
    res = cli.invoke(args=["addresses", "prefixes", "--district", city.ERQI])
    assert res.exit_code == 0 and "410103 二七区 (default): 中国 河南省 河南 郑州市 郑州 二七区" in res.output
    res = cli.invoke(args=["addresses", "prefixes", "--district", city.ERQI, "中国", "河南省", "郑州市", "二七区", "航海"])
    assert res.exit_code == 0, res.output
    assert "1 addresses re-keyed" in res.output
    stored = db.session.execute(text("SELECT settings -> 'address_prefixes' FROM district WHERE code = :d"),
                                {"d": city.ERQI}).scalar()
    assert stored == ["中国", "河南省", "郑州市", "二七区", "航海"]
    assert _keys(db, city.ZHONGYUAN)["航海建设路9号"] == "航海建设路|9|||"
    res = cli.invoke(args=["addresses", "prefixes", "--district", city.ERQI, "中原区"])
    assert res.exit_code != 0 and "410102" in res.output
    res = cli.invoke(args=["addresses", "prefixes", "--district", "999999"])
    assert res.exit_code != 0 and "district" in res.output


def test_the_cli_imports_exports_and_aliases_per_district(app, libraries, db, cli, tmp_path):
    out = tmp_path / "erqi.csv"
    res = cli.invoke(args=["addresses", "export", "--district", city.ERQI, "-o", str(out)])
    assert res.exit_code == 0, res.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + len(ERQI_ROWS) and "大学路80号" in out.read_text(encoding="utf-8-sig")
    res = cli.invoke(args=["addresses", "alias", "郑大", "郑大家属院", "--district", city.ERQI])
    assert res.exit_code == 0, res.output
    assert cli.invoke(args=["addresses", "aliases", "--district", city.ERQI]).output.strip() == "郑大\t郑大家属院"
    assert "郑大\t" not in cli.invoke(args=["addresses", "aliases"]).output      # the default district: 中原区
    path = tmp_path / "more.csv"
    path.write_text("地址,经度,纬度\n大学路90号,113.652,34.752\n建设路99号,113.61,34.75\n", encoding="utf-8")
    res = cli.invoke(args=["addresses", "import", str(path), "--district", city.ERQI])
    assert "Stored 1 of 2" in res.output and "410102" in res.output        # row 3 lies in 中原区


# --------------------------------------------------------------------------- matching across the city

def test_an_erqi_address_is_found_for_an_erqi_user_and_for_the_city(app, libraries, db, anon):
    erqi, city_user = libraries.clients["eq"], libraries.clients["city"]
    for client, address in ((erqi, "河南省郑州市二七区大学路80号"), (erqi, "大学路80号"),
                            (city_user, "二七区大学路80号"), (city_user, "大学路82号郑大家属院1号楼")):
        ticket = _report(client, address)["ticket"]
        row = _stored(db, ticket)
        assert (row.district_code, row.grid, row.needs_placement) == (city.ERQI, city.ERQI_WEST_GRID, False), address
        assert row.full_text.startswith("大学路")
    # A resident (no account) through the public intake, and the lookup.
    res = anon.post("/api/v1/reports", json={"category": "0402", "description": "井盖缺失",
                                             "address": "郑州市二七区大学路80号", "channel": "resident_app"})
    assert res.status_code == 201, res.get_json()
    assert _stored(db, res.get_json()["ticket"]).district_code == city.ERQI
    found = anon.get("/api/v1/lookup", query_string={"address": "二七区大学路80号"}).get_json()
    assert found["match"]["status"] == "matched" and found["match"]["district_code"] == city.ERQI
    assert found["grid"]["code"] == city.ERQI_WEST_GRID
    # Suggestions while typing: the district the text names, else every district's.
    suggested = anon.get("/api/v1/addresses/suggest", query_string={"q": "大学路8"}).get_json()["suggestions"]
    assert {s["district_code"] for s in suggested} == {city.ERQI}
    suggested = anon.get("/api/v1/addresses/suggest", query_string={"q": "前进路"}).get_json()["suggestions"]
    assert {s["district_code"] for s in suggested} == {city.ERQI, city.ZHONGYUAN}


def test_a_zhongyuan_user_does_not_match_in_erqi(app, libraries, db):
    zy = libraries.clients["zy"]
    row = _stored(db, _report(zy, "大学路80号")["ticket"])
    assert row.needs_placement and row.grid is None
    res = zy.post("/api/v1/reports", json={"category": "0402", "description": "x", "channel": "hotline_12345",
                                           "address_id": _address_id(db, "大学路80号")})
    assert res.status_code == 422 and "address_id" in json.dumps(res.get_json(), ensure_ascii=False)


def _address_id(db, full_text: str) -> int:
    return db.session.execute(text("SELECT id FROM standard_address WHERE full_text = :t"), {"t": full_text}).scalar_one()


def test_the_same_address_in_two_districts_is_not_guessed(app, libraries, db):
    c = libraries.clients["city"]
    match = c.get("/api/v1/lookup", query_string={"address": "前进路32号"}).get_json()["match"]
    assert match["status"] == "ambiguous" and match["reason"] == "several_districts"
    assert {m["district_code"] for m in match["candidates"]} == {city.ERQI, city.ZHONGYUAN}
    assert _stored(db, _report(c, "前进路32号")["ticket"]).needs_placement
    for address, district in (("二七区前进路32号", city.ERQI), ("中原区前进路32号", city.ZHONGYUAN)):
        match = c.get("/api/v1/lookup", query_string={"address": address}).get_json()["match"]
        assert (match["status"], match["district_code"]) == ("matched", district), address
    # A district's user means their own.
    match = libraries.clients["eq"].get("/api/v1/lookup", query_string={"address": "前进路32号"}).get_json()["match"]
    assert (match["status"], match["district_code"]) == ("matched", city.ERQI)


# --------------------------------------------------------------------------- scope

def test_a_district_user_cannot_touch_another_districts_library(app, libraries, db):
    erqi_admin = _client(app, db, "erqi-admin", "admin", city.ERQI)
    listed = erqi_admin.get("/api/v1/addresses").get_json()
    assert listed["total"] == len(ERQI_ROWS)
    for res in (erqi_admin.get(f"/api/v1/addresses?district={city.ZHONGYUAN}"),
                erqi_admin.get(f"/api/v1/addresses/prefixes?district={city.ZHONGYUAN}"),
                erqi_admin.put(f"/api/v1/addresses/prefixes?district={city.ZHONGYUAN}", json={"prefixes": ["中国"]}),
                erqi_admin.post(f"/api/v1/addresses/import?district={city.ZHONGYUAN}",
                                data="地址,经度,纬度\n建设路99号,113.61,34.75\n".encode(),
                                content_type="text/csv")):
        assert res.status_code == 403, res.get_json()
        assert "不属于您" in res.get_json()["error"]["message"]
    assert erqi_admin.get("/api/v1/lookup", query_string={"address_id": _zy_id(db)}).status_code == 404
    # Their own district's import: a row at a 中原区 point is refused, naming that district.
    res = erqi_admin.post("/api/v1/addresses/import", content_type="text/csv",
                          data="地址,经度,纬度\n建设路99号,113.61,34.75\n大学路96号,113.653,34.753\n".encode())
    body = res.get_json()["import"]
    assert res.status_code == 201 and body["created"] == 1 and body["errors"][0]["row"] == 1
    assert "中原区" in body["errors"][0]["message"]
    # The city's user picks a district.
    city_admin = _client(app, db, "city-admin", "admin", None)
    assert city_admin.get(f"/api/v1/addresses?district={city.ERQI}").get_json()["total"] == len(ERQI_ROWS) + 1
    assert city_admin.get("/api/v1/addresses?district=999999").status_code == 422


def _zy_id(db) -> int:
    return db.session.execute(text("SELECT id FROM standard_address WHERE district_code = :d ORDER BY id LIMIT 1"),
                              {"d": city.ZHONGYUAN}).scalar_one()


def test_the_admin_page_sets_a_districts_prefixes(app, libraries, db):
    from tests.auth_helpers import csrf_from

    city_admin = _client(app, db, "city-admin", "admin", None)
    page = city_admin.get(f"/admin/addresses?district={city.ERQI}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "地址库" in html and "二七区" in html and 'id="prefixes-form"' in html
    assert f'<option value="{city.ZHONGYUAN}"' in html                                 # a city user picks
    res = city_admin.post(f"/admin/addresses?district={city.ERQI}", data={
        "csrf_token": csrf_from(html), "prefixes": "中国 河南省 郑州市 中原区"})
    assert res.status_code == 422 and "地址前缀：中原区" in res.get_data(as_text=True)
    res = city_admin.post(f"/admin/addresses?district={city.ERQI}", data={
        "csrf_token": csrf_from(html), "prefixes": "中国，河南省 郑州市、二七区 航海"})
    assert res.status_code == 302
    assert _keys(db, city.ERQI)["航海大学路5号"] == "大学路|5|||"
    assert "1 条地址已重新计算" in city_admin.get(res.headers["Location"]).get_data(as_text=True)
    # A district's administrator has theirs, no picker, and no other district's page.
    erqi_admin = _client(app, db, "erqi-admin", "admin", city.ERQI)
    html = erqi_admin.get("/admin/addresses").get_data(as_text=True)
    assert "二七区" in html and 'id="library-district"' not in html
    assert erqi_admin.get(f"/admin/addresses?district={city.ZHONGYUAN}").status_code == 403
