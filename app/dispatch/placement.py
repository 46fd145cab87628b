"""Manual placement: a person puts a report that could not be geocoded on the map.

Reports that came with an address the standard address library could not
match confidently are stored without a point and flagged ``needs_placement``
(app.addresses.intake): nothing is guessed. A dispatcher who knows where it
is clicks the map; the point is checked like an intake point
(app.reports.validation.check_point), converted to WGS-84 with the intake's
conversion, assigned with the intake's SQL (app/reports/sql/assign.sql), and
the step is kept in the event's history (action ``place``, the state does
not change) and in the audit log. One transaction; the caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app import audit, dbclock
from app.errors import Conflict, ValidationError
from app.events import deadlines, service as loop
from app.extensions import db
from app.labels import STATUS_LABELS, text as label_text
from app.models import Grid, Report, ReportTransition
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
    before = _snapshot(report)
    report.location = func.ST_SetSRID(func.ST_MakePoint(point.lon, point.lat), 4326)
    report.coord_crs, report.raw_lon, report.raw_lat = req.crs.label, point.raw_lon, point.raw_lat
    report.needs_placement = False
    db.session.flush()
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
