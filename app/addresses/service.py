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

import json
import re
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
from app.errors import DomainError, NotFound, ValidationError
from app.extensions import db
from app.models import District
from app.rows import RowError
from app.sqlfiles import sql, statements
from app.uploads import too_many_rows
from app.addresses.geocoding import (address_prefixes, bump_library_version, default_prefixes, district_names,
                                     normaliser_of, split_prefixes)
from geo.address import AddressNormaliser
from geo.crs import to_wgs84

STAGING_COLUMNS = ("row_no", "district", "subdistrict", "community", "road", "number", "compound", "building",
                   "unit", "full_text", "norm_key", "lon", "lat", "source")
MAX_LIST = 1000

Progress = Callable[[Iterable], Iterable]


def _district(district_code: str | None = None) -> str:
    """The library a call acts on: ``district_code``, else the deployment's default district (the CLI
    without --district, a single-district install)."""
    return district_code or current_app.config["DISTRICT_CODE"]


def acting_district(raw: str | None) -> str:
    """The district whose library a request acts on (``district=`` of the API, the page's picker):
    a district's user their own (asking for another district's library is refused); a city user the
    one they pick, else the default district."""
    from app.auth.scope import actor_district, requested_district

    code = requested_district(raw)
    own = actor_district()
    if own is not None:
        if code is not None and code != own:
            raise DomainError(_("The address library of district %(code)s is not yours: your account belongs "
                                "to district %(own)s.", code=code, own=own), {"field": "district"},
                              code="forbidden", status=403)
        return own
    return _district(code)


# --------------------------------------------------------------------------- prefixes

#: At most this many prefix names, each at most MAX_PREFIX characters.
MAX_PREFIXES = 20
MAX_PREFIX = 20
_PREFIX_NAME = re.compile(r"^[\u4e00-\u9fff]+$")


def prefixes_of(district_code: str | None = None) -> dict:
    """A district's prefixes, whether they are its own setting or the default, and the default."""
    code = _district(district_code)
    district = db.session.get(District, code)
    if district is None:
        raise NotFound(_("No district %(code)s.", code=code), {"field": "district"})
    stored = (district.settings or {}).get("address_prefixes")
    return {"district": code, "name": district.name, "prefixes": list(address_prefixes(code)),
            "custom": isinstance(stored, list) and bool(stored), "default": list(default_prefixes(code))}


def check_prefixes(raw, district_code: str) -> list[str] | None:
    """The prefix list to store (None: back to the default), or a ValidationError naming the field.

    A list of names (or one text with commas, 、 or spaces between them); each a run of Chinese
    characters (中国, 河南省, 郑州市, 二七区); not another district's name, since an address that starts
    with it lies in that district."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = split_prefixes(raw)
        if not raw:
            return None
    if not isinstance(raw, (list, tuple)) or not all(isinstance(p, str) for p in raw):
        raise ValidationError(_("Address prefixes: give a list of names, e.g. [\"中国\", \"河南省\", \"郑州市\"]."),
                              {"field": "address_prefixes"})
    names = list(dict.fromkeys(p.strip() for p in raw if p.strip()))
    if not names:
        raise ValidationError(_("Address prefixes: give at least one name (or none at all for the default)."),
                              {"field": "address_prefixes"})
    if len(names) > MAX_PREFIXES:
        raise ValidationError(_("Address prefixes: at most %(n)s names.", n=MAX_PREFIXES),
                              {"field": "address_prefixes"})
    for name in names:
        if len(name) > MAX_PREFIX or not _PREFIX_NAME.match(name):
            raise ValidationError(_("Address prefixes: %(name)s is not a place name (Chinese characters only, "
                                    "at most %(n)s).", name=name[:40], n=MAX_PREFIX),
                                  {"field": "address_prefixes", "value": name[:40]})
    others = {name: code for code, name in district_names().items() if code != district_code}
    for name in names:
        if name in others:
            raise ValidationError(_("Address prefixes: %(name)s is district %(code)s; an address that starts "
                                    "with it lies in that district, so it is no prefix here.",
                                    name=name, code=others[name]), {"field": "address_prefixes", "value": name})
    return names


def set_prefixes(district_code: str, prefixes: list[str] | None) -> dict:
    """Store a district's prefixes (None: back to the default; checked with :func:`check_prefixes`) and
    re-key that district's library; other districts' keys are untouched. Does not commit (a job's work
    or the CLI commits). Returns the district's prefixes and how many addresses were re-keyed."""
    before = prefixes_of(district_code)
    if prefixes is None:
        db.session.execute(text("UPDATE district SET settings = settings - 'address_prefixes' WHERE code = :d"),
                           {"d": district_code})
    else:
        db.session.execute(text(
            "UPDATE district SET settings = jsonb_set(settings, '{address_prefixes}', CAST(:v AS jsonb)) "
            "WHERE code = :d"), {"d": district_code, "v": json.dumps(prefixes, ensure_ascii=False)})
    db.session.expire_all()
    bump_library_version()
    rekeyed = rekey_addresses(district_code)
    after = prefixes_of(district_code)
    audit.record("address.prefixes", "standard_address", district_code, district_code=district_code,
                 before={"prefixes": before["prefixes"], "custom": before["custom"]},
                 after={"prefixes": after["prefixes"], "custom": after["custom"], "rekeyed": rekeyed})
    return {**after, "rekeyed": rekeyed}


