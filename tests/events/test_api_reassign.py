"""改派 (reassign) and 撤回 (recall to the desk) after dispatch, through HTTP: the reason is kept in the
history and the audit log, access follows the assignee, the worker's 退回 (return) path still works,
and the assignee picker lists each person once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from app.models import AuditEntry, Report
from tests.events.helpers import IN_GRID, MONDAY_9, act, ok, report


def dispatched(anon, people, assignee=None) -> str:
    ticket = report(anon, point=IN_GRID)["ticket"]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=(assignee or people.worker).user.id))
    return ticket


def history(client, ticket) -> list[dict]:
    return client.get(f"/api/v1/reports/{ticket}/history").get_json()["history"]


def audit(db, ticket) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "report",
                                                       AuditEntry.entity_id == ticket).order_by(AuditEntry.id)).all()


def test_reassign_hands_the_event_to_another_worker_with_the_reason(anon, people, clock, db):
    ticket = dispatched(anon, people)
    ok(act(people.worker, ticket, "start", "dispatched"))
    deadline = people.dispatcher.get(f"/api/v1/reports/{ticket}").get_json()["deadline"]
    clock.advance(minutes=30)
    li = people.worker2.user.id
    body = ok(act(people.dispatcher, ticket, "reassign", "in_progress", assignee=li, note="王网格员请假，改派李网格员"))
    r = body["report"]
    # The new assignee has not started: dispatched, and the case's deadline keeps running.
    assert (r["status"], r["assignee"]["id"], r["deadline"]) == ("dispatched", li, deadline)
    t = body["transition"]
    assert (t["action"], t["from_state"], t["to_state"], t["note"]) == \
        ("reassign", "in_progress", "dispatched", "王网格员请假，改派李网格员")
    assert t["details"]["assignee"] == li and t["details"]["from_assignee"] == people.worker.user.id
    assert (t["details"]["from_assignee_name"], t["details"]["assignee_name"]) == ("worker-wang", "worker-li")
    assert history(people.viewer, ticket)[-1]["action"] == "reassign"
    entry = audit(db, ticket)[-1]
    assert entry.action == "report.reassign" and entry.actor == "dispatcher-1"
    assert (entry.before["assignee_id"], entry.after["assignee_id"]) == (people.worker.user.id, li)
    # The event follows its assignee: the old one may only watch, the new one does the field work.
    assert people.worker.get(f"/api/v1/reports/{ticket}").get_json()["allowed_actions"] == []
    assert act(people.worker, ticket, "handle", "dispatched", note="x").status_code == 403
    assert people.worker2.get(f"/api/v1/reports/{ticket}").get_json()["allowed_actions"] == [
        "start", "handle", "return", "escalate"]
    ok(act(people.worker2, ticket, "handle", "dispatched", note="已处理"))


def test_reassign_needs_another_worker_of_the_events_grids_and_a_reason(anon, people, clock):
    ticket = dispatched(anon, people)
    same = act(people.dispatcher, ticket, "reassign", "dispatched", assignee=people.worker.user.id, note="x")
    assert same.status_code == 422 and same.get_json()["error"]["code"] == "same_assignee"
    assert same.get_json()["error"]["details"]["field"] == "assignee"
    far = act(people.dispatcher, ticket, "reassign", "dispatched", assignee=people.outsider.user.id, note="x")
    assert far.status_code == 422 and far.get_json()["error"]["details"]["field"] == "assignee"
    silent = act(people.dispatcher, ticket, "reassign", "dispatched", assignee=people.worker2.user.id)
    assert silent.status_code == 422 and silent.get_json()["error"]["code"] == "note_required"
    nobody = act(people.dispatcher, ticket, "reassign", "dispatched", note="x")
    assert nobody.status_code == 422 and nobody.get_json()["error"]["code"] == "assignee_required"
    # Workers route nothing, even on their own event.
    assert act(people.worker, ticket, "reassign", "dispatched", assignee=people.worker2.user.id,
               note="x").status_code == 403
    assert act(people.worker, ticket, "recall", "dispatched", note="x").status_code == 403
    # Nothing changed meanwhile.
    assert people.dispatcher.get(f"/api/v1/reports/{ticket}").get_json()["assignee"]["id"] == people.worker.user.id


def test_recall_brings_it_back_to_the_desk_and_a_new_dispatch_starts_a_new_clock(anon, people, clock, db):
    ticket = dispatched(anon, people)
    clock.advance(hours=1)
    body = ok(act(people.dispatcher, ticket, "recall", "dispatched", note="派错网格，撤回重派"))
    r = body["report"]
    assert (r["status"], r["assignee"], r["deadline_state"]) == ("accepted", None, None)
    t = body["transition"]
    assert (t["action"], t["to_state"], t["note"]) == ("recall", "accepted", "派错网格，撤回重派")
    assert t["details"]["from_assignee_name"] == "worker-wang" and t["details"]["clear_assignee"] is True
    assert audit(db, ticket)[-1].action == "report.recall"
    # Back in the dispatcher's hands; the worker no longer holds it.
    assert people.dispatcher.get(f"/api/v1/reports/{ticket}").get_json()["allowed_actions"][0] == "dispatch"
    assert people.worker.get("/api/v1/reports?assignee=me").get_json()["count"] == 0
    body = ok(act(people.dispatcher, ticket, "dispatch", "accepted", assignee=people.worker2.user.id))
    # 0402 gives two working hours from the new dispatch (10:00 → 12:00).
    assert body["report"]["dispatched_at"] == "2026-11-23T10:00:00+08:00"
    assert body["report"]["deadline"] == "2026-11-23T12:00:00+08:00"
    actions = [e["action"] for e in history(people.dispatcher, ticket)]
    assert actions == ["report", "accept", "dispatch", "recall", "dispatch"]


def test_the_workers_return_still_works_beside_recall(anon, people, clock):
    ticket = dispatched(anon, people)
    body = ok(act(people.worker, ticket, "return", "dispatched", note="不属于本网格"))
    assert (body["report"]["status"], body["report"]["assignee"]["id"]) == ("returned", people.worker.user.id)
    # A returned event is dispatched again, not reassigned or recalled.
    allowed = people.dispatcher.get(f"/api/v1/reports/{ticket}").get_json()["allowed_actions"]
    assert "dispatch" in allowed and "reassign" not in allowed and "recall" not in allowed
    ok(act(people.dispatcher, ticket, "dispatch", "returned", assignee=people.worker2.user.id))


def test_the_picker_lists_each_person_once_with_grid_phone_and_load(anon, people, clock, db):
    """Two accounts of one staff record (a person) are one entry: the one used last."""
    from app.models import Staff, User

    ticket = dispatched(anon, people)
    people.worker2  # noqa: B018 - the other worker of the grid has an account
    person = Staff(name="王国", phone="13700000003", district_code="410102")
    db.session.add(person)
    db.session.flush()
    wang = db.session.get(User, people.worker.user.id)
    twin = people._client_as("worker", areas=["410102001001001"], username="demo-410102001001001").user
    wang.staff_id = twin_staff = person.id
    db.session.get(User, twin.id).staff_id = twin_staff
    db.session.execute(text("UPDATE app_user SET last_login_at = :at WHERE id = :id"),
                       {"at": MONDAY_9 - timedelta(days=1), "id": wang.id})
    db.session.commit()
    entries = people.dispatcher.get(f"/api/v1/reports/{ticket}/assignees").get_json()["assignees"]
    by_id = {e["id"]: e for e in entries}
    assert wang.id in by_id and twin.id not in by_id
    assert len(entries) == 2                                     # 王国 once, and worker-li
    mine = by_id[wang.id]
    assert mine["phone"] == "13700000003"                        # the staff record's, the account has none
    assert mine["grids"] == [{"code": "410102001001001", "name": "第1网格"}]
    assert mine["open_events"] == 1
    # The least loaded first among equally close areas.
    assert entries[0]["id"] == people.worker2.user.id and entries[0]["open_events"] == 0
    assert db.session.get(Report, db.session.scalar(select(Report.id).where(Report.ticket == ticket))).assignee_id \
        == wang.id


def test_the_candidates_are_the_grids_the_communitys_and_its_other_grids_workers(anon, people, clock, db):
    """One definition (app.events.service.assignees): the list says who, and dispatch/reassign take
    exactly those; in a community where each grid has one worker, reassigning has someone to go to."""
    ticket = dispatched(anon, people)
    east = people._client_as("worker", areas=["410102001001002"], username="worker-east").user
    staff = people._client_as("worker", areas=["410102001001"], username="community-staff").user
    south = people._client_as("worker", areas=["410102001002001"], username="worker-south").user
    people.worker2, people.outsider  # noqa: B018 - the grid's other worker; a worker of another subdistrict
    entries = people.dispatcher.get(f"/api/v1/reports/{ticket}/assignees").get_json()["assignees"]
    relation = {e["id"]: e["relation"] for e in entries}
    assert relation == {people.worker.user.id: "grid", people.worker2.user.id: "grid", staff.id: "community",
                        east.id: "neighbour"}
    # Closest first: the event's grid, the community's staff, then the colleagues next door.
    assert [e["relation"] for e in entries] == ["grid", "grid", "community", "neighbour"]
    by_id = {e["id"]: e for e in entries}
    assert [g["code"] for g in by_id[east.id]["grids"]] == ["410102001001002"]   # whose grid they work
    assert [g["code"] for g in by_id[staff.id]["grids"]] == ["410102001001"]
    # The check is the list: the neighbour is taken, the other community's worker is not.
    refused = act(people.dispatcher, ticket, "reassign", "dispatched", assignee=south.id, note="x")
    assert refused.status_code == 422 and refused.get_json()["error"]["details"]["field"] == "assignee"
    assert "worker-south" in refused.get_json()["error"]["message"]
    body = ok(act(people.dispatcher, ticket, "reassign", "dispatched", assignee=east.id, note="王网格员请假"))
    assert body["report"]["assignee"]["id"] == east.id


def test_the_history_names_people_by_their_display_names(anon, people, clock, db):
    from app.models import User

    ticket = dispatched(anon, people)
    db.session.get(User, people.dispatcher.user.id).display_name = "调度员甲"
    db.session.commit()
    entries = history(people.viewer, ticket)
    steps = {e["action"]: e for e in entries}
    assert (steps["dispatch"]["actor"], steps["dispatch"]["actor_name"]) == ("dispatcher-1", "调度员甲")
    # Intake without an account keeps saying what it was, in words.
    assert steps["report"]["actor_id"] is None and steps["report"]["actor_name"] != ""
