"""The event state machine: transitions, roles, refusals and what to record."""
from __future__ import annotations

import ast
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.events import workflow as wf
from app.events.workflow import TransitionError, allowed_actions, legal_actions, plan_transition

ROOT = Path(__file__).resolve().parents[2]
BJ = ZoneInfo("Asia/Shanghai")
DEADLINE = datetime(2026, 3, 2, 17, 30, tzinfo=BJ)

#: The whole table, written out independently of the module: state → legal actions.
EXPECTED_LEGAL = {
    "reported": {"accept", "cancel", "suspend", "escalate", "merge"},
    "accepted": {"dispatch", "cancel", "suspend", "escalate", "merge"},
    "dispatched": {"reassign", "recall", "start", "handle", "return", "suspend", "extend", "escalate"},
    "in_progress": {"reassign", "recall", "handle", "return", "suspend", "extend", "escalate"},
    "handled": {"verify", "reject", "suspend"},
    "verified": {"close", "suspend"},
    "closed": {"reopen"},
    "cancelled": set(),
    "returned": {"dispatch", "suspend", "escalate"},
    "suspended": {"resume"},
}

#: Enough arguments for every action to succeed where it is legal.
GOOD_ARGS = {
    "note": "done", "assignee": 42, "deadline": DEADLINE + timedelta(days=3), "current_deadline": DEADLINE,
    "level": "grid", "suspended_from": "in_progress", "duplicate_of": 7,
}

#: (state, action) → the state it leads to, for every legal transition
#: (resume: with suspended_from=in_progress; escalate: from level grid).
EXPECTED_TARGET = {
    ("reported", "accept"): "accepted",
    ("reported", "cancel"): "cancelled",
    ("reported", "suspend"): "suspended",
    ("reported", "escalate"): "reported",
    ("reported", "merge"): "cancelled",
    ("accepted", "dispatch"): "dispatched",
    ("accepted", "cancel"): "cancelled",
    ("accepted", "suspend"): "suspended",
    ("accepted", "escalate"): "accepted",
    ("accepted", "merge"): "cancelled",
    ("dispatched", "reassign"): "dispatched",
    ("dispatched", "recall"): "accepted",
    ("dispatched", "start"): "in_progress",
    ("dispatched", "handle"): "handled",
    ("dispatched", "return"): "returned",
    ("dispatched", "suspend"): "suspended",
    ("dispatched", "extend"): "dispatched",
    ("dispatched", "escalate"): "accepted",
    ("in_progress", "reassign"): "dispatched",
    ("in_progress", "recall"): "accepted",
    ("in_progress", "handle"): "handled",
    ("in_progress", "return"): "returned",
    ("in_progress", "suspend"): "suspended",
    ("in_progress", "extend"): "in_progress",
    ("in_progress", "escalate"): "accepted",
    ("handled", "verify"): "verified",
    ("handled", "reject"): "in_progress",
    ("handled", "suspend"): "suspended",
    ("verified", "close"): "closed",
    ("verified", "suspend"): "suspended",
    ("closed", "reopen"): "in_progress",
    ("returned", "dispatch"): "dispatched",
    ("returned", "suspend"): "suspended",
    ("returned", "escalate"): "accepted",
    ("suspended", "resume"): "in_progress",
}

EXPECTED_PERMISSIONS = {
    "admin": set(wf.ACTIONS),
    "dispatcher": {"accept", "cancel", "dispatch", "reassign", "recall", "verify", "reject", "close", "reopen",
                   "suspend", "resume", "extend", "escalate", "merge"},
    "worker": {"start", "handle", "return", "escalate"},
    "planner": set(),
    "viewer": set(),
}

NOTE_ACTIONS = {"cancel", "handle", "return", "reject", "reopen", "suspend", "extend", "escalate", "reassign",
                "recall"}


def _role_for(action: str) -> str:
    """The non-admin role that does this action in practice."""
    return "worker" if action in EXPECTED_PERMISSIONS["worker"] else "dispatcher"


def _illegal_pairs():
    return [(state, action) for state in wf.STATES for action in wf.ACTIONS
            if action not in EXPECTED_LEGAL[state]]


# --- The table ---------------------------------------------------------------


