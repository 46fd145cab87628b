"""Overdue events escalate by themselves up the chain, judged on a clock the test controls."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.events.escalation import escalate_overdue
from app.models import AuditEntry
from tests.events.helpers import MONDAY_9, act, ok, report


def dispatched(anon, people, category="0402", worker=None):
    ticket = report(anon, category=category)["ticket"]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=(worker or people.worker).user.id))
    return ticket


def get(people, ticket):
    return people.dispatcher.get(f"/api/v1/reports/{ticket}").get_json()


def test_an_overdue_event_goes_up_one_level_and_back_to_the_queue(anon, people, clock, db):
    parking = dispatched(anon, people)  # 2 working hours: due 11:00
    garbage = dispatched(anon, people, category="0102")  # 4 working hours: due 15:00
    ok(act(people.worker, parking, "start", "dispatched"))

    # At 11:00 nothing is overdue yet.
    assert escalate_overdue(MONDAY_9 + timedelta(hours=2)).escalated == []
    result = escalate_overdue(MONDAY_9 + timedelta(hours=2, minutes=1))
    assert [(e["ticket"], e["from_level"], e["level"]) for e in result.escalated] == [(parking, "grid", "community")]
    r = get(people, parking)
    assert (r["status"], r["level"], r["assignee"]) == ("accepted", "community", None)
    # The missed deadline is kept (for the on-time rate); the clock no longer runs.
    assert r["deadline"] == "2026-11-23T11:00:00+08:00" and r["deadline_state"] is None
    assert get(people, garbage)["status"] == "dispatched"

    step = people.dispatcher.get(f"/api/v1/reports/{parking}/history").get_json()["history"][-1]
    assert (step["action"], step["actor"], step["actor_id"], step["from_state"], step["to_state"]) == (
        "escalate", "system", None, "in_progress", "accepted")
    assert step["details"]["role"] == "system" and step["details"]["reason"] == "overdue"
    assert step["details"]["previous_assignee"] == people.worker.user.id
    assert step["details"]["level"] == "community" and step["details"]["deadline"] == "2026-11-23T11:00:00+08:00"
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.escalate")).one()
    assert audit.entity_id == parking and audit.actor == "system"
    assert audit.before["level"] == "grid" and audit.after == {
        "status": "accepted", "level": "community", "assignee_id": None,
        "row_version": audit.before["row_version"] + 1, "reason": "overdue"}

    # Running again at the same time changes nothing more.
    assert escalate_overdue(MONDAY_9 + timedelta(hours=2, minutes=1)).escalated == []
    # The worker no longer holds it.
    assert people.worker.get(f"/api/v1/reports/{parking}").get_json()["allowed_actions"] == ["escalate"]


def test_the_chain_climbs_level_by_level_and_stops_at_the_department(anon, people, clock):
    ticket = dispatched(anon, people)
    community_worker = people._client_as("worker", areas=["410102001001"], username="community-zhao")
    subdistrict_worker = people._client_as("worker", areas=["410102001"], username="street-qian")
    levels = []
    for worker in (community_worker, subdistrict_worker, people.worker):
        clock.advance(days=3)
        result = escalate_overdue(clock.now)
        levels.append(result.escalated[0]["level"])
        ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=worker.user.id))
    assert levels == ["community", "subdistrict", "department"]
    clock.advance(days=3)
    result = escalate_overdue(clock.now)
    assert result.escalated == [] and result.at_top == [ticket]
    r = get(people, ticket)
    assert (r["status"], r["level"], r["deadline_state"]) == ("dispatched", "department", "overdue")


def test_only_running_clocks_escalate(anon, people, clock):
    handled = dispatched(anon, people)
    ok(act(people.worker, handled, "handle", "dispatched", note="已处理"))
    parked = dispatched(anon, people)
    ok(act(people.dispatcher, parked, "suspend", "dispatched", note="等待"))
    waiting = report(anon)["ticket"]  # never dispatched: no deadline
    clock.advance(days=10)
    assert escalate_overdue(clock.now).escalated == []
    assert get(people, handled)["deadline_state"] == "on_time"  # handled in time
    assert get(people, parked)["deadline_state"] is None and get(people, waiting)["deadline_state"] is None


def test_handled_late_is_recorded_as_late_not_as_overdue_now(anon, people, clock):
    """One rule (gridmap_deadline_state): "overdue" is a clock still running past its deadline;
    an event handled after it is "handled_late", and no overdue list or count holds it."""
    ticket = dispatched(anon, people)
    clock.set(MONDAY_9 + timedelta(hours=3))
    assert get(people, ticket)["deadline_state"] == "overdue"
    ok(act(people.worker, ticket, "handle", "dispatched", note="已处理"))
    assert get(people, ticket)["deadline_state"] == "handled_late"
    assert people.dispatcher.get("/api/v1/reports?deadline_state=overdue").get_json()["count"] == 0
    assert people.dispatcher.get("/api/v1/reports?deadline_state=handled_late").get_json()["count"] == 1


def test_flask_events_escalate_with_now(anon, people, clock, cli):
    ticket = dispatched(anon, people)
    out = cli.invoke(args=["events", "escalate", "--now", "2026-11-23T10:59:00+08:00"])
    assert out.exit_code == 0, out.output
    assert "0 overdue events escalated" in out.output
    # A time without a zone is Beijing time.
    out = cli.invoke(args=["events", "escalate", "--now", "2026-11-23 11:30"])
    assert out.exit_code == 0, out.output
    assert "1 overdue events escalated" in out.output and f"{ticket}: grid → community" in out.output
    assert get(people, ticket)["level"] == "community"
    out = cli.invoke(args=["events", "escalate", "--now", "soon"])
    assert out.exit_code == 1 and "--now" in out.output


def test_flask_events_escalate_uses_the_clock_by_default(anon, people, clock, cli):
    ticket = dispatched(anon, people)
    clock.advance(hours=5)
    out = cli.invoke(args=["events", "escalate"])
    assert out.exit_code == 0 and "1 overdue events escalated" in out.output
    assert get(people, ticket)["status"] == "accepted"
