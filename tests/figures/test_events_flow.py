"""Event figures of events driven through the real HTTP closed loop with a controlled clock.

Three reports of illegal parking (0402: 2 working hours) in grid 410102001001001
on Monday 23 November 2026:

- A: dispatched 09:00 (deadline 11:00), handled 10:00, verified, closed 11:00: on time, 2 h to close.
- B: dispatched 11:00 (deadline 15:00: 11-12 and 14-15), handled 16:00 (late), rejected
  (rework), handled again 16:30, verified, closed 17:00: late, reworked, 8 h to close.
- C: cancelled.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.models import Report
from tests.events.helpers import GRID, MONDAY_9, act, ok, report

DAY = "from=2026-11-23&to=2026-11-23"


class Clock:
    def __init__(self, now):
        self.now = now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    from app.events import deadlines

    c = Clock(MONDAY_9)
    monkeypatch.setattr(deadlines, "now", lambda: c.now)
    return c


def test_figures_follow_the_loop(sample, client_as, anon, clock, db):
    dispatcher = client_as("dispatcher", username="fig-dispatcher")
    worker = client_as("worker", areas=[GRID], username="fig-worker")
    a, b, c = (report(anon)["ticket"] for _ in range(3))
    # Intake stamps the database's now(); put the reports at the clock's Monday 09:00.
    db.session.execute(update(Report).where(Report.ticket.in_([a, b, c])).values(created_at=MONDAY_9))
    db.session.commit()
    me = worker.user.id

    ok(act(dispatcher, a, "accept", "reported"))
    ok(act(dispatcher, a, "dispatch", "accepted", assignee=me))
    clock.advance(hours=1)
    ok(act(worker, a, "handle", "dispatched", note="已劝离"))
    ok(act(dispatcher, a, "verify", "handled"))
    clock.advance(hours=1)
    ok(act(dispatcher, a, "close", "verified"))                       # 11:00

    ok(act(dispatcher, b, "accept", "reported"))
    body = ok(act(dispatcher, b, "dispatch", "accepted", assignee=me))   # 11:00
    assert body["report"]["deadline"] == "2026-11-23T15:00:00+08:00"
    clock.advance(hours=5)                                              # 16:00
    ok(act(worker, b, "handle", "dispatched", note="已处理"))
    ok(act(dispatcher, b, "reject", "handled", note="车辆仍在"))
    clock.advance(minutes=30)
    ok(act(worker, b, "handle", "in_progress", note="已拖走"))
    ok(act(dispatcher, b, "verify", "handled"))
    clock.advance(minutes=30)
    ok(act(dispatcher, b, "close", "verified"))                       # 17:00

    ok(act(dispatcher, c, "cancel", "reported", note="重复来电"))

    body = dispatcher.get(f"/api/v1/figures/events?{DAY}&by=grid").get_json()
    total = body["total"]
    assert {k: total[k] for k in ("reported", "cancelled", "merged", "valid", "handled", "closed",
                                  "closed_with_deadline", "closed_on_time", "handled_ever", "reworked",
                                  "overdue")} == {
        "reported": 3, "cancelled": 1, "merged": 0, "valid": 2, "handled": 2, "closed": 2,
        "closed_with_deadline": 2, "closed_on_time": 1, "handled_ever": 2, "reworked": 1, "overdue": 0}
    assert (total["disposal_rate"], total["closing_rate"], total["on_time_rate"], total["rework_rate"]) == \
        (1.0, 1.0, 0.5, 0.5)
    assert total["median_hours_to_close"] == 5.0
    grid = next(u for u in body["units"] if u["unit"] == GRID)
    assert {k: grid[k] for k in total if k not in ("unit", "code", "name", "parent_code", "parent_name", "user_id")} == \
        {k: total[k] for k in total if k not in ("unit", "code", "name", "parent_code", "parent_name", "user_id")}

    units = {u["code"]: u for u in dispatcher.get(f"/api/v1/figures/events?{DAY}&by=worker").get_json()["units"]}
    assert units["fig-worker"]["reported"] == 2 and units["fig-worker"]["on_time_rate"] == 0.5
    assert units[None]["reported"] == 1 and units[None]["cancelled"] == 1

    # The worker's own view: the same two events of their grid, and the cancelled one.
    mine = worker.get(f"/api/v1/figures/events?{DAY}&by=worker").get_json()
    assert mine["total"]["reported"] == 3 and mine["total"]["rework_rate"] == 0.5
