"""The demo events carry the history of their status: the dispatch desk and the figures have real loops to show."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import text

from app.events import workflow as wf


def test_demo_events_have_a_legal_history_up_to_their_status(cli, db):
    res = cli.invoke(args=["demo", "load", "--scale", "0.04", "--seed", "11"])
    assert res.exit_code == 0, res.output
    reports = {r.id: r for r in db.session.execute(text(
        "SELECT id, status, created_at, dispatched_at, deadline, warn_at, handled_at, closed_at, assignee_id, "
        "rework_count, out_of_coverage, clock_timestamp() AS now FROM report")).all()}
    steps = defaultdict(list)
    for t in db.session.execute(text(
            "SELECT report_id, at, action, from_state, to_state, actor_id FROM report_transition ORDER BY at, id")):
        steps[t.report_id].append(t)

    worked = [r for r in reports.values() if r.status in (wf.DISPATCHED, wf.IN_PROGRESS, wf.HANDLED, wf.VERIFIED,
                                                          wf.CLOSED) and not r.out_of_coverage]
    assert len(worked) > 50
    for r in reports.values():
        history = steps[r.id]
        assert history[0].action == "report"
        if len(history) == 1:
            continue
        # Every step is legal from the state before it, in time order, and the last one is the status.
        state = wf.REPORTED
        assert history[0].to_state == state
        for prev, step in zip(history, history[1:]):
            assert step.from_state == state and state in wf.RULES[step.action].from_states, (r.id, step)
            assert prev.at <= step.at <= r.now
            state = step.to_state
        assert state == r.status
    for r in worked:
        assert r.assignee_id is not None and r.created_at <= r.dispatched_at, r.id
        dispatch = next(s for s in steps[r.id] if s.action == "dispatch")
        assert dispatch.at == r.dispatched_at
        if r.status in (wf.HANDLED, wf.VERIFIED, wf.CLOSED):
            assert r.dispatched_at <= r.handled_at
        if r.status == wf.CLOSED:
            assert r.handled_at <= r.closed_at
            # Closing took time: the import's placeholder (closed when reported) is gone.
            assert r.closed_at > r.created_at
        assert r.rework_count == sum(1 for s in steps[r.id] if s.action == "reject")
    handled = [r for r in worked if r.handled_at is not None and r.deadline is not None]
    late = [r for r in handled if r.handled_at > r.deadline]
    # Mostly on time, some late: the on-time rate and the overdue flag both have something to show.
    assert 0 < len(late) < len(handled) / 2
