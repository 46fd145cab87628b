"""The events tests' people and clock (tests/events/conftest.py), and fixtures of the dispatch desk tests."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.dispatch.helpers import DISPATCHER, PASSWORD, WORKER
from tests.events.conftest import clock, people  # noqa: F401 (fixtures)
from tests.maps import helpers as sample


@pytest.fixture
def quiet(db):
    """``quiet()``: mark every report as last changed an hour ago, so a feed cursor taken now is past them all."""

    def make_quiet() -> None:
        # The clock read first and passed as a value: Citus refuses volatile functions in an UPDATE.
        hour_ago = db.session.execute(text("SELECT clock_timestamp() - interval '1 hour'")).scalar_one()
        db.session.execute(text("UPDATE report SET updated_at = :t"), {"t": hour_ago})
        db.session.commit()

    return make_quiet


def unplaced(client, description: str = "楼道堆放杂物", address: str = "不存在路999号") -> dict:
    """POST a report with an address the (empty) standard address library cannot place."""
    res = client.post("/api/v1/reports", json={"category": "0402", "description": description, "address": address,
                                               "channel": "hotline_12345"})
    body = res.get_json()
    assert res.status_code == 201, body
    assert body["needs_placement"] is True and body["location"] is None
    return body


@pytest.fixture
def desk_people(map_data, committed_db):
    """A dispatcher for the whole sample district and a grid worker of its staffed grid (committed)."""
    from app.auth import users

    users.create(DISPATCHER, PASSWORD, "dispatcher", display_name="调度员甲")
    worker = users.create(WORKER, PASSWORD, "worker", display_name="网格员乙", areas=[sample.STAFFED_GRID])
    committed_db.session.commit()
    return {"worker_id": worker.id}
