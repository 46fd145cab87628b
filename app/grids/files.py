"""Grid files in and out: GeoJSON, GeoPackage, zipped Shapefile.

Reading turns an upload into the GeoJSON FeatureCollection that
``geo.features.parse_grid_collection`` validates (a feature's geometry may be
the Shapely geometry GDAL's WKB gave), with the coordinate system read from
the file itself (a Shapefile's .prj, a GeoPackage's SRS, a GeoJSON's ``crs``
member, else WGS-84 as RFC 7946 says). Survey data often comes in CGCS2000
Gauss-Krüger (EPSG:4547); nothing needs to be declared for it when the file
says so.

What a file is comes from its bytes (app.uploads.sniff), never its name:
GeoJSON is parsed by Python's json module, a GeoPackage and a zipped
Shapefile by GDAL locked down to those drivers (app.uploads.gdal). Feature
counts and zip sizes are checked before anything is decoded; an error never
repeats GDAL's own message, which may quote the file.

Writing uses the names import reads: code, name, level, kind, parent_code,
households, population, area_m2, preds (predecessor codes joined by ";");
in a Shapefile, whose field names stop at 10 characters, parent_code is
parent_cod (read back as parent_code). Files exported before that call it
parent, which import still reads. A GeoPackage is written as version 1.2,
which GDAL 3.6 and QGIS 3.22 (Debian 12) read without warnings; the GDAL in
pyogrio would write 1.4, which they call "only partially supported".
"""
from __future__ import annotations

import io
import json
import logging
import math
import os
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import pyproj
import shapely
from flask import current_app
from flask_babel import gettext as _

from app.errors import ValidationError
from app.uploads import TooLarge, archive, gdal, limit_details
from app.uploads.sniff import kind_of
from geo.crs import UnknownCRSError, geometry_from_wgs84, parse_crs

log = logging.getLogger(__name__)

FORMATS = {
    # format: (driver, extension, mimetype)
    "geojson": ("GeoJSON", "geojson", "application/geo+json"),
    "gpkg": ("GPKG", "gpkg", "application/geopackage+sqlite3"),
    "shp": ("ESRI Shapefile", "shp", "application/zip"),
}

#: Field names in files -> grid properties (Shapefile truncates names to 10 characters).
ALIASES = {"parent_cod": "parent_code", "parent": "parent_code", "householdn": "households",
           "populatio": "population", "hh": "households", "pop": "population", "编码": "code",
           "名称": "name", "层级": "level", "上级编码": "parent_code", "户数": "households", "人口": "population"}
PROPERTIES = ("code", "name", "level", "kind", "parent_code", "households", "population")


@dataclass
class ReadResult:
    collection: dict
    crs: str | None        # what the file declares, e.g. "EPSG:4547"
    layer: str | None
    features: int


def _file_crs(meta_crs) -> str | None:
    if not meta_crs:
        return None
    try:
        crs = pyproj.CRS.from_user_input(meta_crs)
    except pyproj.exceptions.CRSError:
        return str(meta_crs)[:200]
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def _value(v):
    if v is None:
        return None
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return int(v) if v.is_integer() else v
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return _value(float(v))
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v


def _property_name(name) -> str:
    key = str(name).strip().lower()
    return ALIASES.get(key, key)


def _refuse_kind(kind: str) -> ValidationError:
    if kind == "shp":
        return ValidationError(_("A Shapefile is several files: zip the .shp, .shx, .dbf and .prj together and "
                                 "send the .zip."), {"field": "file"})
    if kind == "xml":
        # An OGR VRT (which makes GDAL read other files) or KML/GML: never handed to a reader.
        return ValidationError(_("The file is XML (such as a GDAL VRT, KML or GML), which GridMap does not read: "
                                 "send GeoJSON, a GeoPackage or a zipped Shapefile."), {"field": "file"})
    if kind == "sqlite":
        return ValidationError(_("The file is an SQLite database but not a GeoPackage: export the layer as a "
                                 "GeoPackage."), {"field": "file"})
    return ValidationError(_("Send a .geojson, .gpkg or a .zip holding a Shapefile (.shp, .shx, .dbf, .prj)."),
                           {"field": "file"})


def _check_count(n: int) -> None:
    limit = current_app.config["MAX_IMPORT_FEATURES"]
    if n > limit:
        raise TooLarge(_("The file holds %(got)s features, more than the limit of %(limit)s (setting "
                         "%(setting)s): split it and import it in parts.", got=f"{n:,}", limit=f"{limit:,}",
                         setting="GRIDMAP_MAX_IMPORT_FEATURES"),
                       limit_details(n, limit, "MAX_IMPORT_FEATURES"))


def sniff_upload(data: bytes) -> str:
    """The format of an upload from its bytes ("json", "gpkg" or "zip"), or the 422 saying what it is not."""
    kind = kind_of(data)
    if kind not in ("json", "gpkg", "zip"):
        raise _refuse_kind(kind)
    return kind


