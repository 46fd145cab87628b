"""Parse and validate a grid GeoJSON FeatureCollection.

Each feature is one grid: ``properties`` carry ``code``, ``name``,
``level``, ``kind`` (default "regular"; a dedicated grid may hang under a
grid of any level but the finest, see geo.hierarchy, and ``level:
dedicated`` is read as that kind), ``parent_code`` (omitted for a district;
``parent`` is read as it, the name older GridMap exports used), and optional
``households`` / ``population``; ``geometry`` is a
Polygon or MultiPolygon in the declared CRS. The result holds normalised
WGS-84 :class:`GridFeature` objects for every clean feature and one
:class:`FeatureError` per problem -- every bad feature is reported, not only
the first, and a feature may carry several errors.

Normalisation (accepted silently): strings stripped, numeric strings for
counts, level/kind case and common Chinese spellings, unclosed rings closed,
consecutive duplicate positions removed, Z/M dropped, Polygon promoted to
MultiPolygon, RFC 7946 winding (exterior counter-clockwise, holes clockwise),
a child overhanging its parent by at most ``max(OVERHANG_MIN_M2,
OVERHANG_RATIO * area)`` clipped to the parent, clipped slivers under
``SLIVER_M2`` dropped.

Reason codes (stable; the app translates them using ``params``)
----------------------------------------------------------------
Collection level (``index`` is None):

invalid_json            params: detail
not_feature_collection  params: got
unknown_crs             params: got                  (the "crs" member)
too_many_features       params: got, limit

Per feature:

feature_not_object      params: got
missing_property        params: property              (code, name, level, parent_code)
bad_code                params: expected, got, level, value   (properties.code or .parent_code)
bad_level               params: got, allowed
dedicated_level         params: got                   ("dedicated" as the level, and neither the
                                                       parent_code nor the code says which level)
bad_kind                params: got, allowed, level
bad_count               params: got                   (households, population)
unexpected_parent       params: got                   (a district with a parent_code)
code_parent_mismatch    params: code, parent_code
duplicate_code          params: code, where, first_index (None when in the database)
unknown_parent          params: parent_code
parent_level            params: parent_code, parent_level, level, expected, kind, fits (the level a
                        dedicated grid under that parent has; None for a regular grid)
parent_kind             params: parent_code, level    (regular child of a dedicated grid)
missing_geometry        params: (empty: True when coordinates are [])
geometry_type           params: got
bad_coordinates         params: path, detail, (position); detail is one of
                        missing, not_array, wrong_nesting, position_not_pair,
                        not_a_number, not_finite, out_of_range (input degrees),
                        out_of_range_after_conversion (no valid WGS-84 position, or a
                        projection that does not invert there)
too_few_points          params: path, got, minimum
invalid_ring            params: explanation, location [x, y] (source CRS), detail
outside_parent          params: parent_code, outside_m2, tolerance_m2
too_many_vertices       params: got, limit

A draft import finds parents in the database (``parents="defer"``) and adds
two reasons of its own, rendered by :func:`geo.messages.render` as well:
``no_parent`` (params: parent_level, scope) and ``outside_scope`` (params:
parent_code, scope).

Examples
--------
>>> sq = lambda x0, y0, d: {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + d, y0],
...     [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]]}
>>> fc = {"type": "FeatureCollection", "features": [
...     {"type": "Feature", "geometry": sq(113.6, 34.7, 0.1),
...      "properties": {"code": "410102", "name": "中原区", "level": "district"}},
...     {"type": "Feature", "geometry": sq(113.61, 34.71, 0.01),
...      "properties": {"code": "410102001", "name": "林山寨", "level": "subdistrict",
...                     "parent_code": "410102", "households": "1200"}}]}
>>> parsed = parse_grid_collection(fc)
>>> parsed.ok, [f.code for f in parsed.features], parsed.features[1].households
(True, ['410102', '410102001'], 1200)
>>> fc["features"][1]["properties"]["parent_code"] = "410103"
>>> [e.reason for e in parse_grid_collection(fc).errors]
['code_parent_mismatch', 'unknown_parent']
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from geo import hierarchy as h
from geo.containment import (OVERHANG_MIN_M2, OVERHANG_RATIO, SLIVER_M2,  # noqa: F401 (re-exported)
                             check_children)
from geo.crs import UnknownCRSError, from_wgs84, geodesic_area_m2, geometry_to_wgs84, parse_crs
from geo.geometry import parse_polygonal, parse_shape, position_count, validity_issue
from geo.messages import render

REASONS = (
    "invalid_json", "not_feature_collection", "unknown_crs", "too_many_features",
    "feature_not_object", "missing_property", "bad_code", "bad_level", "bad_kind", "bad_count",
    "unexpected_parent", "code_parent_mismatch", "duplicate_code", "unknown_parent",
    "parent_level", "parent_kind", "missing_geometry", "geometry_type", "bad_coordinates",
    "too_few_points", "invalid_ring", "outside_parent", "too_many_vertices", "dedicated_level",
)

# Largest disagreement after converting to WGS-84 and back that still counts
# as the same position: ~1 cm either way.
_ROUND_TRIP_TOL_M = 0.01
_ROUND_TRIP_TOL_DEG = 1e-7


@dataclass(frozen=True)
class ExistingGrid:
    """A grid already in the database. ``geometry`` None skips the containment check."""

    code: str
    level: str
    kind: str
    geometry: BaseGeometry | None


@dataclass
class GridFeature:
    index: int
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    households: int | None
    population: int | None
    geometry: MultiPolygon  # WGS-84, normalised
    area_m2: float


@dataclass(frozen=True)
class FeatureError:
    index: int | None
    code: str | None
    field: str
    reason: str
    params: dict = field(hash=False)
    message: str = ""

    def as_dict(self) -> dict:
        """JSON-ready form for API error details."""
        return {"index": self.index, "code": self.code, "field": self.field,
                "reason": self.reason, "params": self.params, "message": self.message}


@dataclass
class ParsedCollection:
    features: list[GridFeature]
    errors: list[FeatureError]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Record:
    """Working state of one feature while the passes run."""

    index: int
    code: str | None = None
    code_ok: bool = False
    name: str | None = None
    level: str | None = None
    kind: str | None = "regular"
    parent_code: str | None = None
    parent_ok: bool = False          # parent_code well-formed and consistent with code
    parent_resolved: bool = False    # parent found with the right level/kind
    households: int | None = None
    population: int | None = None
    geometry: MultiPolygon | None = None
    area_m2: float = 0.0
    errors: list = field(default_factory=list)

    @property
    def header_ok(self) -> bool:
        # A parent whose own identity is broken cannot judge its children:
        # checking against it would only produce cascaded noise.
        return self.code_ok and self.level is not None and self.kind is not None


class _Collector:
    def __init__(self):
        self.errors: list[FeatureError] = []

    def add(self, rec: _Record | None, fld: str, reason: str, **params):
        assert reason in REASONS, reason
        params = {k: _short(v) for k, v in params.items()}
        index = rec.index if rec else None
        code = _short(rec.code) if rec else None
        err = FeatureError(index, code, fld, reason, params, render(reason, fld, params, index))
        self.errors.append(err)
        if rec is not None:
            rec.errors.append(err)


#: Longest value from a file repeated in an error: enough to find the feature, never a way to read a file out.
MAX_ECHO = 40


def _short(value):
    """A value from the file as an error may repeat it: short text, numbers, or just its type.

    >>> _short("x" * 50)[-3:], _short(12), _short({"a": 1})
    ('xx…', 12, 'dict')
    """
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_ECHO else value[:MAX_ECHO - 1] + "…"
    if isinstance(value, (list, tuple)) and len(value) <= 10 and all(
            v is None or isinstance(v, (bool, int, float)) for v in value):
        return list(value)   # a position, a list of allowed levels
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) and len(v) <= MAX_ECHO for v in value) \
            and len(value) <= 10:
        return list(value)
    return type(value).__name__


def _text(value) -> str | None:
    """Stripped string, or None when absent/empty. Integers become strings (codes as JSON numbers)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _count(value):
    """(int or None, ok). Accepts ints, integral floats and digit strings."""
    if value is None:
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, str):
        s = value.strip().replace(",", "")
        if not s:
            return None, True
        if s.isascii() and s.isdigit():
            return int(s), True
        return None, False
    if isinstance(value, int):
        return value, value >= 0
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value), True
    return None, False


