"""The event closed loop as a state machine: states, actions, roles.

Digital city management runs every case through 信息收集 (report) → 立案
(accept, or 作废 cancel) → 派遣 (dispatch; the clock starts) → 处置 (handle)
→ 核查 (verify) → 结案 (close), with side paths for 退回 (return), 延期
(extend), 挂账 (suspend), 返工 (reject / reopen), escalation up the chain
grid → community → subdistrict → department, merging duplicates, and the
operations centre's own corrections after dispatch: 改派 (reassign to another
worker) and 撤回 (recall to the desk).

This module only *plans*: :func:`plan_transition` checks that an action is
legal from the current state and allowed for the role, validates what the
action needs (a note, an assignee, a new deadline...), and returns a
:class:`Transition` saying what the caller must store. It never touches a
database; the web layer applies the plan in one transaction (with a row lock
or a ``WHERE status = :from_state`` guard so two dispatchers cannot both act
on the same event) and writes the history row from :meth:`Transition.log_entry`.

What this module does *not* check, because it needs data: that a worker acts
only on events of their own grids, that the target of a merge exists and is
not itself merged, and that an assignee exists. Those are the DB layer's.

All refusals are :class:`TransitionError` with a machine-readable ``code``
(see ``ERROR_CODES``); translating them is the app layer's job.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Mapping

from app.role_names import ADMIN, DISPATCHER, PLANNER, ROLES, VIEWER, WORKER

# --- States ------------------------------------------------------------------

REPORTED = "reported"        # 信息收集: arrived, not yet filed
ACCEPTED = "accepted"        # 立案: filed, waiting to be dispatched
DISPATCHED = "dispatched"    # 派遣: assigned to someone, the clock runs
IN_PROGRESS = "in_progress"  # 处置中: the assignee has started
HANDLED = "handled"          # 反馈: the assignee reports it done
VERIFIED = "verified"        # 核查: the centre confirmed it is done
CLOSED = "closed"            # 结案
CANCELLED = "cancelled"      # 作废 (also: merged into another event as a duplicate)
RETURNED = "returned"        # 退回: sent back by the assignee to the dispatcher
SUSPENDED = "suspended"      # 挂账: parked, the clock paused

#: Every state, in closed-loop order. Codes match ``report.status`` in the DB.
STATES: tuple[str, ...] = (REPORTED, ACCEPTED, DISPATCHED, IN_PROGRESS, HANDLED, VERIFIED, CLOSED, CANCELLED,
                           RETURNED, SUSPENDED)
#: States in which nothing more happens unless a dispatcher reopens (closed only).
FINAL_STATES: tuple[str, ...] = (CLOSED, CANCELLED)
#: States that still need somebody's work; they count as "open" in lists and KPIs.
OPEN_STATES: tuple[str, ...] = tuple(s for s in STATES if s not in FINAL_STATES)
#: States in which the handling clock runs: only there does a deadline mean
#: anything (see ``calendar.deadline_state``).
CLOCK_RUNNING_STATES: tuple[str, ...] = (DISPATCHED, IN_PROGRESS)

# --- Actions -----------------------------------------------------------------

ACCEPT = "accept"
CANCEL = "cancel"
DISPATCH = "dispatch"
START = "start"
HANDLE = "handle"
RETURN = "return"
VERIFY = "verify"
REJECT = "reject"
CLOSE = "close"
REOPEN = "reopen"
SUSPEND = "suspend"
RESUME = "resume"
EXTEND = "extend"
ESCALATE = "escalate"
MERGE = "merge"
REASSIGN = "reassign"        # 改派: the centre hands a dispatched case to another worker
RECALL = "recall"            # 撤回: the centre takes a dispatched case back to the desk

#: Every action, in the order a UI should list them.
ACTIONS: tuple[str, ...] = (ACCEPT, DISPATCH, REASSIGN, RECALL, START, HANDLE, RETURN, VERIFY, REJECT, CLOSE,
                            REOPEN, EXTEND, ESCALATE, SUSPEND, RESUME, MERGE, CANCEL)

# --- Roles -------------------------------------------------------------------

# ADMIN ... VIEWER and ROLES are the accounts' roles, from app.role_names.

#: Which role may perform which action. Grid workers act in the field; the
#: operations-centre dispatcher files, routes, checks and closes; planners
#: redraw boundaries and viewers only look, so neither touches events.
#: A worker is further limited to events of their own grids (DB layer).
PERMISSIONS: Mapping[str, frozenset[str]] = {
    ADMIN: frozenset(ACTIONS),
    DISPATCHER: frozenset({ACCEPT, CANCEL, DISPATCH, REASSIGN, RECALL, VERIFY, REJECT, CLOSE, REOPEN, SUSPEND,
                           RESUME, EXTEND, ESCALATE, MERGE}),
    WORKER: frozenset({START, HANDLE, RETURN, ESCALATE}),
    PLANNER: frozenset(),
    VIEWER: frozenset(),
}

# --- Handling levels (escalation) --------------------------------------------

#: "小事马上解决、难事立刻反馈": the grid solves what it can and passes hard cases
#: up this chain, lowest first.
LEVELS: tuple[str, ...] = ("grid", "community", "subdistrict", "department")

# --- What happens to the handling clock --------------------------------------

#: A new deadline runs from now (dispatch time + the category's time limit).
CLOCK_START = "start"
#: Handling ended or was taken away from the assignee: stamp the time, the
#: deadline stops running (it is kept for the on-time rate).
CLOCK_STOP = "stop"
#: Suspension of a running clock: remember when; the deadline is frozen.
CLOCK_PAUSE = "pause"
#: End of a suspension of a running clock: push the deadline back by the
#: working time spent suspended (``WorkingCalendar.working_time_between``).
CLOCK_RESUME = "resume"

# --- Errors ------------------------------------------------------------------

#: Every code a ``TransitionError`` can carry.
ERROR_CODES: tuple[str, ...] = (
    "unknown_state",          # the current state is not one of STATES (bad data)
    "unknown_action",         # not one of ACTIONS
    "unknown_role",           # not one of ROLES
    "forbidden",              # the role may never perform this action
    "illegal_transition",     # the action is not possible from the current state
    "note_required",          # the action needs a non-blank note (reason)
    "assignee_required",      # dispatch or reassign without an assignee
    "same_assignee",          # reassign to the worker who holds the event already
    "deadline_required",      # extend without a new deadline
    "invalid_deadline",       # a deadline that is not a timezone-aware datetime
    "deadline_not_later",     # extend to a deadline not after the current one
    "invalid_level",          # escalate without a known current level
    "top_level",              # escalate from the last level (department)
    "duplicate_of_required",  # merge without the event it duplicates
    "invalid_suspended_from", # resume without a valid state to return to
)


class TransitionError(Exception):
    """An action refused, with a machine-readable ``code``.

    ``state`` is the current state, ``action`` and ``role`` what was asked,
    ``allowed`` the actions this role *can* perform from ``state`` (so an API
    can answer a 409 with what would have worked), and ``field`` the argument
    at fault for validation codes (``note``, ``assignee``...).

    Checks run in this order, so the code is stable when several fail:
    unknown names → ``forbidden`` (the role never may) →
    ``illegal_transition`` (not from this state) → the action's own arguments.
    """

    def __init__(self, code: str, *, state: str | None, action: str | None, role: str | None,
                 allowed: tuple[str, ...] = (), field: str | None = None) -> None:
        self.code = code
        self.state = state
        self.action = action
        self.role = role
        self.allowed = allowed
        self.field = field
        super().__init__(f"{code}: action={action!r} state={state!r} role={role!r}"
                         + (f" field={field!r}" if field else "")
                         + (f" allowed={list(allowed)!r}" if code == "illegal_transition" else ""))

    def to_dict(self) -> dict:
        """A JSON-able body for an API error response."""
        return {"code": self.code, "state": self.state, "action": self.action, "role": self.role,
                "allowed": list(self.allowed), "field": self.field}


# --- The transition table ----------------------------------------------------


@dataclass(frozen=True)
class ActionRule:
    """One row of the transition table.

    ``to_state`` is ``None`` where the target depends on the event: ``resume``
    (the state it was suspended from), ``extend`` (unchanged) and ``escalate``
    (see :func:`_plan_escalate`).
    """

    action: str
    from_states: tuple[str, ...]
    to_state: str | None
    needs_note: bool = False
    #: Counts towards the rework rate (返工率).
    rework: bool = False


def _rules(*rules: ActionRule) -> dict[str, ActionRule]:
    return {rule.action: rule for rule in rules}


# Notes are required wherever a later reader needs to know *why*: what was
# done (handle), why it was sent back, rejected, reopened, parked, delayed,
# escalated or voided. Routine steps (accept, dispatch, start, verify, close,
# resume) take an optional note.
RULES: Mapping[str, ActionRule] = _rules(
    ActionRule(ACCEPT, (REPORTED,), ACCEPTED),
    ActionRule(CANCEL, (REPORTED, ACCEPTED), CANCELLED, needs_note=True),
    ActionRule(DISPATCH, (ACCEPTED, RETURNED), DISPATCHED),
    # After dispatch the centre may still correct its routing, saying why: another worker takes
    # the case over (the new one has not started yet), or the case comes back to the desk.
    ActionRule(REASSIGN, (DISPATCHED, IN_PROGRESS), DISPATCHED, needs_note=True),
    ActionRule(RECALL, (DISPATCHED, IN_PROGRESS), ACCEPTED, needs_note=True),
    ActionRule(START, (DISPATCHED,), IN_PROGRESS),
    # Handling straight from dispatched is the "small things at once" path.
    ActionRule(HANDLE, (DISPATCHED, IN_PROGRESS), HANDLED, needs_note=True),
    ActionRule(RETURN, (DISPATCHED, IN_PROGRESS), RETURNED, needs_note=True),
    ActionRule(VERIFY, (HANDLED,), VERIFIED),
    ActionRule(REJECT, (HANDLED,), IN_PROGRESS, needs_note=True, rework=True),
    ActionRule(CLOSE, (VERIFIED,), CLOSED),
    ActionRule(REOPEN, (CLOSED,), IN_PROGRESS, needs_note=True, rework=True),
    ActionRule(SUSPEND, tuple(s for s in OPEN_STATES if s != SUSPENDED), SUSPENDED, needs_note=True),
    ActionRule(RESUME, (SUSPENDED,), None),
    ActionRule(EXTEND, (DISPATCHED, IN_PROGRESS), None, needs_note=True),
    ActionRule(ESCALATE, (REPORTED, ACCEPTED, DISPATCHED, IN_PROGRESS, RETURNED), None, needs_note=True),
    # Merging a duplicate is a cancellation that links to the surviving event
    # (see plan_transition): no separate flag or state to keep in step.
    ActionRule(MERGE, (REPORTED, ACCEPTED), CANCELLED),
)


# --- The plan ----------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """What the caller must store to carry out one action.

    Fields an action does not use stay ``None``/``False``. In particular:

    - ``assignee``: set by ``dispatch`` and ``reassign`` (the new assignee).
    - ``from_assignee``: ``reassign`` and ``recall``, who held the case.
    - ``clear_assignee``: ``escalate`` handing a dispatched case back for
      re-dispatch at the new level, and ``recall``.
    - ``deadline``: ``extend`` (the new deadline); ``dispatch`` passes through
      a deadline the caller computed, if it gave one.
    - ``level`` / ``from_level``: ``escalate``, the new and previous handling level.
    - ``suspended_from``: on ``suspend`` the state to store so that ``resume``
      can return to it; on ``resume`` the state returned to.
    - ``duplicate_of``: ``merge``, the event this one duplicates.
    - ``rework``: increment the event's rework count (返工率).
    - ``clock``: one of the ``CLOCK_*`` codes or ``None`` (deadline untouched).
    """

    action: str
    role: str
    from_state: str
    to_state: str
    note: str | None = None
    assignee: int | str | None = None
    from_assignee: int | str | None = None
    clear_assignee: bool = False
    deadline: datetime | None = None
    level: str | None = None
    from_level: str | None = None
    suspended_from: str | None = None
    duplicate_of: int | str | None = None
    rework: bool = False
    clock: str | None = None

    @property
    def state_changed(self) -> bool:
        return self.from_state != self.to_state

    @property
    def closes(self) -> bool:
        """True when the event leaves the open states (stamp ``closed_at``)."""
        return self.to_state in FINAL_STATES

    @property
    def reopens(self) -> bool:
        """True when a final event becomes open again (clear ``closed_at``)."""
        return self.from_state in FINAL_STATES and self.to_state not in FINAL_STATES

    def log_entry(self) -> dict:
        """A JSON-able history record: the non-empty fields of the plan."""
        entry: dict = {"action": self.action, "role": self.role, "from_state": self.from_state,
                       "to_state": self.to_state}
        optional = {
            "note": self.note, "assignee": self.assignee, "from_assignee": self.from_assignee,
            "level": self.level, "from_level": self.from_level,
            "suspended_from": self.suspended_from, "duplicate_of": self.duplicate_of, "clock": self.clock,
            "deadline": self.deadline.isoformat() if self.deadline else None,
        }
        entry.update({key: value for key, value in optional.items() if value is not None})
        if self.clear_assignee:
            entry["clear_assignee"] = True
        if self.rework:
            entry["rework"] = True
        return entry


# --- Queries for the UI ------------------------------------------------------


def legal_actions(state: str) -> tuple[str, ...]:
    """Actions possible from ``state`` for somebody, whatever their role."""
    _check_name(state, STATES, "unknown_state", state=state)
    return tuple(action for action in ACTIONS if state in RULES[action].from_states)


def allowed_actions(state: str, role: str, *, level: str | None = None) -> tuple[str, ...]:
    """Actions ``role`` may perform on an event in ``state``, in UI order.

    Give the event's handling ``level`` to leave out ``escalate`` where there
    is no level above. Grid ownership is not checked here (DB layer).
    """
    _check_name(role, ROLES, "unknown_role", state=state, role=role)
    permitted = PERMISSIONS[role]
    actions = [action for action in legal_actions(state) if action in permitted]
    if level is not None and level == LEVELS[-1]:
        actions = [action for action in actions if action != ESCALATE]
    return tuple(actions)


def is_open(state: str) -> bool:
    return state in OPEN_STATES


def next_level(level: str) -> str | None:
    """The handling level above ``level``, or ``None`` at the top."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


