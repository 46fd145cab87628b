"""Signing test clients in the way a browser does: the real form, with its CSRF token."""
from __future__ import annotations

import re

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_INPUT.search(html) or CSRF_META.search(html)
    assert m, "no CSRF token in the page"
    return next(g for g in m.groups() if g)


def sign_in(client, username: str, password: str, *, next_url: str = ""):
    """Sign ``client`` in through POST /login; returns the response (302 on success)."""
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": next_url})


def make_admin_token(username: str = "ops-admin") -> str:
    """Create (and commit) an administrator with an API token in the current app context."""
    from app.auth import users
    from app.extensions import db

    user = users.create(username, "correct-horse-battery", "admin")
    _, token = users.issue_token(user, "tests")
    db.session.commit()
    return token


def token_client(app, token: str):
    """A test client of its own (its own requests, its own database connection) sending ``token``."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client