def _length(level):
    return h.CODE_LENGTH.get(level) if level else None


def parent_code_of(props: Mapping):
    """The parent's code in a feature's properties: ``parent_code``, or ``parent``, the name GridMap's
    file exports used before they wrote ``parent_code`` (so files exported then import as they are)."""
    value = props.get("parent_code")
    return props.get("parent") if value is None else value


def _parse_properties(rec: _Record, props: dict, out: _Collector, parent_required: bool = True):
    raw_level, raw_kind = props.get("level"), _text(props.get("kind"))
    kind = "regular" if raw_kind is None else h.normalise_kind(raw_kind)
    if _text(raw_level) is None:
        rec.level = None
        out.add(rec, "properties.level", "missing_property", property="level")
    else:
        rec.level = h.normalise_level(str(raw_level))
        # An explicit kind other than dedicated contradicts it: then it is just an unknown level.
        read_as_kind = h.normalise_kind(str(raw_level)) == "dedicated" and (raw_kind is None or kind == "dedicated")
        if rec.level is None and read_as_kind:
            # "dedicated" where the level goes (other systems' exports): the kind; the level follows
            # from the parent's code, or the grid's own.
            kind = "dedicated"
            rec.level = h.dedicated_level(_text(parent_code_of(props)), _text(props.get("code")))
            if rec.level is None:
                out.add(rec, "properties.level", "dedicated_level", got=raw_level)
        elif rec.level is None:
            out.add(rec, "properties.level", "bad_level", got=raw_level, allowed=[*h.LEVELS, "dedicated"])

    rec.kind = kind
    if rec.kind is None:
        out.add(rec, "properties.kind", "bad_kind", got=props.get("kind"), allowed=list(h.KINDS),
                level=rec.level)
    elif rec.kind == "dedicated" and rec.level is not None and rec.level not in h.DEDICATED_LEVELS:
        out.add(rec, "properties.kind", "bad_kind", got="dedicated", allowed=["regular"], level=rec.level)
        rec.kind = None

    raw_code = props.get("code")
    rec.code = _text(raw_code)
    if rec.code is None:
        if raw_code is None or isinstance(raw_code, str):
            out.add(rec, "properties.code", "missing_property", property="code")
        else:  # a float, list or object: nothing sensible to strip or compare
            out.add(rec, "properties.code", "bad_code", expected=_length(rec.level), got=None,
                    level=rec.level, value=raw_code)
    elif rec.level is not None:
        rec.code_ok = h.code_is_well_formed(rec.code, rec.level)
        if not rec.code_ok:
            out.add(rec, "properties.code", "bad_code", expected=h.CODE_LENGTH[rec.level],
                    got=len(rec.code), level=rec.level, value=rec.code)
    elif not (rec.code.isascii() and rec.code.isdigit()):
        out.add(rec, "properties.code", "bad_code", expected=None, got=len(rec.code), level=None,
                value=rec.code)

    rec.name = _text(props.get("name"))
    if rec.name is None:
        out.add(rec, "properties.name", "missing_property", property="name")

    raw_parent = parent_code_of(props)
    parent = _text(raw_parent)
    if rec.level == "district":
        if parent is not None:
            out.add(rec, "properties.parent_code", "unexpected_parent", got=raw_parent)
    elif rec.level is not None:
        plevel = h.PARENT_LEVEL[rec.level]
        if parent is None:
            if parent_required:
                out.add(rec, "properties.parent_code", "missing_property", property="parent_code")
        elif rec.kind == "dedicated" and parent.isdigit() and parent.isascii() \
                and h.LEVEL_OF_LENGTH.get(len(parent)) not in (None, plevel):
            # A dedicated grid whose level does not fit its parent: say which level would.
            given = h.LEVEL_OF_LENGTH[len(parent)]
            out.add(rec, "properties.parent_code", "parent_level", parent_code=parent, parent_level=given,
                    level=rec.level, expected=plevel, kind="dedicated", fits=h.CHILD_LEVEL.get(given))
        elif not h.code_is_well_formed(parent, plevel):
            out.add(rec, "properties.parent_code", "bad_code", expected=h.CODE_LENGTH[plevel],
                    got=len(parent), level=plevel, value=parent)
        else:
            rec.parent_code = parent
            rec.parent_ok = True
            if rec.code_ok and not rec.code.startswith(parent):
                out.add(rec, "properties.parent_code", "code_parent_mismatch", code=rec.code,
                        parent_code=parent)

    for name in ("households", "population"):
        value, ok = _count(props.get(name))
        if not ok:
            out.add(rec, f"properties.{name}", "bad_count", got=props.get(name))
        setattr(rec, name, value)


