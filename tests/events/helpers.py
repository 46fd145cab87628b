"""Helpers for driving events through the HTTP API (fixtures are in conftest.py)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
#: Monday 23 November 2026, 09:00 in Beijing: a working day, in working hours.
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=BEIJING)

GRID = "410102001001001"
#: Inside GRID (north micro-grid 01), outside the school's dedicated grid.
IN_GRID = (113.607, 34.758)
#: In subdistrict 002: no worker of GRID sees it.
ELSEWHERE = (113.63, 34.745)
OTHER_GRID = "410102002002001"
#: The password tests/conftest.py gives every test user.
PASSWORD = "correct-horse-battery"


def report(client, point=IN_GRID, category="0402", description="小区门口机动车违停", **extra):
    """POST a report; return the response body (asserting it was stored)."""
    res = client.post("/api/v1/reports", json={"category": category, "description": description,
                                               "lon": point[0], "lat": point[1], **extra})
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def act(client, ticket, action, expected, **fields):
    """POST a transition; return the response (not asserted)."""
    return client.post(f"/api/v1/reports/{ticket}/transitions",
                       json={"action": action, "expected_state": expected, **fields})


def ok(res) -> dict:
    assert res.status_code == 200, res.get_json()
    return res.get_json()