def test_states_and_actions_are_the_documented_codes():
    assert set(wf.STATES) == {"reported", "accepted", "dispatched", "in_progress", "handled", "verified", "closed",
                              "cancelled", "returned", "suspended"}
    assert set(wf.ACTIONS) == {"accept", "cancel", "dispatch", "start", "handle", "return", "verify", "reject",
                               "close", "reopen", "suspend", "resume", "extend", "escalate", "merge",
                               "reassign", "recall"}
    assert set(wf.ROLES) == {"admin", "planner", "dispatcher", "worker", "viewer"}
    assert set(wf.FINAL_STATES) == {"closed", "cancelled"}
    assert set(wf.OPEN_STATES) == set(wf.STATES) - {"closed", "cancelled"}
    assert wf.LEVELS == ("grid", "community", "subdistrict", "department")


@pytest.mark.parametrize("state", sorted(EXPECTED_LEGAL))
def test_legal_actions_match_the_table(state):
    assert set(legal_actions(state)) == EXPECTED_LEGAL[state]
    # Returned in the documented UI order.
    assert list(legal_actions(state)) == [a for a in wf.ACTIONS if a in EXPECTED_LEGAL[state]]


def test_expected_targets_cover_every_legal_pair():
    legal = {(s, a) for s, actions in EXPECTED_LEGAL.items() for a in actions}
    assert set(EXPECTED_TARGET) == legal


@pytest.mark.parametrize("role", sorted(EXPECTED_PERMISSIONS))
def test_permission_table(role):
    assert set(wf.PERMISSIONS[role]) == EXPECTED_PERMISSIONS[role]


