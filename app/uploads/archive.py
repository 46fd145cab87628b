"""The one Shapefile inside an uploaded zip: checked from the zip's directory, then unpacked with capped reads.

Before a byte is inflated, the directory must hold a plausible archive:
at most :data:`MAX_MEMBERS` entries, no encrypted ones, unpacked sizes that
add up to at most ``MAX_UNZIPPED_BYTES`` and members compressed no more than
``MAX_ZIP_RATIO`` times (a zip bomb inflates a thousand times). Unpacking
then reads each member only up to the size its directory entry declares
(and checks its CRC), so a lying entry cannot inflate more than it
admitted. Paths inside the zip are never used: the members are written under
fixed names in a directory of ours.

The Shapefile's own headers are checked next (file code, polygon shape type)
and its records walked without decoding a coordinate, so a million-vertex
polygon is refused before GDAL or Shapely parse it (:func:`shape_counts`).
"""
from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass

from flask_babel import gettext as _

from app.errors import ValidationError
from app.uploads import TooLarge, limit_details
from app.uploads.sniff import SHP_FILE_CODE

#: More entries than any Shapefile needs (a few files per layer) is a directory bomb or not a Shapefile.
MAX_MEMBERS = 200
#: Members smaller than this are not judged by their compression ratio (a .cpg or an empty .dbf packs well).
RATIO_FLOOR_BYTES = 1 << 20
#: Polygon, PolygonZ, PolygonM: the Shapefile shape types of a grid layer (0 is a null shape).
POLYGON_TYPES = (5, 15, 25)
SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ShapeCounts:
    records: int
    max_points: int          # the largest record, in points
    max_record: int          # its index (0-based)
    total_points: int


def _refuse_zip() -> ValidationError:
    return ValidationError(_("The file is not a valid zip archive."), {"field": "file"})


class ShapefileZip:
    """An uploaded zip whose directory passed the checks, and the members of its one Shapefile.

    Use as a context manager; ``counts()`` walks the .shp records, ``extract(out_dir)`` unpacks the
    members under fixed names. Zip errors become the 422 "not a valid zip archive".
    """

    def __init__(self, data: bytes, *, max_unzipped: int, max_ratio: float):
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, EOFError):
            raise _refuse_zip() from None
        try:
            members = [m for m in self.zf.infolist() if not m.is_dir()]
            _check_directory(members, max_unzipped, max_ratio)
            shps = [m for m in members if m.filename.lower().endswith(".shp")]
            if len(shps) != 1:
                raise ValidationError(_("The zip file must hold exactly one Shapefile (.shp with its .shx, .dbf "
                                        "and .prj)."), {"field": "file"})
            stem = shps[0].filename[:-4]
            self.members = {}
            for m in members:
                base, ext = os.path.splitext(m.filename)
                if base == stem and ext.lower() in SIDECARS:
                    self.members[ext.lower()] = m
            for ext in (".shx", ".dbf"):
                if ext not in self.members:
                    raise ValidationError(_("The Shapefile in the zip has no %(ext)s file: zip the .shp, .shx, .dbf "
                                            "and .prj together.", ext=ext), {"field": "file"})
        except BaseException:
            self.zf.close()
            raise

    def __enter__(self) -> "ShapefileZip":
        return self

    def __exit__(self, *exc) -> None:
        self.zf.close()

    def _read(self, ext: str, dst) -> None:
        member = self.members[ext]
        try:
            _unpack(self.zf, member, dst)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
            # Bad CRC, corrupt data, cut short, unknown compression method, a password.
            raise _refuse_zip() from None

    def counts(self) -> "ShapeCounts":
        """Records and points of the .shp (its record headers only)."""
        buf = io.BytesIO()
        self._read(".shp", buf)
        return shape_counts(buf.getvalue())

    def extract(self, out_dir: str) -> str:
        """The members under fixed names in ``out_dir`` (paths in the zip are never used); the .shp's path."""
        for ext in self.members:
            with open(os.path.join(out_dir, "grids" + ext), "wb") as dst:
                self._read(ext, dst)
        return os.path.join(out_dir, "grids.shp")


