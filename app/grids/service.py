"""Grid import: validate a GeoJSON FeatureCollection, then store it set-based in one transaction.

Validation is pure (``geo.features``); this module adds what only the
database knows (codes and parents already stored) and writes the rows with
one COPY into a staging table and one ``INSERT ... SELECT``.
"""
from __future__ import annotations

from dataclasses import dataclass

import shapely
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, text

from app import audit
from app.addresses.service import reassign_addresses
from app.bulk import copy_rows
from app.errors import ValidationError
from app.extensions import db
from app.grids.messages import feature_error_details
from app.grids.versions import ensure_published_version, lock_boundaries, scope_of
from app.models import BoundaryVersion, Grid
from app.models.district import District, default_district_code
from app.sqlfiles import statements
from geo.crs import UnknownCRSError, parse_crs
from geo.features import ExistingGrid, FeatureError, parent_code_of, parse_grid_collection
from geo.messages import render


@dataclass
class ImportResult:
    version_id: int
    generation: int | None
    created: int
    by_level: dict

    def to_dict(self) -> dict:
        return {"version_id": self.version_id, "generation": self.generation, "created": self.created,
                "by_level": self.by_level}


def check_district(district_code) -> str:
    """The district an import or draft names (default: the deployment's), which must exist."""
    code = default_district_code() if district_code in (None, "") else str(district_code).strip()
    if db.session.get(District, code) is None:
        raise ValidationError(_("district_code: no district %(code)s in this deployment.", code=code[:12]),
                              {"field": "district_code", "value": code[:12]})
    return code


def check_district_codes(features, district_code: str) -> None:
    """Every grid of an import belongs to its district (design item 2): its code starts with the
    district's code, so a district's root grid is the district itself. Refuses the whole file,
    naming each feature and the field (reason ``other_district``)."""
    errors = []
    for i, f in enumerate(features):
        if not f.code.startswith(district_code):
            params = {"code": f.code, "district": district_code}
            index = getattr(f, "index", i)
            errors.append(FeatureError(index, f.code, "properties.code", "other_district", params,
                                       render("other_district", "properties.code", params, index)))
    if errors:
        raise ValidationError(
            _("district_code: %(n)s grid(s) are not in district %(district)s; nothing was imported.",
              n=len(errors), district=district_code),
            {"field": "district_code", "errors": feature_error_details(errors)})


def _target_version(version_id: int | None, district_code: str) -> BoundaryVersion:
    if version_id is None:
        return ensure_published_version(district_code=district_code)
    version = db.session.get(BoundaryVersion, version_id)
    if version is None:
        raise ValidationError(_("No boundary version %(id)s.", id=version_id), {"field": "version"})
    if version.district_code != district_code:
        raise ValidationError(_("district_code: version %(id)s belongs to district %(other)s, not %(district)s.",
                                id=version_id, other=version.district_code, district=district_code),
                              {"field": "district_code", "version_district": version.district_code})
    if version.status == "retired":
        raise ValidationError(_("Version %(id)s is retired and kept as history; import into a draft or the "
                                "published version.", id=version_id), {"field": "version"})
    if version.status in ("draft", "scheduled"):
        # Draft edits go through the draft's edit log (undo, concurrency, copy-on-write).
        raise ValidationError(_("Version %(id)s is a draft: import into it with POST /api/v1/drafts/%(id)s/import.",
                                id=version_id), {"field": "version"})
    return version


def _existing_grids(version: BoundaryVersion, wanted_geometry: set[str]) -> dict[str, ExistingGrid]:
    """Codes already in the version; geometry only for the parents the file refers to."""
    in_scope = scope_of(version).grid_filter()
    geometries = {}
    if wanted_geometry:
        for code, wkb in db.session.execute(
                select(Grid.code, Grid.geom.ST_AsBinary()).where(in_scope, Grid.code.in_(wanted_geometry))):
            geometries[code] = shapely.from_wkb(bytes(wkb))
    return {code: ExistingGrid(code, level, kind, geometries.get(code))
            for code, level, kind in db.session.execute(select(Grid.code, Grid.level, Grid.kind).where(in_scope))}


def _referenced_parents(collection) -> set[str]:
    codes, parents = set(), set()
    # Runs before validation, so it must survive any shape ("features": null, a string ...).
    feats = collection.get("features") if isinstance(collection, dict) else None
    for feat in feats if isinstance(feats, list) else []:
        props = feat.get("properties") if isinstance(feat, dict) else None
        if isinstance(props, dict):
            if props.get("code") is not None:
                codes.add(str(props["code"]).strip())
            if parent_code_of(props) is not None:
                parents.add(str(parent_code_of(props)).strip())
    return parents - codes


