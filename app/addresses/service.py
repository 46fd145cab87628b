"""The standard address library: import, aliases, grid assignment, listing, export.

Imports take the report path's shape: rows checked in Python, coordinates
converted per coordinate system in one vectorised call, rows COPYed into a
staging table, upserted with one ``INSERT ... SELECT ... ON CONFLICT`` and
assigned with the set-based statements of ``sql/assign.sql``.

``reassign_addresses()`` re-runs the assignment over the whole library; call
it in the same transaction as any change of the published boundaries (a grid
import into the published version, a draft publish).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import text

from app import audit
from app.addresses.validation import ALIAS_SPLIT, CleanAddress, check_address
from app.addresses.files import normalise_keys
from app.bulk import copy_rows
from app.errors import NotFound, ValidationError
from app.extensions import db
from app.rows import RowError
from app.sqlfiles import sql, statements
from app.uploads import too_many_rows
from app.addresses.geocoding import address_prefixes
from geo.address import AddressNormaliser, get_normaliser
from geo.crs import to_wgs84

STAGING_COLUMNS = ("row_no", "district", "subdistrict", "community", "road", "number", "compound", "building",
                   "unit", "full_text", "norm_key", "lon", "lat", "source")
MAX_LIST = 1000

Progress = Callable[[Iterable], Iterable]


def _district() -> str:
    return current_app.config["DISTRICT_CODE"]


# --------------------------------------------------------------------------- aliases and normaliser

def alias_map() -> dict[str, str]:
    """Estate aliases of this district (variant -> canonical name)."""
    rows = db.session.execute(text("SELECT alias, canonical FROM address_alias WHERE district_code = :d "
                                   "ORDER BY id"), {"d": _district()}).all()
    return {alias: canonical for alias, canonical in rows}


def normaliser(extra_aliases: dict[str, str] | None = None) -> AddressNormaliser:
    """The normaliser of this district's library: queries and entries must share it."""
    aliases = {**alias_map(), **(extra_aliases or {})}
    return get_normaliser(address_prefixes(), aliases)


def _store_aliases(pairs: dict[str, str]) -> int:
    """Insert or repoint aliases; returns how many rows changed."""
    if not pairs:
        return 0
    result = db.session.execute(text(
        "INSERT INTO address_alias (district_code, alias, canonical) "
        "SELECT :d, a, c FROM unnest(CAST(:aliases AS text[]), CAST(:canonicals AS text[])) AS u(a, c) "
        "ON CONFLICT ON CONSTRAINT uq_address_alias_alias DO UPDATE SET canonical = EXCLUDED.canonical "
        "WHERE address_alias.canonical <> EXCLUDED.canonical"),
        {"d": _district(), "aliases": list(pairs), "canonicals": list(pairs.values())})
    return result.rowcount or 0


def add_alias(alias: str, canonical: str, *, commit: bool = True) -> dict:
    """Record that ``alias`` names the estate ``canonical``; re-keys the library."""
    alias, canonical = "".join((alias or "").split()), "".join((canonical or "").split())
    if not alias or not canonical:
        raise ValidationError(_("Give both the alias and the estate's standard name."), {"field": "alias"})
    if alias == canonical:
        raise ValidationError(_("The alias is the same as the standard name."), {"field": "alias"})
    changed = _store_aliases({alias: canonical})
    rekeyed = rekey_addresses() if changed else 0
    audit.record("address.alias", "standard_address", alias, after={"alias": alias, "canonical": canonical,
                                                                    "rekeyed": rekeyed})
    if commit:
        db.session.commit()
    return {"alias": alias, "canonical": canonical, "changed": bool(changed), "rekeyed": rekeyed}


def remove_alias(alias: str, *, commit: bool = True) -> int:
    row = db.session.execute(text("DELETE FROM address_alias WHERE district_code = :d AND alias = :a "
                                  "RETURNING canonical"), {"d": _district(), "a": alias}).first()
    if row is None:
        raise NotFound(_("No alias %(alias)s.", alias=alias[:40]), {"field": "alias"})
    rekeyed = rekey_addresses()
    audit.record("address.alias_remove", "standard_address", alias, before={"alias": alias,
                                                                            "canonical": row.canonical})
    if commit:
        db.session.commit()
    return rekeyed


