"""Household visits (入户走访): a worker records a visit to a standard address; the cycle figures.

The standard address library stands for the household register GridMap
does not have. It is kept at unit (单元) level at its finest (no room
numbers, see ``geo.address``), so a *household-level* address is one no
other address of the library refines: a unit, or a building, door number or
compound with no finer entry. Visits are recorded against those only.

The cycle is the calendar month in Beijing time (grid chiefs visit every
household once a month, 循环走访): the figures of a period count the
distinct household-level addresses visited from the first day of the month
holding the period's last day up to the period's end. The month is fixed,
not a setting: that is the practice the seeds describe.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app import audit
from app.models.district import worker_district
from app.errors import NotFound, ValidationError
from app.extensions import db
from app.models import HouseholdVisit
from app.patrols.ingest import parse_time
from app.beijing import BEIJING
from app.patrols.period import Period
from app.patrols.sessions import patrol_worker
from app.sqlfiles import sql

MAX_NOTE = 500
#: A phone clock may run this much ahead of the server.
MAX_FUTURE = timedelta(minutes=2)


def cycle_start(period: Period) -> date:
    """First day of the visiting cycle (the Beijing calendar month) holding the period's last day."""
    return period.last.replace(day=1)


def cycle_dict(period: Period) -> dict:
    first = cycle_start(period)
    return {"from": first.isoformat(), "to": period.last.isoformat()}


def _window(period: Period) -> dict:
    return {"cycle_from": datetime.combine(cycle_start(period), time(0), BEIJING), "t_to": period.end,
            "district_code": current_app.config["DISTRICT_CODE"]}


def grid_households(period: Period, grid_ids: list[int]) -> dict[int, tuple[int, int]]:
    """grid id → (household-level addresses in it, of them visited this cycle)."""
    if not grid_ids:
        return {}
    rows = db.session.execute(sql("patrols/household_grids"), {"grid_ids": grid_ids, **_window(period)}).all()
    return {r.id: (int(r.households), int(r.households_visited)) for r in rows}


def worker_households(period: Period, workers: list[int] | None) -> dict[int, tuple[int, int]]:
    """worker id → (household-level addresses in their grids, of them they visited this cycle)."""
    rows = db.session.execute(sql("patrols/household_workers"), {"workers": workers, **_window(period)}).all()
    return {r.id: (int(r.households), int(r.households_visited)) for r in rows}


def share(households: int, visited: int) -> float | None:
    return round(visited / households, 4) if households else None


# --------------------------------------------------------------------------- recording a visit

def _address_id(raw) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).strip().isdigit() \
            or not 0 < int(raw) < 2**63:
        raise ValidationError(_("address_id must be the id of a standard address (a positive whole number)."),
                              {"field": "address_id", "value": str(raw)[:40]})
    return int(raw)


def _visited_at(raw) -> datetime:
    now = datetime.now(timezone.utc)
    if raw in (None, ""):
        return now
    moment = parse_time(raw) if isinstance(raw, str) else None
    if moment is None:
        raise ValidationError(_("visited_at must be a time in ISO 8601, e.g. 2026-05-12T09:30:00+08:00 (no offset: "
                                "Beijing time)."), {"field": "visited_at", "value": str(raw)[:40]})
    if moment > now + MAX_FUTURE:
        raise ValidationError(_("visited_at lies in the future; send the time of the visit."),
                              {"field": "visited_at", "value": str(raw)[:40]})
    max_age = float(current_app.config["PATROL_MAX_AGE_DAYS"])
    if moment < now - timedelta(days=max_age):
        raise ValidationError(_("visited_at is more than %(days)s days ago; such visits are not recorded any more.",
                                days=int(max_age)), {"field": "visited_at", "value": str(raw)[:40]})
    return moment


def _note(raw) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > MAX_NOTE:
        raise ValidationError(_("note must be text of at most %(n)s characters.", n=MAX_NOTE), {"field": "note"})
    return raw.strip() or None


def record_visit(payload) -> tuple[dict, bool]:
    """Record the caller's (an administrator: the named worker's) visit; commits.

    Returns (the visit, created). The same worker, address and Beijing day
    again returns the visit stored first (created False).
    """
    if not isinstance(payload, dict):
        raise ValidationError(_("Send the visit as a JSON object {\"address_id\": ..., \"visited_at\": ..., "
                                "\"note\": ...}."), {"field": "body"})
    worker = patrol_worker(payload.get("worker"))
    address_id = _address_id(payload.get("address_id"))
    visited_at = _visited_at(payload.get("visited_at"))
    note = _note(payload.get("note"))
    district = worker_district(worker)
    address = db.session.execute(sql("patrols/visit_address"), {"address_id": address_id, "worker_id": worker.id,
                                                                 "district_code": district}).one_or_none()
    if address is None:
        raise NotFound(_("No standard address %(id)s.", id=address_id), {"field": "address_id"})
    if not address.in_area:
        raise ValidationError(_("Address %(id)s (%(text)s) lies in grid %(grid)s, not in %(worker)s's grids.",
                                id=address_id, text=address.full_text, grid=address.grid_code or "-",
                                worker=worker.username),
                              {"field": "address_id", "grid_code": address.grid_code})
    if address.finer:
        raise ValidationError(_("Address %(id)s (%(text)s) is not a household: the library has %(n)s finer addresses "
                                "under it. Record the visit on the unit visited.", id=address_id,
                                text=address.full_text, n=address.finer),
                              {"field": "address_id", "finer": int(address.finer)})
    new_id = db.session.execute(sql("patrols/insert_visit"), {
        "district_code": district, "worker_id": worker.id, "address_id": address_id, "visited_at": visited_at,
        "note": note}).scalar()
    day = visited_at.astimezone(BEIJING).date()
    if new_id is None:
        visit = db.session.scalars(select(HouseholdVisit).where(
            HouseholdVisit.worker_id == worker.id, HouseholdVisit.address_id == address_id,
            HouseholdVisit.day == day)).one()
    else:
        visit = db.session.get(HouseholdVisit, new_id)
        audit.record("patrol.household_visit", "patrol", worker.id, district_code=district, after={
            "visit": new_id, "worker": worker.username, "address_id": address_id, "address": address.full_text,
            "visited_at": visited_at.astimezone(BEIJING).isoformat(timespec="seconds"), "note": note})
    out = visit_dict(visit, worker.username, address.full_text)
    db.session.commit()
    return out, new_id is not None


def visit_dict(visit: HouseholdVisit, username: str, address_text: str) -> dict:
    return {"id": visit.id, "worker": {"id": visit.worker_id, "username": username},
            "address": {"id": visit.address_id, "full_text": address_text},
            "visited_at": visit.visited_at.astimezone(BEIJING).isoformat(timespec="seconds"),
            "day": visit.day.isoformat(), "note": visit.note}
