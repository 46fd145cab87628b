"""Store generated demo data through the project's own import paths.

Grids go through :func:`app.grids.service.import_grids` (the same validation
a planner's upload gets), reports through
:func:`app.reports.service.import_reports` (COPY + set-based assignment),
staff in two bulk INSERT statements. Nothing here issues a query per row:
the statements run once per district of the demo city (two), not per row.

Each district's grids go into its own published version; a report or an
address takes its grid's district (one outside the city the default
district's), a patrol fix its worker's. The address library is imported per
district (``import_addresses(district_code=...)``): its aliases and normaliser
(prefixes) are the district's.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, insert, select, text

from app import citus
from app.beijing import BEIJING
from app.demo import names as N
from app.demo.generate import CityDemo, DemoData
from app.extensions import db
from app.models import Grid, Staff, StaffAssignment

# What --force wipes: the demo's tables and whatever hangs off grids and
# reports (CASCADE), so a reload starts from the same empty state as `make run`.
_DEMO_TABLES = ("report", "standard_address", "address_alias", "grid",
                "boundary_version", "patrol_fix", "patrol_fix_rejected", "patrol_place",
                "patrol_session", "household_visit")


#: Grid workers with demo patrol tracks in each district (plus the sign-in account ``worker``).
WALKERS_PER_DISTRICT = 6


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


def _districts(data: CityDemo | DemoData) -> list[DemoData]:
    return data.districts if isinstance(data, CityDemo) else [data]


def ensure_districts(data: CityDemo | DemoData) -> None:
    """The demo's districts in the district table, with their names and city (410100 郑州市).

    A district the migration named after its code (an empty database has no root grid to name it)
    gets its real name; a name somebody gave it is kept."""
    rows = [{"code": d.district.code, "name": d.district.name, "city": N.CITY_CODE} for d in _districts(data)]
    # settings.city_name: what the header calls the city for its city users (app.labels.city_name).
    db.session.execute(text("""
        INSERT INTO district AS d (code, name, city_code, settings)
        SELECT x.code, x.name, x.city, jsonb_build_object('city_name', CAST(:city_name AS text))
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(code text, name text, city text)
        ON CONFLICT (code) DO UPDATE
        SET name = CASE WHEN d.name = d.code THEN EXCLUDED.name ELSE d.name END,
            city_code = coalesce(d.city_code, EXCLUDED.city_code),
            settings = EXCLUDED.settings || d.settings"""),
        {"rows": json.dumps(rows, ensure_ascii=False), "city_name": N.CITY_NAME})


def load_grids(data: CityDemo | DemoData):
    """Each district's tree through the grid import, into the district's own published version (made
    by the import). Returns the grids stored per level, all districts together."""
    from app.grids.service import import_grids

    by_level: dict[str, int] = {}
    for d in _districts(data):
        # Generated in WGS-84 already (the outline was converted on the way in).
        # One unit of work with the staff and reports: commit=False here.
        result = import_grids(d.collection, None, district_code=d.district.code, commit=False)
        for level, n in result.by_level.items():
            by_level[level] = by_level.get(level, 0) + n
    return by_level


def load_staff(data: CityDemo | DemoData) -> tuple[int, int]:
    """Two set-based statements for the whole city: staff (ids returned in input order), then assignments."""
    staff, assignments = [], []
    for d in _districts(data):
        offset = len(staff)
        staff += d.staff
        assignments += [(offset + i, code, role) for i, code, role in d.assignments]
    if not staff:
        return 0, 0
    ids = db.session.execute(
        insert(Staff).returning(Staff.id, sort_by_parameter_order=True), staff
    ).scalars().all()
    rows = [{"staff_id": ids[i], "grid_code": code, "role": role} for i, code, role in assignments]
    if rows:
        db.session.execute(insert(StaffAssignment), rows)
    # Statistics now, not at the end of the load: every lookup reads the staff of its grids, and on
    # empty-table statistics its prepared plan scanned them (a lookup 3x slower until autovacuum came).
    citus.analyze(db.session, "staff")
    citus.analyze(db.session, "staff_assignment")
    return len(ids), len(rows)


def load_addresses(data: CityDemo | DemoData) -> int:
    """Each district's standard address library, through the importer (COPY + set-based assignment)."""
    from app.addresses.service import import_addresses

    stored = 0
    for d in _districts(data):
        if not d.addresses:
            continue
        result = import_addresses(d.addresses, source="demo", commit=False, district_code=d.district.code)
        if result.errors:
            first = result.errors[0]
            raise RuntimeError(f"{len(result.errors)} demo address row(s) rejected, e.g. row {first.row} "
                               f"{first.field}: {first.message}")
        stored += result.stored
    return stored


