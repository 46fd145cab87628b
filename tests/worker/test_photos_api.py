"""Photos from the browser's camera: POST /api/v1/photos stores each picture once, GET serves it to
signed-in users only, and a handling step keeps its photo links in the history."""
from __future__ import annotations

import hashlib
import io
import json
import os

import pytest
from sqlalchemy import func, select

from app.models import ReportPhoto

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(2000)
WEST = "410102001"   # the sample's west subdistrict: lon 113.60-113.62


def upload(client, data: bytes, name: str = "photo.jpg"):
    return client.post("/api/v1/photos", data={"photo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_a_photo_is_stored_once_and_served_to_signed_in_users(client_as, anon, db, sample):
    worker = client_as("worker", [WEST])
    first = upload(worker, JPEG)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["content_type"] == "image/jpeg" and body["size"] == len(JPEG)
    assert body["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert body["url"].startswith("http://localhost/api/v1/photos/")
    # The same picture again (a retry after a lost answer): the same link, no second row.
    again = upload(worker, JPEG, "IMG_0001.JPG")
    assert again.status_code == 200 and again.get_json()["url"] == body["url"]
    assert db.session.scalar(select(func.count()).select_from(ReportPhoto)) == 1

    path = body["url"].removeprefix("http://localhost")
    got = worker.get(path)
    assert got.status_code == 200 and got.data == JPEG and got.mimetype == "image/jpeg"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert anon.get(path, headers={"Accept": "application/json"}).status_code == 401
    assert worker.get("/api/v1/photos/" + "x" * 22).status_code == 404


@pytest.mark.parametrize("data, status, code", [
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", 422, "validation_failed"),
    (b"", 422, "validation_failed"),
    (b"GIF89a" + b"\0" * 20, 422, "validation_failed"),
])
def test_anything_but_a_jpeg_png_or_webp_is_refused(client_as, db, sample, data, status, code):
    res = upload(client_as("worker", [WEST]), data)
    assert res.status_code == status and res.get_json()["error"]["code"] == code
    assert res.get_json()["error"]["details"]["field"] == "photo"


def test_a_photo_over_the_limit_is_413(app, client_as, db, sample, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_BYTES", 1000)
    res = upload(client_as("worker", [WEST]), JPEG)
    assert res.status_code == 413 and res.get_json()["error"]["code"] == "photo_too_large"


def test_viewers_may_not_upload(client_as, db):
    assert upload(client_as("viewer"), JPEG).status_code == 403


def test_handling_with_a_photo_keeps_the_link_in_the_history(client, client_as, db, sample):
    worker = client_as("worker", [WEST])
    ticket = client.post("/api/v1/reports", json={"category": "0102", "description": "井盖缺失",
                                                  "lon": 113.605, "lat": 34.745}).get_json()["ticket"]
    for action, extra in (("accept", {}), ("dispatch", {"assignee": worker.user.id})):
        state = client.get(f"/api/v1/reports/{ticket}").get_json()["status"]
        res = client.post(f"/api/v1/reports/{ticket}/transitions",
                          json={"action": action, "expected_state": state, **extra})
        assert res.status_code == 200, res.get_json()
    url = upload(worker, JPEG).get_json()["url"]
    bad = worker.post(f"/api/v1/reports/{ticket}/transitions",
                      json={"action": "handle", "expected_state": "dispatched", "note": "已清理",
                            "photos": ["javascript:alert(1)"]})
    assert bad.status_code == 422 and bad.get_json()["error"]["details"]["field"] == "photos"
    done = worker.post(f"/api/v1/reports/{ticket}/transitions",
                       json={"action": "handle", "expected_state": "dispatched", "note": "已清理", "photos": [url]})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["transition"]["details"]["photos"] == [url]
    history = worker.get(f"/api/v1/reports/{ticket}/history").get_json()["history"]
    assert history[-1]["action"] == "handle" and history[-1]["details"]["photos"] == [url]


def test_the_upload_answers_as_the_openapi_document_says(client_as, db, sample):
    from tests.api.helpers import SPEC_PATH, check

    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    worker = client_as("worker", [WEST])
    check(spec, upload(worker, JPEG), "/api/v1/photos", "post")
    check(spec, upload(worker, JPEG), "/api/v1/photos", "post")          # 200: stored already
    check(spec, upload(worker, b"not an image"), "/api/v1/photos", "post")   # 422
