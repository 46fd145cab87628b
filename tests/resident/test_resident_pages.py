"""The residents' report page (/report) and status page (/report/<token>), through the Flask test client:
no sign-in, CSRF-protected, rate-limited, one report per form even when sent twice, a status link
nobody can guess, and nothing personal on the status page."""
from __future__ import annotations

import hashlib
import io
import os
import re

import pytest
from sqlalchemy import func, select

from app.models import Report, ReportPhoto
from tests.auth_helpers import csrf_from

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(1500)
KEY = re.compile(r'name="key" value="([^"]+)"')
PHONE = "13912345678"


def form_of(client) -> dict:
    html = client.get("/report").get_data(as_text=True)
    return {"csrf_token": csrf_from(html), "key": KEY.search(html).group(1)}


def fields(**extra) -> dict:
    return {"category": "0102", "description": f"楼下井盖缺失，电话{PHONE}", "lon": "113.605", "lat": "34.745",
            "phone": PHONE} | extra


def test_the_form_page_is_public_and_lists_the_categories(anon, db):
    res = anon.get("/report")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert 'name="csrf_token"' in html and 'name="key"' in html
    assert '<option value="0102"' in html
    assert 'capture="environment"' in html and 'enctype="multipart/form-data"' in html


def test_a_report_with_a_photo_answers_a_status_link(anon, db, sample):
    form = form_of(anon)
    res = anon.post("/report", data=fields(**form) | {"photo": (io.BytesIO(JPEG), "IMG_0001.jpg")},
                    content_type="multipart/form-data")
    assert res.status_code == 303, res.get_data(as_text=True)[:500]
    location = res.headers["Location"]
    token = re.search(r"/report/([A-Za-z0-9_-]+)\?new=1$", location).group(1)
    report = db.session.scalars(select(Report)).one()
    assert report.channel == "resident_app" and report.reporter_phone == PHONE
    assert report.status_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (report.ticket, str(report.id)) and len(token) >= 22
    assert report.grid_id is not None
    photo = db.session.scalars(select(ReportPhoto)).one()
    assert photo.channel == "resident_app" and photo.data == JPEG
    assert report.media_urls == [f"http://localhost/api/v1/photos/{photo.token}"]

    page = anon.get(location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert report.ticket in html and "已上报" in html and "感谢" in html
    # Nothing personal: not the phone (not even masked), not the description, not the photo.
    for secret in (PHONE, "139****5678", "井盖缺失", photo.token):
        assert secret not in html


def test_the_same_form_sent_twice_files_one_report_and_the_same_link(anon, db, sample):
    form = form_of(anon)
    first = anon.post("/report", data=fields(**form), headers={"Accept": "application/json"})
    again = anon.post("/report", data=fields(**form), headers={"Accept": "application/json"})
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert db.session.scalar(select(func.count()).select_from(Report)) == 1
    assert anon.get(first.get_json()["status_url"]).status_code == 200


def test_without_a_csrf_token_nothing_is_stored(anon, db, sample):
    form = form_of(anon)
    res = anon.post("/report", data=fields(key=form["key"]), headers={"Accept": "application/json"})
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "csrf_failed"
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0


@pytest.mark.parametrize("change, field", [
    ({"lon": "", "lat": "", "address": ""}, "location"),
    ({"lon": "nan"}, "location"),
    ({"description": ""}, "description"),
    ({"category": "9999"}, "category"),
    ({"phone": "call me"}, "phone"),
])
def test_bad_input_names_the_field(anon, db, sample, change, field):
    form = form_of(anon)
    res = anon.post("/report", data=fields(**form) | change, headers={"Accept": "application/json"})
    assert res.status_code == 422, res.get_json()
    assert field in [e["field"] for e in res.get_json()["error"]["details"]["errors"]]
    # The HTML form shows the problem beside the field and keeps what was typed.
    page = anon.post("/report", data=fields(**form) | change)
    assert page.status_code == 422
    assert "is-invalid" in page.get_data(as_text=True) or "gm-app-error" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0


def test_a_typed_address_is_geocoded_on_intake(anon, db, sample):
    form = form_of(anon)
    res = anon.post("/report", data=fields(**form, lon="", lat="", address="不存在路999号"),
                    headers={"Accept": "application/json"})
    assert res.status_code == 201
    report = db.session.scalars(select(Report)).one()
    assert report.address == "不存在路999号" and report.needs_placement   # a person places it on the map


def test_reports_are_rate_limited_per_address(app, anon, db, sample, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_RESIDENT_REPORT", "2 per hour")
    answers = []
    for _ in range(3):
        form = form_of(anon)
        answers.append(anon.post("/report", data=fields(**form), headers={"Accept": "application/json"}).status_code)
    assert answers == [201, 201, 429]


def test_the_status_follows_the_event_without_names_or_notes(anon, client, client_as, db, sample):
    form = form_of(anon)
    status_url = anon.post("/report", data=fields(**form), headers={"Accept": "application/json"}) \
        .get_json()["status_url"]
    report = db.session.scalars(select(Report)).one()
    worker = client_as("worker", ["410102001"], username="wang-wu")
    for action, extra in (("accept", {}), ("dispatch", {"assignee": worker.user.id, "note": "请王五速去"})):
        state = client.get(f"/api/v1/reports/{report.ticket}").get_json()["status"]
        assert client.post(f"/api/v1/reports/{report.ticket}/transitions",
                           json={"action": action, "expected_state": state, **extra}).status_code == 200
    html = anon.get(status_url).get_data(as_text=True)
    steps = re.findall(r'<li data-status="(\w+)"><time>(\d{4}-\d\d-\d\d \d\d:\d\d)</time>', html)
    assert [s for s, _ in steps] == ["reported", "accepted", "dispatched"]
    assert 'id="resident-state" data-status="dispatched"' in html
    for secret in ("wang-wu", "请王五速去", "test-admin"):
        assert secret not in html


def test_an_unknown_link_is_a_404_page(anon, db):
    res = anon.get("/report/" + "A" * 22)
    assert res.status_code == 404 and "text/html" in res.content_type
    assert "链接" in res.get_data(as_text=True)


def test_the_sign_in_page_links_to_the_report_page(anon, db):
    assert 'href="/report"' in anon.get("/login").get_data(as_text=True)


def test_the_outlines_of_the_published_boundaries_are_public_small_and_cached(anon, db, sample):
    """QA R10: the report maps' district outline and grid lines (no base tiles may be reachable)."""
    import gzip
    import json

    res = anon.get("/report/outlines.json")
    assert res.status_code == 200 and res.mimetype == "application/json"
    body = res.get_json()
    assert body["levels"], body
    for level, geometry in body["levels"].items():
        assert level in ("district", "subdistrict", "community", "grid")
        assert geometry["type"] in ("LineString", "MultiLineString")
    # Rounded to 5 decimals (about 1 m): light for a phone.
    coords = json.dumps(body["levels"])
    assert not any(len(n.split(".")[1]) > 5 for n in coords.replace("[", " ").replace("]", " ")
                   .replace(",", " ").split() if "." in n)
    # The browser keeps it: the same version answers 304.
    etag = res.headers["ETag"]
    assert "public" in res.headers["Cache-Control"]
    assert anon.get("/report/outlines.json", headers={"If-None-Match": etag}).status_code == 304
    # Compressed for clients that take gzip, the same document.
    packed = anon.get("/report/outlines.json", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.data)) == body


def test_the_report_page_names_the_outlines(anon, db):
    page = anon.get("/report").get_data(as_text=True)
    assert "/report/outlines.json" in page