def rekey_addresses() -> int:
    """Recompute parts and keys of the whole library after the aliases changed.

    Two rows that now spell one key keep the first (lowest id) on the new key;
    the later ones keep their old key, so no address is lost or merged
    silently. Returns the number of rows re-keyed.
    """
    n = normaliser()
    rows = db.session.execute(text(
        "SELECT id, full_text, norm_key FROM standard_address WHERE district_code = :d ORDER BY id"),
        {"d": _district()}).all()
    # full_text keeps the register's spelling (app.addresses.validation), so an alias
    # removed again gives the old key back.
    fresh = {r.id: n.parse(r.full_text) for r in rows}
    taken = {r.norm_key for r in rows if fresh[r.id].key() == r.norm_key}
    changed = []
    for r in rows:
        parts = fresh[r.id]
        key = parts.key()
        if key == r.norm_key or key in taken:
            continue
        taken.add(key)
        changed.append((r.id, parts.road, parts.number, parts.compound, parts.building, parts.unit, key))
    if not changed:
        return 0
    conn = db.session.connection()
    conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS address_rekey (id bigint PRIMARY KEY, road text, "
                      "number text, compound text, building text, unit text, norm_key text) ON COMMIT DROP"))
    conn.execute(text("DELETE FROM address_rekey"))
    copy_rows("address_rekey", ("id", "road", "number", "compound", "building", "unit", "norm_key"), changed)
    # Two steps: a key may move to a row whose old key another row is about to take.
    # text || text (immutable), not text || bigint (stable): Citus refuses stable functions of a row's
    # columns in an UPDATE.
    conn.execute(text("UPDATE standard_address a SET norm_key = '~' || CAST(a.id AS text) "
                      "FROM address_rekey k WHERE a.id = k.id"))
    conn.execute(text(
        "UPDATE standard_address a SET road = k.road, number = k.number, compound = k.compound, "
        "building = k.building, unit = k.unit, norm_key = k.norm_key, updated_at = now() "
        "FROM address_rekey k WHERE a.id = k.id"))
    return len(changed)


# --------------------------------------------------------------------------- import

@dataclass
class AddressImportResult:
    received: int = 0
    created: int = 0
    updated: int = 0
    assigned: int = 0
    out_of_coverage: int = 0
    aliases: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.created + self.updated

    @property
    def rejected(self) -> int:
        return len({e.row for e in self.errors})

    def to_dict(self, max_errors: int = 1000) -> dict:
        return {"received": self.received, "stored": self.stored, "created": self.created,
                "updated": self.updated, "assigned": self.assigned, "out_of_coverage": self.out_of_coverage,
                "aliases": self.aliases, "rejected": self.rejected,
                "errors": [e.to_dict() for e in self.errors[:max_errors]],
                "errors_truncated": len(self.errors) > max_errors}


def _row_aliases(raw_rows: list) -> dict[str, str]:
    """Aliases the file declares (小区别名 column), so its own rows use them too."""
    pairs: dict[str, str] = {}
    for raw in raw_rows:
        if not isinstance(raw, dict):
            continue
        row = normalise_keys(raw)
        compound, names = row.get("compound"), row.get("aliases")
        if isinstance(compound, str) and isinstance(names, str) and compound.strip():
            for name in ALIAS_SPLIT.split(names):
                name = "".join(name.split())
                if name and name != "".join(compound.split()):
                    pairs[name] = "".join(compound.split())
    return pairs


