"""Store generated demo data through the project's own import paths.

Grids go through :func:`app.grids.service.import_grids` (the same validation
a planner's upload gets), reports through
:func:`app.reports.service.import_reports` (COPY + set-based assignment),
staff in two bulk INSERT statements. Nothing here issues a query per row.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, text

from app.beijing import BEIJING
from app.demo.generate import DemoData
from app.extensions import db
from app.models import Grid, Staff, StaffAssignment
from app.models.boundary import published_version

# What --force wipes: the demo's tables and whatever hangs off grids and
# reports (CASCADE), so a reload starts from the same empty state as `make run`.
_DEMO_TABLES = ("report", "standard_address", "address_alias", "grid",
                "boundary_version", "patrol_fix", "patrol_fix_rejected", "patrol_place",
                "patrol_session", "household_visit")


@dataclass
class LoadResult:
    grids: dict
    staff: int
    assignments: int
    reports: int
    assigned: int | None
    out_of_coverage: int | None
    addresses: int = 0
    #: Demo sign-in accounts made by this load, with their passwords (those that existed are kept as they were).
    accounts: dict[str, str] = field(default_factory=dict)


def grid_count() -> int:
    """Grid rows of any version already in the database."""
    return db.session.scalar(select(func.count()).select_from(Grid)) or 0


def clear() -> None:
    """Delete every grid, boundary version, staff member and report (for ``--force``).

    User accounts stay: staff are deleted row by row (a few thousand), because
    TRUNCATE ... CASCADE on staff would follow app_user.staff_id and empty the
    accounts too.
    """
    db.session.execute(text("TRUNCATE " + ", ".join(_DEMO_TABLES) + " CASCADE"))
    db.session.execute(text("DELETE FROM staff_assignment"))
    db.session.execute(text("DELETE FROM staff"))
    db.session.commit()


def load_grids(data: DemoData):
    from app.grids.service import import_grids

    # Generated in WGS-84 already (the outline was converted on the way in).
    # One unit of work with the staff and reports: commit=False here.
    return import_grids(data.collection, None, commit=False)


def load_staff(data: DemoData) -> tuple[int, int]:
    """Two set-based statements: staff (ids returned in input order), then assignments."""
    if not data.staff:
        return 0, 0
    ids = db.session.execute(
        insert(Staff).returning(Staff.id, sort_by_parameter_order=True), data.staff
    ).scalars().all()
    rows = [{"staff_id": ids[i], "grid_code": code, "role": role} for i, code, role in data.assignments]
    if rows:
        db.session.execute(insert(StaffAssignment), rows)
    return len(ids), len(rows)


def load_addresses(data: DemoData) -> int:
    """The standard address library, through the importer (COPY + set-based assignment)."""
    from app.addresses.service import import_addresses

    if not data.addresses:
        return 0
    result = import_addresses(data.addresses, source="demo", commit=False)
    if result.errors:
        first = result.errors[0]
        raise RuntimeError(f"{len(result.errors)} demo address row(s) rejected, e.g. row {first.row} "
                           f"{first.field}: {first.message}")
    return result.stored


def load_reports(data: DemoData):
    from app.reports.service import import_reports

    result = import_reports(data.reports, allow_status=True, commit=False)
    if result.errors:
        # Generated rows must all be valid; a rejected one is a bug in the generator.
        first = result.errors[0]
        raise RuntimeError(f"{len(result.errors)} demo report row(s) rejected, e.g. row {first.row} "
                           f"{first.field}: {first.message}")
    return result


def demo_effective_date(data: DemoData) -> dt.date:
    """The day the demo's boundaries took effect: the first of the month of its oldest report (Beijing
    time), so every demo report was made under them (``at=`` lookups of those days find them)."""
    days = [dt.datetime.fromisoformat(r["created_at"]).astimezone(BEIJING).date()
            for r in data.reports if r.get("created_at")]
    first = min(days) if days else dt.datetime.now(BEIJING).date()
    return first.replace(day=1)


def date_demo_version(data: DemoData) -> None:
    """Give the demo's published version what a planner's publication records: its effective date,
    published at 00:00 that day, by the demo planner account (app.demo.accounts)."""
    from app.auth import users

    version = published_version()
    if version is None:
        return
    day = demo_effective_date(data)
    version.effective_date = day
    version.published_at = dt.datetime.combine(day, dt.time(0), BEIJING)
    planner = users.by_username("planner")
    if planner is not None:
        version.author, version.author_id = planner.username, planner.id


def load(data: DemoData, step=lambda label: None, published_password: bool = False) -> LoadResult:
    """Grids, staff, reports, in that order (reports need the grids to be assigned).

    ``step(label)`` is called before each stage so a caller can show progress.
    Everything is one transaction: a failure at any stage leaves the database
    as it was.
    """
    step(_("importing grids"))
    grid_result = load_grids(data)
    step(_("adding staff"))
    n_staff, n_assign = load_staff(data)
    step(_("importing standard addresses"))
    n_addresses = load_addresses(data)
    step(_("importing and assigning reports"))
    reports = load_reports(data)
    # The sign-in accounts come before the tracks, so the demo `worker` has patrols of its own to look at.
    from app.demo.accounts import create_demo_accounts
    accounts = create_demo_accounts(published=published_password)
    date_demo_version(data)
    step(_("adding demo patrol tracks"))
    from app.demo.patrols import load_patrols  # worker accounts, key places, two days of GPS fixes
    load_patrols(current_app.config["DISTRICT_CODE"])
    step(_("writing the demo events' histories"))
    from app.demo.events import load_event_histories  # accepted, dispatched to a worker, handled ... closed
    load_event_histories()
    # Statistics for the freshly filled tables, so the first map request
    # after `make run` already gets index plans.
    db.session.execute(text("ANALYZE staff; ANALYZE staff_assignment; ANALYZE report; ANALYZE report_transition"))
    db.session.commit()
    # The patrol figures' daily roll-ups of the tracks just loaded, for the KPI page's and the patrol
    # map's default scopes: otherwise the first visitor after `make run` waits while a read computes
    # them. After the commit: a refresh commits, and on failure a read computes them anyway.
    step(_("computing the patrol figures"))
    from app.patrols import rollup
    from app.patrols.period import Period, today
    rollup.refresh(Period(today() - dt.timedelta(days=31), today()), (rollup.WORKER, rollup.PLACES, "grid"))
    return LoadResult(grid_result.by_level, n_staff, n_assign, reports.stored, reports.assigned,
                      reports.out_of_coverage, n_addresses, accounts)
