"""Error pages: a browser gets a page in Chinese (English with ?lang=en), a script or API client JSON.

403, 404, 413, 429, 500 and 503 through the real app (and a probe app of its own where the test
must break something: a route that raises, a database that is not there). Browsers ask with
their usual Accept header; /api/, /ogc/ and /open311/ keep their JSON whatever is accepted.
"""
from __future__ import annotations

import secrets

import re
import time

import pytest

from tests.auth_helpers import csrf_from, sign_in
from tests.conftest import PASSWORD

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def page_of(res, status: int) -> str:
    """The error page's text, checked to be a whole GridMap page for ``status``."""
    assert res.status_code == status, res.get_data(as_text=True)[:300]
    assert res.mimetype == "text/html"
    html = res.get_data(as_text=True)
    assert f'data-status="{status}"' in html and 'class="gm-header"' in html
    # A way on: home, or for someone signed out (who cannot open it) the sign-in form.
    assert '<a class="btn btn-primary btn-sm" href="/">' in html or \
        '<a class="btn btn-primary btn-sm" href="/login">' in html
    return html


def title_of(html: str) -> str:
    return re.search(r"<h1[^>]*>([^<]+)</h1>", html).group(1).strip()


@pytest.fixture
def viewer(app, db):
    """A browser signed in as a viewer through the real form (a session cookie, as a person has)."""
    from app.auth import users

    users.create("page-viewer", PASSWORD, "viewer", display_name="只读甲")
    db.session.commit()
    c = app.test_client()
    assert sign_in(c, "page-viewer", PASSWORD).status_code == 302
    return c


# --------------------------------------------------------------------------- 404


def test_404_is_a_chinese_page_for_a_browser_and_english_on_request(anon):
    html = page_of(anon.get("/no-such-page", headers=BROWSER), 404)
    assert title_of(html) == "页面不存在" and 'lang="zh-CN"' in html
    assert 'href="/login">登录</a>' in html and 'href="/lookup">网格查询</a>' in html
    assert "Not Found" not in html and "The requested URL" not in html   # not werkzeug's page
    english = page_of(anon.get("/no-such-page?lang=en", headers=BROWSER), 404)
    assert title_of(english) == "Page not found"


def test_every_error_page_has_a_heading_and_a_tab_title(client, sample):
    """One path renders error.html (app.error_pages.error_page): a page's own 404 (a missing draft), the
    app's 404 and an OGC resource asked for in a browser all get the status's heading and tab title."""
    for url in ("/plan/drafts/999999", "/no-such-page", "/ogc/collections/no-such-collection"):
        html = page_of(client.get(url, headers=BROWSER), 404)
        assert title_of(html) == "页面不存在", url
        assert "<title>页面不存在 · 网格地图</title>" in html, url


def test_only_error_pages_render_the_error_template():
    """A view that rendered error.html itself would skip the heading, the title and the bare mode."""
    from pathlib import Path

    import app as package

    root = Path(package.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "error.html" in p.read_text(encoding="utf-8") and p.name != "error_pages.py"]
    assert offenders == []


def test_404_is_json_for_the_api_and_for_scripts(anon):
    for url, headers in (("/api/v1/no-such-thing", BROWSER), ("/no-such-page", {"Accept": "application/json"}),
                         ("/open311/v2/no-such-thing.json", BROWSER)):
        res = anon.get(url, headers=headers)
        assert res.status_code == 404 and res.is_json, url
        assert "error" in res.get_json() or "description" in str(res.get_json()), url


def test_a_domain_error_on_a_page_is_that_message_in_a_page(client):
    res = client.get("/maps/patrols?date=2026-13-40", headers=BROWSER)
    html = page_of(res, 422)
    assert "YYYY-MM-DD" in html and title_of(html) == "请检查输入内容"


# --------------------------------------------------------------------------- 403


def test_403_signed_in_without_the_right_is_a_page_saying_so(viewer):
    for url in ("/plan", "/admin/users", "/admin/audit"):
        html = page_of(viewer.get(url, headers=BROWSER), 403)
        assert title_of(html) == "您无权打开此页面", url
        assert "只读用户" in html and "grids:edit" not in html      # the role's name, not permission codes
        assert "{&#34;error&#34;" not in html and '{"error"' not in html
    english = page_of(viewer.get("/plan?lang=en", headers=BROWSER), 403)
    assert title_of(english) == "You may not open this page" and "Viewer" in english
    # The same refusal to a script stays JSON.
    res = viewer.get("/plan", headers={"Accept": "application/json"})
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "forbidden"


def test_403_page_hides_the_links_the_reader_cannot_open(viewer):
    html = viewer.get("/plan", headers=BROWSER).get_data(as_text=True)
    nav = re.search(r'<nav class="gm-nav".*?</nav>', html, re.S).group(0)
    assert 'href="/plan"' not in nav and 'href="/admin/users"' not in nav and 'href="/dispatch"' in nav


