"""Running a job: outside the request, with its row as the truth every worker process reads.

``submit`` (in a request) writes the job row and hands the work to a thread
of this process; the request answers 202 at once. ``run_here`` (the CLI)
runs it in the calling thread with a progress bar. Either way:

* the row is written on a connection of its own, in autocommit, so queued,
  running and each progress step are seen at once by every worker, whatever
  the work's own transaction is doing;
* that connection holds a session advisory lock on (JOB_LOCK_SPACE, id) from
  the moment the row exists until the job has ended. A process that dies
  drops its connections and with them the lock: :func:`reap` (run when a job
  is read or submitted, and by ``flask jobs reap``) marks such a job failed,
  so nothing stays "running" forever;
* the work runs in ``db.session`` and does not commit: the runner marks the
  job done in that same transaction, so the outcome and "done" are committed
  together. A DomainError becomes the job's ``error`` (the API's error body
  and status); anything else is logged and reported as an internal error.
  Work submitted with ``commits=True`` commits its own steps instead (the
  patrol roll-ups commit each day, so readers see the days arrive and a
  failure keeps the days done): a failure rolls back only what it had not
  committed;
* the work runs as the user who asked (``current_actor`` in audit entries and
  edit logs) and speaks their language.

With ``JOBS_INLINE`` set (the test suite's rolled-back transactions, whose one
connection no other thread may use) a submitted job runs in the request,
inside a savepoint, and the request answers 202 with the job already ended.
Jobs run one at a time per process (``JOBS_PER_PROCESS``): the machine has
few cores and a level import uses one fully.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Callable

from flask import current_app, g
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from app.actor import current_actor
from app.errors import DomainError
from app.extensions import db
from app.jobs.model import UNFINISHED, Job

log = logging.getLogger(__name__)

#: First key of the two-key advisory locks that hold jobs (ASCII "job"); the second is the job id.
JOB_LOCK_SPACE = 0x6A6F62
#: Least time between two progress writes of one job.
PROGRESS_EVERY_S = 0.4

Work = Callable[["Progress"], dict]

_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _slot(n: int) -> threading.BoundedSemaphore:
    with _slots_lock:
        if n not in _slots:
            _slots[n] = threading.BoundedSemaphore(n)
        return _slots[n]


class _Row:
    """Writes of the job row, on a connection of its own in autocommit that holds the job's lock.

    Except when the session is pinned to one connection (the tests' rolled-back transaction): then the
    row lives in that transaction too, and the work runs in a savepoint of it (``shared``).
    """

    def __init__(self):
        bind = db.session.get_bind()
        self.shared = isinstance(bind, Connection)
        self.conn = bind if self.shared else db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def create(self, values: dict) -> int:
        # Locked before the row exists: no reaper can catch a queued job between its insert and its lock.
        job_id = self.conn.execute(text("SELECT nextval(pg_get_serial_sequence('job', 'id'))")).scalar_one()
        self.conn.execute(text("SELECT pg_advisory_lock(:space, :id)"), {"space": JOB_LOCK_SPACE, "id": job_id})
        self.conn.execute(Job.__table__.insert().values(id=job_id, **values))
        return job_id

    def update(self, job_id: int, **values) -> None:
        self.conn.execute(update(Job).where(Job.id == job_id).values(**values))

    def close(self, job_id: int) -> None:
        try:
            self.conn.execute(text("SELECT pg_advisory_unlock(:space, :id)"), {"space": JOB_LOCK_SPACE, "id": job_id})
        finally:
            if not self.shared:
                self.conn.close()


class Progress:
    """``progress(done, total=None, message=None)``: how far the job got, written at most every
    :data:`PROGRESS_EVERY_S` (and whenever the message changes); ``on_step`` also hears every call."""

    def __init__(self, row: _Row, job_id: int, on_step: Callable[[int, int | None, str | None], None] | None = None):
        self.row, self.job_id, self.on_step = row, job_id, on_step
        self.done, self.total, self.message = 0, None, None
        self._written = 0.0

    def __call__(self, done: int | None = None, total: int | None = None, message: str | None = None) -> None:
        changed = message is not None and message != self.message
        if total is not None:
            self.total = total
        if done is not None:
            self.done = done
        if message is not None:
            self.message = message
        if self.on_step is not None:
            self.on_step(self.done, self.total, self.message)
        now = time.monotonic()
        if changed or now - self._written >= PROGRESS_EVERY_S:
            self._written = now
            self.row.update(self.job_id, progress_done=self.done, progress_total=self.total, message=self.message)


def _values(kind: str, params: dict, total: int | None, message: str | None) -> dict:
    actor = current_actor()
    return {"kind": kind, "state": "queued", "params": params, "progress_total": total, "message": message,
            "locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]), "created_by": actor.id,
            "created_by_name": actor.name, "district_code": _district(params, actor)}


def _district(params: dict, actor) -> str:
    """The job's district (its row's distribution column): the one it works on when its params name it
    (a city planner importing a district's grids), else its starter's, else the default district."""
    named = params.get("district_code") if isinstance(params, dict) else None
    if isinstance(named, str) and len(named) == 6 and named.isdigit():
        return named
    return actor.district or current_app.config["DISTRICT_CODE"]


def submit(kind: str, work: Work, *, params: dict, total: int | None = None, message: str | None = None,
           commits: bool = False) -> Job:
    """Queue ``work`` as a job of ``kind`` for the current user; the job row as it stands now.

    ``params`` (JSON) say what was asked, for the page and the API; the work itself (a closure holding
    the upload) stays in this process.
    """
    reap()
    inline = bool(current_app.config.get("JOBS_INLINE"))
    row = _Row()
    job_id = row.create(_values(kind, params, total, message))
    actor = current_actor()
    locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    if inline:
        _execute(job_id, work, row, actor, locale, commits=commits)
    else:
        app = current_app._get_current_object()
        thread = threading.Thread(target=_in_thread, args=(app, job_id, work, row, actor, locale, commits),
                                  name=f"gridmap-job-{job_id}", daemon=True)
        thread.start()
    return db.session.get(Job, job_id, populate_existing=True)


def run_here(kind: str, work: Work, *, params: dict, total: int | None = None, message: str | None = None,
             on_step=None, commits: bool = False) -> Job:
    """Run ``work`` as a job in this thread (the CLI): the row and its progress are seen by every worker
    as for a submitted job; ``on_step(done, total, message)`` draws a progress bar. The ended job."""
    reap()
    row = _Row()
    job_id = row.create(_values(kind, params, total, message))
    _execute(job_id, work, row, current_actor(), str(get_locale()), on_step=on_step, commits=commits)
    return db.session.get(Job, job_id, populate_existing=True)


def _in_thread(app, job_id: int, work: Work, row: _Row, actor, locale: str, commits: bool) -> None:
    with app.app_context():
        try:
            with _slot(int(app.config.get("JOBS_PER_PROCESS") or 1)):
                _execute(job_id, work, row, actor, locale, commits=commits)
        finally:
            db.session.remove()


def _error(exc: BaseException) -> dict:
    if isinstance(exc, DomainError):
        return {"code": exc.code, "message": exc.message, "details": exc.details, "status": exc.status}
    if isinstance(exc, OperationalError):
        return {"code": "database_unavailable", "status": 503,
                "message": _("The database was not reachable while the job ran; run it again shortly."),
                "details": None}
    return {"code": "internal_error", "status": 500, "details": None,
            "message": _("The job failed unexpectedly; the server log has the details. Nothing was changed.")}


def _execute(job_id: int, work: Work, row: _Row, actor, locale: str, *, on_step=None, commits: bool = False) -> None:
    g.acting_for = actor
    with force_locale(locale):
        try:
            row.update(job_id, state="running", started_at=func.now(), runner=f"{socket.gethostname()}:{os.getpid()}")
            progress = Progress(row, job_id, on_step)
            try:
                if row.shared and not commits:
                    with db.session.begin_nested():
                        result = work(progress)
                else:
                    # (Shared and committing: each commit releases the session's savepoint of the test's
                    # transaction, as a request's commit does.)
                    result = work(progress)
                # The outcome and "done" commit together, in the work's own transaction.
                db.session.execute(update(Job).where(Job.id == job_id).values(
                    state="done", result=result, finished_at=func.now(), message=None,
                    progress_done=progress.total if progress.total is not None else progress.done,
                    progress_total=progress.total))
                db.session.commit()
            except Exception as exc:  # every failure ends the job; only unexpected ones are logged as errors
                if not row.shared or commits:
                    db.session.rollback()
                if isinstance(exc, DomainError):
                    log.info("job %s (%s) refused: %s", job_id, actor.name, exc.code)
                else:
                    log.exception("job %s failed", job_id)
                row.update(job_id, state="failed", error=_error(exc), finished_at=func.now())
                if row.shared:
                    db.session.commit()
        finally:
            g.pop("acting_for", None)
            row.close(job_id)


def reap(job_ids: list[int] | None = None) -> int:
    """Mark failed every unfinished job (of ``job_ids``, or all) whose runner's lock is free; how many."""
    q = select(Job.id).where(Job.state.in_(UNFINISHED))
    if job_ids is not None:
        q = q.where(Job.id.in_(job_ids))
    ids = db.session.scalars(q).all()
    lost = []
    for job_id in ids:
        # The transaction-level try lets go by itself; it fails while the runner holds the session lock.
        if db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:space, :id)"),
                             {"space": JOB_LOCK_SPACE, "id": job_id}):
            lost.append(job_id)
    if lost:
        db.session.execute(update(Job).where(Job.id.in_(lost), Job.state.in_(UNFINISHED)).values(
            state="failed", finished_at=func.now(),
            error={"code": "runner_lost", "status": 500, "details": None,
                   "message": _("The server process running this job stopped before it ended; nothing was "
                                "changed. Start it again.")}))
        log.warning("jobs %s lost their runner and were marked failed", lost)
    db.session.commit()
    return len(lost)