def test_every_db_status_is_a_workflow_state():
    """The workflow codes stay compatible with report.status values already stored."""
    tree = ast.parse((ROOT / "app/models/report.py").read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("STATUSES", "OPEN_STATUSES"):
                found[node.targets[0].id] = ast.literal_eval(node.value)
    assert set(found["STATUSES"]) <= set(wf.STATES)
    assert set(found["OPEN_STATUSES"]) <= set(wf.OPEN_STATES)


# --- Every legal transition ----------------------------------------------------


@pytest.mark.parametrize(("state", "action"), sorted(EXPECTED_TARGET))
def test_every_legal_transition_by_admin(state, action):
    plan = plan_transition(state, action, "admin", **GOOD_ARGS)
    assert plan.from_state == state
    assert plan.to_state == EXPECTED_TARGET[(state, action)]
    assert plan.action == action and plan.role == "admin"


@pytest.mark.parametrize(("state", "action"), sorted(EXPECTED_TARGET))
def test_every_legal_transition_by_its_usual_role(state, action):
    role = _role_for(action)
    plan = plan_transition(state, action, role, **GOOD_ARGS)
    assert plan.to_state == EXPECTED_TARGET[(state, action)]
    assert plan.role == role


def test_happy_path_walks_the_closed_loop():
    steps = [("accept", "dispatcher", {}), ("dispatch", "dispatcher", {"assignee": 5}),
             ("start", "worker", {}), ("handle", "worker", {"note": "cleared the garbage"}),
             ("verify", "dispatcher", {}), ("close", "dispatcher", {})]
    state = "reported"
    for action, role, kwargs in steps:
        plan = plan_transition(state, action, role, **kwargs)
        assert plan.state_changed
        state = plan.to_state
    assert state == "closed"
    assert plan.closes


# --- Illegal transitions -------------------------------------------------------


@pytest.mark.parametrize(("state", "action"), _illegal_pairs())
def test_illegal_transition_reports_state_and_allowed(state, action):
    with pytest.raises(TransitionError) as caught:
        plan_transition(state, action, "admin", **GOOD_ARGS)
    error = caught.value
    assert error.code == "illegal_transition"
    assert error.state == state
    assert error.action == action
    assert set(error.allowed) == EXPECTED_LEGAL[state]


def test_illegal_transition_lists_only_what_the_role_may_do():
    with pytest.raises(TransitionError) as caught:
        plan_transition("in_progress", "start", "worker")
    assert caught.value.code == "illegal_transition"
    assert caught.value.state == "in_progress"
    assert caught.value.allowed == ("handle", "return", "escalate")


def test_closed_cannot_be_closed_again_nor_cancelled_reopened():
    for state, action in (("closed", "close"), ("cancelled", "reopen"), ("closed", "cancel")):
        with pytest.raises(TransitionError) as caught:
            plan_transition(state, action, "dispatcher", note="x")
        assert caught.value.code == "illegal_transition"
        assert caught.value.state == state


def test_error_to_dict_is_machine_readable():
    with pytest.raises(TransitionError) as caught:
        plan_transition("verified", "handle", "worker", note="x")
    assert caught.value.to_dict() == {"code": "illegal_transition", "state": "verified", "action": "handle",
                                      "role": "worker", "allowed": [], "field": None}


# --- Roles ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["planner", "viewer"])
@pytest.mark.parametrize(("state", "action"), sorted(EXPECTED_TARGET))
def test_planner_and_viewer_may_do_nothing(role, state, action):
    with pytest.raises(TransitionError) as caught:
        plan_transition(state, action, role, **GOOD_ARGS)
    assert caught.value.code == "forbidden"
    assert caught.value.state == state


@pytest.mark.parametrize("action", sorted(set(wf.ACTIONS) - EXPECTED_PERMISSIONS["worker"]))
def test_worker_refused_dispatcher_actions(action):
    state = next(s for s, actions in EXPECTED_LEGAL.items() if action in actions)
    with pytest.raises(TransitionError) as caught:
        plan_transition(state, action, "worker", **GOOD_ARGS)
    assert caught.value.code == "forbidden"


@pytest.mark.parametrize("action", ["start", "handle", "return"])
def test_dispatcher_does_not_do_field_work(action):
    with pytest.raises(TransitionError) as caught:
        plan_transition("dispatched", action, "dispatcher", note="x")
    assert caught.value.code == "forbidden"
    assert caught.value.allowed == ("reassign", "recall", "extend", "escalate", "suspend")


def test_forbidden_is_checked_before_the_state():
    # A worker closing a freshly reported event: the role problem wins.
    with pytest.raises(TransitionError) as caught:
        plan_transition("reported", "close", "worker")
    assert caught.value.code == "forbidden"


def test_allowed_actions_per_role():
    assert allowed_actions("dispatched", "worker") == ("start", "handle", "return", "escalate")
    assert allowed_actions("dispatched", "dispatcher") == ("reassign", "recall", "extend", "escalate", "suspend")
    assert allowed_actions("handled", "worker") == ()
    assert allowed_actions("handled", "dispatcher") == ("verify", "reject", "suspend")
    assert allowed_actions("closed", "viewer") == ()
    assert allowed_actions("closed", "admin") == ("reopen",)
    assert allowed_actions("cancelled", "admin") == ()


def test_allowed_actions_drop_escalate_at_the_top_level():
    assert "escalate" in allowed_actions("in_progress", "worker", level="subdistrict")
    assert "escalate" not in allowed_actions("in_progress", "worker", level="department")


@pytest.mark.parametrize(("args", "code"), [
    (("nonsense", "accept", "admin"), "unknown_state"),
    (("reported", "approve", "admin"), "unknown_action"),
    (("reported", "accept", "mayor"), "unknown_role"),
])
def test_unknown_names(args, code):
    with pytest.raises(TransitionError) as caught:
        plan_transition(*args)
    assert caught.value.code == code


# --- Notes and arguments -------------------------------------------------------


@pytest.mark.parametrize("action", sorted(NOTE_ACTIONS))
@pytest.mark.parametrize("note", [None, "", "   \n"])
def test_note_required(action, note):
    state = next(s for s in wf.STATES if action in EXPECTED_LEGAL[s])
    args = {**GOOD_ARGS, "note": note}
    with pytest.raises(TransitionError) as caught:
        plan_transition(state, action, _role_for(action), **args)
    assert caught.value.code == "note_required"
    assert caught.value.field == "note"


@pytest.mark.parametrize("action", ["accept", "start", "verify", "close"])
def test_note_optional_for_routine_steps(action):
    state = next(s for s in wf.STATES if action in EXPECTED_LEGAL[s])
    plan = plan_transition(state, action, _role_for(action))
    assert plan.note is None


def test_note_is_stripped():
    plan = plan_transition("in_progress", "handle", "worker", note="  fixed the lamp \n")
    assert plan.note == "fixed the lamp"


@pytest.mark.parametrize("assignee", [None, "", "  "])
def test_dispatch_needs_an_assignee(assignee):
    with pytest.raises(TransitionError) as caught:
        plan_transition("accepted", "dispatch", "dispatcher", assignee=assignee)
    assert (caught.value.code, caught.value.field) == ("assignee_required", "assignee")


def test_dispatch_records_assignee_and_starts_the_clock():
    plan = plan_transition("returned", "dispatch", "dispatcher", assignee="w-17", deadline=DEADLINE)
    assert plan.to_state == "dispatched"
    assert plan.assignee == "w-17"
    assert plan.deadline == DEADLINE
    assert plan.clock == wf.CLOCK_START


def test_dispatch_refuses_a_naive_deadline():
    with pytest.raises(TransitionError) as caught:
        plan_transition("accepted", "dispatch", "dispatcher", assignee=1, deadline=datetime(2026, 3, 2, 17, 30))
    assert caught.value.code == "invalid_deadline"


@pytest.mark.parametrize("action", ["handle", "return"])
def test_handle_and_return_stop_the_clock(action):
    plan = plan_transition("in_progress", action, "worker", note="x")
    assert plan.clock == wf.CLOCK_STOP


def test_return_sends_it_back_to_the_dispatcher_with_the_reason():
    plan = plan_transition("dispatched", "return", "worker", note="not in my grid")
    assert plan.to_state == "returned"
    assert plan.note == "not in my grid"
    assert allowed_actions(plan.to_state, "dispatcher") == ("dispatch", "escalate", "suspend")


# --- Reassign (改派) and recall (撤回) after dispatch ----------------------------------


@pytest.mark.parametrize("state", ["dispatched", "in_progress"])
def test_reassign_hands_the_case_to_another_worker_and_keeps_the_deadline(state):
    plan = plan_transition(state, "reassign", "dispatcher", assignee=8, current_assignee=5, note="王国休假")
    assert (plan.to_state, plan.assignee, plan.from_assignee) == ("dispatched", 8, 5)
    # The category's time limit is the case's: a handover neither restarts nor stops the clock.
    assert plan.clock is None and plan.deadline is None and not plan.clear_assignee
    assert plan.log_entry() == {"action": "reassign", "role": "dispatcher", "from_state": state,
                                "to_state": "dispatched", "note": "王国休假", "assignee": 8, "from_assignee": 5}


@pytest.mark.parametrize(("assignee", "code"), [(None, "assignee_required"), (" ", "assignee_required"),
                                                (5, "same_assignee")])
def test_reassign_needs_another_assignee(assignee, code):
    with pytest.raises(TransitionError) as caught:
        plan_transition("dispatched", "reassign", "dispatcher", assignee=assignee, current_assignee=5, note="x")
    assert (caught.value.code, caught.value.field) == (code, "assignee")


@pytest.mark.parametrize("state", ["dispatched", "in_progress"])
def test_recall_brings_the_case_back_to_the_desk_for_dispatch(state):
    plan = plan_transition(state, "recall", "dispatcher", current_assignee=5, note="派错网格")
    assert (plan.to_state, plan.clear_assignee, plan.from_assignee, plan.clock) == \
        ("accepted", True, 5, wf.CLOCK_STOP)
    assert allowed_actions(plan.to_state, "dispatcher")[0] == "dispatch"


@pytest.mark.parametrize("action", ["reassign", "recall"])
def test_reassign_and_recall_are_the_centres_and_need_a_reason(action):
    for role in ("worker", "viewer", "planner"):
        with pytest.raises(TransitionError) as caught:
            plan_transition("dispatched", action, role, assignee=8, note="x")
        assert caught.value.code == "forbidden"
    with pytest.raises(TransitionError) as caught:
        plan_transition("dispatched", action, "dispatcher", assignee=8, current_assignee=5, note=" ")
    assert caught.value.code == "note_required"
    for state in ("reported", "accepted", "returned", "handled", "closed"):
        with pytest.raises(TransitionError) as caught:
            plan_transition(state, action, "dispatcher", assignee=8, note="x")
        assert caught.value.code == "illegal_transition"


def test_the_workers_return_is_unchanged_beside_recall():
    """退回 (the worker gives it back) and 撤回 (the centre takes it back) end in different states."""
    returned = plan_transition("in_progress", "return", "worker", note="不属于本网格")
    recalled = plan_transition("in_progress", "recall", "dispatcher", note="派错网格", current_assignee=5)
    assert (returned.to_state, returned.clear_assignee) == ("returned", False)
    assert (recalled.to_state, recalled.clear_assignee) == ("accepted", True)


# --- Rework --------------------------------------------------------------------


def test_reject_is_rework_back_to_in_progress():
    plan = plan_transition("handled", "reject", "dispatcher", note="garbage still there")
    assert plan.to_state == "in_progress"
    assert plan.rework is True
    assert plan.clock is None  # the original deadline still applies


def test_reopen_is_rework_and_reopens_a_closed_event():
    plan = plan_transition("closed", "reopen", "dispatcher", note="resident called again")
    assert plan.to_state == "in_progress"
    assert plan.rework is True
    assert plan.reopens is True
    assert plan.closes is False


@pytest.mark.parametrize(("state", "action"), [(s, a) for (s, a) in EXPECTED_TARGET if a not in ("reject", "reopen")])
def test_no_other_action_counts_as_rework(state, action):
    assert plan_transition(state, action, "admin", **GOOD_ARGS).rework is False


# --- Suspend and resume -------------------------------------------------------


@pytest.mark.parametrize("state", [s for s in wf.OPEN_STATES if s != "suspended"])
def test_suspend_then_resume_returns_to_the_suspended_from_state(state):
    suspended = plan_transition(state, "suspend", "dispatcher", note="waiting for the property company")
    assert suspended.to_state == "suspended"
    assert suspended.suspended_from == state
    resumed = plan_transition(suspended.to_state, "resume", "dispatcher", suspended_from=suspended.suspended_from)
    assert resumed.to_state == state
    assert resumed.suspended_from == state


@pytest.mark.parametrize(("state", "pause", "resume"), [
    ("dispatched", wf.CLOCK_PAUSE, wf.CLOCK_RESUME),
    ("in_progress", wf.CLOCK_PAUSE, wf.CLOCK_RESUME),
    ("accepted", None, None),
    ("handled", None, None),
])
def test_suspension_pauses_only_a_running_clock(state, pause, resume):
    suspended = plan_transition(state, "suspend", "dispatcher", note="x")
    assert suspended.clock == pause
    resumed = plan_transition("suspended", "resume", "dispatcher", suspended_from=state)
    assert resumed.clock == resume


@pytest.mark.parametrize("suspended_from", [None, "suspended", "closed", "cancelled", "bogus"])
def test_resume_needs_a_valid_state_to_return_to(suspended_from):
    with pytest.raises(TransitionError) as caught:
        plan_transition("suspended", "resume", "dispatcher", suspended_from=suspended_from)
    assert (caught.value.code, caught.value.field) == ("invalid_suspended_from", "suspended_from")


def test_suspend_twice_is_illegal():
    with pytest.raises(TransitionError) as caught:
        plan_transition("suspended", "suspend", "dispatcher", note="x")
    assert caught.value.code == "illegal_transition"
    assert caught.value.allowed == ("resume",)


# --- Extend --------------------------------------------------------------------


def test_extend_keeps_the_state_and_records_the_new_deadline():
    new = DEADLINE + timedelta(days=2)
    plan = plan_transition("in_progress", "extend", "dispatcher", note="needs a crane", deadline=new,
                           current_deadline=DEADLINE)
    assert plan.to_state == "in_progress"
    assert not plan.state_changed
    assert plan.deadline == new


@pytest.mark.parametrize(("deadline", "code"), [
    (None, "deadline_required"),
    (datetime(2026, 3, 5, 17, 30), "invalid_deadline"),
    (DEADLINE, "deadline_not_later"),
    (DEADLINE - timedelta(hours=1), "deadline_not_later"),
])
def test_extend_checks_the_deadline(deadline, code):
    with pytest.raises(TransitionError) as caught:
        plan_transition("dispatched", "extend", "dispatcher", note="x", deadline=deadline,
                        current_deadline=DEADLINE)
    assert caught.value.code == code
    assert caught.value.field == "deadline"


def test_extend_compares_instants_not_wall_clocks():
    # 10:00 UTC is 18:00 in Beijing: later than 17:30 Beijing.
    later = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("UTC"))
    plan = plan_transition("dispatched", "extend", "dispatcher", note="x", deadline=later, current_deadline=DEADLINE)
    assert plan.deadline == later


