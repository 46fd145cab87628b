"""The worker's phone pages (/m/), its service worker and manifest, through the Flask test client."""
from __future__ import annotations

import json
import re

from tests.auth_helpers import csrf_from, sign_in
from tests.conftest import PASSWORD

SETTINGS = re.compile(r"data-settings='([^']+)'")


def signed_in_worker(app, client_as, areas=("410102001",)):
    worker = client_as("worker", list(areas))
    browser = app.test_client()
    assert sign_in(browser, worker.user.username, PASSWORD).status_code == 302
    return browser, worker.user


def settings_of(html: str) -> dict:
    import html as markup

    return json.loads(markup.unescape(SETTINGS.search(html).group(1)))


def test_the_pages_need_a_worker_sign_in(anon):
    for path in ("/m/", "/m/report", "/m/patrol"):
        res = anon.get(path, headers={"Accept": "text/html"})
        assert res.status_code == 302 and "/login?next=" in res.headers["Location"], path


def test_each_page_is_a_shell_with_the_worker_and_the_api(app, client_as, db, sample):
    browser, user = signed_in_worker(app, client_as)
    for path, page in (("/m/", "tasks"), ("/m/report", "report"), ("/m/patrol", "patrol")):
        res = browser.get(path)
        assert res.status_code == 200, path
        html = res.get_data(as_text=True)
        settings = settings_of(html)
        assert settings["page"] == page and settings["user"]["id"] == user.id
        assert settings["user"]["areas"] == ["410102001"]
        assert settings["api"]["fixes"] == "/api/v1/patrols/fixes" and settings["api"]["sw"] == "/m/sw.js"
        assert 'rel="manifest" href="/m/manifest.webmanifest"' in html
        assert "我的任务" in html            # the tab bar, in Chinese by default
        assert csrf_from(html)
    assert 'capture="environment"' in browser.get("/m/").get_data(as_text=True)
    assert 'accept="image/*"' in browser.get("/m/report").get_data(as_text=True)


def test_a_dispatcher_has_no_patrol_page(app, client_as, db):
    dispatcher = client_as("dispatcher")
    browser = app.test_client()
    sign_in(browser, dispatcher.user.username, PASSWORD)
    assert browser.get("/m/").status_code == 200
    assert browser.get("/m/patrol", headers={"Accept": "application/json"}).status_code == 403
    assert "/m/patrol" not in browser.get("/m/").get_data(as_text=True)


def test_the_service_worker_keeps_assets_that_exist(app, anon, db):
    res = anon.get("/m/sw.js")
    assert res.status_code == 200 and res.mimetype == "text/javascript"
    assert res.headers["Cache-Control"] == "no-cache"
    text = res.get_data(as_text=True)
    assets = json.loads(re.search(r"var ASSETS = (\[.*?\]);", text).group(1))
    pages = json.loads(re.search(r"var PAGES = (\[.*?\]);", text).group(1))
    assert pages == ["/m/", "/m/report", "/m/patrol"]
    assert "/static/js/worker/outbox.js" in assets and "/static/vendor/leaflet/leaflet.js" in assets
    for url in assets:
        assert anon.get(url).status_code == 200, url
    assert re.search(r'var VERSION = "[0-9a-f]{16}";', text)


def test_the_manifest_makes_the_app_installable(anon, db):
    res = anon.get("/m/manifest.webmanifest")
    assert res.status_code == 200 and res.mimetype == "application/manifest+json"
    body = json.loads(res.get_data(as_text=True))
    assert body["start_url"] == body["scope"] == "/m/" and body["display"] == "standalone"
    assert body["name"] == "网格员助手" and body["lang"] == "zh-CN"
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"]:
        got = anon.get(icon["src"])
        assert got.status_code == 200 and got.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(anon.get("/m/manifest.webmanifest?lang=en").get_data(as_text=True))["name"] == \
        "GridMap for grid workers"


def test_a_fresh_csrf_token_for_a_shell_opened_from_the_cache(app, client_as, db, sample):
    browser, user = signed_in_worker(app, client_as)
    res = browser.get("/m/csrf")
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    token = res.get_json()["csrf_token"]
    # The token works for a write signed in by cookie.
    ok = browser.post("/api/v1/patrols/sessions", headers={"X-CSRFToken": token})
    assert ok.status_code == 201, ok.get_json()
    assert browser.post("/api/v1/patrols/sessions", headers={"X-CSRFToken": "stale"}).status_code == 400
