"""What a reader of the patrol figures gets, and who brings the daily roll-ups up to date (issue 16).

``PATROL_FIGURES_REFRESH``:

``"background"`` (the default)
    A reader never computes a roll-up: a month of a whole district takes half
    a minute, and so does every day after a publication (its grids are the
    roll-ups' basis). It reads what the tables hold and, when days of its
    period are stale (:mod:`app.patrols.rollup`), starts a job of kind
    ``patrol_rollup`` (:mod:`app.jobs`) computing them one day at a time with
    its progress per day, or joins the one queued or running for a period and
    scopes that cover its own. Two processes starting one in the same moment
    is harmless: refreshes serialise on advisory locks and the second finds
    nothing left to do.
``"inline"``
    The reader computes the stale days before it reads (the behaviour before
    issue 16; the tests' figure checks, which read right after storing fixes).

:class:`Freshness` says what the reader got: as of when its rows count every
fix, how many days are still to compute and how many have no rows at all (the
sums lack them: the figures are incomplete), and the job.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.beijing import BEIJING
from app.errors import DomainError
from app.extensions import db
from app.jobs import reap, submit
from app.jobs.model import UNFINISHED, Job
from app.patrols import rollup
from app.patrols.period import Period

KIND = "patrol_rollup"
#: Computed by every job besides the scopes asked for: the KPI page's and the patrol map's defaults,
#: so that one job serves the workers' figures, the grids' and the districts' ranking.
DEFAULT_SCOPES = (rollup.WORKER, rollup.PLACES, "grid")
#: Finished roll-up jobs are deleted this long after they ended (one may start every
#: PATROL_FIGURES_MAX_LAG_S while fixes flow in: hundreds a day).
KEEP_FINISHED = timedelta(days=2)
#: When to ask again for an answer refused while days are being computed (seconds).
RETRY_AFTER_S = 10


@dataclass
class Freshness:
    """The state of the roll-ups a read of a period summed."""
    #: Every fix stored before this is counted (the oldest computation of a day fixes or the basis
    #: changed since; the time of the read when none did).
    as_of: datetime
    #: Days waiting for a computation (never computed, on another basis, or behind and past the lag).
    pending_days: list[date] = field(default_factory=list)
    #: Of those, days with no rows at all: the sums lack them.
    missing_days: list[date] = field(default_factory=list)
    #: Some rows were computed before fixes or the basis changed (``as_of`` says when).
    behind: bool = False
    job: Job | None = None

    @property
    def complete(self) -> bool:
        return not self.missing_days

    @property
    def updating(self) -> bool:
        return self.job is not None and self.job.state in UNFINISHED

    def to_dict(self) -> dict:
        """The fields the API adds to a figures answer."""
        job = None if self.job is None else {
            "id": self.job.id, "url": f"/api/v1/jobs/{self.job.id}", "state": self.job.state,
            "progress": {"done": self.job.progress_done, "total": self.job.progress_total}}
        return {"as_of": self.as_of.astimezone(BEIJING).isoformat(timespec="seconds"), "complete": self.complete,
                "pending_days": len(self.pending_days), "missing_days": len(self.missing_days), "job": job}


def mode() -> str:
    return current_app.config["PATROL_FIGURES_REFRESH"]


def ensure(period: Period, scopes) -> Freshness:
    """Bring ``period``'s roll-ups of ``scopes`` up to date, or start that (the mode decides), and say
    what a read of them gets now."""
    scopes = tuple(sorted(set(scopes)))
    if mode() == "inline":
        rollup.refresh(period, scopes)
        return state(period, scopes)
    fresh = state(period, scopes)
    if fresh.pending_days:
        fresh.job = running(period, scopes) or _start(period, scopes)
        if fresh.job.state not in UNFINISHED:
            # Ended already (a job run in the request under JOBS_INLINE, or a very short one).
            fresh = state(period, scopes, job=fresh.job)
    return fresh


def state(period: Period, scopes, job: Job | None = None) -> Freshness:
    """What the roll-up tables hold for ``period`` and ``scopes`` now (``rollup_days.sql``)."""
    pending, missing, behind = set(), set(), []
    for scope, basis in rollup.bases(scopes).items():
        for s in rollup.day_states(period, scope, basis):
            if s.stale:
                pending.add(s.day)
            if s.missing:
                missing.add(s.day)
            if s.outdated:
                behind.append(s.computed_at)
    as_of = min(behind) if behind else datetime.now(timezone.utc)
    return Freshness(as_of, sorted(pending), sorted(missing), bool(behind), job)


def running(period: Period, scopes) -> Job | None:
    """The queued or running roll-up job whose period and scopes cover these (a lost one is reaped first)."""
    wanted = set(scopes)
    jobs = db.session.scalars(select(Job).where(Job.kind == KIND, Job.state.in_(UNFINISHED)).order_by(Job.id)).all()
    covering = [j.id for j in jobs if j.params.get("from", "9") <= period.first.isoformat()
                and j.params.get("to", "0") >= period.last.isoformat() and wanted <= set(j.params.get("scopes", ()))]
    if not covering:
        return None
    reap(covering)
    return db.session.scalars(select(Job).where(Job.id.in_(covering), Job.state.in_(UNFINISHED))
                              .order_by(Job.id).execution_options(populate_existing=True)).first()


def _start(period: Period, scopes) -> Job:
    scopes = tuple(sorted(set(scopes) | set(DEFAULT_SCOPES)))
    db.session.execute(delete(Job).where(Job.kind == KIND, Job.state.not_in(UNFINISHED),
                                         Job.finished_at < datetime.now(timezone.utc) - KEEP_FINISHED))
    db.session.commit()
    return submit(KIND, lambda progress: compute(period, scopes, progress), params=job_params(period, scopes),
                  message=_("Computing the daily patrol figures"), commits=True)


def job_params(period: Period, scopes) -> dict:
    """What a roll-up job covers (:func:`running` matches readers to it)."""
    return {"from": period.first.isoformat(), "to": period.last.isoformat(), "scopes": sorted(set(scopes))}


def compute(period: Period, scopes, progress) -> dict:
    """The job's work: the stale days of ``period``, one committed day at a time, each reported to
    ``progress`` (the job's, or a CLI's bar)."""
    seen = {"days": 0}
    message = _("Computing the daily patrol figures")

    def step(done: int, total: int) -> None:
        seen["days"] = total
        progress(done, total, message)

    computed = rollup.refresh(period, tuple(scopes), progress=step)
    if rollup.WORKER in scopes:
        # The work areas' 50 m cells, which the workers' figures count against: cut once and kept, so the
        # first read after the job does not cut them (2 s for the demo's 1,800 worker accounts).
        from app.patrols import figures

        figures.ensure_cells(figures.work_area_grids())
        db.session.commit()
    return {"days": seen["days"], "computed": computed}


class FiguresPending(DomainError):
    """A whole-or-nothing answer (a CSV) asked while days of its period have no roll-up yet."""
    status = 503
    code = "figures_pending"

    def __init__(self, fresh: Freshness):
        job, n = fresh.job, len(fresh.missing_days)
        if job is None:
            message = _("The patrol figures of %(n)s days of this period are still being computed; try again in "
                        "a minute.", n=n)
        else:
            message = _("The patrol figures of %(n)s days of this period are still being computed (%(done)s of "
                        "%(total)s days done); try again in a minute.", n=n, done=job.progress_done,
                        total=job.progress_total or len(fresh.pending_days))
        super().__init__(message, fresh.to_dict())
        self.headers = {"Retry-After": str(RETRY_AFTER_S)}


def require_complete(fresh: Freshness) -> None:
    """Refuse (503 with Retry-After) an answer that would present partial sums as the period's figures."""
    if not fresh.complete:
        raise FiguresPending(fresh)


def job_texts() -> dict[str, str]:
    """Strings for static/js/patrol-kpi.js, which follows the roll-up job on the pages that show patrol
    figures (templates/patrols/_figures_status.html)."""
    return {
        "progress": _("%(done)s of %(total)s days computed"),
        "queued": _("Waiting for another job to finish…"),
        "done": _("Updated."),
        "reload": _("Reload the page to see the current figures"),
        "failed": _("Updating the patrol figures failed: %(message)s Reload the page to try again."),
        "lost": _("The update's progress cannot be read; reload the page."),
    }


def lag_minutes() -> int:
    """How late, at most, a fix is counted (PATROL_FIGURES_MAX_LAG_S), in whole minutes for the pages."""
    return max(1, round(current_app.config["PATROL_FIGURES_MAX_LAG_S"] / 60))
