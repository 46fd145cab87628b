"""One definition of "overdue" (gridmap_deadline_state, migration 0024) on the home page, the desk,
the figures, the open issues map and the escalation job.

The demo showed a home card "当前超期 59" opening a desk list of 84: the list counted events finished
late as overdue. Now a clock still running past its deadline is overdue, and only that: the card's
number is the length of the list it opens, for a dispatcher and for a worker.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from tests.events.conftest import clock, people  # noqa: F401 (fixtures)
from tests.events.helpers import BEIJING, ELSEWHERE, IN_GRID, act, ok, report
from tests.home.helpers import card as _card, desk_list as _desk_list


@pytest.fixture
def loop(anon, people, clock):  # noqa: F811
    """Events in every relation to their deadline, in GRID (the worker's) and elsewhere:
    three running past it (one in another subdistrict), one due soon, one in time, one handled
    late, one verified late, one closed late, one suspended past it, one never dispatched."""
    w = people.worker.user.id
    far = people._client_as("worker", areas=["410102002002001"], username="worker-east").user.id

    def dispatched(point=IN_GRID, assignee=w, category="0402"):
        ticket = report(anon, point=point, category=category)["ticket"]
        ok(act(people.dispatcher, ticket, "accept", "reported"))
        ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=assignee))
        return ticket

    made = {name: dispatched() for name in ("overdue", "started_overdue", "handled_late", "verified_late",
                                            "closed_late", "suspended")}
    made["overdue_far"] = dispatched(point=ELSEWHERE, assignee=far)
    ok(act(people.worker, made["started_overdue"], "start", "dispatched"))
    clock.advance(hours=3)                                      # 0402: 2 working hours, now past for all
    for name in ("handled_late", "verified_late", "closed_late"):
        ok(act(people.worker, made[name], "handle", "dispatched", note="已处理"))
    ok(act(people.dispatcher, made["verified_late"], "verify", "handled"))
    ok(act(people.dispatcher, made["closed_late"], "verify", "handled"))
    ok(act(people.dispatcher, made["closed_late"], "close", "verified"))
    ok(act(people.dispatcher, made["suspended"], "suspend", "dispatched", note="等待施工方"))
    # Dispatched at 12:00: 0701 (one working day) is in time at 15:40; 0402 is due at 16:00
    # (two working hours after the lunch break), in its last 20 % at 15:40.
    made["in_time"] = dispatched(category="0701")
    made["due_soon"] = dispatched()
    clock.advance(hours=3, minutes=40)
    made["waiting"] = report(anon, point=IN_GRID)["ticket"]
    return made


def test_the_rule_itself(db):
    at = datetime(2026, 11, 23, 12, 0, tzinfo=BEIJING)
    deadline, warn = at - timedelta(minutes=1), at - timedelta(hours=1)
    cases = [
        (("dispatched", deadline, warn, None), "overdue"),
        (("in_progress", at + timedelta(hours=1), warn, None), "due_soon"),
        (("in_progress", at, warn, None), "due_soon"),                 # at the deadline: not yet past it
        (("dispatched", at + timedelta(hours=3), at + timedelta(hours=2), None), "on_time"),
        (("dispatched", at + timedelta(hours=3), None, None), "on_time"),
        (("handled", deadline, warn, at), "handled_late"),
        (("verified", deadline, warn, at), "handled_late"),
        (("closed", deadline, warn, at), "handled_late"),
        (("closed", at, warn, deadline), "on_time"),
        (("closed", deadline, warn, None), None),                       # closed without handling (demo import)
        (("suspended", deadline, warn, None), None),
        (("returned", deadline, warn, at), None),
        (("accepted", deadline, warn, None), None),
        (("dispatched", None, None, None), None),
    ]
    for (status, dl, wa, handled), expected in cases:
        got = db.session.execute(text("SELECT gridmap_deadline_state(:s, :d, :w, :h, :at)"),
                                 {"s": status, "d": dl, "w": wa, "h": handled, "at": at}).scalar_one()
        assert got == expected, (status, dl, wa, handled)
    comment = db.session.execute(text(
        "SELECT obj_description('gridmap_deadline_state(text, timestamptz, timestamptz, timestamptz, timestamptz)'"
        "::regprocedure)")).scalar_one()
    assert "overdue" in comment


def test_the_home_cards_open_desk_lists_of_exactly_their_number(loop, people, db):
    html = people.dispatcher.get("/").get_data(as_text=True)
    overdue, href = _card(html, "fig-overdue")
    listed = _desk_list(people.dispatcher, href)
    assert overdue == len(listed) == 3
    assert set(listed) == {loop["overdue"], loop["started_overdue"], loop["overdue_far"]}
    soon, href = _card(html, "fig-due-soon")
    assert soon == len(_desk_list(people.dispatcher, href)) == 1
    new, href = _card(html, "fig-new")
    assert new == len(_desk_list(people.dispatcher, href)) == 1
    # A worker's cards and desk: their grids only, the same rule.
    mine = people.worker.get("/").get_data(as_text=True)
    overdue, href = _card(mine, "fig-overdue")
    assert overdue == len(_desk_list(people.worker, href)) == 2


def test_figures_maps_and_escalation_count_the_same_events(loop, people, clock, db):
    from app.events.escalation import escalate_overdue

    body = people.dispatcher.get("/api/v1/figures/events?from=2026-11-23&to=2026-11-23&by=grid").get_json()
    assert body["total"]["overdue"] == 3
    # The open issues map asks the report list with its filter (app/maps/builders.issues_map).
    issues = people.dispatcher.get("/api/v1/reports?format=geojson&status=open&deadline_state=overdue&limit=5000")
    assert len(issues.get_json()["features"]) == 3
    page = people.dispatcher.get("/maps/issues?deadline_state=overdue").get_data(as_text=True)
    assert '"deadline_state": "overdue"' in page
    # Finished late is its own state, in every list.
    late = people.dispatcher.get("/api/v1/reports?deadline_state=handled_late").get_json()
    assert {r["ticket"] for r in late["reports"]} == {loop["handled_late"], loop["verified_late"],
                                                     loop["closed_late"]}
    # The job escalates exactly the overdue events (one per level group, all three here).
    result = escalate_overdue(clock.now, commit=False)
    assert {e["ticket"] for e in result.escalated} == {loop["overdue"], loop["started_overdue"],
                                                      loop["overdue_far"]}
    db.session.rollback()


def test_an_event_finished_late_never_sits_above_a_running_one(loop, people, db):
    """The desk's order: new, overdue, due soon, waiting for dispatch, running in time, suspended,
    handled, verified, finished -- whatever the deadlines say."""
    body = people.dispatcher.get("/api/v1/reports/changes?sort=priority").get_json()
    order = [f["id"] for f in body["features"]]
    rank = {ticket: order.index(ticket) for ticket in order}
    assert order[0] == loop["waiting"]                                   # the new event first
    overdue = {loop["overdue"], loop["started_overdue"], loop["overdue_far"]}
    assert set(order[1:4]) == overdue
    assert order[4] == loop["due_soon"] and order[5] == loop["in_time"]
    assert rank[loop["suspended"]] < rank[loop["handled_late"]] < rank[loop["verified_late"]] \
        < rank[loop["closed_late"]]
    assert body["new_events"] == 1