def test_signed_out_browsers_are_sent_to_sign_in_not_refused(app, anon):
    """A 403 for someone signed out means "sign in first"; the form brings them back."""
    res = anon.get("/plan", headers=BROWSER)
    assert res.status_code == 302 and res.headers["Location"].endswith("/login?next=/plan")
    # The guard's fail-closed 403 (an endpoint with no access mark) too, on a probe app.
    from app import create_app

    probe = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": secrets.token_urlsafe(48)})

    @probe.get("/forgotten-page")
    def forgotten():
        return "secret"

    res = probe.test_client().get("/forgotten-page", headers=BROWSER)
    assert res.status_code == 302 and "/login?next=/forgotten-page" in res.headers["Location"]
    api = probe.test_client().get("/forgotten-page", headers={"Accept": "application/json"})
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "forbidden"


def test_anonymous_navigation_offers_only_what_anyone_may_open(anon):
    html = anon.get("/login", headers=BROWSER).get_data(as_text=True)
    nav = re.search(r'<nav class="gm-nav".*?</nav>', html, re.S).group(0)
    links = re.findall(r'href="([^"]+)"', nav)
    assert links == ["/lookup", "/api/v1/openapi.json"]


# --------------------------------------------------------------------------- 413, 429


def test_413_too_large_is_a_page_for_a_browser_and_json_for_the_api(app, anon):
    previous = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        token = csrf_from(anon.get("/login").get_data(as_text=True))
        res = anon.post("/login", headers=BROWSER, data={"username": "x" * 10_000, "password": "y",
                                                           "csrf_token": token})
        html = page_of(res, 413)
        assert title_of(html) == "内容过大"
        api = anon.post("/api/v1/reports", data="x" * 10_000, headers={**BROWSER, "Content-Type": "application/json"})
        assert api.status_code == 413 and api.get_json()["error"]["code"] == "request_entity_too_large"
    finally:
        app.config["MAX_CONTENT_LENGTH"] = previous


def test_429_too_many_is_a_page_with_retry_after(app, anon):
    previous = app.config["RATELIMIT_LOGIN"]
    app.config["RATELIMIT_LOGIN"] = "2 per minute"
    try:
        codes = [anon.post("/login", headers=BROWSER, data={"username": "x", "password": "y"}) for _ in range(3)]
    finally:
        app.config["RATELIMIT_LOGIN"] = previous
    html = page_of(codes[-1], 429)
    assert title_of(html) == "请求过于频繁" and "请一分钟后再试" in html
    assert int(codes[-1].headers["Retry-After"]) > 0


# --------------------------------------------------------------------------- 500, 503: no database needed

#: A database nobody listens on: every connection attempt fails at once.
NOWHERE = "postgresql+psycopg2://gridmap@/gridmap?host=/nonexistent-gridmap-socket-dir"


def signed_in_id() -> str:
    """A well-formed session id (app.auth.sessions): loading its user asks the database."""
    return f"1:1:{int(time.time())}"


@pytest.fixture
def broken_app():
    """An app whose database is unreachable and which does not propagate exceptions (as in
    production), with one page and one API route that fail with a bug."""
    from app import create_app
    from app.auth.guard import public

    probe = create_app({"SQLALCHEMY_DATABASE_URI": NOWHERE, "SECRET_KEY": secrets.token_urlsafe(48), "TESTING": False,
                        "PROPAGATE_EXCEPTIONS": False})

    @probe.get("/test-only/bug")
    @public
    def bug():
        raise RuntimeError("a bug on a page")

    @probe.get("/api/v1/test-only/bug")
    @public
    def api_bug():
        raise RuntimeError("a bug in the API")

    yield probe
    with probe.app_context():
        from app.extensions import db

        db.engine.dispose()


def test_500_is_a_chinese_page_that_needs_no_database(broken_app):
    client = broken_app.test_client()
    # A signed-in person: a page that read the user would ask the (unreachable) database for it.
    with client.session_transaction() as session:
        session["_user_id"] = signed_in_id()
        session["_fresh"] = True
    html = page_of(client.get("/test-only/bug", headers=BROWSER), 500)
    assert title_of(html) == "系统出错了" and "Internal Server Error" not in html
    assert 'class="gm-nav"' not in html and "gm-user" not in html      # no navigation, no user
    assert "a bug on a page" not in html                                 # no internals shown
    english = page_of(client.get("/test-only/bug?lang=en", headers=BROWSER), 500)
    assert title_of(english) == "Something went wrong"
    api = client.get("/api/v1/test-only/bug", headers=BROWSER)
    assert api.status_code == 500 and api.is_json and api.get_json()["error"]["code"]


def test_503_when_the_database_is_down_is_a_chinese_page_and_json_for_the_api(broken_app):
    client = broken_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = signed_in_id()
    res = client.get("/", headers=BROWSER)
    html = page_of(res, 503)
    assert title_of(html) == "服务暂时不可用" and res.headers["Retry-After"]
    assert 'class="gm-nav"' not in html
    api = client.get("/api/v1/lookup?lon=113.61&lat=34.75", headers=BROWSER)
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "database_unavailable"
