"""Whole events through HTTP, from report to close, by the roles that do each step."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.events import calendar as cal
from app.models import AuditEntry, Report, ReportTransition
from tests.events.helpers import ELSEWHERE, MONDAY_9, PASSWORD, act, ok, report


def history(client, ticket):
    res = client.get(f"/api/v1/reports/{ticket}/history")
    assert res.status_code == 200, res.get_json()
    return res.get_json()["history"]


def test_an_event_from_report_to_close(people, anon, clock, db):
    # A resident reports illegal parking (0402: 2 working hours, handled by the grid).
    new = report(anon)
    ticket = new["ticket"]
    assert new["status"] == "reported" and new["level"] == "grid" and new["deadline"] is None
    assert new["assignee"] is None and new["allowed_actions"] == []  # anonymous: nothing to do

    seen = people.dispatcher.get(f"/api/v1/reports/{ticket}").get_json()
    assert seen["allowed_actions"] == ["accept", "escalate", "suspend", "merge", "cancel"]

    body = ok(act(people.dispatcher, ticket, "accept", "reported"))
    assert body["report"]["status"] == "accepted" and body["transition"]["actor"] == "dispatcher-1"

    # The dispatcher picks a worker whose area covers the event (not the worker of another grid).
    people.worker, people.worker2, people.outsider  # noqa: B018 - the accounts exist
    candidates = people.dispatcher.get(f"/api/v1/reports/{ticket}/assignees").get_json()["assignees"]
    assert {c["username"] for c in candidates} == {"worker-wang", "worker-li"}
    wang = people.worker.user.id
    body = ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=wang, note="请尽快处理"))
    r = body["report"]
    # The clock starts at dispatch: Monday 09:00 + 2 working hours.
    assert r["status"] == "dispatched" and r["assignee"]["id"] == wang
    assert r["dispatched_at"] == "2026-11-23T09:00:00+08:00" and r["deadline"] == "2026-11-23T11:00:00+08:00"
    assert r["deadline_state"] == "on_time"
    assert body["transition"]["details"]["assignee"] == wang
    assert body["transition"]["details"]["deadline"] == "2026-11-23T11:00:00+08:00"

    # The worker sees it with the field actions; the other worker of the grid sees it, but may do nothing.
    mine = people.worker.get(f"/api/v1/reports/{ticket}").get_json()
    assert mine["allowed_actions"] == ["start", "handle", "return", "escalate"]
    assert people.worker2.get(f"/api/v1/reports/{ticket}").get_json()["allowed_actions"] == []

    clock.advance(minutes=20)
    ok(act(people.worker, ticket, "start", "dispatched"))
    clock.advance(minutes=40)
    body = ok(act(people.worker, ticket, "handle", "in_progress", note="已劝离车辆"))
    assert body["report"]["status"] == "handled" and body["report"]["handled_at"] == "2026-11-23T10:00:00+08:00"
    assert body["report"]["deadline_state"] == "on_time"  # handled before 11:00

    ok(act(people.dispatcher, ticket, "verify", "handled"))
    body = ok(act(people.dispatcher, ticket, "close", "verified"))
    assert body["report"]["status"] == "closed" and body["report"]["allowed_actions"] == ["reopen"]
    assert body["report"]["closed_at"] == "2026-11-23T10:00:00+08:00"

    steps = history(people.dispatcher, ticket)
    assert [(s["action"], s["from_state"], s["to_state"]) for s in steps] == [
        ("report", None, "reported"), ("accept", "reported", "accepted"), ("dispatch", "accepted", "dispatched"),
        ("start", "dispatched", "in_progress"), ("handle", "in_progress", "handled"),
        ("verify", "handled", "verified"), ("close", "verified", "closed")]
    assert [s["actor"] for s in steps] == ["anonymous", "dispatcher-1", "dispatcher-1", "worker-wang",
                                           "worker-wang", "dispatcher-1", "dispatcher-1"]
    assert steps[4]["note"] == "已劝离车辆" and steps[2]["details"]["role"] == "dispatcher"
    # The worker sees the history of their grid's events too.
    assert len(history(people.worker, ticket)) == 7

    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "report",
                                                        AuditEntry.entity_id == ticket)
                               .order_by(AuditEntry.id)).all()
    assert [a.action for a in audit] == ["report.create", "report.accept", "report.dispatch", "report.start",
                                         "report.handle", "report.verify", "report.close"]
    dispatch = audit[2]
    assert dispatch.actor == "dispatcher-1" and dispatch.before["status"] == "accepted"
    assert dispatch.after["assignee_id"] == wang and dispatch.after["deadline"] == "2026-11-23T11:00:00+08:00"


def test_the_list_carries_the_loop_fields_for_the_caller(people, anon, clock):
    ticket = report(anon)["ticket"]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id))
    row = people.worker.get("/api/v1/reports?assignee=me").get_json()["reports"]
    assert [r["ticket"] for r in row] == [ticket]
    r = row[0]
    assert r["level"] == "grid" and r["assignee_id"] == people.worker.user.id and r["assignee_name"] == "worker-wang"
    assert r["deadline"] == "2026-11-23T11:00:00+08:00" and r["deadline_state"] == "on_time"
    assert r["allowed_actions"] == ["start", "handle", "return", "escalate"]
    # Same rows, other callers: the colleague may do nothing, the dispatcher the centre's actions.
    assert people.worker2.get("/api/v1/reports").get_json()["reports"][0]["allowed_actions"] == []
    assert people.dispatcher.get("/api/v1/reports").get_json()["reports"][0]["allowed_actions"] == [
        "reassign", "recall", "extend", "escalate", "suspend"]
    assert people.viewer.get("/api/v1/reports").get_json()["reports"][0]["allowed_actions"] == []
    # Filters of the dispatch queue.
    assert people.dispatcher.get("/api/v1/reports?deadline_state=on_time").get_json()["count"] == 1
    assert people.dispatcher.get("/api/v1/reports?deadline_state=overdue").get_json()["count"] == 0
    assert people.dispatcher.get("/api/v1/reports?level=community").get_json()["count"] == 0
    assert people.dispatcher.get(f"/api/v1/reports?assignee={people.worker2.user.id}").get_json()["count"] == 0
    assert people.dispatcher.get("/api/v1/reports?assignee=x").status_code == 422
    assert people.dispatcher.get("/api/v1/reports?deadline_state=late").status_code == 422


def test_the_list_sorts_by_deadline(people, anon, clock):
    first, second, third = (report(anon, category=c)["ticket"] for c in ("0402", "0701", "0102"))
    for ticket, worker in ((first, people.worker), (second, people.worker), (third, people.worker2)):
        ok(act(people.dispatcher, ticket, "accept", "reported"))
        ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=worker.user.id))
    rows = people.dispatcher.get("/api/v1/reports?sort=deadline").get_json()["reports"]
    # 0402: 2 h (11:00), 0102: 4 h (15:00), 0701: 1 working day (Tuesday 17:30).
    assert [r["ticket"] for r in rows] == [first, third, second]
    # Handled on time, the first no longer presses: the events still being handled come first.
    clock.advance(minutes=30)
    ok(act(people.worker, first, "start", "dispatched"))
    ok(act(people.worker, first, "handle", "in_progress", note="已劝离"))
    rows = people.dispatcher.get("/api/v1/reports?sort=deadline").get_json()["reports"]
    assert [r["ticket"] for r in rows] == [third, second, first]


def test_deadline_states_follow_the_working_clock(people, anon, clock):
    ticket = report(anon)["ticket"]  # 2 working hours
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id))

    def state():
        one = people.dispatcher.get(f"/api/v1/reports/{ticket}").get_json()["deadline_state"]
        listed = people.dispatcher.get("/api/v1/reports").get_json()["reports"][0]["deadline_state"]
        assert one == listed  # the Python rule and the list SQL agree
        return one

    clock.set(MONDAY_9 + timedelta(minutes=95))  # 25 min of 120 left: more than 20 %
    assert state() == "on_time"
    clock.set(MONDAY_9 + timedelta(minutes=96))  # exactly 24 min (20 %) left
    assert state() == "due_soon"
    clock.set(MONDAY_9 + timedelta(hours=2))  # at the deadline: not yet overdue
    assert state() == "due_soon"
    clock.set(MONDAY_9 + timedelta(hours=2, seconds=1))
    assert state() == "overdue"
    # The calendar says the same.
    deadline = datetime.fromisoformat(people.dispatcher.get(f"/api/v1/reports/{ticket}").get_json()["deadline"])
    assert cal.deadline_state(MONDAY_9 + timedelta(minutes=96), deadline, start=MONDAY_9) == "due_soon"


def test_a_deadline_in_working_days_skips_the_weekend(people, anon, clock):
    clock.set(MONDAY_9 + timedelta(days=4, hours=7))  # Friday 16:00
    ticket = report(anon, category="0701")["ticket"]  # noise dispute: 1 working day
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    body = ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id))
    assert body["report"]["deadline"] == "2026-11-30T17:30:00+08:00"  # the next Monday's close of work


def test_a_dispatcher_may_set_the_deadline_at_dispatch(people, anon, clock):
    ticket = report(anon)["ticket"]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    body = ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id,
                  deadline="2026-11-23 16:00"))  # no zone: Beijing time
    assert body["report"]["deadline"] == "2026-11-23T16:00:00+08:00"
    res = act(people.dispatcher, ticket, "extend", "dispatched", note="需要协调", deadline="2026-11-23T15:00:00+08:00")
    assert res.status_code == 422 and res.get_json()["error"]["code"] == "deadline_not_later"


def test_extend_suspend_and_resume_move_the_deadline(people, anon, clock):
    ticket = report(anon)["ticket"]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id))  # due 11:00
    body = ok(act(people.dispatcher, ticket, "extend", "dispatched", note="车主外地",
                  deadline="2026-11-23T16:00:00+08:00"))
    assert body["report"]["status"] == "dispatched" and body["report"]["deadline"] == "2026-11-23T16:00:00+08:00"

    clock.set(MONDAY_9 + timedelta(hours=1))  # 10:00
    body = ok(act(people.dispatcher, ticket, "suspend", "dispatched", note="等待交警"))
    assert body["report"]["status"] == "suspended" and body["report"]["suspended_from"] == "dispatched"
    assert body["report"]["deadline_state"] is None and body["report"]["allowed_actions"] == ["resume"]
    # Tuesday 09:00: 6 working hours parked (Monday 10-12 and 14-17:30, Tuesday 08:30-09:00).
    clock.set(MONDAY_9 + timedelta(days=1))
    body = ok(act(people.dispatcher, ticket, "resume", "suspended"))
    assert body["report"]["status"] == "dispatched" and body["report"]["suspended_from"] is None
    # Monday 16:00 + 6 working hours: 1.5 h on Monday, 3.5 h Tuesday morning, 1 h after lunch.
    assert body["report"]["deadline"] == "2026-11-24T15:00:00+08:00"
    assert body["transition"]["details"]["clock"] == "resume"


def test_return_and_redispatch_and_rework(people, anon, clock):
    ticket = report(anon)["ticket"]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id))
    body = ok(act(people.worker, ticket, "return", "dispatched", note="不属于本网格职责"))
    assert body["report"]["status"] == "returned"
    # Re-dispatched to the colleague; a new clock starts.
    clock.advance(hours=1, minutes=30)
    body = ok(act(people.dispatcher, ticket, "dispatch", "returned", assignee=people.worker2.user.id))
    assert body["report"]["assignee"]["username"] == "worker-li" and body["report"]["deadline"] == \
        "2026-11-23T14:30:00+08:00"  # 10:30 + 2 h, across the lunch break
    ok(act(people.worker2, ticket, "handle", "dispatched", note="已处理"))
    body = ok(act(people.dispatcher, ticket, "reject", "handled", note="车辆仍在"))
    assert body["report"]["status"] == "in_progress" and body["report"]["rework_count"] == 1
    assert body["report"]["handled_at"] is None
    ok(act(people.worker2, ticket, "handle", "in_progress", note="已拖离"))
    ok(act(people.dispatcher, ticket, "verify", "handled"))
    ok(act(people.dispatcher, ticket, "close", "verified"))
    body = ok(act(people.dispatcher, ticket, "reopen", "closed", note="群众再次反映"))
    assert body["report"]["status"] == "in_progress" and body["report"]["rework_count"] == 2
    assert body["report"]["closed_at"] is None


def test_a_worker_escalates_a_case_the_grid_cannot_solve(people, anon, clock):
    ticket = report(anon)["ticket"]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id))
    body = ok(act(people.worker, ticket, "escalate", "dispatched", note="需社区协调物业"))
    r = body["report"]
    assert (r["status"], r["level"], r["assignee"]) == ("accepted", "community", None)
    assert {"level": "community", "from_level": "grid", "clear_assignee": True}.items() \
        <= body["transition"]["details"].items()
    # Community, subdistrict, department; then there is nowhere higher to go.
    ok(act(people.dispatcher, ticket, "escalate", "accepted", note="街道协调"))
    ok(act(people.dispatcher, ticket, "escalate", "accepted", note="移交职能部门"))
    top = people.dispatcher.get(f"/api/v1/reports/{ticket}").get_json()
    assert top["level"] == "department" and "escalate" not in top["allowed_actions"]
    res = act(people.dispatcher, ticket, "escalate", "accepted", note="再上报")
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "top_level"


# --- Refusals ------------------------------------------------------------------------------


def test_illegal_transitions_get_409_with_the_current_state(people, anon, clock):
    ticket = report(anon)["ticket"]
    res = act(people.dispatcher, ticket, "close", "reported")
    assert res.status_code == 409
    err = res.get_json()["error"]
    assert err["code"] == "illegal_transition" and err["details"]["current_state"] == "reported"
    assert err["details"]["allowed_actions"] == ["accept", "escalate", "suspend", "merge", "cancel"]
    # Dispatching before filing, verifying what nobody handled.
    assert act(people.dispatcher, ticket, "dispatch", "reported",
               assignee=people.worker.user.id).get_json()["error"]["code"] == "illegal_transition"
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    assert act(people.dispatcher, ticket, "verify", "accepted").status_code == 409
    # Nothing changed.
    assert people.dispatcher.get(f"/api/v1/reports/{ticket}").get_json()["status"] == "accepted"


def test_a_stale_expected_state_gets_409_and_changes_nothing(people, anon, clock, db):
    ticket = report(anon)["ticket"]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    # The second dispatcher's screen still shows "reported".
    res = act(people.dispatcher2, ticket, "accept", "reported")
    assert res.status_code == 409
    err = res.get_json()["error"]
    assert err["code"] == "stale_state" and err["details"]["current_state"] == "accepted"
    assert "dispatch" in err["details"]["allowed_actions"]
    res = act(people.dispatcher2, ticket, "cancel", "reported", note="重复")
    assert res.status_code == 409 and res.get_json()["error"]["details"]["current_state"] == "accepted"
    # A stale row_version is refused the same way, even when the state matches.
    version = people.dispatcher.get(f"/api/v1/reports/{ticket}").get_json()["row_version"]
    res = act(people.dispatcher2, ticket, "cancel", "accepted", note="重复", row_version=version - 1)
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "stale_state"
    # Joined on the composite key (district, report): the join Citus runs on one shard.
    steps = db.session.scalars(select(ReportTransition.action)
                               .join(Report, (Report.district_code == ReportTransition.district_code)
                                     & (Report.id == ReportTransition.report_id))
                               .where(Report.ticket == ticket)).all()
    assert steps == ["report", "accept"]
    refused = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == ticket,
                                                          AuditEntry.actor == "dispatcher-2")).all()
    assert refused == []


@pytest.mark.parametrize("role", ["viewer", "planner"])
def test_roles_that_do_not_act_on_events_get_403(people, anon, role):
    ticket = report(anon)["ticket"]
    res = act(getattr(people, role), ticket, "accept", "reported")
    assert res.status_code == 403 and res.get_json()["error"]["details"]["permission"] == "reports:act"
    assert getattr(people, role).get(f"/api/v1/reports/{ticket}/assignees").status_code == 403
    # They may read the history.
    assert len(history(getattr(people, role), ticket)) == 1


def test_a_worker_may_not_take_the_dispatchers_actions(people, anon, clock):
    ticket = report(anon)["ticket"]
    res = act(people.worker, ticket, "accept", "reported")
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "forbidden"
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id))
    ok(act(people.worker, ticket, "handle", "dispatched", note="已处理"))
    # A worker cannot verify or close, not even their own case.
    for action, state in (("verify", "handled"), ("close", "handled")):
        res = act(people.worker, ticket, action, state)
        assert res.status_code == 403 and res.get_json()["error"]["details"]["current_state"] == "handled"


def test_a_worker_acts_only_in_their_grids_and_on_their_own_cases(people, anon, clock):
    far = report(anon, point=ELSEWHERE)["ticket"]
    # Outside their grids the event does not exist for them.
    assert act(people.worker, far, "escalate", "reported", note="x").status_code == 404
    assert people.worker.get(f"/api/v1/reports/{far}/history").status_code == 404
    assert people.worker.get(f"/api/v1/reports/{far}").status_code == 404

    ticket = report(anon)["ticket"]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker.user.id))
    # The colleague of the same grid may not work someone else's case.
    for action, fields in (("start", {}), ("handle", {"note": "x"}), ("escalate", {"note": "x"})):
        res = act(people.worker2, ticket, action, "dispatched", **fields)
        assert res.status_code == 403 and res.get_json()["error"]["code"] == "not_assignee", action
    # The worker of another grid does not even see it.
    assert act(people.outsider, ticket, "start", "dispatched").status_code == 404


def test_dispatch_only_to_a_worker_whose_area_covers_the_event(people, anon, clock):
    ticket = report(anon)["ticket"]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    for assignee in (people.outsider.user.id, people.dispatcher2.user.id, people.viewer.user.id, 999999):
        res = act(people.dispatcher, ticket, "dispatch", "accepted", assignee=assignee)
        assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "assignee", assignee
    res = act(people.dispatcher, ticket, "dispatch", "accepted")
    assert res.status_code == 422 and res.get_json()["error"]["code"] == "assignee_required"


@pytest.mark.parametrize("body,field", [
    ({}, "action"),
    ({"action": "accept"}, "expected_state"),
    ({"action": "accept", "expected_state": "nowhere"}, "expected_state"),
    ({"action": "fly", "expected_state": "reported"}, "action"),
    ({"action": "cancel", "expected_state": "reported"}, "note"),
    ({"action": "cancel", "expected_state": "reported", "note": "   "}, "note"),
    ({"action": "accept", "expected_state": "reported", "assignee": "wang"}, "assignee"),
    ({"action": "accept", "expected_state": "reported", "assignee": True}, "assignee"),
    ({"action": "accept", "expected_state": "reported", "deadline": "tomorrow"}, "deadline"),
    ({"action": "accept", "expected_state": "reported", "deadline": "2099-01-01T00:00:00+08:00"}, "deadline"),
    ({"action": "accept", "expected_state": "reported", "colour": "red"}, "colour"),
    ({"action": "merge", "expected_state": "reported"}, "duplicate_of"),
    ({"action": "accept", "expected_state": "reported", "note": 5}, "note"),
])
def test_bad_transition_input_names_the_field(people, anon, clock, body, field):
    ticket = report(anon)["ticket"]
    res = people.dispatcher.post(f"/api/v1/reports/{ticket}/transitions", json=body)
    assert res.status_code == 422, res.get_json()
    assert res.get_json()["error"]["details"]["field"] == field


def test_unknown_ticket_and_non_json_body(people):
    assert act(people.dispatcher, "GM000", "accept", "reported").status_code == 404
    assert people.dispatcher.get("/api/v1/reports/GM000/history").status_code == 404
    res = people.dispatcher.post("/api/v1/reports/GM000/transitions", data="accept")
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "body"


def test_anonymous_callers_cannot_act(anon, people):
    ticket = report(anon)["ticket"]
    assert act(anon, ticket, "accept", "reported").status_code == 401
    assert anon.get(f"/api/v1/reports/{ticket}/history").status_code == 401


def test_a_signed_in_dispatcher_sends_the_csrf_token_with_a_transition(app, people, anon, clock):
    """The dispatch desk acts from the browser session: the write needs the page's CSRF token."""
    from tests.auth_helpers import csrf_from, sign_in

    ticket = report(anon)["ticket"]
    people.dispatcher  # noqa: B018 - the account exists
    browser = app.test_client()
    assert sign_in(browser, "dispatcher-1", PASSWORD).status_code == 302
    res = act(browser, ticket, "accept", "reported")
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "csrf_failed"
    token = csrf_from(browser.get("/").get_data(as_text=True))
    res = browser.post(f"/api/v1/reports/{ticket}/transitions", json={"action": "accept", "expected_state": "reported"},
                       headers={"X-CSRFToken": token})
    assert res.status_code == 200 and res.get_json()["transition"]["actor"] == "dispatcher-1"
