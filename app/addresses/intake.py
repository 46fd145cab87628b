"""Reports that come with an address and no point: geocoded on intake.

Called from ``app.reports.service`` (single reports and bulk imports):

1. ``place_reports(rows)`` before coordinate conversion: every row that
   came without lon/lat (``CleanReport.needs_geocoding``) is matched against
   the standard address library of the reporter's district, or for a reporter
   of no district (a city user, a resident, a 12345 import) in the districts
   of ``app.addresses.geocoding.City.districts_for`` (the one rule). A confident match gets the standard
   address's point (WGS-84, coordinate system label ``address``) and is
   then converted and assigned like any other report, and keeps the
   standard address's id and the match's confidence (``report.address_id``,
   ``address_confidence``); the rest keep no point and no address id.
   Returns the rows that have a point, and one outcome per geocoded row.
2. ``mark_unplaced()`` after assignment: reports of this batch stored without
   a point get ``needs_placement`` (and not ``out_of_coverage``: nobody knows
   yet where they are). A person places them; nothing is guessed.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import text

from app.addresses.geocoding import City, current_library, geocode, geocode_in_city
from app.auth.scope import actor_district
from app.extensions import db
from app.rows import RowError
from geo.crs import SourceCRS

#: Coordinate system label of a point taken from the standard address library.
ADDRESS_CRS = SourceCRS("epsg", 4326, "address")


@dataclass(frozen=True)
class GeocodeOutcome:
    row: int
    address: str
    status: str
    confidence: float
    source: str | None
    address_id: int | None
    matched_text: str | None

    @property
    def needs_placement(self) -> bool:
        return self.status != "matched"

    def to_dict(self) -> dict:
        return {"row": self.row, "address": self.address, "status": self.status,
                "confidence": round(self.confidence, 4), "source": self.source, "address_id": self.address_id,
                "matched_text": self.matched_text, "needs_placement": self.needs_placement}


def from_address_ids(rows: list, district_code: str | None = None) -> list:
    """Rows that name a standard address (``address_id``): one query for all of them. A row
    without a point takes the address's point (and its text when it has none); every found
    row keeps the id with confidence 1 (the sender picked it). An id not in the library is an
    error of its row (``RowError``), never a report placed somewhere else. A district's user
    names their district's addresses only; a reporter of no district any district's."""
    district_code = district_code or actor_district()

    naming = [r for r in rows if r.address_id is not None]
    if not naming:
        return []
    found = {i: (text_, x, y, linkable) for i, text_, x, y, linkable in db.session.execute(text(
        "SELECT id, full_text, ST_X(location), ST_Y(location), grid_id IS NOT NULL OR district_code = :default "
        "FROM standard_address "
        "WHERE id = ANY(:ids) AND (CAST(:district AS text) IS NULL OR district_code = :district)"),
        {"ids": sorted({r.address_id for r in naming}), "district": district_code,
         "default": current_app.config["DISTRICT_CODE"]})}
    errors = []
    for r in naming:
        if r.address_id not in found:
            errors.append(RowError(r.row, "address_id", _(
                "No standard address with address_id %(id)s: pick one from /api/v1/addresses/suggest, or send "
                "lon and lat or an address instead.", id=r.address_id), str(r.address_id)))
            continue
        full_text, x, y, linkable = found[r.address_id]
        r.address_confidence = 1.0
        if not linkable:   # see _linkable
            r.address_id, r.address_confidence = None, None
        r.address = r.address or full_text
        if r.needs_library_point:
            r.lon, r.lat, r.crs = x, y, ADDRESS_CRS
    return errors


def _linkable(best: dict | None) -> bool:
    """Whether a report at this standard address may keep its id: a report takes its grid's district
    (outside every grid the default district's), and names only an address of its own district. An
    address outside coverage in another district lends its point, not its id."""
    return bool(best) and (best.get("grid_code") is not None
                           or best.get("district_code") in (None, current_app.config["DISTRICT_CODE"]))


def place_reports(rows: list, district_code: str | None = None) -> tuple[list, list[GeocodeOutcome]]:
    """(rows with a point, outcome per geocoded row); see the module docstring. ``district_code``:
    the reporter's district (default: the signed-in user's; None for a city user or a resident)."""
    wanting = [r for r in rows if getattr(r, "needs_geocoding", False)]
    if not wanting:
        return rows, []
    district_code = district_code or actor_district()
    # One version check for the whole batch.
    library, city = (current_library(district_code), None) if district_code else (None, City())
    outcomes = []
    for r in wanting:
        found = geocode(r.address, library=library) if library else geocode_in_city(r.address, city=city)
        if found.needs_placement:
            r.lon = r.lat = None
        else:
            r.lon, r.lat, r.crs = found.lon, found.lat, ADDRESS_CRS
            # Kept with the report (report.address_id): only a library match names a standard
            # address; an external geocoder's point has none.
            if found.address_id is not None and _linkable(found.best):
                r.address_id, r.address_confidence = found.address_id, round(found.confidence, 4)
        outcomes.append(GeocodeOutcome(r.row, r.address, found.status, found.confidence, found.source,
                                       found.address_id, found.best["text"] if found.best else None))
    return [r for r in rows if r.lon is not None], outcomes


def mark_unplaced() -> int:
    """Flag the reports of this batch (``assign_target``) stored without a point."""
    result = db.session.execute(text(
        "UPDATE report r SET needs_placement = true, out_of_coverage = false, coord_crs = NULL "
        "FROM assign_target t WHERE r.id = t.id AND r.location IS NULL"))
    return result.rowcount or 0
