"""Figures for the home page, each from one aggregate query."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.grids.queries import counts_by_level
from app.grids.versions import Scope, published_version
from app.labels import LEVEL_LABELS, text as label_text
from app.models import LEVELS, OPEN_STATUSES, Report


def district_figures() -> dict:
    version = published_version()
    levels = []
    if version is not None:
        counts = {(lvl, kind): (n, staffed) for lvl, kind, n, staffed in counts_by_level(Scope(version))}
        for level in LEVELS:
            n, staffed = counts.get((level, "regular"), (0, 0))
            levels.append({"level": level, "label": label_text(LEVEL_LABELS, level), "grids": n,
                           "staffed": staffed, "staffed_share": (staffed / n) if n else None})
        dedicated = sum(v[0] for (lvl, kind), v in counts.items() if kind == "dedicated")
    else:
        dedicated = 0
    open_reports, out_of_coverage, total = db.session.execute(select(
        func.count().filter(Report.status.in_(OPEN_STATUSES)),
        func.count().filter(Report.out_of_coverage, Report.status.in_(OPEN_STATUSES)),
        func.count(),
    )).one()
    return {"version": version, "levels": levels, "dedicated": dedicated,
            "open_reports": open_reports, "out_of_coverage": out_of_coverage, "total_reports": total}