def _shapefile_zip(data: bytes) -> archive.ShapefileZip:
    cfg = current_app.config
    return archive.ShapefileZip(data, max_unzipped=cfg["MAX_UNZIPPED_BYTES"], max_ratio=cfg["MAX_ZIP_RATIO"])


def _check_shapes(counts: archive.ShapeCounts) -> None:
    _check_count(counts.records)
    _check_vertices(counts.max_points, counts.max_record)


def precheck(data: bytes) -> str:
    """What a request checks before it queues an import: the format from the bytes, and, without decoding a
    coordinate, a zip's directory (bombs), a Shapefile's records and points, a GeoPackage's feature count.
    Milliseconds; the 413/422 it raises names the limit and its setting. The format."""
    kind = sniff_upload(data)
    if kind == "zip":
        with _shapefile_zip(data) as shapefile:
            _check_shapes(shapefile.counts())
    elif kind == "gpkg":
        with tempfile.TemporaryDirectory(prefix="gridmap-check-") as tmp:
            path = os.path.join(tmp, "upload.gpkg")
            Path(path).write_bytes(data)
            try:
                counts = [int(gdal.info(path, "GPKG", name)["features"]) for name in gdal.layers(path, "GPKG")]
            except gdal.LockdownError:
                raise
            except Exception:  # GDAL's message may quote the file: never echoed
                raise _unreadable("GPKG") from None
            _check_count(max(counts, default=0))
    return kind


def _unreadable(driver: str) -> ValidationError:
    return ValidationError(_("The file cannot be read as a %(format)s; it may be damaged. Export it again.",
                             format="GeoPackage" if driver == "GPKG" else "Shapefile"), {"field": "file"})


def read(data: bytes, filename: str, *, layer: str | None = None, crs: str | None = None,
         level: str | None = None) -> ReadResult:
    """Read an uploaded grid file. ``crs`` overrides what the file says; ``level`` fills a missing level."""
    kind = sniff_upload(data)
    if kind == "json":
        collection, declared, layer_name = _read_geojson(data, crs)
    else:
        collection, declared, layer_name = _read_with_gdal(data, kind, layer, crs)
    if level:
        for feat in collection["features"]:
            props = feat.get("properties") if isinstance(feat, dict) else None
            if isinstance(props, dict) and not props.get("level"):
                props["level"] = level
    if declared is not None:
        try:
            parse_crs(declared)
        except UnknownCRSError:
            raise ValidationError(_("The file's coordinate system is not one GridMap converts from: send crs= "
                                    "with its EPSG code."), {"field": "crs", "value": str(declared)[:80]}) from None
    return ReadResult(collection, declared, layer_name, len(collection["features"]))


def _read_geojson(data: bytes, crs: str | None) -> tuple[dict, str | None, str | None]:
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise ValidationError(_("The file is not valid JSON: it is nested too deep."), {"field": "file"}) from None
    except (UnicodeDecodeError, ValueError):
        raise ValidationError(_("The file is not valid GeoJSON (JSON in UTF-8)."), {"field": "file"}) from None
    feats = parsed.get("features") if isinstance(parsed, dict) else None
    if not isinstance(parsed, dict) or parsed.get("type") != "FeatureCollection" or not isinstance(feats, list):
        raise ValidationError(_("The file must be a GeoJSON FeatureCollection with a \"features\" list."),
                              {"field": "file"})
    _check_count(len(feats))
    for feat in feats:
        props = feat.get("properties") if isinstance(feat, dict) else None
        if isinstance(props, dict):
            mapped = {}
            for key, value in props.items():
                name = _property_name(key)
                if name in PROPERTIES and name not in mapped:
                    mapped[name] = value
            feat["properties"] = mapped
    declared = crs
    if declared is None:
        member = parsed.get("crs")
        name = member.get("properties", {}).get("name") if isinstance(member, dict) and isinstance(
            member.get("properties"), dict) else None
        try:
            declared = parse_crs(name).label   # RFC 7946: WGS-84 when nothing is declared
        except UnknownCRSError:
            declared = str(name)[:80]
    return {"type": "FeatureCollection", "features": feats}, declared, None


