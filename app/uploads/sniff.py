"""What an upload is, from its own first bytes (never from its name).

>>> kind_of(b'\\xef\\xbb\\xbf  {"type": "FeatureCollection"}')
'json'
>>> kind_of(b"SQLite format 3\\x00" + bytes(52) + b"GPKG" + bytes(32))
'gpkg'
>>> kind_of(b"SQLite format 3\\x00" + bytes(100))
'sqlite'
>>> kind_of(b"PK\\x03\\x04...")
'zip'
>>> kind_of(b"<OGRVRTDataSource>...")
'xml'
>>> kind_of(b"code,name\\n")
'text'
"""
from __future__ import annotations

SQLITE_HEADER = b"SQLite format 3\x00"
#: GeoPackage's SQLite ``application_id`` (offset 68): "GPKG" since 1.2, "GP10"/"GP11" before.
GPKG_IDS = (b"GPKG", b"GP10", b"GP11")
ZIP_HEADERS = (b"PK\x03\x04", b"PK\x05\x06")
#: A Shapefile's main file (.shp) and index (.shx) start with the file code 9994, big-endian.
SHP_FILE_CODE = b"\x00\x00\x27\x0a"

_BOMS = (b"\xef\xbb\xbf",)
_SPACE = b" \t\r\n"


def _start(data: bytes) -> bytes:
    head = data[:4096]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom):]
    return head.lstrip(_SPACE)


def kind_of(data: bytes) -> str:
    """One of ``json``, ``gpkg``, ``sqlite`` (SQLite but not a GeoPackage), ``zip``, ``xml``, ``shp``
    (a bare Shapefile main file), ``text`` (anything else printable, e.g. CSV) or ``binary``."""
    if data.startswith(SQLITE_HEADER):
        return "gpkg" if data[68:72] in GPKG_IDS else "sqlite"
    if data.startswith(ZIP_HEADERS):
        return "zip"
    if data.startswith(SHP_FILE_CODE):
        return "shp"
    start = _start(data)
    if start[:1] in (b"{", b"["):
        return "json"
    if start[:1] == b"<":
        return "xml"
    if b"\x00" in data[:4096]:
        return "binary"
    return "text"
