"""Security issue 20, item 8: each hostile input the probe sent answers a 4xx naming the problem, not a 500.

Deep JSON, a 400-digit number, a NUL in the sign-in form, an OGC offset past
bigint, NUL in page query strings, and the database stopping in the middle
of a bulk import (503, as every other request gets). The sweep over every
route is tests/security/test_hostile_inputs.py.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.auth_helpers import csrf_from

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000
HUGE = "9" * 400
IN_GRID = (113.615, 34.7525)


def _error(res, status: int = 422) -> dict:
    assert res.status_code == status, res.get_data(as_text=True)[:300]
    return res.get_json()["error"]


def _page_error(res, field: str, status: int = 422) -> str:
    """A browser's error page (app.error_pages): the status, in HTML, naming the field and the fix."""
    page = res.get_data(as_text=True)
    assert res.status_code == status and res.mimetype == "text/html", page[:300]
    main = page.split("<main", 1)[1]
    assert field in main and "NUL" in main, main[:500]
    return main


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT, "[" * 100_000], ids=["array", "object", "unclosed"])
def test_deep_json_from_an_anonymous_reporter_is_refused_before_anything_else(anon, sample, body):
    res = anon.post("/api/v1/reports", data=body, content_type="application/json")
    error = _error(res)
    assert error["details"] == {"field": "body", "limit": "too_deep"}
    assert "64" in error["message"]


def test_deep_json_to_an_administrator_endpoint_is_refused(client):
    error = _error(client.post("/api/v1/users", data=DEEP_OBJECT, content_type="application/json"))
    assert error["details"]["limit"] == "too_deep"


def test_deep_json_in_an_uploaded_import_file_is_refused(client, sample):
    for url in ("/api/v1/grids/import", "/api/v1/reports/import", "/api/v1/addresses/import"):
        res = client.post(url, data=DEEP_ARRAY.encode(), content_type="application/octet-stream")
        assert res.status_code == 422, (url, res.get_data(as_text=True)[:300])
        assert "64" in res.get_json()["error"]["message"]


def test_a_400_digit_number_is_refused_not_overflowed(anon, client, sample):
    body = '{"category": "0102", "description": "x", "lon": %s, "lat": 34.75}' % HUGE
    error = _error(anon.post("/api/v1/reports", data=body, content_type="application/json"))
    assert error["details"] == {"field": "body", "limit": "number_too_long"}
    # Nothing stored.
    assert client.get("/api/v1/reports").get_json()["count"] == 0
    # Also as a "whole number" field and in a grid file.
    error = _error(client.post("/api/v1/categories", data='{"row_version": %s}' % HUGE,
                               content_type="application/json"))
    assert error["details"]["limit"] == "number_too_long"
    res = client.post("/api/v1/grids/import", data=('{"type": "FeatureCollection", "features": [%s]}' % HUGE).encode(),
                      content_type="application/geo+json")
    assert res.status_code == 422


def test_a_nul_in_the_sign_in_name_is_refused_and_not_logged(anon, db):
    token = csrf_from(anon.get("/login").get_data(as_text=True))
    res = anon.post("/login", data={"username": "admin\x00", "password": "x" * 12, "csrf_token": token},
                    headers={"Accept": "text/html"})
    _page_error(res, "username")
    assert anon.get("/api/v1/me").status_code == 401
    assert db.session.execute(text("SELECT count(*) FROM audit_entry WHERE action LIKE 'auth.%'")).scalar() == 0


def test_ogc_offset_past_bigint_is_a_400(client, sample):
    res = client.get("/ogc/collections/grids-micro/items?offset=99999999999999999999999")
    assert res.status_code == 400, res.get_data(as_text=True)[:300]
    body = res.get_json()
    assert body["code"] == "InvalidParameterValue" and body["error"]["details"]["field"] == "offset"
    assert client.get("/ogc/collections/grids-micro/items?offset=1000000000").status_code == 200