# --------------------------------------------------------------------------- aliases and normaliser

def alias_map(district_code: str | None = None) -> dict[str, str]:
    """Estate aliases of a district (variant -> canonical name)."""
    rows = db.session.execute(text("SELECT alias, canonical FROM address_alias WHERE district_code = :d "
                                   "ORDER BY id"), {"d": _district(district_code)}).all()
    return {alias: canonical for alias, canonical in rows}


def normaliser(district_code: str | None = None, extra_aliases: dict[str, str] | None = None) -> AddressNormaliser:
    """The normaliser of a district's library (app.addresses.geocoding.normaliser_of)."""
    return normaliser_of(_district(district_code), extra_aliases)


def _store_aliases(pairs: dict[str, str], district_code: str) -> int:
    """Insert or repoint aliases; returns how many rows changed."""
    if not pairs:
        return 0
    result = db.session.execute(text(
        "INSERT INTO address_alias (district_code, alias, canonical) "
        "SELECT :d, a, c FROM unnest(CAST(:aliases AS text[]), CAST(:canonicals AS text[])) AS u(a, c) "
        "ON CONFLICT ON CONSTRAINT uq_address_alias_alias DO UPDATE SET canonical = EXCLUDED.canonical "
        "WHERE address_alias.canonical <> EXCLUDED.canonical"),
        {"d": district_code, "aliases": list(pairs), "canonicals": list(pairs.values())})
    return result.rowcount or 0


def add_alias(alias: str, canonical: str, *, district_code: str | None = None, commit: bool = True) -> dict:
    """Record that ``alias`` names the estate ``canonical``; re-keys the library."""
    alias, canonical = "".join((alias or "").split()), "".join((canonical or "").split())
    if not alias or not canonical:
        raise ValidationError(_("Give both the alias and the estate's standard name."), {"field": "alias"})
    if alias == canonical:
        raise ValidationError(_("The alias is the same as the standard name."), {"field": "alias"})
    district_code = _district(district_code)
    changed = _store_aliases({alias: canonical}, district_code)
    rekeyed = rekey_addresses(district_code) if changed else 0
    audit.record("address.alias", "standard_address", alias, district_code=district_code,
                 after={"alias": alias, "canonical": canonical, "rekeyed": rekeyed})
    if commit:
        db.session.commit()
    return {"alias": alias, "canonical": canonical, "changed": bool(changed), "rekeyed": rekeyed}


def remove_alias(alias: str, *, district_code: str | None = None, commit: bool = True) -> int:
    district_code = _district(district_code)
    row = db.session.execute(text("DELETE FROM address_alias WHERE district_code = :d AND alias = :a "
                                  "RETURNING canonical"), {"d": district_code, "a": alias}).first()
    if row is None:
        raise NotFound(_("No alias %(alias)s.", alias=alias[:40]), {"field": "alias"})
    rekeyed = rekey_addresses(district_code)
    audit.record("address.alias_remove", "standard_address", alias, district_code=district_code,
                 before={"alias": alias, "canonical": row.canonical})
    if commit:
        db.session.commit()
    return rekeyed