# --- Escalate ------------------------------------------------------------------


@pytest.mark.parametrize(("level", "higher"), [("grid", "community"), ("community", "subdistrict"),
                                               ("subdistrict", "department")])
def test_escalate_moves_one_level_up(level, higher):
    plan = plan_transition("in_progress", "escalate", "worker", note="needs the police", level=level)
    assert (plan.from_level, plan.level) == (level, higher)


@pytest.mark.parametrize("state", ["dispatched", "in_progress", "returned"])
def test_escalate_after_dispatch_goes_back_for_redispatch(state):
    plan = plan_transition(state, "escalate", "dispatcher", note="beyond the grid", level="grid")
    assert plan.to_state == "accepted"
    assert plan.clear_assignee is True
    assert plan.clock == (wf.CLOCK_STOP if state != "returned" else None)


@pytest.mark.parametrize("state", ["reported", "accepted"])
def test_escalate_before_dispatch_keeps_the_state(state):
    plan = plan_transition(state, "escalate", "worker", note="hard case", level="community")
    assert plan.to_state == state
    assert plan.clear_assignee is False
    assert plan.level == "subdistrict"


@pytest.mark.parametrize(("level", "code"), [("department", "top_level"), (None, "invalid_level"),
                                             ("province", "invalid_level")])