@pytest.mark.parametrize("url", [
    "/figures/events?subdistrict=%00",
    "/admin/audit?actor=%00",
    "/admin/audit?entity_id=%00",
    "/admin/audit?action=%00",
    "/admin/users?q=%00",
    "/admin/users?q=a%00b",
])
def test_nul_in_a_page_query_string_is_refused(client, sample, url):
    field = url.split("?")[1].split("=")[0]
    _page_error(client.get(url, headers={"Accept": "text/html"}), field)
    # A machine client asking for JSON gets the error object naming the field.
    assert _error(client.get(url, headers={"Accept": "application/json"}))["details"]["field"] == field


def test_nul_in_a_page_path_is_not_found(client, sample):
    assert client.get("/admin/categories/01%0002").status_code == 404
    assert client.get("/ogc/collections/grids-micro/items/4101%00").status_code == 404


# ------------------------------------------------------------------ the database stops mid-import


@pytest.fixture
def own_cluster(monkeypatch):
    """A private cluster (stopping the shared test cluster would break every other test)."""
    from app import pgcluster

    base = Path(tempfile.mkdtemp(prefix="gridmap-import-outage-"))
    base.chmod(0o755)
    monkeypatch.setenv("GRIDMAP_INSTANCE_DIR", str(base / "instance"))
    url = pgcluster.start()
    try:
        yield pgcluster, url
    finally:
        pgcluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_database_stopping_during_a_bulk_import_answers_503(own_cluster, monkeypatch):
    from flask_migrate import upgrade

    from app import create_app
    from app.reports import service
    from tests.auth_helpers import make_admin_token, token_client
    from tests.samples import load_sample

    pgcluster, url = own_cluster
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "outage"})
    with app.app_context():
        upgrade()
        load_sample()
        token = make_admin_token()
    client = token_client(app, token)
    rows = [{"category": "0102", "description": f"垃圾{i}", "lon": IN_GRID[0], "lat": IN_GRID[1]} for i in range(50)]

    # The rows are read, checked and staged with the database up; it stops just as they are COPYed.
    copy_rows = service.copy_rows

    def stop_then_copy(*args):
        pgcluster.stop()
        return copy_rows(*args)

    monkeypatch.setattr(service, "copy_rows", stop_then_copy)
    res = client.post("/api/v1/reports/import", data=json.dumps(rows), content_type="application/json")
    assert res.status_code == 503, res.get_data(as_text=True)[:300]
    assert res.get_json()["error"]["code"] == "database_unavailable"
    assert res.headers["Retry-After"]

    # Back up: the same import goes through, on a fresh connection, with nothing half-stored before.
    monkeypatch.setattr(service, "copy_rows", copy_rows)
    pgcluster.start()
    res = client.post("/api/v1/reports/import", data=json.dumps(rows), content_type="application/json")
    assert res.status_code == 201, res.get_data(as_text=True)[:300]
    with app.app_context():
        from app.extensions import db

        assert db.session.execute(text("SELECT count(*) FROM report")).scalar() == 50
        db.session.remove()
        db.engine.dispose()


# ------------------------------------------------------------------ found by the sweep (test_hostile_inputs.py)


@pytest.mark.parametrize("body", ['"text"', "1e400", '{"username": 12345678901234567}'])
def test_pages_take_forms_not_json(client, body):
    # Flask-WTF reads a JSON body as the form and trusts it to be an object of strings.
    for url in ("/login", "/admin/users", "/admin/categories"):
        res = client.post(url, data=body, content_type="application/json")
        assert res.status_code == 415, (url, res.status_code)


def test_ogc_format_with_a_nul_is_a_400_not_an_error_inside_the_error_page(client, sample):
    res = client.get("/ogc/collections?f=%00")
    assert res.status_code == 400 and res.get_json()["error"]["details"]["field"] == "f"


def test_a_draft_row_version_of_infinity_is_refused(client, sample):
    draft = client.post("/api/v1/drafts", json={"note": "n", "effective_date": "2030-01-01"}).get_json()
    res = client.patch(f"/api/v1/drafts/{draft['id']}", data='{"note": "n", "row_version": 1e400}',
                       content_type="application/json")
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "row_version"