def _convert(clean: list[CleanAddress]) -> list[RowError]:
    """Every row to WGS-84, one vectorised call per coordinate system."""
    errors = []
    groups: dict = defaultdict(list)
    for c in clean:
        groups[c.crs].append(c)
    for crs, rows in groups.items():
        lon, lat = to_wgs84(np.array([r.lon for r in rows], dtype=float),
                            np.array([r.lat for r in rows], dtype=float), crs)
        for r, x, y in zip(rows, np.atleast_1d(lon), np.atleast_1d(lat)):
            if not (np.isfinite(x) and np.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
                errors.append(RowError(r.row, "lon", _("The coordinates do not convert to a point on Earth; "
                                                       "check the coordinate system (crs).")))
            r.lon, r.lat = float(x), float(y)
    return errors


def _prepare_targets() -> None:
    conn = db.session.connection()
    conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS address_assign_target (id bigint PRIMARY KEY, "
                      "created boolean NOT NULL DEFAULT false, placed boolean NOT NULL DEFAULT false, "
                      "old_grid_id integer) ON COMMIT DELETE ROWS"))
    conn.execute(text("DELETE FROM address_assign_target"))


def _assign_targets() -> None:
    for stmt in statements("addresses/assign"):
        db.session.execute(stmt)


def import_addresses(raw_rows, *, crs=None, source: str = "import", commit: bool = True,
                     progress: Progress | None = None, max_rows: int | None = None) -> AddressImportResult:
    """Store (or update) and assign many addresses; rows with errors are listed, the rest stored.

    ``crs`` is the coordinate system of rows that name none (坐标系 column).
    """
    rows = list(raw_rows)
    limit = max_rows or current_app.config["MAX_IMPORT_ROWS"]
    if len(rows) > limit:
        raise too_many_rows(len(rows), limit)
    result = AddressImportResult(received=len(rows))
    declared = _row_aliases(rows)
    result.aliases = _store_aliases(declared)
    if result.aliases:
        rekey_addresses()
    n = normaliser()
    clean: list[CleanAddress] = []
    first_row_of: dict[str, int] = {}
    for i, raw in enumerate(progress(rows) if progress else rows, start=1):
        c = check_address(raw, i, n, default_crs=crs)
        if not c.errors and c.key in first_row_of:
            c.errors.append(RowError(i, "address", _("The same address as row %(row)s (key %(key)s); each "
                                                     "address once per file.", row=first_row_of[c.key], key=c.key)))
        if c.errors:
            result.errors.extend(c.errors)
        else:
            first_row_of[c.key] = i
            clean.append(c)
    conversion_errors = _convert(clean)
    result.errors.extend(conversion_errors)
    bad = {e.row for e in conversion_errors}
    clean = [c for c in clean if c.row not in bad]
    result.errors.sort(key=lambda e: e.row)
    if clean:
        conn = db.session.connection()
        conn.execute(text(
            "CREATE TEMP TABLE IF NOT EXISTS address_import_staging (row_no integer, district text, "
            "subdistrict text, community text, road text, number text, compound text, building text, unit text, "
            "full_text text, norm_key text, lon double precision, lat double precision, source text) "
            "ON COMMIT DELETE ROWS"))
        conn.execute(text("DELETE FROM address_import_staging"))
        _prepare_targets()
        copy_rows("address_import_staging", STAGING_COLUMNS, (
            (c.row, c.district, c.subdistrict, c.community, c.parts.road, c.parts.number, c.parts.compound,
             c.parts.building, c.parts.unit, c.full_text, c.key, c.lon, c.lat, source) for c in clean))
        for stmt in statements("addresses/insert_from_staging"):  # assigned as written
            conn.execute(stmt, {"district_code": _district()})
        counts = conn.execute(text(
            "SELECT count(*) FILTER (WHERE t.created), count(*) FILTER (WHERE NOT t.created), "
            "count(*) FILTER (WHERE a.grid_id IS NOT NULL), count(*) FILTER (WHERE a.out_of_coverage), "
            "min(t.id), max(t.id) FROM address_assign_target t JOIN standard_address a ON a.id = t.id")).one()
        result.created, result.updated, result.assigned, result.out_of_coverage, first_id, last_id = counts
        audit.record("address.import", "standard_address", None, after={
            "received": result.received, "created": result.created, "updated": result.updated,
            "rejected": result.rejected, "aliases": result.aliases, "source": source,
            "first_id": first_id, "last_id": last_id})
        # Fresh statistics after a bulk load, as for grids.
        conn.execute(text("ANALYZE standard_address"))
    elif result.aliases:
        audit.record("address.alias", "standard_address", None, after={"aliases": declared})
    if commit:
        db.session.commit()
    return result


