"""What the dispatch desk's browser tests share: its people, posting a report, opening the desk."""
from __future__ import annotations

from tests.maps import helpers as sample

WAIT_MS = 20_000
DISPATCHER, WORKER, PASSWORD = "desk-dispatcher", "desk-worker", "desk-test-password"


def assert_clean(page):
    assert page.watch.outside_requests == []
    assert page.watch.console_errors == []
    assert page.watch.failed_requests == []


def post_report(live_server, **fields) -> dict:
    body = {"category": "0102", "channel": "hotline_12345", "description": "新上报的事件"} | fields
    status, answer = sample._call("POST", f"{live_server}/api/v1/reports", body)
    assert status == 201, answer
    return answer


def open_desk(page, live_server, query: str = "") -> None:
    page.goto(f"{live_server}/dispatch{query}")
    page.wait_for_function("() => window.gridmapDispatch && window.gridmapDispatch.polls >= 1", timeout=WAIT_MS)


def desk_state(page) -> dict:
    return page.evaluate("""() => ({
        tickets: Object.keys(gridmapDispatch.store), markers: Object.keys(gridmapDispatch.markers),
        polls: gridmapDispatch.polls, error: gridmapDispatch.error})""")


def sample_admin() -> str:
    from tests.browser import BROWSER_USER

    return BROWSER_USER


def admin_token() -> str:
    from app.auth import users
    from app.extensions import db
    from app.models import User

    admin = db.session.query(User).filter_by(username=sample_admin()).one()
    _, token = users.issue_token(admin, "check")
    db.session.commit()
    return token
