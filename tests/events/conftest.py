"""Fixtures for driving events through the HTTP API: a movable clock and the people of one grid.

The sample district (tests/samples.py) with: a dispatcher for the whole
district, two grid workers of grid 410102001001001 (west grid of the north
community of subdistrict 001), a grid worker of a grid elsewhere, a viewer,
a planner and an administrator, each holding an API token.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from tests.events.helpers import GRID, MONDAY_9, OTHER_GRID


@dataclass
class Clock:
    now: datetime

    def set(self, when: datetime) -> None:
        self.now = when

    def advance(self, **delta) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The event loop's clock (app.events.deadlines.now), starting Monday 09:00 Beijing time."""
    from app.events import deadlines

    c = Clock(MONDAY_9)
    monkeypatch.setattr(deadlines, "now", lambda: c.now)
    return c


#: Who ``people.<name>`` is: role, areas.
PEOPLE = {
    "admin": ("admin", ()),
    "dispatcher": ("dispatcher", ()),
    "dispatcher2": ("dispatcher", ()),
    "worker": ("worker", (GRID,)),
    "worker2": ("worker", (GRID,)),
    "outsider": ("worker", (OTHER_GRID,)),
    "viewer": ("viewer", ()),
    "planner": ("planner", ()),
}
USERNAMES = {"admin": "ops-admin", "dispatcher": "dispatcher-1", "dispatcher2": "dispatcher-2",
             "worker": "worker-wang", "worker2": "worker-li", "outsider": "worker-far", "viewer": "viewer-1",
             "planner": "planner-1"}


class People:
    """Clients of the people above, each made (with an API token) on first use: hashing passwords is slow."""

    def __init__(self, client_as):
        self._client_as = client_as

    def __getattr__(self, name):
        if name.startswith("_") or name not in PEOPLE:
            raise AttributeError(name)
        role, areas = PEOPLE[name]
        client = self._client_as(role, areas=list(areas), username=USERNAMES[name])
        setattr(self, name, client)
        return client


@pytest.fixture
def people(sample, client_as, clock):
    return People(client_as)
