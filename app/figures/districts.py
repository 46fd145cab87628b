"""The city's ranking of its districts (issue 19): the event figures per district plus patrol time.

Reuses the event figures (app.figures.events with ``by="district"``, the same SQL as every other
grouping) and adds the patrol hours per grid of each district from the patrol roll-ups, as
``app.patrols.freshness`` leaves them (a background job may still be computing days: the ranking says
so, and its order does not depend on the patrol hours). Ranked by
on-time closing rate (higher first; none last), then overdue events (fewer first), then events
reported (more first), then code.
"""
from __future__ import annotations

from app.extensions import db
from app.figures.events import Filters, event_figures
from app.patrols import freshness
from app.patrols.freshness import Freshness
from app.sqlfiles import sql


def patrol_hours(filters: Filters) -> dict[str, dict]:
    """district code -> {"grids", "patrol_hours", "patrol_hours_per_grid"} over the filters' period,
    from the roll-ups as they are (:func:`patrol_freshness` says how current)."""
    rows = db.session.execute(sql("figures/district_patrols"), {
        "first": filters.period.first, "last": filters.period.last, "district": filters.district}).mappings()
    out = {}
    for r in rows:
        hours = float(r["seconds"]) / 3600
        out[r["district_code"]] = {"grids": int(r["grids"]), "patrol_hours": round(hours, 2),
                                   "patrol_hours_per_grid": round(hours / r["grids"], 2) if r["grids"] else None}
    return out


def patrol_freshness(filters: Filters) -> Freshness:
    """The state of the grid roll-ups of the filters' period (a job started when days are stale)."""
    return freshness.ensure(filters.period, ("grid",))


def ranking(filters: Filters) -> list[dict]:
    """One row per district: code, name, reported, closed on time share, overdue, patrol hours per grid, rank."""
    per_district = Filters(period=filters.period, by="district", category=filters.category,
                           big_class=filters.big_class, area=filters.area, district=filters.district)
    units = [u for u in event_figures(per_district)["units"] if u["unit"] is not None]
    patrols = patrol_hours(filters)
    rows = [{"code": u["code"], "name": u["name"] or u["code"], "reported": u["reported"], "overdue": u["overdue"],
             "closed_on_time": u["closed_on_time"], "closed_with_deadline": u["closed_with_deadline"],
             "on_time_rate": u["on_time_rate"],
             **patrols.get(u["code"], {"grids": 0, "patrol_hours": 0.0, "patrol_hours_per_grid": None})}
            for u in units]
    rows.sort(key=lambda r: (r["on_time_rate"] is None, -(r["on_time_rate"] or 0), r["overdue"], -r["reported"],
                             r["code"]))
    for rank, r in enumerate(rows, start=1):
        r["rank"] = rank
    return rows
