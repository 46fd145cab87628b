"""Event figures (事件统计) per subdistrict, community, grid or worker, from one aggregate query.

The figures are about the **events reported in the period** (``created_at``
in ``[from 00:00, to + 1 day 00:00)`` Beijing time), each in the state it is
in *now*: an event reported in March and closed in April counts as closed
in March's figures once April has come. Every rate therefore has a fixed
cohort and can only rise as work gets done.

Counts (each over the events reported in the period)

reported (事件上报数)
    Every event, whatever became of it.
cancelled, merged
    Voided (作废) events, and duplicates merged into another event (also
    cancelled, with ``duplicate_of`` set); counted apart.
valid (应处置数)
    Events that needed handling: reported minus cancelled minus merged
    (``status <> 'cancelled'``).
handled (已处置数)
    Valid events in ``handled``, ``verified`` or ``closed``, or suspended
    (挂账) from ``handled``/``verified``. An event sent back for rework
    (rejected or reopened) is not handled until it is handled again.
closed (结案数)
    Valid events in ``closed``.
closed on time / closed with a deadline
    Closed events with both a deadline and a handling time; on time when
    ``handled_at <= deadline`` (the deadline as last extended or pushed back
    by suspension; the same rule as ``gridmap_deadline_state``, migration 0024).
handled at least once, reworked
    Valid events that are handled now or have ``rework_count > 0`` (rework
    needs a handling first); reworked: valid events with ``rework_count > 0``.
overdue
    Events whose handling clock runs (dispatched, in progress) past their
    deadline now: ``gridmap_deadline_state`` is ``overdue``, the one rule of
    the home page, the dispatch desk and the maps.

Rates (``None`` where the denominator is 0; rounded to 4 decimals)

- disposal rate 处置率 = handled / valid
- closing rate 结案率 = closed / valid
- on-time closing rate 按期结案率 = closed on time / closed with a deadline
- rework rate 返工率 = reworked / handled at least once
- median time to close (hours) = ``percentile_cont(0.5)`` of
  ``closed_at - created_at`` over the closed events (calendar hours, not
  working hours: what the resident waited).

Which unit an event counts for

- subdistrict / community / grid: the ancestor at that level of the grid the
  event belongs to *now* (``COALESCE(current_lineage, grid_lineage)``: open
  events re-assigned by a boundary publication count for their new grid,
  closed ones for the grid they were handled in). Units are grid *codes*, so
  the rows of a reshaped grid in several boundary generations are one unit.
  Events outside every grid form one extra row (``unit`` None). Dedicated
  grids do not form units.
- worker: the event's assignee now (an escalation that hands the event back
  for re-dispatch clears it); events with no assignee form the extra row.

Every current unit of the level in the caller's area (or worker account
whose grids overlap it) is listed, with zeros when it had no event. The
caller's area (``app.auth.scope.event_area``) limits the *events* in the SQL,
exactly as the event lists do: a grid worker's figures count only the events
of their own grids. The total row counts every event in scope, the extra
row included.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.events import deadlines
from app.extensions import db
from app.patrols.period import Period
from app.sqlfiles import sql

#: Grouping levels (``by=``), coarse to fine, then per worker.
GROUPINGS: tuple[str, ...] = ("district", "subdistrict", "community", "grid", "worker")
#: Longest period one request may ask for: one aggregate query over a year of events is cheap.
MAX_DAYS = 366

COUNTS: tuple[str, ...] = ("reported", "cancelled", "merged", "valid", "handled", "closed", "closed_with_deadline",
                           "closed_on_time", "handled_ever", "reworked", "overdue")
#: Each rate and its (numerator, denominator) counts.
RATES: dict[str, tuple[str, str]] = {
    "disposal_rate": ("handled", "valid"),
    "closing_rate": ("closed", "valid"),
    "on_time_rate": ("closed_on_time", "closed_with_deadline"),
    "rework_rate": ("reworked", "handled_ever"),
}


@dataclass(frozen=True)
class Filters:
    """What the figures are about; ``area`` is the caller's (``event_area()``)."""

    period: Period
    by: str = "grid"
    category: str | None = None
    big_class: str | None = None
    subdistrict: str | None = None
    area: tuple[str, ...] | None = None
    #: The district the figures are limited to (``event_district()``: a district user's own, a city
    #: user's choice); None: every district (the city).
    district: str | None = None

    def __post_init__(self) -> None:
        if self.by not in GROUPINGS:
            raise ValueError(f"by must be one of {GROUPINGS}, got {self.by!r}")


def rate(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator`` rounded to 4 decimals; None for an empty denominator.

    >>> rate(2, 3), rate(0, 0)
    (0.6667, None)
    """
    return round(numerator / denominator, 4) if denominator else None


def _unit(row, by: str) -> dict:
    counts = {key: int(row[key]) for key in COUNTS}
    median = row["median_hours_to_close"]
    if by == "worker":
        label = {"code": row["username"], "name": row["display_name"] or row["username"],
                 "parent_code": None, "parent_name": None, "user_id": row["user_id"]}
    else:
        label = {"code": row["unit"], "name": row["grid_name"], "parent_code": row["parent_code"],
                 "parent_name": row["parent_name"], "user_id": None}
    return {
        "unit": row["unit"], **label, **counts,
        **{name: rate(counts[num], counts[den]) for name, (num, den) in RATES.items()},
        "median_hours_to_close": None if median is None else round(float(median), 2),
    }


def _order(unit: dict) -> tuple:
    # Named units by code (grids: west→east, north→south) or username; the "no unit" row last.
    return (unit["unit"] is None, unit["code"] or "", unit["unit"] or "")


def event_figures(filters: Filters, *, now: datetime | None = None) -> dict:
    """``{"units": [...], "total": {...}}`` for ``filters``; each unit as :func:`_unit` builds it."""
    level = None if filters.by == "worker" else filters.by
    rows = db.session.execute(sql("figures/events"), {
        "t_from": filters.period.start, "t_to": filters.period.end, "level": level,
        "category": filters.category, "big_class": filters.big_class, "within": filters.subdistrict,
        "area": None if filters.area is None else list(filters.area), "now": now or deadlines.now(),
        "district": filters.district,
    }).mappings().all()
    total = next(_unit(r, filters.by) for r in rows if r["is_total"])
    for key in ("unit", "code", "name", "parent_code", "parent_name", "user_id"):
        total[key] = None
    units = sorted((_unit(r, filters.by) for r in rows if not r["is_total"]), key=_order)
    # The "no unit" row only when some event is in it: zeros there say nothing.
    units = [u for u in units if u["unit"] is not None or u["reported"]]
    return {"units": units, "total": total}
