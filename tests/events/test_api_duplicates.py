"""Duplicates: offered on intake by category and radius; merged by a dispatcher, keeping the link."""
from __future__ import annotations

import math

import pytest

from tests.events.helpers import ELSEWHERE, IN_GRID, act, ok, report

#: Metres per degree of latitude, and of longitude at the sample's latitude.
M_LAT = 110_900
M_LON = 111_320 * math.cos(math.radians(IN_GRID[1]))


def north(point, metres):
    return point[0], point[1] + metres / M_LAT


def east(point, metres):
    return point[0] + metres / M_LON, point[1]


def test_open_events_of_the_same_category_nearby_are_offered(anon, people):
    first = report(anon)  # illegal parking: radius 30 m
    assert first["possible_duplicates"] == []
    near = report(anon, point=north(IN_GRID, 20))
    assert [(d["ticket"], d["status"]) for d in near["possible_duplicates"]] == [(first["ticket"], "reported")]
    assert 18 < near["possible_duplicates"][0]["distance_m"] < 22
    # Nearest first.
    third = report(anon, point=east(IN_GRID, 10))
    assert [d["ticket"] for d in third["possible_duplicates"]] == [first["ticket"], near["ticket"]]
    assert third["possible_duplicates"][0]["distance_m"] < third["possible_duplicates"][1]["distance_m"]


def test_other_categories_far_events_and_closed_events_are_not_offered(anon, people, clock):
    first = report(anon)
    assert report(anon, point=north(IN_GRID, 40))["possible_duplicates"] == []  # beyond 30 m
    assert report(anon, category="0701", point=north(IN_GRID, 5))["possible_duplicates"] == []  # noise dispute
    assert report(anon, point=ELSEWHERE)["possible_duplicates"] == []
    ok(act(people.dispatcher, first["ticket"], "cancel", "reported", note="误报"))
    assert report(anon, point=north(IN_GRID, 5))["possible_duplicates"] == []


def test_the_radius_is_the_categorys(anon, people):
    first = report(anon)
    ok(people.admin.patch("/api/v1/categories/0402", json={"duplicate_radius_m": 100}))
    assert [d["ticket"] for d in report(anon, point=north(IN_GRID, 60))["possible_duplicates"]] == [first["ticket"]]
    ok(people.admin.patch("/api/v1/categories/0402", json={"duplicate_radius_m": 0}))
    assert report(anon, point=IN_GRID)["possible_duplicates"] == []


def test_a_dispatcher_merges_a_duplicate(anon, people, clock, db):
    original = report(anon)["ticket"]
    dup = report(anon, point=north(IN_GRID, 10))
    assert dup["possible_duplicates"][0]["ticket"] == original
    body = ok(act(people.dispatcher, dup["ticket"], "merge", "reported", duplicate_of=original, note="同一车辆"))
    merged = body["report"]
    assert (merged["status"], merged["duplicate_of"]) == ("cancelled", original)
    assert merged["allowed_actions"] == [] and merged["closed_at"] is not None
    assert body["transition"]["details"]["duplicate_of"] == original
    # The original goes on; the duplicate keeps its link in lists and history.
    assert people.dispatcher.get(f"/api/v1/reports/{original}").get_json()["status"] == "reported"
    listed = {r["ticket"]: r for r in people.dispatcher.get("/api/v1/reports").get_json()["reports"]}
    assert listed[dup["ticket"]]["duplicate_of"] == original and listed[original]["duplicate_of"] is None
    history = people.dispatcher.get(f"/api/v1/reports/{dup['ticket']}/history").get_json()["history"]
    assert history[-1]["action"] == "merge" and history[-1]["note"] == "同一车辆"
    # A cancelled (merged) event is no longer offered as a duplicate.
    assert [d["ticket"] for d in report(anon, point=north(IN_GRID, 12))["possible_duplicates"]] == [original]


def test_merging_an_event_that_has_duplicates_moves_them_along(anon, people, clock):
    a, b, c = (report(anon, point=north(IN_GRID, m))["ticket"] for m in (0, 5, 10))
    ok(act(people.dispatcher, c, "merge", "reported", duplicate_of=b))
    ok(act(people.dispatcher, b, "merge", "reported", duplicate_of=a))
    assert people.dispatcher.get(f"/api/v1/reports/{c}").get_json()["duplicate_of"] == a


@pytest.mark.parametrize("target", ["self", "cancelled", "missing", "elsewhere"])
def test_bad_merge_targets_are_refused(anon, people, clock, target):
    ticket = report(anon)["ticket"]
    other = report(anon, point=ELSEWHERE)["ticket"]
    if target == "cancelled":
        ok(act(people.dispatcher, other, "cancel", "reported", note="误报"))
    duplicate_of = {"self": ticket, "cancelled": other, "missing": "GM000", "elsewhere": other}[target]
    # A dispatcher bound to the event's grid cannot merge into an event outside it.
    who = people.dispatcher if target != "elsewhere" else _area_dispatcher(people)
    res = act(who, ticket, "merge", "reported", duplicate_of=duplicate_of)
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "duplicate_of"


def _area_dispatcher(people):
    from tests.events.helpers import GRID

    return people._client_as("dispatcher", areas=[GRID], username="dispatcher-grid")


def test_only_a_dispatcher_merges_and_only_before_dispatch(anon, people, clock):
    original = report(anon)["ticket"]
    dup = report(anon, point=north(IN_GRID, 5))["ticket"]
    res = act(people.worker, dup, "merge", "reported", duplicate_of=original)
    assert res.status_code == 403
    ok(act(people.dispatcher, dup, "accept", "reported"))
    ok(act(people.dispatcher, dup, "dispatch", "accepted", assignee=people.worker.user.id))
    res = act(people.dispatcher, dup, "merge", "dispatched", duplicate_of=original)
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "illegal_transition"
