"""Scheduled publication: a validated draft becomes the published version at 00:00 Beijing time
on its effective date.

Two ways get it published, so it is never late:

* ``flask plan publish-due`` (from cron, a minute past midnight or more often) publishes every
  scheduled version whose day has come;
* every request first asks whether a scheduled version is due, and publishes it before it is
  answered. That costs nothing per request: a version can only fall due at a Beijing midnight,
  so each process reads the earliest scheduled date once and again only after the next midnight
  (or when it schedules or cancels one itself, or when the clock went backwards, as tests do).

The clock is the app's one clock, ``app.events.deadlines.now`` (tests move it). A due version
that can no longer be published (its checks fail now) becomes an editable draft again, with
the reason in ``schedule_error`` and in the audit log; the published version stays as it was.
"""
from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, current_app, request
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app import audit
from app.actor import Actor, current_actor
from app.errors import DomainError
from app.events import deadlines
from app.extensions import db
from app.models import BoundaryVersion

#: Beijing time as a fixed offset: China has kept UTC+8 all year since 1992, and a date typed far in the
#: past must not come out in the zone database's local mean time (+08:05:43).
CHINA = dt.timezone(dt.timedelta(hours=8))
log = logging.getLogger(__name__)
_STATE = "gridmap_schedule"
#: After a failed attempt on a request, the next one waits this long.
RETRY = dt.timedelta(minutes=5)


def now() -> dt.datetime:
    """The current time (aware): the clock of app.events.deadlines."""
    return deadlines.now()


def beijing_day(at: dt.datetime) -> dt.date:
    return at.astimezone(CHINA).date()


def effective_at(day: dt.date) -> dt.datetime:
    """The moment a version with effective date ``day`` takes effect: 00:00 that day, Beijing time."""
    return dt.datetime.combine(day, dt.time(0), CHINA)


def _next_midnight(at: dt.datetime) -> dt.datetime:
    return effective_at(beijing_day(at) + dt.timedelta(days=1))


def due(at: dt.datetime | None = None) -> list[int]:
    """Ids of the scheduled versions whose effective date has come at ``at``, earliest first."""
    at = at or now()
    return list(db.session.scalars(select(BoundaryVersion.id).where(
        BoundaryVersion.status == "scheduled", BoundaryVersion.effective_date <= beijing_day(at))
        .order_by(BoundaryVersion.effective_date, BoundaryVersion.id)))


def publish_due(at: dt.datetime | None = None) -> list[dict]:
    """Publish every due scheduled version, each in its own transaction; one dict per version."""
    from app.plan.publish import publish_scheduled

    at = at or now()
    results = []
    for version_id in due(at):
        system = Actor(None, "system", current_actor().via)
        try:
            with audit.acting_as(system):
                results.append(publish_scheduled(version_id))
        except DomainError as exc:
            db.session.rollback()
            results.append(_failed(version_id, exc.message, system))
    forget()
    return results


def _failed(version_id: int, message: str, system: Actor) -> dict:
    """A due version that cannot be published: an editable draft again, saying why."""
    from app.plan import drafts

    version = db.session.get(BoundaryVersion, version_id)
    if version is None or version.status != "scheduled":
        return {"version_id": version_id, "published": False, "skipped": True}
    before = drafts.snapshot(version)
    version.status = "draft"
    version.schedule_error = message[:2000]
    drafts.bump(version)
    with audit.acting_as(system):
        audit.record("draft.schedule_failed", "draft", version.id, before=before,
                     after={**drafts.snapshot(version), "error": version.schedule_error})
    db.session.commit()
    log.warning("scheduled version %s was not published: %s", version_id, message)
    return {"version_id": version_id, "published": False, "error": message}


# ----------------------------------------------------------------------------- on requests

def forget() -> None:
    """This process changed the schedule: read it again on the next request."""
    state = current_app.extensions.get(_STATE)
    if state is not None:
        state["read_at"] = None


def _next_due() -> dt.datetime | None:
    day = db.session.scalar(select(func.min(BoundaryVersion.effective_date))
                            .where(BoundaryVersion.status == "scheduled"))
    return effective_at(day) if day else None


def check_due() -> None:
    """Before a request: publish what is due, so no answer is given from boundaries past their time."""
    if request.endpoint in (None, "static"):
        return
    state = current_app.extensions.setdefault(_STATE, {"read_at": None, "until": None, "next": None})
    at = now()
    if state["read_at"] is None or at < state["read_at"] or at >= state["until"]:
        try:
            state.update(read_at=at, until=_next_midnight(at), next=_next_due())
        except SQLAlchemyError:
            # The database is away: the request gets its own answer (a 503 where it needs the database,
            # the error page where it failed anyway); the schedule is read again after RETRY.
            db.session.rollback()
            state.update(read_at=at, until=at + RETRY, next=None)
            return
    if state["next"] is not None and at >= state["next"]:
        try:
            publish_due(at)
            state["read_at"] = None
        except Exception:  # noqa: BLE001 - the request itself must still be answered
            db.session.rollback()
            log.exception("publishing the scheduled boundaries failed; trying again in %s", RETRY)
            # Not on every request meanwhile: cron (flask plan publish-due) tries too.
            state.update(read_at=at, until=at + RETRY, next=None)


def init_app(app: Flask) -> None:
    app.before_request(check_due)
