"""A hand-built set of events with known timestamps in the sample district, and the figures expected of it.

Period: Monday 2 to Sunday 8 November 2026 (Beijing). "Now" is 20 November.

G1 = 410102001001001 and G2 = 410102001001002 (community 410102001001,
subdistrict 410102001); G3 = 410102002001001 (community 410102002001,
subdistrict 410102002). Workers W1..W3 work G1..G3, W4 works G4 and has
no event.

===  ====  ==========  =========================================================
id   grid  assignee    what happened (times Beijing)
===  ====  ==========  =========================================================
e1   G1    W1          closed: reported 11-02 09:00, handled 15:00 <= deadline 17:30, closed 18:00 (9 h)
e2   G1    W1          closed: reported 11-03 10:00, handled 11-04 12:00 > deadline 11-03 17:30, closed 11-04 22:00
                       (36 h), reworked once
e3   G1    W1          handled 11-04 10:00 (category 0601)
e4   G1    W1          in progress after a rework, deadline 11-05 12:00 passed: overdue now
e5   G1    -           cancelled (voided)
e6   G1    -           merged into e1 (cancelled, duplicate_of)
e7   G1    -           reported, nothing done yet
e15  G3→G1 W1          dispatched, deadline in December; re-assigned to G1 by a publication
e8   G2    W2          closed, no deadline: reported 08:00, closed 10:00 (2 h)
e9   G2    W2          verified (category 0102)
e10  G3    W3          closed: reported Sat 11-07 00:30, handled 01:00 <= deadline 02:00, closed 11-08 00:30 (24 h)
e11  G3    W3          suspended after being handled
e12  none  -           accepted, outside every grid
e13  G1    W1          closed, reported 11-01 23:59:59: before the period
e14  G1    -           reported 11-09 00:00:00: after the period (the end is exclusive)
===  ====  ==========  =========================================================
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
FIRST, LAST = date(2026, 11, 2), date(2026, 11, 8)
PERIOD = f"from={FIRST}&to={LAST}"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=BEIJING)

G1, G2, G3, G4 = "410102001001001", "410102001001002", "410102002001001", "410102001002001"
C1, C3 = "410102001001", "410102002001"
S1, S2 = "410102001", "410102002"


def bj(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=BEIJING)


def _lineage(code: str) -> list[int]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Grid

    # The north micro-grid of the grid: what a point there is assigned to.
    return db.session.scalar(select(Grid.lineage).where(Grid.code == code + "01", Grid.generation_high.is_(None)))


def build(db) -> dict:
    """Insert the events (and the worker accounts); return ``{"ids": {name: id}, "workers": {name: user}}``."""
    from app.auth import users
    from app.models import Report

    workers = {name: users.create(f"fig-{name.lower()}", "correct-horse-battery", "worker",
                                  display_name=f"网格员{name}", areas=[code])
               for name, code in (("W1", G1), ("W2", G2), ("W3", G3), ("W4", G4))}
    db.session.flush()
    lin = {code: _lineage(code) for code in (G1, G2, G3)}
    w = {name: u.id for name, u in workers.items()}

    def event(name, grid, status, created, *, category="0402", assignee=None, handled=None, deadline=None,
              closed=None, rework=0, **extra):
        lineage = lin[grid] if grid else []
        return name, Report(district_code="410102", category=category, channel="worker_app",
                            description=name, status=status, created_at=created, handled_at=handled,
                            deadline=deadline, closed_at=closed, rework_count=rework,
                            assignee_id=w[assignee] if assignee else None,
                            grid_id=lineage[-1] if lineage else None, grid_lineage=lineage,
                            out_of_coverage=not lineage, **extra)

    rows = dict([
        event("e1", G1, "closed", bj(11, 2, 9), assignee="W1", handled=bj(11, 2, 15), deadline=bj(11, 2, 17, 30),
              closed=bj(11, 2, 18)),
        event("e2", G1, "closed", bj(11, 3, 10), assignee="W1", handled=bj(11, 4, 12), deadline=bj(11, 3, 17, 30),
              closed=bj(11, 4, 22), rework=1),
        event("e3", G1, "handled", bj(11, 4, 9), category="0601", assignee="W1", handled=bj(11, 4, 10),
              deadline=bj(11, 4, 17)),
        event("e4", G1, "in_progress", bj(11, 5, 9), assignee="W1", deadline=bj(11, 5, 12), rework=1),
        event("e5", G1, "cancelled", bj(11, 5, 10), closed=bj(11, 5, 11)),
        event("e6", G1, "cancelled", bj(11, 6, 10), closed=bj(11, 6, 11)),
        event("e7", G1, "reported", bj(11, 6, 11)),
        event("e15", G3, "dispatched", bj(11, 6, 12), assignee="W1", deadline=bj(12, 1, 17, 30),
              current_grid_id=lin[G1][-1], current_lineage=lin[G1], current_dedicated_ids=[], current_generation=2),
        event("e8", G2, "closed", bj(11, 2, 8), assignee="W2", handled=bj(11, 2, 9), closed=bj(11, 2, 10)),
        event("e9", G2, "verified", bj(11, 3, 8), category="0102", assignee="W2", handled=bj(11, 3, 9),
              deadline=bj(11, 3, 12)),
        event("e10", G3, "closed", bj(11, 7, 0, 30), assignee="W3", handled=bj(11, 7, 1), deadline=bj(11, 7, 2),
              closed=bj(11, 8, 0, 30)),
        event("e11", G3, "suspended", bj(11, 8, 12), assignee="W3", handled=bj(11, 8, 13), deadline=bj(11, 8, 17),
              suspended_from="handled", suspended_at=bj(11, 8, 14)),
        event("e12", None, "accepted", bj(11, 4, 12)),
        event("e13", G1, "closed", bj(11, 1, 23, 59, 59), assignee="W1", handled=bj(11, 2, 1), deadline=bj(11, 2, 5),
              closed=bj(11, 2, 2)),
        event("e14", G1, "reported", bj(11, 9, 0)),
    ])
    db.session.add_all(rows.values())
    db.session.flush()
    rows["e6"].duplicate_of = rows["e1"].id
    db.session.commit()
    return {"ids": {name: r.id for name, r in rows.items()}, "workers": workers}


def figures(reported, cancelled, merged, valid, handled, closed, closed_with_deadline, closed_on_time, handled_ever,
            reworked, overdue, disposal, closing, on_time, rework, median) -> dict:
    """The figures of one unit, in the order of the columns."""
    return {"reported": reported, "cancelled": cancelled, "merged": merged, "valid": valid, "handled": handled,
            "closed": closed, "closed_with_deadline": closed_with_deadline, "closed_on_time": closed_on_time,
            "handled_ever": handled_ever, "reworked": reworked, "overdue": overdue, "disposal_rate": disposal,
            "closing_rate": closing, "on_time_rate": on_time, "rework_rate": rework,
            "median_hours_to_close": median}


#: Expected figures, worked out by hand from the table above.
ZERO = figures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, None, None, None, None, None)
#: e1 e2 e3 e4 e5 e6 e7 e15: valid 6; handled e1 e2 e3; closed e1 (on time) e2 (late); reworked e2 e4.
GRID_1 = figures(8, 1, 1, 6, 3, 2, 2, 1, 4, 2, 1, 0.5, 0.3333, 0.5, 0.5, 22.5)
#: e8 (closed, no deadline), e9 (verified).
GRID_2 = figures(2, 0, 0, 2, 2, 1, 0, 0, 2, 0, 0, 1.0, 0.5, None, 0.0, 2.0)
#: e10 (closed on time), e11 (suspended after handling).
GRID_3 = figures(2, 0, 0, 2, 2, 1, 1, 1, 2, 0, 0, 1.0, 0.5, 1.0, 0.0, 24.0)
#: e12, outside every grid.
NO_GRID = figures(1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, None, None, None)
#: G1 + G2: closed hours 9, 36, 2 -> median 9.
COMMUNITY_1 = figures(10, 1, 1, 8, 5, 3, 2, 1, 6, 2, 1, 0.625, 0.375, 0.5, 0.3333, 9.0)
#: Everything in the period: closed hours 2, 9, 24, 36 -> median 16.5.
TOTAL = figures(13, 1, 1, 11, 7, 4, 3, 2, 8, 2, 1, 0.6364, 0.3636, 0.6667, 0.25, 16.5)
#: W1: e1 e2 e3 e4 e15.
WORKER_1 = figures(5, 0, 0, 5, 3, 2, 2, 1, 4, 2, 1, 0.6, 0.4, 0.5, 0.5, 22.5)
#: No assignee: e5 e6 e7 e12.
UNASSIGNED = figures(4, 1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, None, None, None)


def pick(unit: dict) -> dict:
    return {key: unit[key] for key in ZERO}