def rekey_addresses(district_code: str | None = None) -> int:
    """Recompute parts and keys of a district's library after its aliases or prefixes changed.

    Two rows that now spell one key keep the first (lowest id) on the new key;
    the later ones keep their old key, so no address is lost or merged
    silently. Returns the number of rows re-keyed.
    """
    district_code = _district(district_code)
    n = normaliser(district_code)
    rows = db.session.execute(text(
        "SELECT id, full_text, norm_key FROM standard_address WHERE district_code = :d ORDER BY id"),
        {"d": district_code}).all()
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
                     progress: Progress | None = None, max_rows: int | None = None,
                     district_code: str | None = None) -> AddressImportResult:
    """Store (or update) and assign many addresses of one district's library; rows with errors are
    listed, the rest stored.

    ``crs`` is the coordinate system of rows that name none (坐标系 column). A row whose point lies in
    another district's grids is an error of its row (it belongs to that district's library); a point
    outside every district is stored in this one, outside coverage.
    """
    district_code = _district(district_code)
    rows = list(raw_rows)
    limit = max_rows or current_app.config["MAX_IMPORT_ROWS"]
    if len(rows) > limit:
        raise too_many_rows(len(rows), limit)
    result = AddressImportResult(received=len(rows))
    declared = _row_aliases(rows)
    result.aliases = _store_aliases(declared, district_code)
    if result.aliases:
        rekey_addresses(district_code)
    n = normaliser(district_code)
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
            conn.execute(stmt, {"district_code": district_code})
        elsewhere = conn.execute(text("SELECT row_no, district_code FROM address_import_elsewhere ORDER BY row_no")).all()
        conn.execute(text("DROP TABLE address_import_elsewhere"))
        if elsewhere:
            names = district_names()
            result.errors.extend(RowError(row, "lon", _(
                "The point lies in %(other)s (%(code)s), not in %(district)s: import it into that district's "
                "address library.", other=names.get(code, code), code=code,
                district=names.get(district_code, district_code))) for row, code in elsewhere)
            result.errors.sort(key=lambda e: e.row)
        counts = conn.execute(text(
            "SELECT count(*) FILTER (WHERE t.created), count(*) FILTER (WHERE NOT t.created), "
            "count(*) FILTER (WHERE a.grid_id IS NOT NULL), count(*) FILTER (WHERE a.out_of_coverage), "
            "min(t.id), max(t.id) FROM address_assign_target t JOIN standard_address a ON a.id = t.id")).one()
        result.created, result.updated, result.assigned, result.out_of_coverage, first_id, last_id = counts
        audit.record("address.import", "standard_address", None, district_code=district_code, after={
            "received": result.received, "created": result.created, "updated": result.updated,
            "rejected": result.rejected, "aliases": result.aliases, "source": source,
            "first_id": first_id, "last_id": last_id})
        # Fresh statistics after a bulk load, as for grids.
        conn.execute(text("ANALYZE standard_address"))
    elif result.aliases:
        audit.record("address.alias", "standard_address", None, district_code=district_code,
                     after={"aliases": declared})
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
                   limit=100, offset=0, district_code: str | None = None) -> dict:
    """A page of a district's library, filtered; ``total`` counts every match."""
    minx, miny, maxx, maxy = bbox if bbox else (None, None, None, None)
    rows = db.session.execute(sql("addresses/list"), {
        "d": _district(district_code), "q": _like(q) if q else None, "road": road, "compound": compound,
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


def export_rows(batch: int = 5000, district_code: str | None = None) -> Iterator[dict]:
    """Every address of the district in id order, as plain dicts (streamed in batches)."""
    last = 0
    while True:
        rows = db.session.execute(sql("addresses/export"), {"d": _district(district_code), "after": last, "n": batch}).mappings().all()
        if not rows:
            return
        for r in rows:
            yield dict(r)
        last = rows[-1]["id"]


def library_size(district_code: str | None = None) -> int:
    return db.session.scalar(text("SELECT count(*) FROM standard_address WHERE district_code = :d"),
                             {"d": _district(district_code)}) or 0
