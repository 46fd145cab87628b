"""The live feed GET /api/v1/reports/changes: cursor semantics, filters, scope, masking, change paths."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.events.escalation import escalate_overdue
from tests.events.helpers import ELSEWHERE, IN_GRID, MONDAY_9, OTHER_GRID, act, ok, report

FEED = "/api/v1/reports/changes"


def feed(client, **params) -> dict:
    res = client.get(FEED, query_string=params)
    assert res.status_code == 200, res.get_json()
    assert res.mimetype == "application/geo+json"
    body = res.get_json()
    assert body["type"] == "FeatureCollection"
    return body


def tickets(body) -> list[str]:
    return sorted(f["properties"]["ticket"] for f in body["features"])


def cursor_now(client) -> str:
    return feed(client, limit=1)["cursor"]


def test_first_call_lists_everything_then_only_what_changed_after_the_cursor(anon, people, quiet):
    first, second = report(anon)["ticket"], report(anon, point=ELSEWHERE)["ticket"]
    body = feed(people.dispatcher)
    assert tickets(body) == sorted([first, second])
    assert body["unmatched"] == [] and body["truncated"] is False
    quiet()
    cursor = cursor_now(people.dispatcher)
    assert feed(people.dispatcher, since=cursor)["features"] == []

    ok(act(people.dispatcher, first, "accept", "reported"))
    third = report(anon)["ticket"]
    body = feed(people.dispatcher, since=cursor)
    assert tickets(body) == sorted([first, third])          # the untouched one stays out
    changed = {f["properties"]["ticket"]: f["properties"] for f in body["features"]}
    assert changed[first]["status"] == "accepted" and changed[first]["row_version"] == 2
    # Same properties as the report list, allowed actions of the caller included.
    listed = people.dispatcher.get("/api/v1/reports?format=geojson").get_json()["features"]
    assert {f["properties"]["ticket"]: f["properties"] for f in listed}[first] == changed[first]
    assert changed[third]["allowed_actions"] == ["accept", "escalate", "suspend", "merge", "cancel"]

    # The next cursor moves on: asking with it again brings nothing new.
    quiet()
    later = feed(people.dispatcher, since=cursor_now(people.dispatcher))
    assert later["features"] == [] and later["cursor"] > cursor


def test_the_cursor_overlaps_so_late_commits_are_not_lost(anon, people, quiet):
    """Rows changed a moment before the answer come again next time: the client dedupes them."""
    ticket = report(anon)["ticket"]
    body = feed(people.dispatcher)
    again = feed(people.dispatcher, since=body["cursor"])
    assert tickets(again) == [ticket]


def test_filters_apply_and_changes_that_leave_them_are_listed_as_unmatched(anon, people, quiet):
    first, second = report(anon)["ticket"], report(anon, category="0102")["ticket"]
    quiet()
    cursor = cursor_now(people.dispatcher)
    ok(act(people.dispatcher, first, "accept", "reported"))
    ok(act(people.dispatcher, second, "cancel", "reported", note="重复上报"))
    third = report(anon)["ticket"]
    body = feed(people.dispatcher, since=cursor, status="reported")
    assert tickets(body) == [third]
    assert sorted(body["unmatched"]) == sorted([first, second])
    open_only = feed(people.dispatcher, since=cursor, status="open", category="0402")
    assert tickets(open_only) == sorted([first, third]) and open_only["unmatched"] == [second]


def test_a_full_page_is_truncated_and_the_cursor_resumes_after_its_last_row(anon, people, quiet):
    quiet()
    cursor = cursor_now(people.dispatcher)
    first, second = report(anon)["ticket"], report(anon)["ticket"]
    page = feed(people.dispatcher, since=cursor, limit=1)
    assert page["truncated"] is True and tickets(page) == [first]      # oldest change first
    rest = feed(people.dispatcher, since=page["cursor"], limit=1)
    assert tickets(rest) == [second]


def test_a_grid_worker_sees_only_changes_in_their_grids(anon, people, quiet):
    mine, other = report(anon, point=IN_GRID)["ticket"], report(anon, point=ELSEWHERE)["ticket"]
    assert tickets(feed(people.worker)) == [mine]
    assert feed(people.outsider)["features"][0]["properties"]["grid_code"].startswith("410102002")
    quiet()
    cursor = cursor_now(people.worker)
    ok(act(people.dispatcher, other, "accept", "reported"))
    ok(act(people.dispatcher, mine, "accept", "reported"))
    body = feed(people.worker, since=cursor, status="reported")
    # The worker's own event left the filter; the other grid's change is not even named.
    assert body["features"] == [] and body["unmatched"] == [mine]
    assert tickets(feed(people.worker, since=cursor)) == [mine]


def test_reporters_are_masked_unless_the_role_may_call_back(anon, people):
    report(anon, reporter_name="张三丰", reporter_phone="13812345678")
    seen = feed(people.viewer)["features"][0]["properties"]
    assert seen["reporter_name"] != "张三丰" and "1234" not in seen["reporter_phone"]
    full = feed(people.dispatcher)["features"][0]["properties"]
    assert (full["reporter_name"], full["reporter_phone"]) == ("张三丰", "13812345678")


def test_access_and_bad_cursors(anon, people):
    assert anon.get(FEED).status_code == 401
    assert people.planner.get(FEED).status_code == 200     # planners read events (REPORTS_READ)
    for bad in ("yesterday", "2026-11-23T09:00:00"):       # not a date; no offset
        res = people.viewer.get(FEED, query_string={"since": bad})
        assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "since"
    res = people.viewer.get(FEED, query_string={"status": "lost"})
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "status"


def test_overdue_escalation_shows_up_in_the_feed(anon, people, clock, quiet):
    ticket = report(anon)["ticket"]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id))
    quiet()
    cursor = cursor_now(people.dispatcher)
    assert escalate_overdue(MONDAY_9 + timedelta(hours=2, minutes=1), commit=False).escalated
    body = feed(people.dispatcher, since=cursor)
    assert tickets(body) == [ticket] and body["features"][0]["properties"]["level"] == "community"


def test_merging_moves_the_duplicates_of_a_duplicate_into_the_feed(anon, people, quiet):
    keep, middle, old = (report(anon)["ticket"] for _ in range(3))
    ok(act(people.dispatcher, old, "merge", "reported", duplicate_of=middle))
    quiet()
    cursor = cursor_now(people.dispatcher)
    ok(act(people.dispatcher, middle, "merge", "reported", duplicate_of=keep))
    body = feed(people.dispatcher, since=cursor)
    changed = {f["properties"]["ticket"]: f["properties"] for f in body["features"]}
    assert set(changed) == {middle, old} and changed[old]["duplicate_of"] == keep


def test_republishing_unchanged_boundaries_resends_nothing(anon, people, quiet, db):
    report(anon)
    quiet()
    cursor = cursor_now(people.dispatcher)
    from app.plan.publish import reassign

    generation = db.session.execute(text("SELECT max(generation) FROM boundary_version")).scalar()
    district = db.session.execute(text("SELECT district_code FROM report")).scalar_one()
    counts = reassign(generation, generation, district)
    assert (counts.checked, counts.moved) == (1, 0)
    assert feed(people.dispatcher, since=cursor)["features"] == []
    # A report whose grid does change on publish does show up.
    db.session.execute(text("UPDATE report SET current_lineage = '{}' "))
    reassign(generation, generation, district)
    assert len(feed(people.dispatcher, since=cursor)["features"]) == 1


@pytest.mark.parametrize("role", ["viewer", "worker", "dispatcher"])
def test_the_route_is_not_taken_for_a_ticket(people, role):
    """/reports/changes is the feed, not the report with ticket "changes"."""
    res = getattr(people, role).get(FEED)
    assert res.status_code == 200 and "cursor" in res.get_json()


def test_the_scope_fingerprint_changes_with_a_publish_or_the_callers_grids(anon, people, db):
    """Events can leave a caller's view with no change the feed could name to them (a publish moves
    them, an administrator takes a grid away): the fingerprint tells the desk to load everything."""
    from app.models import BoundaryVersion, UserArea

    mine = report(anon, point=IN_GRID)["ticket"]
    first = feed(people.worker)
    assert tickets(first) == [mine]
    assert feed(people.worker, since=first["cursor"])["scope"] == first["scope"]
    assert feed(people.worker2)["scope"] == first["scope"]       # the same grids, the same view
    assert feed(people.outsider)["scope"] != first["scope"]
    assert feed(people.dispatcher)["scope"] not in (first["scope"], feed(people.outsider)["scope"])

    # The worker's grid is taken away: nothing about the event changed, but the view did.
    user = people.worker.user
    db.session.query(UserArea).filter_by(user_id=user.id).update({"grid_code": OTHER_GRID})
    db.session.commit()
    moved = feed(people.worker, since=first["cursor"])
    assert moved["features"] == [] and moved["scope"] != first["scope"]
    assert mine not in tickets(feed(people.worker))

    # A newly published version changes every caller's fingerprint.
    before = feed(people.dispatcher)["scope"]
    version = db.session.query(BoundaryVersion).filter_by(status="published").one()
    version.generation += 100
    db.session.commit()
    assert feed(people.dispatcher)["scope"] != before


def test_every_answer_counts_the_new_events_of_the_callers_area_whatever_the_filters(anon, people, quiet):
    mine, far = report(anon)["ticket"], report(anon, point=ELSEWHERE)["ticket"]
    assert feed(people.dispatcher)["new_events"] == 2
    # A filter that hides them does not hide the count: the desk must not miss an arrival.
    assert feed(people.dispatcher, status="dispatched")["new_events"] == 2
    assert feed(people.worker)["new_events"] == 1                 # the worker's grid only
    quiet()
    cursor = cursor_now(people.dispatcher)
    ok(act(people.dispatcher, mine, "accept", "reported"))        # accepted: no longer new
    body = feed(people.dispatcher, since=cursor)
    assert body["new_events"] == 1 and tickets(body) == [mine]
    ok(act(people.dispatcher, far, "cancel", "reported", note="重复"))
    assert feed(people.dispatcher, since=cursor)["new_events"] == 0


def test_priority_puts_new_events_first_and_finished_ones_last(anon, people, clock):
    old_new = report(anon)["ticket"]
    finished = report(anon)["ticket"]
    ok(act(people.dispatcher, finished, "accept", "reported"))
    ok(act(people.dispatcher, finished, "dispatch", "accepted", assignee=people.worker.user.id))
    ok(act(people.worker, finished, "handle", "dispatched", note="已处理"))
    ok(act(people.dispatcher, finished, "verify", "handled"))
    running = report(anon)["ticket"]
    ok(act(people.dispatcher, running, "accept", "reported"))
    ok(act(people.dispatcher, running, "dispatch", "accepted", assignee=people.worker.user.id))
    clock.advance(minutes=5)
    newest = report(anon)["ticket"]
    order = [f["id"] for f in feed(people.dispatcher, sort="priority")["features"]]
    # New events first (the newest on top), then the running one; the verified one last, although
    # its deadline is the soonest of all.
    assert order == [newest, old_new, running, finished]
    by_deadline = [f["id"] for f in feed(people.dispatcher, sort="deadline")["features"]]
    assert by_deadline.index(running) < by_deadline.index(finished)
    assert people.dispatcher.get(FEED, query_string={"sort": "urgent"}).status_code == 422
