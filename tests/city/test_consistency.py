"""Issue 19 gaps: the header of an account named after its role, photos' and jobs' districts."""
from __future__ import annotations

import io

from sqlalchemy import text

from tests.auth_helpers import sign_in
from tests.city import helpers as city

#: A 1x1 PNG.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _header(app, username):
    c = app.test_client()
    assert sign_in(c, username, city.PASSWORD).status_code == 302
    html = c.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    start = html.index('class="gm-user-name">') + len('class="gm-user-name">')
    return html[start:html.index("</span>", start)]


def test_the_header_does_not_repeat_the_role(app, db, two_districts):
    from app.auth import users

    users.create("city-desk-2", city.PASSWORD, "dispatcher", display_name="市级调度员", district=None)
    users.create("erqi-desk-2", city.PASSWORD, "dispatcher", display_name="调度员", district=city.ERQI)
    users.create("named-desk", city.PASSWORD, "dispatcher", display_name="王芳", district=city.ERQI)
    db.session.commit()
    assert _header(app, "city-desk-2") == "市级调度员 · 全市"
    assert _header(app, "erqi-desk-2") == "调度员 · 二七区"
    assert _header(app, "named-desk") == "王芳 · 调度员"
    # A city whose districts name it (the demo's): its name.
    db.session.execute(text("UPDATE district SET settings = settings || '{\"city_name\": \"郑州市\"}'"))
    db.session.commit()
    assert _header(app, "city-desk-2") == "市级调度员 · 郑州市"


def test_a_workers_photo_is_stored_under_their_district(app, db, two_districts):
    from app.auth import users

    worker = users.create("erqi-worker", city.PASSWORD, "worker", display_name="网格员", district=city.ERQI,
                          areas=[city.ERQI_WEST_GRID])
    _, token = users.issue_token(worker, "tests")
    db.session.commit()
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    res = c.post("/api/v1/photos", data={"photo": (io.BytesIO(PNG), "p.png")}, content_type="multipart/form-data")
    assert res.status_code == 201, res.get_json()
    district = db.session.execute(text("SELECT district_code FROM report_photo WHERE token = :t"),
                                  {"t": res.get_json()["token"]}).scalar()
    assert district == city.ERQI


def test_a_residents_photo_goes_with_the_district_of_the_report(app, db, two_districts):
    from app.resident.service import Submission, submit

    with app.test_request_context("/"):
        report, _token = submit(Submission(category="0402", description="路灯不亮", lon=city.IN_ERQI[0],
                                           lat=city.IN_ERQI[1], photo=PNG))
        assert report.district_code == city.ERQI
        token = report.media_urls[0].rsplit("/", 1)[-1]
    district = db.session.execute(text("SELECT district_code FROM report_photo WHERE token = :t"),
                                  {"t": token}).scalar()
    assert district == city.ERQI


def test_a_job_row_is_its_districts(app, db, two_districts):
    from app.actor import current_actor
    from app.jobs.runner import _district

    with app.test_request_context("/"):
        assert _district({"district_code": city.ERQI}, current_actor()) == city.ERQI
        assert _district({}, current_actor()) == app.config["DISTRICT_CODE"]
