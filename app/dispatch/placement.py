"""Manual placement: a person puts a report that could not be geocoded on the map.

Reports that came with an address the standard address library could not
match confidently are stored without a point and flagged ``needs_placement``
(app.addresses.intake): nothing is guessed. A dispatcher who knows where it
is clicks the map; the point is checked like an intake point
(app.reports.validation.check_point), converted to WGS-84 with the intake's
conversion, assigned with the intake's SQL (app/reports/sql/assign.sql), and
the step is kept in the event's history (action ``place``, the state does
not change) and in the audit log. One transaction; the caller commits.

A point in another district's grids (issue 19; a report with no point is stored under the default
district): the report belongs to that district. A city dispatcher (or admin) placing it there hands
it over in the same step (交办, app.events.transfer: copied under the new district and deleted,
keeping id, ticket and history; a ``transfer`` row of kind ``handover`` with ``by: placement``, then
the ``place`` row). A district's user acts in their district only, so their placement there is
refused (422 ``other_district``), telling them to transfer the event (转办) to that district, whose
dispatchers then place it. A point outside every district stays in the report's district, out of
coverage, as at intake.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, text

from app import audit, dbclock
from app.auth.guard import Forbidden
from app.auth.scope import actor_district
from app.errors import Conflict, ValidationError
from app.events import deadlines, service as loop, transfer
from app.extensions import db
from app.labels import STATUS_LABELS, text as label_text
from app.models import District, Grid, Report, ReportTransition
from app.reports.service import _convert, assign_unplaced
from app.reports.validation import CleanReport

#: The coordinate systems a map click can come in: WGS-84 (no or Tianditu tiles),
#: GCJ-02 (AMap tiles), BD-09 (a point read off a Baidu map).
PLACEMENT_CRS = ("wgs84", "gcj02", "bd09")


@dataclass(frozen=True)
class PlacementRequest:
    lon: float
    lat: float
    crs: object  # geo.crs.SourceCRS
    row_version: int | None = None
    note: str | None = None


def _snapshot(report: Report) -> dict:
    point = db.session.execute(select(func.ST_X(Report.location), func.ST_Y(Report.location))
                               .where(Report.id == report.id)).one()
    return {"needs_placement": report.needs_placement, "lon": point[0], "lat": point[1],
            "coord_crs": report.coord_crs, "grid_id": report.grid_id, "out_of_coverage": report.out_of_coverage,
            "row_version": report.row_version}


def place(ticket: str, req: PlacementRequest, *, area: tuple[str, ...] | None) -> tuple[Report, ReportTransition]:
    """Give the unplaced report ``ticket`` the point of ``req``; see the module docstring."""
    report = loop.lock_report(ticket, area)
    if req.row_version is not None and req.row_version != report.row_version:
        raise Conflict(_("Someone else changed this event meanwhile (it is now %(state)s); reload and try again.",
                         state=label_text(STATUS_LABELS, report.status)),
                       {"field": "row_version", "current_state": report.status, "row_version": report.row_version,
                        "needs_placement": report.needs_placement}, code="stale_state")
    if not report.needs_placement:
        raise ValidationError(_("This event already has a place on the map; only events waiting for placement "
                                "can be placed."), {"field": "lon", "needs_placement": False},
                              code="already_placed")
    point = CleanReport(0, report.category, report.channel, report.description, req.lon, req.lat, req.crs)
    errors = _convert([point])
    if errors:
        raise ValidationError(errors[0].message, {"field": errors[0].field})
    target = _other_district(report, point.lon, point.lat)
    before = _snapshot(report)
    report.location = func.ST_SetSRID(func.ST_MakePoint(point.lon, point.lat), 4326)
    report.coord_crs, report.raw_lon, report.raw_lat = req.crs.label, point.raw_lon, point.raw_lat
    report.needs_placement = False
    db.session.flush()
    if target is not None:
        # Copied under the new district with its grids there (events/sql/move_district.sql).
        report, _moved = transfer.move_rows(report, target, kind=transfer.HANDOVER, details={"by": "placement"})
    else:
        assign_unplaced(report.id)
        db.session.refresh(report)
        report.row_version = report.row_version + 1
        # The database clock: updated_at is the live feed's cursor (app.dispatch.feed).
        report.updated_at = dbclock.clock_timestamp()
    db.session.flush()
    grid = db.session.get(Grid, report.grid_id) if report.grid_id else None
    details = {"lon": round(point.lon, 7), "lat": round(point.lat, 7), "crs": req.crs.label,
               "submitted": {"lon": req.lon, "lat": req.lat}, "grid_code": grid.code if grid else None,
               "out_of_coverage": report.out_of_coverage}
    entry = ReportTransition(report_id=report.id, district_code=report.district_code, at=deadlines.now(),
                             actor_id=current_user.id, actor=current_user.username, action="place",
                             from_state=report.status, to_state=report.status, note=req.note, details=details)
    db.session.add(entry)
    audit.record("report.place", "report", report.ticket, before=before, after=_snapshot(report))
    return report, entry


def _other_district(report: Report, lon: float, lat: float) -> District | None:
    """The district whose current grids cover (lon, lat) when it is not the report's; None when it is,
    or when no district's grids cover the point. Refuses what the caller may not do there."""
    code = db.session.execute(text(
        "SELECT x.district_code FROM gridmap_report_grids(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) x"),
        {"lon": lon, "lat": lat}).scalar()
    if code is None or code == report.district_code:
        return None
    district = db.session.get(District, code)
    name = district.name if district is not None else code
    if actor_district() is not None:
        raise ValidationError(_("This point lies in the grids of %(district)s, not of your district: transfer the "
                                "event to %(district)s (转办) and its dispatchers place it there.", district=name),
                              {"field": "lon", "district_code": code, "district_name": name},
                              code="other_district")
    if current_user.role not in transfer.MOVING_ROLES:
        raise Forbidden(_("This point lies in the grids of %(district)s: only a dispatcher can hand the event "
                          "to that district.", district=name), {"field": "lon", "district_code": code},
                        code="forbidden")
    if report.status not in transfer.MOVABLE_STATES:
        raise Conflict(_("This point lies in the grids of %(district)s, and the event is %(state)s: only a "
                         "reported, accepted or returned event can move to another district (recall it first).",
                         district=name, state=label_text(STATUS_LABELS, report.status)),
                       {"field": "lon", "district_code": code, "current_state": report.status},
                       code="illegal_transition")
    return district
