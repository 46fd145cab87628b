"""Staff and worker accounts follow split and merged grids when a draft is published.

Staff assignments and account areas are keyed by grid *code*. A reshaped grid
keeps its code, so nobody moves; a split or merged grid gets new codes that
record their ``predecessors``, and without this step the new grids would be
unstaffed and their workers would silently lose them. Both steps are
set-based statements in the publishing transaction (plan/sql/carry_*.sql);
the impact preview (app.plan.impact) shows the same outcome beforehand.
"""
from __future__ import annotations

from app import audit
from app.extensions import db
from app.sqlfiles import sql


def carry(draft_id: int, old_generation: int | None, district_code: str | None = None) -> tuple[int, int]:
    """Carry assignments and areas to the new codes; return (staff carried, staff ended).
    ``old_generation`` is ``district_code``'s (generations are numbered per district)."""
    if old_generation is None:  # the first publication: nothing came before
        return 0, 0
    params = {"old_generation": old_generation, "district_code": district_code}
    rows = db.session.execute(sql("plan/carry_staff"), params).all()
    carried = [_assignment(r) | {"from": list(r.from_codes or [])} for r in rows if r.what == "carried"]
    ended = [_assignment(r) for r in rows if r.what == "ended"]
    if carried or ended:
        # The model has no end date: the removed assignments live on in this entry.
        audit.record("staff.carry", "draft", draft_id, before={"ended": ended}, after={"carried": carried})
    areas = db.session.execute(sql("plan/carry_areas"), params).all()
    if areas:
        audit.record("user.area_carry", "draft", draft_id, after={"areas": [
            {"user_id": a.user_id, "username": a.username, "grid_code": a.grid_code,
             "from": list(a.from_codes or [])} for a in areas]})
    return len(carried), len(ended)


def _assignment(r) -> dict:
    return {"id": r.id, "staff_id": r.staff_id, "name": r.name, "grid_code": r.grid_code, "role": r.role,
            "since": r.since}