def test_escalate_refusals(level, code):
    with pytest.raises(TransitionError) as caught:
        plan_transition("in_progress", "escalate", "worker", note="x", level=level)
    assert (caught.value.code, caught.value.field) == (code, "level")


def test_next_level():
    assert wf.next_level("grid") == "community"
    assert wf.next_level("department") is None
    with pytest.raises(ValueError):
        wf.next_level("nation")


# --- Merge and cancel ----------------------------------------------------------


@pytest.mark.parametrize("state", ["reported", "accepted"])
def test_merge_cancels_with_a_link_to_the_surviving_event(state):
    plan = plan_transition(state, "merge", "dispatcher", duplicate_of=1001)
    assert plan.to_state == "cancelled"
    assert plan.duplicate_of == 1001
    assert plan.closes is True


def test_merge_needs_the_surviving_event():
    with pytest.raises(TransitionError) as caught:
        plan_transition("reported", "merge", "dispatcher")
    assert (caught.value.code, caught.value.field) == ("duplicate_of_required", "duplicate_of")


def test_plain_cancel_has_no_duplicate_link():
    plan = plan_transition("reported", "cancel", "dispatcher", note="prank call", duplicate_of=5)
    assert plan.to_state == "cancelled"
    assert plan.duplicate_of is None
    assert plan.closes is True