def _read_with_gdal(data: bytes, kind: str, layer: str | None, crs: str | None):
    with tempfile.TemporaryDirectory(prefix="gridmap-import-") as tmp:
        if kind == "zip":
            with _shapefile_zip(data) as shapefile:
                _check_shapes(shapefile.counts())
                path = shapefile.extract(tmp)
            driver = "ESRI Shapefile"
        else:
            path = os.path.join(tmp, "upload.gpkg")
            Path(path).write_bytes(data)
            driver = "GPKG"
        try:
            names = gdal.layers(path, driver)
            if layer is None and len(names) > 1:
                raise ValidationError(
                    _("The file has several layers (%(layers)s): say which one with layer=.",
                      layers=", ".join(n[:40] for n in names[:20])), {"field": "layer"})
            if layer is not None and layer not in names:
                raise ValidationError(_("The file has no layer %(layer)s; its layers are %(layers)s.",
                                        layer=layer[:40], layers=", ".join(n[:40] for n in names[:20])),
                                      {"field": "layer"})
            _check_count(int(gdal.info(path, driver, layer)["features"]))
            meta, geometry, field_data = gdal.read(path, driver, layer)
        except (ValidationError, TooLarge, gdal.LockdownError):
            raise
        except Exception as exc:  # GDAL's errors carry no stable type, and may quote the file: never echoed
            log.info("GDAL could not read an upload (%s): %s", driver, type(exc).__name__)
            raise _unreadable(driver) from None
    file_crs = _file_crs(meta.get("crs"))
    declared = crs or file_crs
    if declared is None and driver == "ESRI Shapefile":
        raise ValidationError(_("The Shapefile has no .prj, so its coordinate system is unknown: send crs= "
                                "(for example 4547)."), {"field": "crs"})
    names = [_property_name(f) for f in meta["fields"]]
    geoms = shapely.from_wkb(np.asarray(geometry if geometry is not None else [], dtype=object),
                             on_invalid="ignore")
    columns = [(name, col) for name, col in zip(names, field_data) if name in PROPERTIES]
    features = []
    for i in range(len(geoms)):
        props = {name: _value(col[i]) for name, col in columns}
        for key in ("code", "parent_code"):
            if isinstance(props.get(key), (int, float)):
                props[key] = str(int(props[key]))
        features.append({"type": "Feature", "properties": props, "geometry": geoms[i]})
    return {"type": "FeatureCollection", "features": features}, declared, meta.get("layer_name")


def _check_vertices(points: int, index: int) -> None:
    limit = current_app.config["MAX_GRID_VERTICES"]
    if points > limit:
        raise TooLarge(_("Feature %(index)s has %(got)s vertices, more than the limit of %(limit)s per grid "
                         "(setting %(setting)s): simplify it.", index=index + 1, got=f"{points:,}",
                         limit=f"{limit:,}", setting="GRIDMAP_MAX_GRID_VERTICES"),
                       limit_details(points, limit, "MAX_GRID_VERTICES", index=index))


#: GeoPackage 1.2: what GDAL 3.6 and QGIS 3.22 read without a warning (the application_id is GPKG, the
#: SQLite user_version 10200).
GPKG_OPTIONS = {"VERSION": "1.2"}


def write(rows, fmt: str, *, layer: str = "grids", out_crs=None, extra: dict | None = None) -> tuple[bytes, str, str]:
    """(file bytes, mimetype, file name) of ``rows`` (version_grids.sql rows) in ``fmt``; ``extra`` adds text
    fields (name -> one value per row), such as the staff the CLI writes only when asked."""
    driver, ext, mimetype = FORMATS[fmt]
    crs = parse_crs(out_crs) if out_crs is not None else parse_crs(None)
    geoms = [shapely.from_wkb(bytes(r.wkb)) for r in rows]
    if not crs.is_wgs84:
        geoms = [geometry_from_wgs84(g, crs) for g in geoms]
    geometry = np.array(shapely.to_wkb(geoms, output_dimension=2) if geoms else [], dtype=object)

    def ints(attr):
        values = [getattr(r, attr) for r in rows]
        return (np.array([v if v is not None else 0 for v in values], dtype=np.int64),
                np.array([v is None for v in values], dtype=bool))

    households, h_mask = ints("households")
    population, p_mask = ints("population")
    fields = ["code", "name", "level", "kind", "parent_cod" if fmt == "shp" else "parent_code", "households",
              "population", "area_m2", "preds", *(extra or {})]
    data = [np.array([r.code for r in rows], dtype=object), np.array([r.name for r in rows], dtype=object),
            np.array([r.level for r in rows], dtype=object), np.array([r.kind for r in rows], dtype=object),
            np.array([r.parent_code for r in rows], dtype=object), households, population,
            np.array([round(float(r.area_m2), 1) for r in rows], dtype=np.float64),
            np.array([";".join(r.predecessors or []) for r in rows], dtype=object)]
    masks = [None, None, None, None, None, h_mask, p_mask, None, None]
    for values in (extra or {}).values():
        data.append(np.array(values, dtype=object))
        masks.append(None)
    srs = crs.label if crs.label.startswith("EPSG:") else "EPSG:4326"
    with tempfile.TemporaryDirectory(prefix="gridmap-export-") as tmp:
        path = os.path.join(tmp, f"{layer}.{ext}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.raw.write(path, geometry, data, fields, field_mask=masks, layer=layer, driver=driver,
                              geometry_type="MultiPolygon", crs=srs, encoding="UTF-8" if fmt == "shp" else None,
                              dataset_options=GPKG_OPTIONS if fmt == "gpkg" else None)
        if fmt != "shp":
            return Path(path).read_bytes(), mimetype, f"{layer}.{ext}"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(os.listdir(tmp)):
                zf.write(os.path.join(tmp, name), name)
        return buf.getvalue(), mimetype, f"{layer}.zip"