def _check_directory(members, max_unzipped: int, max_ratio: float) -> None:
    if len(members) > MAX_MEMBERS:
        raise ValidationError(_("The zip file holds %(n)s files; a zipped Shapefile holds a handful.",
                                n=len(members)), {"field": "file"})
    if any(m.flag_bits & 0x1 for m in members):
        raise ValidationError(_("The zip file is encrypted; send it without a password."), {"field": "file"})
    total = sum(m.file_size for m in members)
    if total > max_unzipped:
        raise TooLarge(_("The zip file unpacks to %(got)s bytes, more than the limit of %(limit)s (setting "
                         "%(setting)s).", got=f"{total:,}", limit=f"{max_unzipped:,}",
                         setting="GRIDMAP_MAX_UNZIPPED_BYTES"),
                       limit_details(total, max_unzipped, "MAX_UNZIPPED_BYTES"))
    for m in members:
        if m.file_size >= RATIO_FLOOR_BYTES and m.file_size > max_ratio * max(m.compress_size, 1):
            ratio = m.file_size / max(m.compress_size, 1)
            raise TooLarge(_("A file in the zip is compressed %(got)s times, more than the limit of %(limit)s "
                             "(setting %(setting)s): it looks like a zip bomb.", got=f"{ratio:,.0f}",
                             limit=f"{max_ratio:,.0f}", setting="GRIDMAP_MAX_ZIP_RATIO"),
                           limit_details(int(ratio), int(max_ratio), "MAX_ZIP_RATIO"))


def _unpack(zf: zipfile.ZipFile, member: zipfile.ZipInfo, dst) -> None:
    # ZipExtFile stops at the declared size and checks the CRC once it reaches it: a lying entry fails here.
    written = 0
    with zf.open(member) as src:
        while True:
            chunk = src.read(min(_CHUNK, member.file_size - written + 1))
            if not chunk:
                break
            written += len(chunk)
            if written > member.file_size:
                raise zipfile.BadZipFile("member larger than declared")
            dst.write(chunk)


def shape_counts(data: bytes) -> ShapeCounts:
    """Records and points of a polygon .shp, read from its record headers (no coordinate decoded).

    Raises ValidationError when the file is not a polygon Shapefile or is cut short.
    """
    damaged = ValidationError(_("The Shapefile is damaged (its .shp file is cut short or not a Shapefile)."),
                              {"field": "file"})
    if len(data) < 100 or not data.startswith(SHP_FILE_CODE):
        raise damaged
    shape_type = struct.unpack_from("<i", data, 32)[0]
    if shape_type not in POLYGON_TYPES + (0,):
        raise ValidationError(_("The Shapefile holds points or lines; grids are polygons."),
                              {"field": "file", "shape_type": shape_type})
    records = total = biggest = biggest_at = 0
    pos = 100
    while pos + 8 <= len(data):
        words = struct.unpack_from(">i", data, pos + 4)[0]
        end = pos + 8 + 2 * words
        if words < 2 or end > len(data):
            raise damaged
        kind = struct.unpack_from("<i", data, pos + 8)[0]
        points = 0
        if kind in POLYGON_TYPES:
            if words * 2 < 44:
                raise damaged
            points = struct.unpack_from("<i", data, pos + 8 + 40)[0]
            if points < 0 or 44 + 16 * points > 2 * words:  # a count its record cannot hold
                raise damaged
        elif kind != 0:
            raise ValidationError(_("The Shapefile holds points or lines; grids are polygons."),
                                  {"field": "file", "shape_type": kind})
        if points > biggest:
            biggest, biggest_at = points, records
        total += points
        records += 1
        pos = end
    return ShapeCounts(records, biggest, biggest_at, total)