# --------------------------------------------------------------------------- boundaries changed

def reassign_addresses(*, record: bool = True) -> dict:
    """Re-assign every address to the grid it falls in under the current published boundaries.

    Set-based (two UPDATE ... FROM statements over the whole library); does not
    commit. Call it in the transaction that changes the published boundaries:
    after ``import_grids`` into the published version and when a draft is
    published. Returns ``{"addresses": n, "changed": m}``.
    """
    _prepare_targets()
    conn = db.session.connection()
    conn.execute(text("INSERT INTO address_assign_target (id, old_grid_id) SELECT id, grid_id FROM standard_address"))
    _assign_targets()
    total, changed = conn.execute(text(
        "SELECT count(*), count(*) FILTER (WHERE a.grid_id IS DISTINCT FROM t.old_grid_id) "
        "FROM address_assign_target t JOIN standard_address a ON a.id = t.id")).one()
    # Drop the rows now: the caller's transaction may run another assignment before committing.
    conn.execute(text("DELETE FROM address_assign_target"))
    if record and total:
        audit.record("address.reassign", "standard_address", None, after={"addresses": total, "changed": changed})
    return {"addresses": total, "changed": changed}


# --------------------------------------------------------------------------- reading

def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_addresses(*, q=None, road=None, compound=None, grid=None, key=None, outside=None, bbox=None,
                   limit=100, offset=0) -> dict:
    """A page of the library, filtered; ``total`` counts every match."""
    minx, miny, maxx, maxy = bbox if bbox else (None, None, None, None)
    rows = db.session.execute(sql("addresses/list"), {
        "d": _district(), "q": _like(q) if q else None, "road": road, "compound": compound,
        "grid": grid, "key": key, "outside": outside, "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy,
        "limit": limit, "offset": offset}).mappings().all()
    # The query always answers one row at least (the total), with NULLs past the last page.
    page = [address_dict(r) for r in rows if r["id"] is not None]
    return {"addresses": page, "count": len(page), "total": rows[0]["total"] if rows else 0,
            "limit": limit, "offset": offset}


def address_dict(r) -> dict:
    return {"id": r["id"], "text": r["full_text"], "key": r["norm_key"],
            "district": r["district"], "subdistrict": r["subdistrict"], "community": r["community"],
            "road": r["road"], "number": r["number"], "compound": r["compound"], "building": r["building"],
            "unit": r["unit"], "lon": r["lon"], "lat": r["lat"], "grid_code": r["grid_code"],
            "grid_name": r["grid_name"], "out_of_coverage": r["out_of_coverage"], "source": r["source"],
            "updated_at": r["updated_at"]}


EXPORT_HEADERS = (("district", "区"), ("subdistrict", "街道"), ("community", "社区"), ("road", "道路"),
                  ("number", "门牌号"), ("compound", "小区"), ("building", "楼栋"), ("unit", "单元"),
                  ("address", "地址"), ("lon", "经度"), ("lat", "纬度"), ("grid_code", "网格编码"))


def export_rows(batch: int = 5000) -> Iterator[dict]:
    """Every address of the district in id order, as plain dicts (streamed in batches)."""
    last = 0
    while True:
        rows = db.session.execute(sql("addresses/export"), {"d": _district(), "after": last, "n": batch}).mappings().all()
        if not rows:
            return
        for r in rows:
            yield dict(r)
        last = rows[-1]["id"]


def library_size() -> int:
    return db.session.scalar(text("SELECT count(*) FROM standard_address WHERE district_code = :d"),
                             {"d": _district()}) or 0