# --- Planning ----------------------------------------------------------------


def plan_transition(current_state: str, action: str, role: str, *, note: str | None = None,
                    assignee: int | str | None = None, deadline: datetime | None = None,
                    current_deadline: datetime | None = None, level: str | None = None,
                    suspended_from: str | None = None,
                    duplicate_of: int | str | None = None,
                    current_assignee: int | str | None = None) -> Transition:
    """Check ``action`` by ``role`` on an event in ``current_state``; say what to store.

    Keyword arguments, each used only by the actions named (others ignore them):

    - ``note``: the reason / what was done. Required (non-blank) for cancel,
      handle, return, reject, reopen, suspend, extend, escalate, reassign
      and recall.
    - ``assignee``: dispatch and reassign, required: who handles it.
    - ``current_assignee``: reassign and recall: who holds the event now
      (reassigning to them is refused; both keep it in the history).
    - ``deadline``: extend, required: the new deadline (timezone-aware).
      dispatch, optional: a deadline the caller already computed.
    - ``current_deadline``: extend, optional: when given, the new deadline
      must be later than it.
    - ``level``: escalate, required: the event's current handling level.
    - ``suspended_from``: resume, required: the state stored at suspend time.
    - ``duplicate_of``: merge, required: the id of the surviving event.

    Raises :class:`TransitionError`; see its docstring for the order of checks.
    """
    _check_name(current_state, STATES, "unknown_state", state=current_state, action=action, role=role)
    _check_name(action, ACTIONS, "unknown_action", state=current_state, action=action, role=role)
    _check_name(role, ROLES, "unknown_role", state=current_state, action=action, role=role)

    def refuse(code: str, field: str | None = None) -> TransitionError:
        return TransitionError(code, state=current_state, action=action, role=role,
                               allowed=allowed_actions(current_state, role), field=field)

    if action not in PERMISSIONS[role]:
        raise refuse("forbidden")
    rule = RULES[action]
    if current_state not in rule.from_states:
        raise refuse("illegal_transition")
    clean_note = _clean_note(note)
    if rule.needs_note and clean_note is None:
        raise refuse("note_required", "note")

    base = Transition(action=action, role=role, from_state=current_state,
                      to_state=rule.to_state or current_state, note=clean_note, rework=rule.rework)
    planner = _PLANNERS.get(action)
    if planner is None:
        return base
    return planner(base, refuse, assignee=assignee, deadline=deadline, current_deadline=current_deadline,
                   level=level, suspended_from=suspended_from, duplicate_of=duplicate_of,
                   current_assignee=current_assignee)


