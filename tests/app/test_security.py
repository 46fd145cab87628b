"""Hostile input, security headers and rate limits on the public endpoints."""
from __future__ import annotations

import pytest
from sqlalchemy import text

LOOKUP = "/api/v1/lookup?lon=113.605&lat=34.745"
REPORT = {"category": "0102", "description": "垃圾", "lon": 113.605, "lat": 34.745}


@pytest.fixture
def tight_limit(app):
    previous = app.config["RATELIMIT_PUBLIC"]
    app.config["RATELIMIT_PUBLIC"] = "3 per minute"
    yield
    app.config["RATELIMIT_PUBLIC"] = previous


def test_anonymous_lookups_are_rate_limited_per_address(anon, sample, tight_limit):
    codes = [anon.get(LOOKUP).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    res = anon.get(LOOKUP)
    assert res.get_json()["error"]["code"] == "too_many_requests"
    assert "请一分钟后再试" in res.get_json()["error"]["message"]
    assert int(res.headers["Retry-After"]) > 0
    # Another address has its own allowance.
    assert anon.get(LOOKUP, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_anonymous_report_submission_is_rate_limited(anon, sample, tight_limit, db):
    codes = [anon.post("/api/v1/reports", json=REPORT).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    assert db.session.execute(text("SELECT count(*) FROM report")).scalar() == 3


def test_signed_in_clients_are_not_limited(client, sample, tight_limit):
    assert {client.get(LOOKUP).status_code for _ in range(6)} == {200}


def test_sign_in_attempts_are_limited(app, anon, db):
    app_limit = app.config["RATELIMIT_LOGIN"]
    app.config["RATELIMIT_LOGIN"] = "2 per minute"
    try:
        codes = [anon.post("/login", data={"username": "x", "password": "y"}).status_code for _ in range(3)]
    finally:
        app.config["RATELIMIT_LOGIN"] = app_limit
    assert codes[-1] == 429


def test_security_headers(anon):
    res = anon.get("/login")
    csp = res.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'self'", "base-uri 'self'"):
        assert directive in csp
    assert "'nonce-" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert res.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    cookie = res.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_tile_hosts_are_allowed_only_when_configured(app):
    from app.security import csp_for

    assert not any("http" in h for h in csp_for("none")["img-src"])
    assert "https://*.tianditu.gov.cn" in csp_for("tianditu")["img-src"]


@pytest.mark.parametrize("hostile", [
    "'; DROP TABLE report; --",
    "Robert'); DELETE FROM grid WHERE ('1'='1",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\u202e反转文字",
])
def test_injection_in_text_fields_is_stored_as_text(client, sample, db, hostile):
    res = client.post("/api/v1/reports", json=REPORT | {"description": hostile, "address": hostile,
                                                         "reporter_name": hostile[:100]})
    assert res.status_code == 201, res.get_json()
    stored = client.get(f"/api/v1/reports/{res.get_json()['ticket']}").get_json()
    assert stored["description"] == hostile and stored["address"] == hostile
    assert db.session.execute(text("SELECT count(*) FROM grid")).scalar() > 0
    listed = client.get("/api/v1/reports", query_string={"category": "0102"})
    assert listed.status_code == 200


@pytest.mark.parametrize("query,field", [
    ("lon=NaN&lat=34.7", "lon"), ("lon=inf&lat=34.7", "lon"), ("lon=113.6&lat=91", "lat"),
    ("lon=abc&lat=34.7", "lon"), ("lon=113.6&lat=34.7&crs=EPSG:99999", "crs"),
    ("lon=113.6&lat=34.7&version=x'or'1", "version"), ("lon=" + "9" * 5000 + "&lat=1", "lon"),
])
def test_bad_lookup_input_is_a_clear_422(anon, sample, query, field):
    res = anon.get("/api/v1/lookup?" + query)
    assert res.status_code == 422, res.get_json()
    assert res.get_json()["error"]["details"]["field"] == field


def test_huge_strings_are_refused_and_nothing_is_stored(client, sample, db):
    before = db.session.execute(text("SELECT count(*) FROM report")).scalar()
    res = client.post("/api/v1/reports", json=REPORT | {"description": "垃" * 100_000})
    assert res.status_code == 422 and "description" in str(res.get_json()["error"]["details"])
    assert db.session.execute(text("SELECT count(*) FROM report")).scalar() == before


def test_wrong_types_are_refused_by_field(client, sample):
    for body, field in ((REPORT | {"lon": "东经113"}, "lon"), (REPORT | {"category": ["0102"]}, "category"),
                        (REPORT | {"lat": None}, "lat"), ([REPORT], "body")):
        res = client.post("/api/v1/reports", json=body)
        assert res.status_code == 422, (body, res.get_json())
        assert field in str(res.get_json()["error"]["details"])


def _nonce(res) -> str:
    import re

    return re.search(r"'nonce-([^']+)'", res.headers["Content-Security-Policy"]).group(1)


def test_inline_scripts_carry_this_responses_nonce(client, sample):
    """folium's inline map code (the with_nonce filter) and the templates' own scripts run only
    with the nonce the header names, a new one for every response."""
    import re

    first, second = client.get("/maps/coverage"), client.get("/maps/coverage")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert len(inline) >= 2, "the map page has inline scripts"
    assert all(f'nonce="{_nonce(first)}"' in attrs for attrs in inline), inline
    assert _nonce(first) != _nonce(second) and len(_nonce(first)) >= 32


def test_hsts_only_over_https_with_secure_cookies(app, anon):
    from app import create_app

    assert "Strict-Transport-Security" not in anon.get("/login").headers
    secure = create_app({k: app.config[k] for k in ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY")}
                        | {"SESSION_COOKIE_SECURE": True})
    assert "Strict-Transport-Security" not in secure.test_client().get("/login").headers  # plain http
    res = secure.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert res.headers["Strict-Transport-Security"].startswith("max-age=31556926")
    assert "Secure" in res.headers["Set-Cookie"]


def test_headers_no_longer_come_from_flask_talisman():
    from pathlib import Path

    requirements = (Path(__file__).resolve().parents[2] / "requirements.txt").read_text().lower()
    assert "talisman" not in requirements