def test_merge_after_dispatch_is_illegal():
    with pytest.raises(TransitionError) as caught:
        plan_transition("dispatched", "merge", "dispatcher", duplicate_of=1)
    assert caught.value.code == "illegal_transition"
    assert caught.value.state == "dispatched"


# --- The history record --------------------------------------------------------


def test_log_entry_holds_only_what_the_action_used():
    plan = plan_transition("accepted", "dispatch", "dispatcher", assignee=9, deadline=DEADLINE, note=" go ")
    assert plan.log_entry() == {"action": "dispatch", "role": "dispatcher", "from_state": "accepted",
                                "to_state": "dispatched", "note": "go", "assignee": 9, "clock": "start",
                                "deadline": "2026-03-02T17:30:00+08:00"}
    rework = plan_transition("handled", "reject", "dispatcher", note="redo").log_entry()
    assert rework["rework"] is True and "assignee" not in rework


def test_arguments_an_action_does_not_use_are_not_recorded():
    plan = plan_transition("reported", "accept", "dispatcher", assignee=3, level="grid", duplicate_of=4)
    assert (plan.assignee, plan.level, plan.duplicate_of) == (None, None, None)


# --- Purity --------------------------------------------------------------------


#: GridMap's own standard-library-only modules, which the pure core may read (the zone, the role names).
PURE_APP_MODULES = {"app.beijing", "app.role_names"}


@pytest.mark.parametrize("module", ["app/events/workflow.py", "app/events/calendar.py", "app/events/__init__.py",
                                    "app/beijing.py", "app/role_names.py"])
def test_core_modules_import_only_the_standard_library(module):
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module)
    foreign = {name for name in imported - PURE_APP_MODULES if name.split(".")[0] not in sys.stdlib_module_names}
    assert not foreign, foreign