def _check_name(value: str, known: tuple[str, ...], code: str, *, state: str | None = None,
                action: str | None = None, role: str | None = None) -> None:
    if value not in known:
        raise TransitionError(code, state=state, action=action, role=role)


def _clean_note(note: str | None) -> str | None:
    """A note with surrounding blanks removed; blank counts as no note."""
    if note is None:
        return None
    note = note.strip()
    return note or None


def _is_aware(value: datetime) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


# Per-action planners: each gets the base plan, a ``refuse(code, field)``
# factory and the keyword arguments, and returns the finished plan.


def _plan_dispatch(base: Transition, refuse, *, assignee, deadline, **_) -> Transition:
    if assignee is None or (isinstance(assignee, str) and not assignee.strip()):
        raise refuse("assignee_required", "assignee")
    if deadline is not None and not _is_aware(deadline):
        raise refuse("invalid_deadline", "deadline")
    # Dispatching (again, after a return or escalation) starts a new deadline.
    return replace(base, assignee=assignee, deadline=deadline, clock=CLOCK_START)


def _plan_reassign(base: Transition, refuse, *, assignee, current_assignee, **_) -> Transition:
    """Another worker takes the case over. The deadline keeps running: the category's time limit
    is the case's, not the worker's, and a handover does not buy time (``extend`` does, with a
    reason of its own)."""
    if assignee is None or (isinstance(assignee, str) and not assignee.strip()):
        raise refuse("assignee_required", "assignee")
    if current_assignee is not None and assignee == current_assignee:
        raise refuse("same_assignee", "assignee")
    return replace(base, assignee=assignee, from_assignee=current_assignee)


