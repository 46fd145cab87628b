"""Grid files in and out with pyogrio (GDAL): GeoJSON, GeoPackage, zipped Shapefile.

Reading turns a file into the GeoJSON FeatureCollection that
``geo.features.parse_grid_collection`` validates, with the coordinate
system read from the file itself (a Shapefile's .prj, a GeoPackage's SRS, a
GeoJSON's ``crs`` member, else WGS-84 as RFC 7946 says). Survey data often
comes in CGCS2000 Gauss-Krüger (EPSG:4547); nothing needs to be declared for
it when the file says so.

Writing uses the same field names for every format, short enough for a
Shapefile's 10-character limit: code, name, level, kind, parent, households,
population, area_m2, preds (predecessor codes joined by ";").
"""
from __future__ import annotations

import io
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
from flask_babel import gettext as _
from shapely.geometry import mapping

from app.errors import ValidationError
from geo.crs import UnknownCRSError, geometry_from_wgs84, parse_crs

FORMATS = {
    # format: (driver, extension, mimetype)
    "geojson": ("GeoJSON", "geojson", "application/geo+json"),
    "gpkg": ("GPKG", "gpkg", "application/geopackage+sqlite3"),
    "shp": ("ESRI Shapefile", "shp", "application/zip"),
}
READABLE = (".geojson", ".json", ".gpkg", ".zip", ".shp")

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
        return str(meta_crs)
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


def read(data: bytes, filename: str, *, layer: str | None = None, crs: str | None = None,
         level: str | None = None) -> ReadResult:
    """Read an uploaded grid file. ``crs`` overrides what the file says; ``level`` fills a missing level."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in READABLE:
        raise ValidationError(_("Send a .geojson, .gpkg or a .zip holding a Shapefile (.shp, .shx, .dbf, .prj)."),
                              {"field": "file", "value": (filename or "")[:100]})
    if suffix == ".shp":
        raise ValidationError(_("A Shapefile is several files: zip the .shp, .shx, .dbf and .prj together and "
                                "send the .zip."), {"field": "file"})
    with tempfile.TemporaryDirectory(prefix="gridmap-import-") as tmp:
        path = os.path.join(tmp, "upload" + (".geojson" if suffix == ".json" else suffix))
        with open(path, "wb") as fh:
            fh.write(data)
        if suffix == ".zip":
            path = _shapefile_in_zip(path, tmp)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                layers = pyogrio.list_layers(path)
                if layer is None and len(layers) > 1:
                    raise ValidationError(
                        _("The file has several layers (%(layers)s): say which one with layer=.",
                          layers=", ".join(str(name) for name, _t in layers[:20])), {"field": "layer"})
                meta, _fids, geometry, field_data = pyogrio.raw.read(path, layer=layer)
        except ValidationError:
            raise
        except Exception as exc:  # GDAL's errors carry no stable type: say what it said
            raise ValidationError(_("The file cannot be read: %(error)s", error=str(exc)[:300]),
                                  {"field": "file"}) from None
    file_crs = _file_crs(meta.get("crs"))
    declared = crs or file_crs
    if declared is None and suffix == ".zip":
        raise ValidationError(_("The Shapefile has no .prj, so its coordinate system is unknown: send crs= "
                                "(for example 4547)."), {"field": "crs"})
    if declared is not None:
        try:
            parse_crs(declared)
        except UnknownCRSError:
            raise ValidationError(_("The file's coordinate system is not one GridMap converts from: send crs= "
                                    "with its EPSG code."), {"field": "crs", "value": str(declared)[:80]}) from None
    names = [ALIASES.get(str(f).lower(), str(f).lower()) for f in meta["fields"]]
    features = []
    for i in range(len(geometry) if geometry is not None else 0):
        props = {name: _value(col[i]) for name, col in zip(names, field_data) if name in PROPERTIES}
        for key in ("code", "parent_code"):
            if isinstance(props.get(key), (int, float)):
                props[key] = str(int(props[key]))
        if level and not props.get("level"):
            props["level"] = level
        wkb = geometry[i]
        geom = mapping(shapely.from_wkb(wkb)) if wkb is not None else None
        features.append({"type": "Feature", "properties": props, "geometry": geom})
    return ReadResult({"type": "FeatureCollection", "features": features}, declared, meta.get("layer_name"),
                      len(features))


def _shapefile_in_zip(path: str, tmp: str) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > 512 * 1024 * 1024:
                raise ValidationError(_("The zip file is too large once unpacked."), {"field": "file"})
            shps = [m for m in members if m.filename.lower().endswith(".shp")]
            if len(shps) != 1:
                raise ValidationError(_("The zip file must hold exactly one Shapefile (.shp with its .shx, .dbf "
                                        "and .prj)."), {"field": "file"})
            stem = shps[0].filename[:-4]
            out = os.path.join(tmp, "shape")
            os.mkdir(out)
            for m in members:
                if m.filename[:-4] == stem or m.filename.rsplit(".", 1)[0] == stem:
                    # Flatten: never trust paths inside an upload.
                    target = os.path.join(out, "grids" + os.path.splitext(m.filename)[1].lower())
                    with zf.open(m) as src, open(target, "wb") as dst:
                        dst.write(src.read())
            return os.path.join(out, "grids.shp")
    except zipfile.BadZipFile:
        raise ValidationError(_("The file is not a valid zip archive."), {"field": "file"}) from None


def write(rows, fmt: str, *, layer: str = "grids", out_crs=None) -> tuple[bytes, str, str]:
    """(file bytes, mimetype, file name) of ``rows`` (version_grids.sql rows) in ``fmt``."""
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
    fields = ["code", "name", "level", "kind", "parent", "households", "population", "area_m2", "preds"]
    data = [np.array([r.code for r in rows], dtype=object), np.array([r.name for r in rows], dtype=object),
            np.array([r.level for r in rows], dtype=object), np.array([r.kind for r in rows], dtype=object),
            np.array([r.parent_code for r in rows], dtype=object), households, population,
            np.array([round(float(r.area_m2), 1) for r in rows], dtype=np.float64),
            np.array([";".join(r.predecessors or []) for r in rows], dtype=object)]
    masks = [None, None, None, None, None, h_mask, p_mask, None, None]
    srs = crs.label if crs.label.startswith("EPSG:") else "EPSG:4326"
    with tempfile.TemporaryDirectory(prefix="gridmap-export-") as tmp:
        path = os.path.join(tmp, f"{layer}.{ext}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.raw.write(path, geometry, data, fields, field_mask=masks, layer=layer, driver=driver,
                              geometry_type="MultiPolygon", crs=srs, encoding="UTF-8" if fmt == "shp" else None)
        if fmt != "shp":
            return Path(path).read_bytes(), mimetype, f"{layer}.{ext}"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(os.listdir(tmp)):
                zf.write(os.path.join(tmp, name), name)
        return buf.getvalue(), mimetype, f"{layer}.zip"