def import_grids(collection, crs: str | None = None, *, version_id: int | None = None,
                 district_code: str | None = None, commit: bool = True, progress=None) -> ImportResult:
    """Validate and store a FeatureCollection of grids: all or nothing.

    ``commit=False`` leaves the transaction open so a caller (the demo loader)
    can make several imports one unit of work. ``district_code``: the district the grids belong to
    (default: the target version's, else the deployment's); every code must start with it. ``progress(step)`` hears each
    step begin: "checking", "storing", "assigning" (the CLI's progress bar).

    Raises
    ------
    ValidationError
        422 with ``details.errors`` listing every bad feature (index, code, field, reason, message).
    """
    try:
        parse_crs(crs)
    except UnknownCRSError as exc:
        raise ValidationError(_("Unknown coordinate system %(crs)s: use an EPSG code such as 4326, 4490 "
                                "or 4547, or gcj02 / bd09.", crs=str(crs)[:40]),
                              {"field": "crs", "value": str(crs)[:40]}) from exc
    progress = progress or (lambda step: None)
    progress("checking")
    lock_boundaries()   # before the version is read: a publish may be retiring it
    if district_code in (None, "") and version_id is not None:
        target = db.session.get(BoundaryVersion, version_id)
        district_code = target.district_code if target is not None else None
    district_code = check_district(district_code)
    version = _target_version(version_id, district_code)
    existing = _existing_grids(version, _referenced_parents(collection))
    parsed = parse_grid_collection(collection, crs, existing,
                                   max_features=current_app.config["MAX_IMPORT_FEATURES"],
                                   max_vertices=current_app.config["MAX_GRID_VERTICES"])
    if not parsed.ok:
        raise ValidationError(
            _("%(n)s grid feature(s) are invalid; nothing was imported. Fix them and import the file again.",
              n=len({(e.index) for e in parsed.errors})),
            {"errors": feature_error_details(parsed.errors)},
        )
    if not parsed.features:
        raise ValidationError(_("The collection holds no features; nothing was imported."),
                              {"field": "features"})
    check_district_codes(parsed.features, district_code)

    progress("storing")
    _store_features(parsed.features, version)
    by_level: dict[str, int] = {}
    for f in parsed.features:
        by_level[f.level] = by_level.get(f.level, 0) + 1
    codes = sorted(f.code for f in parsed.features)
    audit.record("grid.import", "boundary_version", version.id, after={
        "version_status": version.status, "created": len(codes), "by_level": by_level,
        # Every code for a normal import; first and last for a whole-city load.
        "codes": codes if len(codes) <= AUDIT_MAX_CODES else codes[:10] + ["…"] + codes[-10:]})
    # Fresh statistics: right after a bulk load the planner would otherwise
    # skip the GiST indexes and assignment gets 20x slower.
    db.session.execute(text("ANALYZE grid"))
    if version.status == "published":
        # Standard addresses follow the published boundaries (same transaction).
        progress("assigning")
        reassign_addresses()
    if commit:
        db.session.commit()
    return ImportResult(version.id, version.generation, len(parsed.features), by_level)


AUDIT_MAX_CODES = 2000

STAGING_COLUMNS = ("code", "name", "level", "kind", "parent_code", "households", "population", "area_m2", "wkb")


def _store_features(features, version: BoundaryVersion) -> None:
    """COPY the validated rows into staging, link them there, insert each row once."""
    db.session.execute(text(
        "CREATE TEMP TABLE IF NOT EXISTS grid_import_staging ("
        " id integer, code text, name text, level text, kind text, parent_code text, parent_id integer,"
        " lineage integer[], is_leaf boolean NOT NULL DEFAULT true,"
        " households integer, population integer, area_m2 double precision, wkb text"
        ") ON COMMIT DROP"))
    db.session.execute(text("TRUNCATE grid_import_staging"))
    wkbs = shapely.to_wkb([f.geometry for f in features], hex=True, output_dimension=2)
    copy_rows("grid_import_staging", STAGING_COLUMNS, (
        (f.code, f.name, f.level, f.kind, f.parent_code, f.households, f.population, f.area_m2, wkb)
        for f, wkb in zip(features, wkbs)))
    is_draft = version.status == "draft"
    params = {"generation": None if is_draft else version.generation, "draft_id": version.id if is_draft else None,
              "district_code": version.district_code}
    for stmt in statements("grids/insert_from_staging"):
        db.session.execute(stmt, params)
    db.session.execute(text("DROP TABLE grid_import_staging"))