def _plan_recall(base: Transition, refuse, *, current_assignee, **_) -> Transition:
    """The case comes back to the desk, filed and waiting for dispatch, as after an escalation:
    nobody holds it and the assignee's clock stops; dispatching it again starts a new one."""
    return replace(base, clear_assignee=True, from_assignee=current_assignee, clock=CLOCK_STOP)


def _plan_stop(base: Transition, refuse, **_) -> Transition:
    """handle, return: the assignee's handling time ends."""
    return replace(base, clock=CLOCK_STOP)


def _plan_suspend(base: Transition, refuse, **_) -> Transition:
    clock = CLOCK_PAUSE if base.from_state in CLOCK_RUNNING_STATES else None
    return replace(base, suspended_from=base.from_state, clock=clock)


def _plan_resume(base: Transition, refuse, *, suspended_from, **_) -> Transition:
    if suspended_from not in OPEN_STATES or suspended_from == SUSPENDED:
        raise refuse("invalid_suspended_from", "suspended_from")
    clock = CLOCK_RESUME if suspended_from in CLOCK_RUNNING_STATES else None
    return replace(base, to_state=suspended_from, suspended_from=suspended_from, clock=clock)


def _plan_extend(base: Transition, refuse, *, deadline, current_deadline, **_) -> Transition:
    if deadline is None:
        raise refuse("deadline_required", "deadline")
    if not _is_aware(deadline):
        raise refuse("invalid_deadline", "deadline")
    if current_deadline is not None:
        if not _is_aware(current_deadline):
            raise refuse("invalid_deadline", "current_deadline")
        if deadline <= current_deadline:
            raise refuse("deadline_not_later", "deadline")
    return replace(base, deadline=deadline)