def _load(data, out: _Collector):
    if isinstance(data, (bytes, bytearray, str)):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            out.add(None, "$", "invalid_json", detail=str(exc))
            return None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        got = data.get("type") if isinstance(data, dict) else type(data).__name__
        out.add(None, "$", "not_feature_collection", got=str(got))
        return None
    return data


def _declared_crs(data, out: _Collector):
    """The legacy GeoJSON ``crs`` member (QGIS and ogr2ogr still write it)."""
    member = data.get("crs")
    if not member:
        return None, True
    props = member.get("properties") if isinstance(member, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    try:
        return parse_crs(name), True
    except UnknownCRSError:
        out.add(None, "crs", "unknown_crs", got=str(name if name is not None else member))
        return None, False


def _parse_geometries(feats, records, src, out: _Collector, max_vertices: int | None = None):
    geographic = src.is_geographic
    pending, source_geoms = [], []
    for rec in records:
        if rec is None:
            continue
        obj = feats[rec.index].get("geometry")
        if max_vertices is not None:
            # Counted before anything is parsed: a million-vertex polygon costs nothing to refuse.
            n = position_count(obj)
            if n > max_vertices:
                out.add(rec, "geometry", "too_many_vertices", got=n, limit=max_vertices)
                continue
        if isinstance(obj, BaseGeometry):  # already built by a file reader (GDAL's WKB)
            geom, issues = parse_shape(obj, geographic=geographic)
        else:
            geom, issues = parse_polygonal(obj, geographic=geographic)
        for issue in issues:
            out.add(rec, issue.field, issue.reason, **issue.params)
        if geom is not None:
            pending.append(rec)
            source_geoms.append(geom)
    if not pending:
        return
    # One transform call for the whole file: pyproj is vectorised, per-ring
    # calls would dominate the import time.
    wgs = geometry_to_wgs84(np.asarray(source_geoms, dtype=object), src)
    coords, owner = shapely.get_coordinates(wgs, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1) | (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    if not src.is_wgs84:
        # Projections wrap absurd input instead of failing (a Gauss-Krüger
        # northing of 1e9 m lands on a valid-looking latitude), so convert back
        # and refuse positions that do not return where they started.
        source = shapely.get_coordinates(np.asarray(source_geoms, dtype=object))
        with np.errstate(invalid="ignore"):
            bx, by = from_wgs84(coords[:, 0], coords[:, 1], src)
            err = np.maximum(np.abs(bx - source[:, 0]), np.abs(by - source[:, 1]))
        bad |= ~(err <= (_ROUND_TRIP_TOL_DEG if geographic else _ROUND_TRIP_TOL_M))
    bad_owner = set(owner[bad].tolist())
    reproject_check = not src.is_wgs84
    for k, rec in enumerate(pending):
        if k in bad_owner:
            out.add(rec, "geometry.coordinates", "bad_coordinates", path="coordinates",
                    detail="out_of_range_after_conversion")
            continue
        geom = wgs[k]
        if reproject_check:  # a non-linear conversion can (rarely) fold a thin spike over itself
            issue = validity_issue(geom)
            if issue:
                out.add(rec, issue.field, issue.reason, **issue.params)
                continue
        rec.geometry = shapely.orient_polygons(geom, exterior_cw=False)


def _check_codes(records, existing, out: _Collector):
    first_seen: dict[str, _Record] = {}
    for rec in records:
        if rec is None or rec.code is None:
            continue
        if rec.code in first_seen:
            out.add(rec, "properties.code", "duplicate_code", code=rec.code, where="in this file",
                    first_index=first_seen[rec.code].index)
        else:
            first_seen[rec.code] = rec
            if rec.code in existing:
                out.add(rec, "properties.code", "duplicate_code", code=rec.code, where="in the database",
                        first_index=None)
    return first_seen


def _resolve_parents(records, by_code, existing, out: _Collector):
    for rec in records:
        if rec is None or not rec.parent_ok:
            continue
        parent = by_code.get(rec.parent_code) or existing.get(rec.parent_code)
        if parent is None:
            out.add(rec, "properties.parent_code", "unknown_parent", parent_code=rec.parent_code)
            continue
        if isinstance(parent, _Record) and not parent.header_ok:
            continue
        if rec.kind is None:
            continue
        expected = h.PARENT_LEVEL[rec.level]
        if not h.parent_level_allowed(rec.level, parent.level):
            out.add(rec, "properties.parent_code", "parent_level", parent_code=rec.parent_code,
                    parent_level=parent.level, level=rec.level, expected=expected, kind=rec.kind,
                    fits=h.CHILD_LEVEL.get(parent.level) if rec.kind == "dedicated" else None)
        elif rec.kind == "regular" and parent.kind == "dedicated":
            out.add(rec, "properties.parent_code", "parent_kind", parent_code=rec.parent_code,
                    level=rec.level)
        else:
            rec.parent_resolved = True


def _check_containment(records, by_code, existing, out: _Collector):
    # Top-down, so each parent is already clipped when its children are checked.
    for level in h.LEVELS[1:]:
        groups: dict[str, list[_Record]] = defaultdict(list)
        for rec in records:
            if rec is not None and rec.level == level and rec.parent_resolved and rec.geometry is not None:
                groups[rec.parent_code].append(rec)
        for parent_code, children in groups.items():
            parent = by_code.get(parent_code) or existing.get(parent_code)
            if parent is None or parent.geometry is None:
                continue
            results = check_children(parent.geometry, [c.geometry for c in children],
                                     [c.area_m2 for c in children])
            for child, res in zip(children, results):
                if res.status == "clipped":
                    child.geometry = res.geometry
                    child.area_m2 = geodesic_area_m2(res.geometry)
                elif res.status == "outside":
                    out.add(child, "geometry", "outside_parent", parent_code=parent_code,
                            outside_m2=round(res.outside_m2, 3), tolerance_m2=round(res.tolerance_m2, 3))


def parse_grid_collection(data, crs=None, existing: Mapping[str, ExistingGrid] = {},  # noqa: B006 (read only)
                          *, max_features: int | None = None,
                          max_vertices: int | None = None, parents: str = "resolve") -> ParsedCollection:
    """Parse, normalise and validate a grid FeatureCollection.

    Parameters
    ----------
    data : dict, str or bytes
        The GeoJSON FeatureCollection (parsed or as JSON text).
    crs : optional
        Declared CRS of the coordinates (anything :func:`geo.crs.parse_crs`
        accepts). None falls back to the collection's legacy ``crs`` member,
        then to WGS-84.
    existing : mapping of code -> ExistingGrid
        Grids already in the database: valid parents, and codes that must not
        be reused.
    max_features : int, optional
        Refuse larger collections outright (``too_many_features``).
    max_vertices : int, optional
        Refuse a grid whose boundary has more positions (``too_many_vertices``):
        a grid is drawn with tens to hundreds of vertices; millions are a
        mistake or an attack, and would slow every lookup that tests it.
        Counted before the coordinates are parsed.
    parents : {"resolve", "defer"}
        "resolve": every feature but a district names its parent, found in the
        file or in ``existing``, and must lie inside it. "defer": the caller
        finds parents and checks containment itself (a draft import does it in
        the database, by containment when ``parent_code`` is missing), so
        ``parent_code`` may be missing and is only checked for its form, and
        ``area_m2`` is left at 0 for the caller to measure.

    Returns
    -------
    ParsedCollection
        ``features`` holds the features without any error, in input order;
        ``errors`` every problem found, ordered by feature index.

    Raises
    ------
    geo.crs.UnknownCRSError
        If the ``crs`` argument itself is unknown (a caller error, not a data error).
    """
    src = parse_crs(crs) if crs is not None else None
    out = _Collector()
    data = _load(data, out)
    if data is None:
        return ParsedCollection([], out.errors)
    if src is None:
        src, ok = _declared_crs(data, out)
        if not ok:
            return ParsedCollection([], out.errors)
        src = src or parse_crs(None)
    feats = data["features"]
    if max_features is not None and len(feats) > max_features:
        out.add(None, "features", "too_many_features", got=len(feats), limit=max_features)
        return ParsedCollection([], out.errors)

    records: list[_Record | None] = []
    for i, feat in enumerate(feats):
        rec = _Record(i)
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            got = feat.get("type") if isinstance(feat, dict) else type(feat).__name__
            out.add(rec, f"features[{i}]", "feature_not_object", got=str(got))
            records.append(None)
            continue
        props = feat.get("properties")
        _parse_properties(rec, props if isinstance(props, dict) else {}, out, parent_required=parents == "resolve")
        records.append(rec)

    _parse_geometries(feats, records, src, out, max_vertices)
    if parents == "resolve":
        # A deferring caller measures where it checks containment (the database, set-based).
        for rec in records:
            if rec is not None and rec.geometry is not None:
                rec.area_m2 = geodesic_area_m2(rec.geometry)
    by_code = _check_codes(records, existing, out)
    if parents == "resolve":
        _resolve_parents(records, by_code, existing, out)
        _check_containment(records, by_code, existing, out)

    features = [
        GridFeature(rec.index, rec.code, rec.name, rec.level, rec.kind, rec.parent_code,
                    rec.households, rec.population, rec.geometry, rec.area_m2)
        for rec in records if rec is not None and not rec.errors
    ]
    errors = sorted(out.errors, key=lambda e: -1 if e.index is None else e.index)
    return ParsedCollection(features, errors)
