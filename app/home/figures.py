"""Figures for the home page, each from one aggregate query."""
from __future__ import annotations

from app.auth.scope import area_param, event_district
from app.events import deadlines
from app.extensions import db
from app.grids.queries import counts_by_level
from app.grids.versions import Scope, published_versions
from app.labels import LEVEL_LABELS, text as label_text
from app.models import LEVELS, OPEN_STATUSES
from app.sqlfiles import sql

#: Levels that have workers of their own: a district or subdistrict has none, and "0 % staffed"
#: there would read as a gap.
STAFFED_LEVELS = ("community", "grid", "micro")


def district_figures(district: str | None) -> dict:
    """The published boundaries, grids and staffing per level: of ``district`` (a district user's
    own), or of every district for a city user (None), whose page lists each district's version."""
    versions = published_versions(district)
    levels = []
    dedicated = 0
    if versions:
        scope = Scope(versions[0][1], district_code=district) if district else Scope(None)
        counts = {(lvl, kind): (n, staffed) for lvl, kind, n, staffed in counts_by_level(scope)}
        for level in LEVELS:
            n, staffed = counts.get((level, "regular"), (0, 0))
            share = (staffed / n) if n and level in STAFFED_LEVELS else None
            levels.append({"level": level, "label": label_text(LEVEL_LABELS, level), "grids": n,
                           "staffed": staffed if level in STAFFED_LEVELS else None, "staffed_share": share})
        dedicated = sum(v[0] for (lvl, kind), v in counts.items() if kind == "dedicated")
    return {"versions": versions, "levels": levels, "dedicated": dedicated}


def event_figures(area: tuple[str, ...] | None) -> dict:
    """Open, overdue, due soon, waiting for placement, outside every grid, reported today and all
    events, in ``area`` (None: the whole district) -- the same scope as the dispatch desk's."""
    now = deadlines.now()
    row = db.session.execute(sql("home/events"), {
        "open_statuses": list(OPEN_STATUSES), "now": now, "today_from": deadlines.day_start(now),
        "area": area_param(area), "district": event_district(),
    }).mappings().one()
    return dict(row)
