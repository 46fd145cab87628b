"""POST requests: api_key (good, bad, missing), intake into the grid, audit, errors in the GeoReport form."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Report, ReportTransition, StandardAddress
from tests.auth_helpers import sign_in
from tests.conftest import PASSWORD
from tests.open311.conftest import IN_GRID, MICRO, V2, json_errors, xml_items

FORM = {"service_code": "0102", "lat": str(IN_GRID[1]), "long": str(IN_GRID[0]),
        "description": "小区门口垃圾堆放", "first_name": "小明", "last_name": "王", "phone": "13812345678",
        "email": "wang@example.com", "device_id": "dev-1", "account_id": "acc-42",
        "media_url": "https://example.com/p.jpg"}


def stored(ticket: str) -> Report:
    from app.extensions import db
    return db.session.scalars(select(Report).where(Report.ticket == ticket)).one()


def test_a_posted_request_lands_in_its_grid(post_request, anon, db, sample):
    res = post_request(**FORM)
    assert res.status_code == 201, res.get_data(as_text=True)
    [answer] = res.get_json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] == "acc-42"
    assert "第2网格" in answer["service_notice"]
    report = stored(answer["service_request_id"])
    from app.models import Grid
    assert db.session.get(Grid, report.grid_id).code == MICRO
    assert report.channel == "resident_app" and report.category == "0102"
    assert (report.raw_lon, report.raw_lat, report.coord_crs) == (IN_GRID[0], IN_GRID[1], "EPSG:4326")
    # Kept for the dispatcher to call back; never shown by Open311 (tests/open311/test_requests.py).
    assert (report.reporter_name, report.reporter_phone) == ("王小明", "13812345678")
    # Nothing the reporter sent is lost: the photo, the email and the device.
    assert report.media_urls == ["https://example.com/p.jpg"]
    assert (report.reporter_email, report.reporter_device) == ("wang@example.com", "dev-1")
    # It is an ordinary event: readable through Open311 and the JSON API alike.
    [item] = anon.get(f"{V2}/requests/{report.ticket}.json").get_json()
    assert item["status"] == "open" and item["service_code"] == "0102"
    assert "王小明" not in anon.get(f"{V2}/requests/{report.ticket}.json").get_data(as_text=True)


def test_the_intake_is_audited_as_the_tokens_user(post_request, db, sample):
    ticket = post_request(**FORM).get_json()[0]["service_request_id"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.create",
                                                        AuditEntry.entity_id == ticket)).one()
    assert entry.actor == "open311-bridge"
    assert "13812345678" not in str(entry.after) and "王小明" not in str(entry.after)
    assert "wang@example.com" not in str(entry.after) and "dev-1" not in str(entry.after)
    [history] = db.session.scalars(select(ReportTransition).where(
        ReportTransition.report_id == stored(ticket).id)).all()
    assert history.action == "report" and history.actor == "open311-bridge"


def test_the_photo_comes_back_as_media_url_and_contact_never_does(post_request, anon, db, sample):
    ticket = post_request(**FORM).get_json()[0]["service_request_id"]
    [item] = anon.get(f"{V2}/requests/{ticket}.json").get_json()
    assert item["media_url"] == "https://example.com/p.jpg"
    [as_xml] = xml_items(anon.get(f"{V2}/requests/{ticket}.xml"), "request")
    assert as_xml["media_url"] == "https://example.com/p.jpg"
    [listed] = anon.get(f"{V2}/requests.json").get_json()
    assert listed["media_url"] == "https://example.com/p.jpg"
    for url in (f"{V2}/requests/{ticket}.json", f"{V2}/requests.xml"):
        body = anon.get(url).get_data(as_text=True)
        assert "wang@example.com" not in body and "dev-1" not in body, url
    # Without a photo: empty, as before.
    bare = post_request(**{**FORM, "media_url": None, "email": None, "device_id": None}) \
        .get_json()[0]["service_request_id"]
    assert anon.get(f"{V2}/requests/{bare}.json").get_json()[0]["media_url"] is None
    assert (stored(bare).media_urls, stored(bare).reporter_email, stored(bare).reporter_device) == ([], None, None)


def test_the_photo_and_email_reach_the_dispatch_desk(post_request, client, sample):
    ticket = post_request(**FORM).get_json()[0]["service_request_id"]
    detail = client.get(f"/api/v1/reports/{ticket}").get_json()
    assert detail["media_urls"] == ["https://example.com/p.jpg"]
    assert (detail["reporter"]["email"], detail["reporter"]["device"]) == ("wang@example.com", "dev-1")


def test_xml_answer(post_request, sample):
    res = post_request("xml", **FORM)
    assert res.status_code == 201
    [answer] = xml_items(res, "request")
    assert answer["service_request_id"].startswith("GM") and answer["account_id"] == "acc-42"


def test_latin_names_keep_their_order_and_description_defaults_to_the_service(post_request, db, sample):
    ticket = post_request(**{**FORM, "first_name": "Ming", "last_name": "Wang", "description": ""}) \
        .get_json()[0]["service_request_id"]
    report = stored(ticket)
    assert report.reporter_name == "Ming Wang" and report.description == "暴露垃圾"


def test_address_id_takes_the_standard_addresss_point(post_request, db, sample):
    from geoalchemy2.elements import WKTElement
    place = StandardAddress(district_code="410102", full_text="建设路32号", norm_key="建设路|32||||",
                            location=WKTElement(f"POINT({IN_GRID[0]} {IN_GRID[1]})", srid=4326))
    db.session.add(place)
    db.session.commit()
    res = post_request(**{**FORM, "lat": None, "long": None, "address_id": str(place.id)})
    assert res.status_code == 201, res.get_data(as_text=True)
    report = stored(res.get_json()[0]["service_request_id"])
    from app.models import Grid
    assert report.address == "建设路32号" and db.session.get(Grid, report.grid_id).code == MICRO
    # The report keeps the standard address it was filed at (the sender picked it: confidence 1).
    assert (report.address_id, float(report.address_confidence)) == (place.id, 1.0)


def test_an_address_nobody_can_place_is_stored_for_a_person_to_place(post_request, sample):
    res = post_request(**{**FORM, "lat": None, "long": None, "address_string": "某个不存在的地方"})
    assert res.status_code == 201, res.get_data(as_text=True)
    report = stored(res.get_json()[0]["service_request_id"])
    assert report.needs_placement and report.location is None


def test_a_point_outside_the_district_is_stored_and_flagged(post_request, sample):
    res = post_request(**{**FORM, "lat": "39.9", "long": "116.4"})
    assert res.status_code == 201
    assert stored(res.get_json()[0]["service_request_id"]).out_of_coverage


@pytest.mark.parametrize("key,words", [
    (None, "api_key is required"),
    ("", "api_key is required"),
    ("gm_not-a-token", "api_key is not valid"),
])
def test_missing_or_bad_key_is_403(anon, db, sample, key, words):
    form = {**FORM} if key is None else {**FORM, "api_key": key}
    [error] = json_errors(anon.post(f"{V2}/requests.json?lang=en", data=form), 403)
    assert words in error["description"]
    res = anon.post(f"{V2}/requests.xml?lang=en", data=form)
    assert res.status_code == 403
    root = ET.fromstring(res.get_data())
    assert root.tag == "errors" and root.findtext("error/code") == "403"
    assert db.session.scalar(select(Report.id)) is None


def test_a_revoked_token_is_refused(api_key, anon, db, sample):
    from app.auth import users
    from app.models import ApiToken
    token = db.session.scalars(select(ApiToken)).one()
    users.revoke_token(token.user, token.id)
    db.session.commit()
    [error] = json_errors(anon.post(f"{V2}/requests.json?lang=en", data={**FORM, "api_key": api_key}), 403)
    assert "not valid" in error["description"]


def test_a_key_in_the_url_is_taken_as_the_spec_examples_send_it(api_key, anon, db, sample):
    res = anon.post(f"{V2}/requests.json", query_string={"api_key": api_key}, data=FORM)
    assert res.status_code == 201, res.get_data(as_text=True)
    assert stored(res.get_json()[0]["service_request_id"]).category == "0102"
    # A wrong key in the URL is as wrong as in the form.
    [error] = json_errors(anon.post(f"{V2}/requests.json", query_string={"api_key": "gm_nope", "lang": "en"},
                                    data=FORM), 403)
    assert "not valid" in error["description"]


@pytest.mark.parametrize("changes,status,field", [
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "9999"}, 400, "service_code"),
    ({"lat": "north"}, 400, "lat"),
    ({"lat": "91"}, 400, "lat"),
    ({"long": "nan"}, 400, "long"),
    ({"long": None}, 400, "long"),
    ({"lat": None, "long": None}, 400, "address_string"),
    ({"lat": None, "long": None, "address_id": "424242"}, 400, "address_id"),
    ({"lat": None, "long": None, "address_id": "x"}, 400, "address_id"),
    ({"phone": "call me"}, 400, "phone"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"media_url": "data:image/png;base64,iVBORw0KGgo="}, 400, "media_url"),
    ({"media_url": "photo.jpg"}, 400, "media_url"),
    ({"media_url": "https://example.com/" + "p" * 2030}, 400, "media_url"),
    ({"email": "wang at example.com"}, 400, "email"),
    ({"email": "w" * 250 + "@example.com"}, 400, "email"),
    ({"device_id": "d" * 129}, 400, "device_id"),
    ({"description": "长" * 4001}, 400, "description"),
    ({"jurisdiction_id": "110101"}, 404, "jurisdiction_id"),
])
def test_bad_fields_name_the_field(post_request, db, sample, changes, status, field):
    form = {**FORM, **changes, "lang": "en"}
    res = post_request(**form)
    [error] = json_errors(res, status)
    assert field in error["description"], error
    assert db.session.scalar(select(Report.id)) is None


def test_a_signed_in_browser_session_needs_no_csrf_token_here(app, api_key, client_as, db, sample):
    client_as("viewer", username="browser-user")
    browser = app.test_client()
    assert sign_in(browser, "browser-user", PASSWORD).status_code == 302
    # The session cookie rides along; the api_key decides, and no CSRF token is asked for.
    res = browser.post(f"{V2}/requests.json", data={**FORM, "api_key": api_key})
    assert res.status_code == 201, res.get_data(as_text=True)
    assert res.get_json()[0]["service_request_id"].startswith("GM")
    # Elsewhere a cookie-signed write still needs its CSRF token.
    res = browser.post("/api/v1/reports", json={"category": "0102", "description": "x", "lon": 113.615,
                                                "lat": 34.7525})
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "csrf_failed"


def test_posting_with_a_valid_key_is_not_rate_limited(app, post_request, anon, db, sample, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_PUBLIC", "2 per minute")
    assert [post_request(**FORM).status_code for _ in range(3)] == [201, 201, 201]
    bad = [anon.post(f"{V2}/requests.json", data={**FORM, "api_key": "gm_guess"}).status_code for _ in range(3)]
    assert bad == [403, 403, 429]


ODD = ["", "\x00", "\x01", "😀" * 300, "1e309", "' OR 1=1 --", "<x>&</x>", "9" * 400]


@pytest.mark.parametrize("value", ODD)
def test_odd_values_never_cause_a_server_error(post_request, anon, db, sample, value):
    for field in ("service_code", "lat", "long", "address_string", "address_id", "description", "first_name",
                  "phone", "account_id", "jurisdiction_id", "api_key", "media_url", "email", "device_id"):
        assert post_request(**{**FORM, field: value}).status_code in (201, 400, 403, 404), field
        db.session.rollback()
    for field in ("service_request_id", "service_code", "status", "start_date", "end_date"):
        for fmt in ("json", "xml"):
            res = anon.get(f"/open311/v2/requests.{fmt}", query_string={field: value})
            assert res.status_code in (200, 400), (field, res.status_code)
    for path in (f"/open311/v2/requests/{value}.xml", f"/open311/v2/services/{value}.json"):
        assert anon.get(path).status_code in (200, 404), path
