"""Patrol sessions: started and stopped by the worker, or derived from gaps in the fixes.

Explicit sessions live in ``patrol_session`` (migration 0013_patrol_sessions):
a worker starts one (at the server's clock) and stops it; at most one is
open per worker. Derived sessions are computed from the fixes with the rule
of :func:`geo.patrol.split_sessions` (a gap over ``MAX_GAP_S`` seconds ends a
session), leaving out fixes that fall inside an explicit session, so every
fix belongs to exactly one listed session.

Ids: an explicit session's id is its row id (``"12"``); a derived one has no
row, its id names the worker and its first and last fix in epoch
microseconds (``"d7-1778547600000000-1778548200000000"``), so its track can
be fetched later by id.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.models.district import worker_district
from app.actor import current_actor
from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.models import PatrolSession, User
from app.beijing import BEIJING
from app.patrols.period import Period
from app.patrols.service import resolve_worker
from app.sqlfiles import sql
from geo.crs import distance_m
from geo.patrol import MAX_GAP_S

DERIVED_ID = re.compile(r"^d([0-9]{1,10})-([0-9]{1,19})-([0-9]{1,19})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = timedelta(microseconds=1)
#: A track never sends more fixes than this (the first ones; ``truncated`` says so).
MAX_TRACK_FIXES = 20_000
#: The end of an open session when a query needs one far away.
_FAR = datetime(9999, 1, 1, tzinfo=timezone.utc)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(BEIJING).isoformat(timespec="seconds")


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // _US


def derived_id(worker_id: int, start: datetime, end: datetime) -> str:
    return f"d{worker_id}-{_us(start)}-{_us(end)}"


# --------------------------------------------------------------------------- writing (the worker)

def patrol_worker(ref) -> User:
    """Whom a session or household visit is for: the caller, or (administrators) the named grid worker."""
    worker = resolve_worker(ref)
    if worker.role != "worker":
        raise ValidationError(_("Patrol sessions and household visits belong to grid worker accounts; an "
                                "administrator sends worker (user id or username of a grid worker) to act for "
                                "one."), {"field": "worker"})
    return worker


def start(payload) -> dict:
    """Open a session for the caller (or, for an administrator, the named worker); commits.

    409 ``session_open`` naming the open session when the worker has one.
    """
    if not isinstance(payload, dict):
        raise ValidationError(_("Send a JSON object (or nothing) to start a session."), {"field": "body"})
    worker = patrol_worker(payload.get("worker"))
    # Two phones starting at once: the account row lock makes the second wait,
    # then see the first one's session (the partial unique index is the backstop).
    db.session.execute(select(User.id).where(User.id == worker.id).with_for_update())
    running = db.session.scalars(select(PatrolSession).where(PatrolSession.worker_id == worker.id,
                                                             PatrolSession.stopped_at.is_(None))).first()
    if running is not None:
        raise Conflict(_("%(worker)s already has an open patrol session (%(id)s, started %(at)s); stop it first.",
                         worker=worker.username, id=running.id, at=_iso(running.started_at)),
                       {"field": "session", "session": describe_row(running, worker)}, code="session_open")
    session = PatrolSession(district_code=worker_district(worker), worker_id=worker.id,
                            started_at=_now())
    db.session.add(session)
    db.session.flush()
    audit.record("patrol.session_start", "patrol", worker.id, district_code=session.district_code,
                 after={"session": session.id, "worker": worker.username, "started_at": _iso(session.started_at)})
    out = describe_row(session, worker)
    db.session.commit()
    return out


def stop(session_id: int) -> dict:
    """Stop an open session of the caller (administrators: anybody's); commits.

    404 when it does not exist or is someone else's; 409 ``session_stopped``
    with its state when it was stopped already.
    """
    actor = current_actor()
    # Locked by district and id (one shard on Citus, which refuses FOR UPDATE over every shard): the
    # session's district is read first.
    district = db.session.execute(select(PatrolSession.district_code).where(PatrolSession.id == session_id)).scalar()
    session = None if district is None else db.session.execute(select(PatrolSession).where(
        PatrolSession.district_code == district, PatrolSession.id == session_id).with_for_update()).scalar()
    if session is None or (actor.role != "admin" and session.worker_id != actor.id):
        raise NotFound(_("No patrol session %(id)s of yours.", id=session_id), {"field": "session_id"})
    worker = db.session.get(User, session.worker_id)
    if session.stopped_at is not None:
        raise Conflict(_("Patrol session %(id)s was stopped already, at %(at)s.", id=session.id,
                         at=_iso(session.stopped_at)),
                       {"field": "session", "session": describe_row(session, worker)}, code="session_stopped")
    session.stopped_at = max(_now(), session.started_at)
    audit.record("patrol.session_stop", "patrol", session.worker_id, district_code=session.district_code,
                 before={"session": session.id, "stopped_at": None},
                 after={"session": session.id, "worker": worker.username, "stopped_at": _iso(session.stopped_at)})
    db.session.flush()
    out = describe_row(session, worker)
    db.session.commit()
    return out


def describe_row(session: PatrolSession, worker: User) -> dict:
    """A session as the API shows it, with its fixes and distance so far."""
    row = db.session.execute(sql("patrols/sessions_explicit"), {
        "t_from": session.started_at, "t_to": _FAR, "workers": None, "session_id": session.id, "now": _now(),
        "max_gap": MAX_GAP_S}).mappings().one()
    return _item("explicit", str(session.id), row, _people([worker.id]).get(worker.id))


# --------------------------------------------------------------------------- reading

def _people(ids) -> dict[int, dict]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.username, User.display_name).where(User.id.in_(ids))).all()
    return {i: {"id": i, "username": u, "display_name": d} for i, u, d in rows}


def _item(source: str, ident: str, row, worker: dict | None) -> dict:
    end = row["stopped_at"]
    duration = ((end or _now()) - row["started_at"]).total_seconds()
    return {"id": ident, "source": source, "worker": worker, "start": _iso(row["started_at"]), "end": _iso(end),
            "open": end is None, "duration_s": round(max(duration, 0.0), 1),
            "distance_m": round(float(row["distance_m"] or 0), 1), "fixes": int(row["fixes"]),
            "track": f"/api/v1/patrols/sessions/{ident}/track"}


def list_sessions(period: Period, workers: list[int] | None, *, limit: int) -> tuple[list[dict], bool]:
    """Explicit sessions overlapping the period and sessions derived from its fixes, by start time.

    ``workers``: whose (None: everybody's). Returns (sessions, truncated).
    """
    common = {"t_from": period.start, "t_to": period.end, "workers": workers, "max_gap": MAX_GAP_S}
    explicit = db.session.execute(sql("patrols/sessions_explicit"),
                                  {**common, "session_id": None, "now": _now()}).mappings().all()
    derived = db.session.execute(sql("patrols/sessions_derived"), common).mappings().all()
    people = _people([r["worker_id"] for r in explicit] + [r["worker_id"] for r in derived])
    items = [(r["started_at"], 0, _item("explicit", str(r["id"]), r, people.get(r["worker_id"]))) for r in explicit]
    items += [(r["started_at"], 1, _item("derived", derived_id(r["worker_id"], r["started_at"], r["stopped_at"]), r,
                                         people.get(r["worker_id"]))) for r in derived]
    items.sort(key=lambda x: (x[0], x[1], x[2]["worker"]["id"] if x[2]["worker"] else 0))
    return [i for _, _, i in items[:limit]], len(items) > limit


def track(session_id: str, visible: list[int] | None) -> dict:
    """The session's fixes as one GeoJSON Feature (LineString; a Point for one fix; no geometry for none).

    404 for an unknown id or a worker outside ``visible`` (None: everybody).
    """
    missing = NotFound(_("No patrol session %(id)s in your area.", id=session_id[:64]), {"field": "session_id"})
    m = DERIVED_ID.match(session_id)
    if session_id.isdigit() and len(session_id) <= 9:
        session = db.session.get(PatrolSession, int(session_id))
        if session is None or (visible is not None and session.worker_id not in visible):
            raise missing
        worker_id, t_from = session.worker_id, session.started_at
        t_to = session.stopped_at or _now()
        row = db.session.execute(sql("patrols/sessions_explicit"), {
            "t_from": session.started_at, "t_to": _FAR, "workers": None, "session_id": session.id, "now": _now(),
            "max_gap": MAX_GAP_S}).mappings().one()
        source, outside = "explicit", False
    elif m:
        worker_id = int(m.group(1))
        if worker_id >= 2**31 or (visible is not None and worker_id not in visible):
            raise missing
        t_from, t_to = _EPOCH + int(m.group(2)) * _US, _EPOCH + int(m.group(3)) * _US
        if t_to < t_from or t_to.year > 9000:
            raise missing
        source, outside, row = "derived", True, None
    else:
        raise missing
    if db.session.get(User, worker_id) is None:
        raise missing
    fixes = db.session.execute(sql("patrols/session_fixes"), {
        "worker_id": worker_id, "t_from": t_from, "t_to": t_to, "outside_explicit": outside,
        "limit": MAX_TRACK_FIXES}).all()
    if source == "derived" and (not fixes or fixes[0].time != t_from or fixes[-1].time != t_to):
        raise missing   # not a session the fixes make (any more)
    coords = [[round(float(f.lon), 7), round(float(f.lat), 7)] for f in fixes]
    times = [int(f.time.timestamp() * 1000) for f in fixes]
    metres = _distance(fixes) if row is None else float(row["distance_m"] or 0)
    if row is None:
        row = {"started_at": t_from, "stopped_at": t_to, "fixes": len(fixes), "distance_m": metres}
    item = _item(source, session_id, row, _people([worker_id]).get(worker_id))
    geometry = (None if not coords else {"type": "Point", "coordinates": coords[0]} if len(coords) == 1
                else {"type": "LineString", "coordinates": coords})
    feature = {"type": "Feature", "geometry": geometry, "properties": {**item, "times": times}}
    return {"type": "FeatureCollection", "features": [feature], "truncated": len(fixes) >= MAX_TRACK_FIXES}


def _distance(fixes) -> float:
    """Geodesic length between consecutive fixes at most MAX_GAP_S apart."""
    if len(fixes) < 2:
        return 0.0
    lon = np.array([f.lon for f in fixes], dtype=float)
    lat = np.array([f.lat for f in fixes], dtype=float)
    dt = np.array([(b.time - a.time).total_seconds() for a, b in zip(fixes[:-1], fixes[1:])])
    steps = np.atleast_1d(distance_m(lon[:-1], lat[:-1], lon[1:], lat[1:]))
    return float(steps[dt <= MAX_GAP_S].sum())
