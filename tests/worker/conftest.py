"""Phone-sized chromium contexts (390x844, touch, geolocation) and a committed worker with a task."""
from __future__ import annotations

import base64

import pytest

from tests.browser import PageWatch, sign_in
from tests.maps import helpers as sample

WORKER, PASSWORD = "phone-worker", "phone-test-password"
#: Inside the sample's staffed grid (lon 113.60-113.62, lat 34.74-34.755).
HERE = {"longitude": sample.X0 + 0.006, "latitude": sample.Y0 + 0.006, "accuracy": 8}
WAIT_MS = 20_000


def phone_context(browser, **extra):
    return browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                               has_touch=True, locale="zh-CN", geolocation=HERE, permissions=["geolocation"],
                               **extra)


def watch(pg, live_server) -> PageWatch:
    """Console errors and requests that leave the live server, as tests/browser.py's blank_page."""
    w = PageWatch()
    pg.on("console", lambda m: w.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: w.console_errors.append(f"pageerror: {e}"))
    pg.on("request", lambda r: None if r.url.startswith((live_server, "data:", "blob:"))
          else w.outside_requests.append(r.url))
    pg.watch = w
    return w


def no_horizontal_scroll(pg) -> None:
    width = pg.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]")
    assert width[0] <= width[2] and width[1] <= width[2], f"scroll width {width} at 390 px"


def camera_jpeg(pg, width: int = 640, height: int = 480) -> bytes:
    """A JPEG made in the browser (a photo of a 'site': coloured shapes on a canvas)."""
    data_url = pg.evaluate("""([w, h]) => {
        const c = document.createElement('canvas'); c.width = w; c.height = h;
        const g = c.getContext('2d');
        g.fillStyle = '#8ab'; g.fillRect(0, 0, w, h); g.fillStyle = '#c33'; g.fillRect(w / 4, h / 4, w / 3, h / 3);
        return c.toDataURL('image/jpeg', 0.9); }""", [width, height])
    return base64.b64decode(data_url.split(",", 1)[1])


@pytest.fixture
def admin_token(map_data, committed_db):
    from app.auth import users

    admin = users.by_username("browser-admin")
    _, token = users.issue_token(admin, "phone tests")
    committed_db.session.commit()
    return token


@pytest.fixture
def phone_worker(map_data, committed_db):
    """A grid worker of the sample's staffed grid (committed)."""
    from app.auth import users

    user = users.create(WORKER, PASSWORD, "worker", display_name="网格员丙", areas=[sample.STAFFED_GRID])
    user.phone = "13800000009"
    committed_db.session.commit()
    return {"id": user.id}


def dispatched_task(live_server, token, worker_id, description="楼道堆放杂物，影响通行") -> str:
    """A report in the worker's grid, accepted and dispatched to them; its ticket."""
    status, body = sample._call("POST", f"{live_server}/api/v1/reports", {
        "category": "0402", "channel": "hotline_12345", "description": description,
        "lon": HERE["longitude"], "lat": HERE["latitude"], "reporter_phone": "13912345678"})
    assert status == 201, body
    ticket = body["ticket"]
    for action, extra in (("accept", {}), ("dispatch", {"assignee": worker_id})):
        status, answer = sample._call("POST", f"{live_server}/api/v1/reports/{ticket}/transitions",
                                      {"action": action, "expected_state": "reported" if action == "accept"
                                       else "accepted", **extra}, token)
        assert status == 200, answer
    return ticket


@pytest.fixture
def phone(browser, live_server, phone_worker):
    """A phone (390x844, touch, geolocation in the worker's grid) signed in as the worker."""
    context = phone_context(browser)
    pg = context.new_page()
    watch(pg, live_server)
    sign_in(pg, live_server, WORKER, PASSWORD)
    pg.context_ref = context
    yield pg
    context.close()
