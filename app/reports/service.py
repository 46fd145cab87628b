"""Report intake: store, convert coordinates, and assign to grids at once.

Single reports and bulk imports share one path: rows are checked in Python,
coordinates converted per coordinate system in one vectorised call, rows
COPYed into a staging table, inserted with one ``INSERT ... SELECT`` and
assigned with the set-based statements in ``sql/assign.sql``.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import JSON, DateTime, Float, Text, any_, bindparam, case, column, func, literal_column, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from app import audit, dbclock
from app.actor import current_actor
from app.auth.masking import free_text_of, may_see_personal, reporter_of
from app.auth.scope import area_param, event_district, in_area, in_district
from app.bulk import array_literal, copy_rows
from app.errors import Conflict, NotFound, ValidationError
from app.events import categories as category_table, deadlines, service as loop
from app.extensions import db
from app.labels import CHANNEL_LABELS, STATUS_LABELS, text as label_text
from app.models import Category, Grid, Report, StandardAddress
from app.reports.validation import BEIJING, CleanReport, RowError, check_report
from app.addresses.intake import from_address_ids, mark_unplaced, place_reports
from app.sqlfiles import prepared_script_clause, sql, statements
from app.uploads import too_many_rows
from geo.crs import to_wgs84

STAGING_COLUMNS = ("row_no", "category", "channel", "description", "address", "reporter_name", "reporter_phone",
                   "lon", "lat", "raw_lon", "raw_lat", "coord_crs", "status", "created_at", "idempotency_key",
                   "idempotency_scope", "request_hash", "media_urls", "reporter_email", "reporter_device",
                   "address_id", "address_confidence")


@dataclass
class BulkResult:
    received: int = 0
    stored: int = 0
    assigned: int = 0
    out_of_coverage: int = 0
    errors: list = field(default_factory=list)
    # Rows that came with an address and no point (app.addresses.intake): one outcome each.
    needs_placement: int = 0
    geocoding: list = field(default_factory=list)

    def to_dict(self, max_errors: int = 1000) -> dict:
        return {"received": self.received, "stored": self.stored, "assigned": self.assigned,
                "out_of_coverage": self.out_of_coverage, "rejected": len({e.row for e in self.errors}),
                "errors": [e.to_dict() for e in self.errors[:max_errors]],
                "errors_truncated": len(self.errors) > max_errors,
                "needs_placement": self.needs_placement,
                "geocoding": [g.to_dict() for g in self.geocoding[:max_errors]]}


def _convert(clean: list[CleanReport]) -> list[RowError]:
    """Convert every row to WGS-84, one vectorised call per coordinate system."""
    errors = []
    groups = defaultdict(list)
    for c in clean:
        groups[c.crs].append(c)
    for crs, rows in groups.items():
        lon, lat = to_wgs84(np.array([r.lon for r in rows], dtype=float),
                            np.array([r.lat for r in rows], dtype=float), crs)
        for r, x, y in zip(rows, np.atleast_1d(lon), np.atleast_1d(lat)):
            r.raw_lon, r.raw_lat = r.lon, r.lat
            r.lon, r.lat = float(x), float(y)
            if not (np.isfinite(x) and np.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
                errors.append(RowError(r.row, "lon", _("The coordinates do not convert to a point on Earth; "
                                                       "check the coordinate system (crs).")))
    return errors


def _assign_target_table(conn) -> None:
    # Kept for the connection's life, emptied before use (app/bulk.py, on staging tables).
    conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS assign_target (id bigint PRIMARY KEY)"))


_STAGING_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS report_import_staging ("
    " row_no integer, category text, channel text, description text, address text,"
    " reporter_name text, reporter_phone text, lon double precision, lat double precision,"
    " raw_lon double precision, raw_lat double precision, coord_crs text, status text,"
    " created_at timestamptz, idempotency_key text, idempotency_scope text, request_hash text,"
    " media_urls text[],"
    " reporter_email text, reporter_device text, address_id bigint, address_confidence numeric(5, 4));")
#: The staging table lives as long as the connection (app/bulk.py, on staging tables): it holds the last
#: report's row (a bulk import truncates it after use). DELETE of one row is free, where TRUNCATE would
#: swap files on every report.
_STAGING_EMPTY = "DELETE FROM report_import_staging;"
_STAGING_TYPES = dict(zip(STAGING_COLUMNS, (
    "integer", "text", "text", "text", "text", "text", "text", "float8", "float8", "float8",
    "float8", "text", "text", "timestamptz", "text", "text", "text", "text[]", "text", "text",
    "bigint", "numeric")))
# One report's staging row, left out when the caller's Idempotency-Key is on a report already (the
# store then writes nothing and create_report answers with that report: uq_report_idempotency_key,
# scope and key first, migration 0037), or when its category is not active (any more: the check before
# it used this process's copy of the category codes, app.events.categories.active_codes).
_STAGE_ONE = (_STAGING_DDL + _STAGING_EMPTY
              + " INSERT INTO report_import_staging (" + ", ".join(STAGING_COLUMNS) + ") SELECT "
              + ", ".join(f"CAST(:{c} AS {t})" for c, t in _STAGING_TYPES.items())
              + " WHERE EXISTS (SELECT 1 FROM category c WHERE c.code = CAST(:category AS text) AND c.active)"
                " AND (CAST(:idempotency_key AS text) IS NULL OR NOT EXISTS ("
                "SELECT 1 FROM report r WHERE r.idempotency_scope = CAST(:idempotency_scope AS text)"
                " AND r.idempotency_key = CAST(:idempotency_key AS text)))")
#: The parameters of one report's intake (its staging row, insert_from_staging.sql's, audit_created.sql's),
#: with their types.
_STORE_ONE_TYPES = {**_STAGING_TYPES, "district_code": "varchar", "actor_id": "integer", "actor": "text",
                    "now": "timestamptz", "audit_actor_id": "integer", "audit_actor": "text", "audit_via": "text",
                    "audit_ip": "text"}


def _values(r: CleanReport) -> tuple:
    return (r.row, r.category, r.channel, r.description, r.address, r.reporter_name, r.reporter_phone,
            r.lon, r.lat, r.raw_lon, r.raw_lat, r.crs.label, r.status, r.created_at, r.idempotency_key,
            r.idempotency_scope, r.request_hash, array_literal(r.media_urls), r.reporter_email, r.reporter_device,
            r.address_id, r.address_confidence)


def _store_params() -> dict:
    actor = current_actor()
    return {"district_code": current_app.config["DISTRICT_CODE"], "actor_id": actor.id, "actor": actor.name,
            "now": deadlines.now()}


def _store(rows: list[CleanReport]) -> None:
    """Stage the rows (COPY), insert them assigned to their grids with their first history row (they
    stay listed in the temporary table report_intake until the commit)."""
    conn = db.session.connection()
    conn.execute(text(_STAGING_DDL + _STAGING_EMPTY))
    copy_rows("report_import_staging", STAGING_COLUMNS, (_values(r) for r in rows))
    conn.execute(sql("reports/insert_from_staging"), _store_params())


def _store_one(c: CleanReport) -> Report | None:
    """One report's whole intake in one round trip, as prepared statements (planning the assignment
    alone cost more than running it): staged, stored and assigned with its first history row (as
    :func:`_store`), its audit row written (audit_created.sql), then read back for the answer
    (:func:`read_for_answer`'s columns) with the open events it may duplicate.

    None when nothing was stored: the caller's key is on a report already, or the category is not
    active."""
    values = dict(zip(STAGING_COLUMNS, _values(c)))
    values["media_urls"] = list(c.media_urls or [])
    who = audit.actor()
    params = {**values, **_store_params(), "audit_actor_id": who.id, "audit_actor": who.name, "audit_via": who.via,
              "audit_ip": who.ip}
    personal = may_see_personal()
    clause = prepared_script_clause(f"report_intake_{int(personal)}", _intake_script(personal), _STORE_ONE_TYPES)
    row = db.session.execute(_intake_answer(clause), params).first()
    if row is None:
        return None
    report = _shown(row)
    report.shown.duplicates = [{"ticket": d["ticket"], "distance_m": float(d["distance_m"]), "status": d["status"]}
                               for d in row[-1] or []]
    return report


@lru_cache(maxsize=2)
def _intake_script(personal: bool) -> str:
    """The SQL of :func:`_store_one`: the staging row, insert_from_staging.sql, audit_created.sql, and
    the answer: read_for_answer's statement for the new report, with possible_duplicates.sql's rows."""
    new_id = literal_column("(SELECT id FROM report_intake)")
    duplicates = sql("events/possible_duplicates").text.replace(":report_id", "(SELECT id FROM report_intake)")
    answer = (select(*_answer_columns(personal, literal_column("CAST(:now AS timestamptz)")),
                     literal_column(f"(SELECT json_agg(d) FROM ({duplicates}) d)"))
              .where(Report.id == new_id))
    return ";\n".join([_STAGE_ONE, sql("reports/insert_from_staging").text, sql("reports/audit_created").text,
                       str(answer.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))])


@lru_cache(maxsize=4)
def _intake_answer(clause):
    """``clause``'s last statement (the answer) read as :func:`read_for_answer` reads it: the report and
    :class:`Shown`'s columns, then the duplicates, matched by position. Built once per clause."""
    extra = [column(name, type_) for name, type_ in (
        ("x", Float), ("y", Float), ("grids", JSON), ("description_shown", Text), ("deadline_state", Text),
        ("standard_address", Text), ("category_label", Text), ("duplicates", JSON))]
    textual = clause.columns(*Report.__table__.c, *extra)
    return select(Report, *(textual.selected_columns[c.name] for c in extra)).from_statement(textual)


def assign_targets() -> None:
    """Assign the reports listed in ``assign_target`` (set-based, current published boundaries)."""
    params = {"clock": dbclock.clock_timestamp()}
    for stmt in statements("reports/assign"):
        db.session.execute(stmt, params)
    mark_unplaced()


def assign_unplaced(report_id: int) -> None:
    """Assign one report that has just been given its first point (manual placement,
    app.dispatch.placement) with the intake's SQL. Only for a report with no grid yet:
    the statements fill in grids, they do not clear old ones."""
    conn = db.session.connection()
    _assign_target_table(conn)
    conn.execute(text("DELETE FROM assign_target"))
    conn.execute(text("INSERT INTO assign_target (id) VALUES (:id)"), {"id": report_id})
    assign_targets()


#: Rows between two progress reports of an import running as a job.
PROGRESS_ROWS = 1000


def import_reports(raw_rows, *, allow_status: bool = True, max_rows: int | None = None,
                   commit: bool = True, progress=None) -> BulkResult:
    """Store and assign many reports; rows with errors are reported, the rest stored.

    ``progress(done, total)`` (a job's, app.jobs) hears how many rows were checked.
    """
    result = BulkResult()
    clean = []
    limit = max_rows or current_app.config["MAX_IMPORT_ROWS"]
    total = len(raw_rows) if hasattr(raw_rows, "__len__") else None
    if total is not None and total > limit:
        raise too_many_rows(total, limit)
    known = category_table.active_codes()
    for i, raw in enumerate(raw_rows, start=1):
        result.received += 1
        if result.received > limit:
            raise too_many_rows(result.received, limit)
        if progress is not None and i % PROGRESS_ROWS == 0:
            progress(i, total)
        c = check_report(raw, i, allow_status=allow_status, categories=known)
        if c.errors:
            result.errors.extend(c.errors)
        else:
            clean.append(c)
    id_errors = from_address_ids(clean)
    if id_errors:
        result.errors.extend(id_errors)
        clean = [c for c in clean if c.row not in {e.row for e in id_errors}]
    placed, result.geocoding = place_reports(clean)
    conversion_errors = _convert(placed)
    if conversion_errors:
        bad = {e.row for e in conversion_errors}
        result.errors.extend(conversion_errors)
        clean = [c for c in clean if c.row not in bad]
    result.errors.sort(key=lambda e: e.row)
    if progress is not None:
        progress(result.received, total)
    if clean:
        _store(clean)  # assigned as they are inserted
        (result.stored, result.assigned, result.out_of_coverage, result.needs_placement, first_id,
         last_id) = db.session.execute(text(
            "SELECT count(*), count(grid_id), count(*) FILTER (WHERE out_of_coverage),"
            " count(*) FILTER (WHERE needs_placement), min(id), max(id) FROM report_intake")).one()
        audit.record("report.import", "report", None, after={
            "received": result.received, "stored": result.stored, "rejected": len({e.row for e in result.errors}),
            "first_id": first_id, "last_id": last_id})
        # Emptied for the next use (app/bulk.py, on staging tables): the rows are stored.
        db.session.execute(text("TRUNCATE report_import_staging, report_intake"))
    if commit:
        db.session.commit()
    return result


MAX_IDEMPOTENCY_KEY = 128


def _request_hash(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
                          .encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _idempotency_probe():
    # Built once: constructing the statement cost more than the index probe it runs.
    return (select(Report.id).where(Report.idempotency_scope == bindparam("scope"),
                                    Report.idempotency_key == bindparam("key")).limit(1))


def _by_idempotency_key(key: str, caller: str) -> Report | None:
    # Almost every key is new: probe for the id only, and load the report for a replay.
    found = db.session.execute(_idempotency_probe(), {"scope": caller, "key": key}).scalar()
    return db.session.get(Report, found) if found is not None else None


def _replay(existing: Report, fingerprint: str) -> tuple[Report, bool]:
    if existing.request_hash != fingerprint:
        raise ValidationError(_("This Idempotency-Key was already used for a different report; use a new key "
                                "for a new report."), {"field": "Idempotency-Key", "ticket": existing.ticket},
                              code="idempotency_key_reused")
    return existing, True


def create_report(payload, idempotency_key: str | None = None, caller: str | None = None) -> tuple[Report, bool]:
    """Store one report from the API and assign it at once.

    With an ``idempotency_key`` a retried request (same key, same body, same
    ``caller``) returns the report stored the first time: ``(report, True)``.
    A key belongs to its caller (``Actor.scope``: the signed-in user, else the
    client address; the current actor when not given): someone else sending the
    same key files their own report and learns nothing of the first.
    """
    fingerprint = None
    if idempotency_key is not None:
        if not idempotency_key.strip() or len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
            raise ValidationError(_("Idempotency-Key must be 1 to %(n)s characters.", n=MAX_IDEMPOTENCY_KEY),
                                  {"field": "Idempotency-Key"})
        caller = caller or current_actor().scope
        fingerprint = _request_hash(payload)
    # A retry is found by the store itself (its staging row is not written when the caller's key is on a
    # report already: one round trip less for every new report), or here when the body does not pass:
    # either way the report stored the first time is the answer, as if it had been looked for first.
    # The category is checked against this process's copy of the codes (the store confirms it); a code
    # the copy lacks is asked for afresh (one added since).
    c = check_report(payload, 0, allow_status=False, categories=category_table.active_codes(app_copy=True))
    if any(e.field == "category" for e in c.errors):
        c = check_report(payload, 0, allow_status=False, categories=category_table.active_codes())
    errors = c.errors or from_address_ids([c]) or _convert(place_reports([c])[0])
    if errors:
        return _refuse(errors, idempotency_key, caller, fingerprint)
    c.idempotency_key, c.idempotency_scope, c.request_hash = idempotency_key, caller, fingerprint
    try:
        report = _store_one(c)  # assigned as it is inserted, audited and read back in one round trip
        if report is None:
            # Nothing stored: the caller's key is on a report already (a retry), or the category was
            # switched off since this process read the codes.
            existing = _by_idempotency_key(idempotency_key, caller) if idempotency_key is not None else None
            if existing is not None:
                return _replay(existing, fingerprint)
            errors = check_report(payload, 0, allow_status=False, categories=category_table.active_codes()).errors
            if errors:
                _refuse(errors, None, caller, fingerprint)
            if idempotency_key is None:  # the category was switched off and on again meanwhile
                raise Conflict(_("The report's category changed while the report was being stored; send "
                                 "the report again."), {"field": "category"})
            # Neither: the key's report moved away in between (a handover to another district).
            raise Conflict(_("This Idempotency-Key's report changed while it was being read; send the "
                             "report again."), {"field": "Idempotency-Key"})
        # The new report was read after its last write in this transaction.
        db.session().commit_keeping_loaded()
    except IntegrityError:
        # The same key raced in from a concurrent retry and committed first.
        db.session.rollback()
        existing = _by_idempotency_key(idempotency_key, caller) if idempotency_key else None
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    return report, False


def _refuse(errors: list[RowError], idempotency_key: str | None, caller: str | None,
            fingerprint: str | None) -> tuple[Report, bool]:
    """Refuse a report that does not pass, unless its key's report was stored already: then that
    report is the answer, as if it had been looked for first."""
    existing = _by_idempotency_key(idempotency_key, caller) if idempotency_key is not None else None
    if existing is not None:
        return _replay(existing, fingerprint)
    raise ValidationError(_("The report could not be stored: %(problems)s",
                            problems="; ".join(e.message for e in errors)),
                          {"errors": [e.to_dict() for e in errors]})


@dataclass
class Shown:
    """What :func:`report_to_dict` would ask the database for, read with the report (one round trip)."""
    point: tuple
    grids: dict
    description: str
    deadline_state: str | None
    standard_address: str | None
    category_label: str | None
    #: possible_duplicates' rows, when read with a new report (:func:`_store_one`).
    duplicates: list | None = None


def read_for_answer(report_id: int, at=None) -> Report:
    """The report, with :class:`Shown` attached as ``report.shown`` (not a column: kept in memory)."""
    return _shown(db.session.execute(_answer_statement(may_see_personal()),
                                     {"report_id": report_id, "at": at or deadlines.now()}).one())


def _shown(row) -> Report:
    report = row[0]
    report.shown = Shown((row[1], row[2]), {g["id"]: g for g in row[3] or []}, row[4], row[5], row[6], row[7])
    return report


@lru_cache(maxsize=2)
def _answer_statement(personal: bool):
    """read_for_answer's statement, built once per kind of reader (building it cost more than running it)."""
    return (select(*_answer_columns(personal, bindparam("at", type_=DateTime(timezone=True))))
            .where(Report.id == bindparam("report_id")))


def _answer_columns(personal: bool, at) -> tuple:
    """The report and what its answer shows (:class:`Shown`'s fields, in order), ``at``: the moment of
    its deadline state."""
    grids = (select(func.json_agg(func.json_build_object("id", Grid.id, "code", Grid.code, "name", Grid.name,
                                                         "level", Grid.level)))
             .where(Grid.id == any_(func.array_cat(Report.grid_lineage, Report.dedicated_grid_ids)))
             .scalar_subquery())
    # The rule of app.auth.masking.free_text_of, asked in the same statement.
    description = Report.description if personal else case(
        (Report.description == "", Report.description),
        else_=func.gridmap_mask_free_text(Report.description, Report.reporter_name, Report.reporter_phone,
                                          Report.reporter_email))
    # The district too: on Citus (docs/scale.md) standard_address is distributed with report by
    # district_code, and a subquery correlated on it runs on each shard.
    address = (select(StandardAddress.full_text).where(StandardAddress.district_code == Report.district_code,
                                                       StandardAddress.id == Report.address_id)
               .scalar_subquery())
    category_label = select(Category.label).where(Category.code == Report.category).scalar_subquery()
    return (Report, Report.location.ST_X(), Report.location.ST_Y(), grids, description,
            func.gridmap_deadline_state(Report.status, Report.deadline, Report.warn_at, Report.handled_at, at),
            address, category_label)


def possible_duplicates_of(report: Report) -> list[dict]:
    """Open events the report may duplicate (app.events.service.possible_duplicates): as read with the
    report when it was just stored, else asked. Before :func:`report_to_dict`, which takes ``shown``."""
    shown = report.__dict__.get("shown")
    if shown is not None and shown.duplicates is not None:
        return shown.duplicates
    return loop.possible_duplicates(report.id)


def report_by_ticket(ticket: str, area: tuple[str, ...] | None = None) -> Report:
    """The report with this ticket, if it lies in ``area`` (app.auth.scope; None: anywhere) and in
    the caller's district (a city user's: any).

    Outside the area or district it is "not found", so a worker cannot probe other grids' tickets.
    """
    report = db.session.scalars(select(Report).where(Report.ticket == ticket)).first()
    if report is not None and not (in_district(report.district_code) and in_area(report.area_grid_ids, area)):
        report = None
    if report is None:
        raise NotFound(_("No report with ticket %(ticket)s.", ticket=ticket[:40]), {"field": "ticket"})
    return report


def report_to_dict(report: Report) -> dict:
    """The report with its grid chain (district → finest grid) and dedicated grids.

    A report read by :func:`read_for_answer` brings what this asks the database for (``shown``), for
    its first answer only: a later one (after a change in the same request) asks afresh."""
    shown = report.__dict__.pop("shown", None)
    if shown is None:
        ids = list(report.grid_lineage or []) + list(report.dedicated_grid_ids or [])
        # The columns shown only: a Grid would load its polygon too (the district's is large).
        grids = {g.id: {"id": g.id, "code": g.code, "name": g.name, "level": g.level}
                 for g in db.session.execute(select(Grid.id, Grid.code, Grid.name, Grid.level)
                                             .where(Grid.id.in_(ids)))} if ids else {}
        point = db.session.execute(select(Report.location.ST_X(), Report.location.ST_Y())
                                   .where(Report.id == report.id)).one()
        description = free_text_of([report.description], name=report.reporter_name, phone=report.reporter_phone,
                                   email=report.reporter_email)[0]
        standard_address = standard_address_of(report)
        loop_fields = loop.loop_fields(report)
        category_label = category_table.label(category_table.by_code().get(report.category), report.category)
    else:
        grids, point, description = shown.grids, shown.point, shown.description
        standard_address = standard_address_of(report, shown.standard_address)
        loop_fields = loop.loop_fields(report, known_state=shown.deadline_state)
        # The stored text is the English msgid (app.events.categories.label).
        category_label = _(shown.category_label) if shown.category_label is not None else report.category

    def brief(gid):
        g = grids.get(gid)
        return {"id": g["id"], "code": g["code"], "name": g["name"], "level": g["level"]} if g else None

    return {
        "id": report.id, "ticket": report.ticket, "district_code": report.district_code,
        "category": report.category,
        "category_label": category_label,
        "channel": report.channel, "channel_label": label_text(CHANNEL_LABELS, report.channel),
        "status": report.status, "status_label": label_text(STATUS_LABELS, report.status),
        "description": description,
        "address": report.address,
        "reporter": reporter_of(report.reporter_name, report.reporter_phone, report.reporter_email,
                                report.reporter_device),
        "media_urls": list(report.media_urls or []),
        "location": {"lon": point[0], "lat": point[1]} if point[0] is not None else None,
        "submitted": {"lon": report.raw_lon, "lat": report.raw_lat, "crs": report.coord_crs},
        "out_of_coverage": report.out_of_coverage,
        "needs_placement": report.needs_placement,
        "outside_district": report.outside_district, "point_district": report.point_district,
        "standard_address": standard_address,
        "grid": brief(report.grid_id) if report.grid_id else None,
        "grid_chain": [brief(i) for i in report.grid_lineage or []],
        "dedicated_grids": [brief(i) for i in report.dedicated_grid_ids or []],
        "generation": report.generation,
        "created_at": report.created_at.astimezone(BEIJING).isoformat(timespec="seconds")
        if report.created_at else None,
    } | loop_fields


def standard_address_of(report: Report, full_text: str | None = None) -> dict | None:
    """The standard address (标准地址) the report was geocoded to on intake, with the match's
    confidence; None when it came with a point, was placed by hand or its address left the library.
    ``full_text``: the address's text when read already."""
    if report.address_id is None:
        return None
    if full_text is None:
        full_text = db.session.scalar(select(StandardAddress.full_text)
                                      .where(StandardAddress.id == report.address_id))
    if full_text is None:
        return None
    confidence = report.address_confidence
    return {"id": report.address_id, "full_text": full_text,
            "confidence": float(confidence) if confidence is not None else None}


def _labels(mapping) -> str:
    return json.dumps({k: str(v) for k, v in mapping.items()}, ensure_ascii=False)


def list_features(*, statuses=None, category=None, channel=None, out_of_coverage=None, grid_id=None,
                  bbox=None, limit=1000, offset=0, area=None, personal=False, deadline_state=None, level=None,
                  assignee_id=None, sort="created", role=None, user_id=None, now=None,
                  needs_placement=None, updated_since=None, queue_ranks=None, reported=None,
                  district=None, outside_district=None) -> list[str]:
    """Reports as GeoJSON Feature texts, limited to ``area`` (app.auth.scope),
    with reporters masked unless ``personal``; ``allowed_actions`` are those of
    ``role`` / ``user_id`` (the caller), deadline states are judged at ``now``.
    ``updated_since``: only reports changed after it (the live feed, app.dispatch.feed);
    ``sort="updated"`` lists the least recently changed first; ``sort="priority"`` follows
    ``queue_ranks`` (the dispatch desk's order, app.dispatch.queue); ``reported="today"``: only
    reports made since the Beijing midnight of ``now`` (the home page's "reported today").
    ``district``: a city user's district filter (a district user always gets their own, app.auth.scope)."""
    minx, miny, maxx, maxy = bbox if bbox else (None, None, None, None)
    now = now or deadlines.now()
    created_from = deadlines.day_start(now) if reported == "today" else None
    mine, unassigned = loop.action_maps(role)
    return db.session.execute(sql("reports/list_reports"), {
        "deadline_state": deadline_state, "level": level, "assignee_id": assignee_id,
        "sort_deadline": sort == "deadline", "sort_updated": sort == "updated", "updated_since": updated_since,
        "sort_priority": sort == "priority", "queue_ranks": json.dumps(queue_ranks or {}),
        "now": now, "created_from": created_from,
        "actions_mine": mine, "actions_unassigned": unassigned, "user_id": user_id,
        "assignment_bound": role == "worker",
        "statuses": list(statuses) if statuses else None, "category": category, "channel": channel,
        "out_of_coverage": out_of_coverage, "grid_id": grid_id, "area": area_param(area), "personal": personal,
        "district": event_district(district),
        "needs_placement": needs_placement, "outside_district": outside_district,
        "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy, "limit": limit, "offset": offset,
        "category_labels": _labels(category_table.labels()),
        "category_colors": json.dumps(category_table.colors()),
        "channel_labels": _labels(CHANNEL_LABELS), "status_labels": _labels(STATUS_LABELS),
    }).scalars().all()