def _plan_escalate(base: Transition, refuse, *, level, **_) -> Transition:
    """Move the event one handling level up.

    Before dispatch (reported, accepted) the state is kept: the higher
    level's centre files and dispatches it as usual. Once someone lower down
    holds it (dispatched, in_progress) or has given it back (returned), it
    goes back to ``accepted`` with no assignee, so the higher level's
    dispatcher routes it to its own staff; the lower assignee's clock stops.
    """
    if level not in LEVELS:
        raise refuse("invalid_level", "level")
    higher = next_level(level)
    if higher is None:
        raise refuse("top_level", "level")
    if base.from_state in (REPORTED, ACCEPTED):
        return replace(base, level=higher, from_level=level)
    clock = CLOCK_STOP if base.from_state in CLOCK_RUNNING_STATES else None
    return replace(base, to_state=ACCEPTED, level=higher, from_level=level, clear_assignee=True, clock=clock)


def _plan_merge(base: Transition, refuse, *, duplicate_of, **_) -> Transition:
    if duplicate_of is None or (isinstance(duplicate_of, str) and not duplicate_of.strip()):
        raise refuse("duplicate_of_required", "duplicate_of")
    return replace(base, duplicate_of=duplicate_of)


_PLANNERS = {
    DISPATCH: _plan_dispatch,
    REASSIGN: _plan_reassign,
    RECALL: _plan_recall,
    HANDLE: _plan_stop,
    RETURN: _plan_stop,
    SUSPEND: _plan_suspend,
    RESUME: _plan_resume,
    EXTEND: _plan_extend,
    ESCALATE: _plan_escalate,
    MERGE: _plan_merge,
}
