"""The pure core of the event (事件) closed loop.

Two modules, both standard library only (no Flask, no SQLAlchemy, no
database), so the rules can be tested in isolation and reused by the web
layer, the bulk importer and background jobs alike:

- :mod:`app.events.workflow`: the state machine. Which action may move an
  event from which state to which, who may perform it, and what the caller
  must record (assignee, note, deadline, rework, handling level...).
- :mod:`app.events.calendar`: working-time arithmetic in Asia/Shanghai
  (working hours, public holidays, adjusted working days 调休) for handling
  deadlines, overdue measurement and the on-time rate.

Everything returns machine-readable codes; translating them for people is the
app layer's job.

The app layer lives beside them (Flask, SQLAlchemy; imported by name, never
from here, so this package stays importable without them):
:mod:`~app.events.api` (transitions, history, assignees, category edits),
:mod:`~app.events.service` (one transition in one locked transaction),
:mod:`~app.events.categories` (the category table at run time),
:mod:`~app.events.deadlines` (deadlines, the loop's clock),
:mod:`~app.events.escalation` and :mod:`~app.events.cli` (``flask events escalate``).
"""
