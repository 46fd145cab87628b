"""Live-server and headless-chromium fixtures for every page test (maps, plan, dispatch, figures).

Registered once for the whole suite by ``pytest_plugins`` in tests/conftest.py:
importing the fixtures into several conftests would start one browser per
conftest, and playwright refuses a second sync session in one process.

Uses Debian's /usr/bin/chromium through the playwright package (never
``playwright install``: that downloads a browser and fails offline). The app
is served on a real local port by werkzeug in a thread, with the sample data
of ``tests/maps/helpers.py`` committed through the API.
"""
from __future__ import annotations


import pytest

from tests.maps import helpers as sample

CHROMIUM = "/usr/bin/chromium"
#: The account the browser signs in with (created, committed and removed by ``map_data``).
BROWSER_USER, BROWSER_PASSWORD = "browser-admin", "browser-test-password"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def map_data(app, live_server, committed_db):
    """The sample of ``tests/maps/helpers.py``, committed (``committed_db``
    empties the tables after the test), with one grid given a worker so both
    the staffed and the "no worker" styles are on the page.

    Its codes are a district of their own (410199): while the test runs, the deployment serves that
    district as its own (GRIDMAP_DISTRICT_CODE), as a single-district install of it would (issue 19:
    a grid import belongs to a district, and its codes start with the district's code)."""
    from sqlalchemy import text

    committed_db.session.execute(text("INSERT INTO district (code, name, city_code) VALUES (:c, '测试区', '410100') "
                                      "ON CONFLICT DO NOTHING"), {"c": sample.DISTRICT})
    committed_db.session.commit()
    default = app.config["DISTRICT_CODE"]
    app.config["DISTRICT_CODE"] = sample.DISTRICT
    try:
        yield _load_map_data(live_server, committed_db)
    finally:
        app.config["DISTRICT_CODE"] = default


def _load_map_data(live_server, committed_db):
    from app.auth import users
    from app.models.staff import Staff, StaffAssignment

    admin = users.create(BROWSER_USER, BROWSER_PASSWORD, "admin", display_name="测试管理员")
    _, token = users.issue_token(admin, "browser tests")
    committed_db.session.commit()
    sample.ensure_loaded(live_server, token)

    worker = Staff(name="王网格", phone="13800000001", district_code=sample.DISTRICT)
    worker.assignments.append(StaffAssignment(grid_code=sample.STAFFED_GRID, role="grid_worker"))
    committed_db.session.add(worker)
    committed_db.session.commit()
    return sample


class PageWatch:
    """What a page did that a test must check: console errors, outside requests."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.outside_requests: list[str] = []
        self.failed_requests: list[str] = []


@pytest.fixture
def blank_page(browser, live_server):
    """A fresh page that may only talk to the live server; anything else is
    aborted and recorded in ``page.watch.outside_requests``."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    pg = context.new_page()
    watch = PageWatch()
    pg.watch = watch

    def guard(route):
        url = route.request.url
        if url.startswith(live_server + "/") or url.startswith("data:"):
            route.continue_()
        else:
            watch.outside_requests.append(url)
            route.abort()

    pg.route("**/*", guard)
    pg.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: watch.console_errors.append(f"pageerror: {e}"))
    pg.on("requestfailed", lambda r: watch.failed_requests.append(r.url))
    yield pg
    context.close()


@pytest.fixture
def page(blank_page, live_server, map_data):
    """A page signed in as an administrator through the real sign-in form."""
    sign_in(blank_page, live_server, BROWSER_USER, BROWSER_PASSWORD)
    return blank_page


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
