"""Photo links (media_urls) and the reporter's email and device: stored on intake, read back by role, checked.

Through POST /api/v1/reports, the list and the detail, and the bulk import
(JSON and CSV with Chinese headers); the email masking rule in SQL.
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select, text

from app.models import AuditEntry, Report

PHOTOS = ["https://img.example.cn/2026/11/a.jpg", "http://10.0.0.8:8080/photo?id=7&size=l"]
EMAIL, DEVICE = "zhangsan@example.com", "wx-openid-o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
BASE = {"category": "0102", "description": "小区门口垃圾堆放", "channel": "photo", "lon": 113.6150, "lat": 34.7525}


def post(c, **fields):
    return c.post("/api/v1/reports", json={**BASE, **fields})


def stored(db, ticket: str) -> Report:
    return db.session.scalars(select(Report).where(Report.ticket == ticket)).one()


def test_photos_email_and_device_are_stored_and_read_back(client, db, sample):
    res = post(client, media_urls=PHOTOS, reporter_email=EMAIL, reporter_device=DEVICE,
               reporter={"name": "张三", "phone": "13812345678"})
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert body["media_urls"] == PHOTOS
    assert body["reporter"] == {"name": "张三", "phone": "13812345678", "email": EMAIL, "device": DEVICE}
    report = stored(db, body["ticket"])
    assert (report.media_urls, report.reporter_email, report.reporter_device) == (PHOTOS, EMAIL, DEVICE)
    detail = client.get(f"/api/v1/reports/{body['ticket']}").get_json()
    assert detail["media_urls"] == PHOTOS and detail["reporter"]["email"] == EMAIL
    [listed] = client.get("/api/v1/reports").get_json()["reports"]
    assert (listed["media_urls"], listed["reporter_email"], listed["reporter_device"]) == (PHOTOS, EMAIL, DEVICE)
    [feature] = client.get("/api/v1/reports?format=geojson").get_json()["features"]
    assert feature["properties"]["media_urls"] == PHOTOS


def test_a_report_without_them_has_an_empty_list_and_nulls(client, db, sample):
    body = post(client).get_json()
    assert body["media_urls"] == [] and body["reporter"]["email"] is None and body["reporter"]["device"] is None
    [listed] = client.get("/api/v1/reports").get_json()["reports"]
    assert listed["media_urls"] == [] and listed["reporter_email"] is None
    assert stored(db, body["ticket"]).media_urls == []


def test_the_reporter_object_takes_email_and_device_too(client, db, sample):
    body = post(client, reporter={"name": "李四", "email": EMAIL, "device": "dev-9"}).get_json()
    report = stored(db, body["ticket"])
    assert (report.reporter_email, report.reporter_device) == (EMAIL, "dev-9")


@pytest.mark.parametrize("role,personal", [("admin", True), ("dispatcher", True), ("worker", True),
                                           ("planner", False), ("viewer", False)])
def test_email_is_masked_and_device_hidden_for_roles_that_do_not_call_back(client, client_as, sample, role,
                                                                            personal):
    ticket = post(client, media_urls=PHOTOS, reporter_email=EMAIL, reporter_device=DEVICE).get_json()["ticket"]
    c = client_as(role, areas=["410102"] if role == "worker" else ())
    detail = c.get(f"/api/v1/reports/{ticket}").get_json()
    [listed] = c.get("/api/v1/reports").get_json()["reports"]
    [feature] = c.get("/api/v1/reports?format=geojson").get_json()["features"]
    # Photos are part of the event: everyone who may read the report sees them.
    assert detail["media_urls"] == listed["media_urls"] == feature["properties"]["media_urls"] == PHOTOS
    if personal:
        assert (detail["reporter"]["email"], detail["reporter"]["device"]) == (EMAIL, DEVICE)
        assert (listed["reporter_email"], listed["reporter_device"]) == (EMAIL, DEVICE)
    else:
        assert (detail["reporter"]["email"], detail["reporter"]["device"]) == ("z***@example.com", None)
        assert (listed["reporter_email"], listed["reporter_device"]) == ("z***@example.com", None)
        assert feature["properties"]["reporter_email"] == "z***@example.com"
        assert feature["properties"]["reporter_device"] is None
        assert EMAIL not in c.get("/api/v1/reports").get_data(as_text=True)


def test_an_anonymous_submitter_gets_their_report_back_masked(anon, sample):
    body = post(anon, media_urls=PHOTOS, reporter_email=EMAIL, reporter_device=DEVICE).get_json()
    assert body["reporter"]["email"] == "z***@example.com" and body["reporter"]["device"] is None
    assert body["media_urls"] == PHOTOS


def test_email_and_device_stay_out_of_the_audit_log(client, db, sample):
    ticket = post(client, media_urls=PHOTOS, reporter_email=EMAIL, reporter_device=DEVICE).get_json()["ticket"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.create",
                                                        AuditEntry.entity_id == ticket)).one()
    assert entry.after["photos"] == 2
    assert EMAIL not in str(entry.after) and DEVICE not in str(entry.after)
    history = db.session.execute(text("SELECT details::text FROM report_transition")).scalars().all()
    assert history and not any(EMAIL in h or DEVICE in h for h in history)


def test_links_with_commas_quotes_and_braces_come_back_exactly(client, db, sample):
    odd = ['https://x.cn/a.jpg?s=1,2&t={"k":1}', "https://x.cn/b\\c.png", "https://例子.中国/照片.jpg"]
    body = post(client, media_urls=odd).get_json()
    assert body["media_urls"] == odd and stored(db, body["ticket"]).media_urls == odd


@pytest.mark.parametrize("fields,field,words", [
    ({"media_urls": ["javascript:alert(1)"]}, "media_urls", "https://"),
    ({"media_urls": ["data:image/png;base64,iVBORw0KGgo="]}, "media_urls", "https://"),
    ({"media_urls": ["ftp://example.com/a.jpg"]}, "media_urls", "https://"),
    ({"media_urls": ["/uploads/a.jpg"]}, "media_urls", "https://"),
    ({"media_urls": ["https://"]}, "media_urls", "https://"),
    ({"media_urls": ["https://example.com:99999/a.jpg"]}, "media_urls", "https://"),
    ({"media_urls": ["https://exa mple.com/a.jpg"]}, "media_urls", "https://"),
    ({"media_urls": [f"https://example.com/{i}.jpg" for i in range(10)]}, "media_urls", "9"),
    ({"media_urls": ["https://example.com/" + "a" * 2030]}, "media_urls", "2048"),
    ({"media_urls": {"url": "https://example.com/a.jpg"}}, "media_urls", "list"),
    ({"media_urls": [42]}, "media_urls", "list"),
    ({"reporter_email": "not-an-email"}, "reporter_email", "name@example.com"),
    ({"reporter_email": "a@b"}, "reporter_email", "name@example.com"),
    ({"reporter_email": "a b@example.com"}, "reporter_email", "name@example.com"),
    ({"reporter_email": "a" * 250 + "@example.com"}, "reporter_email", "254"),
    ({"reporter_device": "d" * 129}, "reporter_device", "128"),
])
def test_bad_media_and_contact_are_422_naming_the_field_and_nothing_is_stored(client, db, sample, fields,
                                                                                field, words):
    res = client.post("/api/v1/reports?lang=en", json={**BASE, **fields})
    assert res.status_code == 422, res.get_json()
    errors = res.get_json()["error"]["details"]["errors"]
    [problem] = [e for e in errors if e["field"] == field]
    # The message names the field and the fix.
    assert field in problem["message"] and words in problem["message"], problem
    assert db.session.scalar(select(Report.id)) is None


def test_nine_photos_are_fine(client, sample):
    nine = [f"https://example.com/{i}.jpg" for i in range(9)]
    assert post(client, media_urls=nine).get_json()["media_urls"] == nine


CSV = """类别,渠道,问题描述,经度,纬度,照片,邮箱
0102,随手拍,垃圾堆放,113.6150,34.7525,https://example.com/1.jpg; https://example.com/2.jpg,wang@example.com
0402,郑好拍,占道停车,113.6150,34.7525,https://example.com/3.jpg https://example.com/4.jpg,
0601,随手拍,电动车充电,113.6150,34.7525,javascript:alert(1),
0701,walk_in,噪音,113.6150,34.7525,,bad-email
"""


def test_csv_import_takes_a_photo_column_and_an_email_column(client, db, sample):
    res = client.post("/api/v1/reports/import", data={"file": (io.BytesIO(CSV.encode("utf-8")), "photos.csv")},
                      content_type="multipart/form-data")
    assert res.status_code == 201, res.get_json()
    body = res.get_json()["import"]
    assert (body["stored"], body["rejected"]) == (2, 2)
    assert {(e["row"], e["field"]) for e in body["errors"]} == {(3, "media_urls"), (4, "reporter_email")}
    rows = {r.category: r for r in db.session.scalars(select(Report))}
    assert rows["0102"].media_urls == ["https://example.com/1.jpg", "https://example.com/2.jpg"]
    assert rows["0102"].reporter_email == "wang@example.com" and rows["0102"].channel == "photo"
    assert rows["0402"].media_urls == ["https://example.com/3.jpg", "https://example.com/4.jpg"]
    assert rows["0402"].reporter_email is None


def test_json_import_takes_lists_in_one_copy(client, db, sample):
    rows = [{**BASE, "description": f"第{i}条", "media_urls": [f"https://example.com/{i}.jpg"] * (i % 3),
             "reporter_email": f"u{i}@example.com"} for i in range(50)]
    res = client.post("/api/v1/reports/import", json=rows)
    assert res.status_code == 201 and res.get_json()["import"]["stored"] == 50
    counts = db.session.execute(text("SELECT cardinality(media_urls), count(*) FROM report GROUP BY 1 ORDER BY 1"))
    assert dict(counts.all()) == {0: 17, 1: 17, 2: 16}


@pytest.mark.parametrize("raw,expected", [
    ("zhangsan@example.com", "z***@example.com"), ("a@qq.com", "a***@qq.com"),
    ("  li.si@邮箱.中国 ", "l***@邮箱.中国"), ("no-at-sign", "**********"), ("", ""), (None, None),
])
def test_email_masking_rule(db, raw, expected):
    assert db.session.execute(text("SELECT gridmap_mask_email(:v)"), {"v": raw}).scalar() == expected