@dataclass
class ReportsLoaded:
    stored: int = 0
    assigned: int = 0
    out_of_coverage: int = 0


def _import_reports(rows, totals: ReportsLoaded) -> None:
    from app.reports.service import import_reports

    if not rows:
        return
    result = import_reports(rows, allow_status=True, commit=False)
    if result.errors:
        # Generated rows must all be valid; a rejected one is a bug in the generator.
        first = result.errors[0]
        raise RuntimeError(f"{len(result.errors)} demo report row(s) rejected, e.g. row {first.row} "
                           f"{first.field}: {first.message}")
    totals.stored += result.stored
    totals.assigned += result.assigned or 0
    totals.out_of_coverage += result.out_of_coverage or 0


def load_reports(data: CityDemo | DemoData) -> ReportsLoaded:
    """Every district's reports in one import: each is filed under its grid's district, those outside
    the city under the default district."""
    totals = ReportsLoaded()
    _import_reports([r for d in _districts(data) for r in d.reports + d.outside_reports], totals)
    return totals


def demo_effective_date(data: DemoData) -> dt.date:
    """The day the demo's boundaries took effect: the first of the month of its oldest report (Beijing
    time), so every demo report was made under them (``at=`` lookups of those days find them)."""
    days = [dt.datetime.fromisoformat(r["created_at"]).astimezone(BEIJING).date()
            for r in data.reports if r.get("created_at")]
    first = min(days) if days else dt.datetime.now(BEIJING).date()
    return first.replace(day=1)


def date_demo_version(data: CityDemo | DemoData) -> None:
    """Give the demo's published versions (one per district where versions are per district) what a
    planner's publication records: its effective date, published at 00:00 that day, by the demo planner
    account (app.demo.accounts)."""
    from app.auth import users
    from app.models import BoundaryVersion

    versions = db.session.scalars(select(BoundaryVersion).where(BoundaryVersion.status == "published")).all()
    day = demo_effective_date(data)
    planner = users.by_username("planner")
    for version in versions:
        version.effective_date = day
        version.published_at = dt.datetime.combine(day, dt.time(0), BEIJING)
        if planner is not None:
            version.author, version.author_id = planner.username, planner.id


def load(data: CityDemo | DemoData, step=lambda label: None, published_password: bool = False) -> LoadResult:
    """Districts, grids, staff, reports, in that order (reports need the grids to be assigned).

    ``step(label)`` is called before each stage so a caller can show progress.
    Everything is one transaction: a failure at any stage leaves the database
    as it was.
    """
    step(_("importing grids"))
    ensure_districts(data)
    grid_levels = load_grids(data)
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
    from app.demo.patrols import load_patrols  # worker accounts, key places, GPS fixes
    # WALKERS_PER_DISTRICT walk in each district (16 did in the one-district demo): the patrol figures'
    # first computation (below) costs per walker, and the first `make run` has a time budget.
    for d in _districts(data):
        load_patrols(d.district.code, workers=WALKERS_PER_DISTRICT, district_only=True)
    step(_("writing the demo events' histories"))
    from app.demo.events import load_event_histories  # accepted, dispatched to a worker, handled ... closed
    load_event_histories()
    # Statistics for the freshly filled tables, so the first map request
    # after `make run` already gets index plans.
    db.session.execute(text("ANALYZE report; ANALYZE report_transition"))
    db.session.commit()
    # The patrol figures' daily roll-ups of the tracks just loaded, for the KPI page's and the patrol
    # map's default scopes: otherwise the first visitor after `make run` waits while a read computes
    # them. After the commit: a refresh commits, and on failure a read computes them anyway.
    step(_("computing the patrol figures"))
    from app.patrols import rollup
    from app.patrols.period import Period, today
    rollup.refresh(Period(today() - dt.timedelta(days=31), today()), (rollup.WORKER, rollup.PLACES, "grid"))
    return LoadResult(grid_levels, n_staff, n_assign, reports.stored, reports.assigned,
                      reports.out_of_coverage, n_addresses, accounts)
