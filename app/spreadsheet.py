"""Excel workbooks (.xlsx, .xls) read as the rows a CSV file gives.

12345 hotline exports, address registers and lists of key places often come
as Excel files. The first sheet is read with python-calamine: its first
non-empty row is the header, each later non-empty row one ``{header: text}``
dict, exactly what ``csv.DictReader`` yields for the same table saved as
CSV, so every importer checks it with its own rules and reports the same
per-row errors. Blank rows are skipped (as the csv module skips blank lines),
so "row N" counts data rows in both.

A workbook is known by its bytes, never its name: an .xlsx is a zip holding
``xl/``, an .xls an OLE2 compound file. Cells become text as a person reads
them: 12 not 12.0, a date as 2026-11-23, a time as 2026-11-23T09:30:00 (Beijing
time, as the importers read a time without a zone). A code typed as a number
has lost its leading zeros before GridMap sees it (0402 stored as 402): such
columns must be formatted as text in Excel, which the error for an unknown
code then shows.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile

from flask_babel import gettext as _

from app.errors import ValidationError

#: The first bytes of an OLE2 compound file (.xls, and old .doc too).
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
#: An .xlsx unpacks to at most this many bytes (a zip bomb would otherwise fill the memory).
MAX_UNZIPPED = 200 * 1024 * 1024


def kind_of(data: bytes) -> str | None:
    """``xlsx``, ``xls`` or None (not a workbook), from the bytes.

    >>> kind_of(OLE2 + bytes(100)), kind_of(b"category,description\\n"), kind_of(b"PK\\x03\\x04 broken")
    ('xls', None, None)
    """
    if data.startswith(OLE2):
        return "xls"
    if data.startswith(ZIP):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if any(name.startswith("xl/") for name in archive.namelist()):
                    return "xlsx"
        except (zipfile.BadZipFile, ValueError):
            return None
    return None


def cell_text(value) -> str:
    """A cell as a person reads it.

    >>> [cell_text(v) for v in (None, 12.0, 113.6095, True, "0402 ", dt.date(2026, 11, 23))]
    ['', '12', '113.6095', 'true', '0402 ', '2026-11-23']
    >>> cell_text(dt.datetime(2026, 11, 23, 9, 30))
    '2026-11-23T09:30:00'
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def rows_from_workbook(data: bytes, *, max_unzipped: int = MAX_UNZIPPED) -> list[dict]:
    """The first sheet of an .xlsx or .xls as ``[{header: text}]``; a 422 naming the file when it cannot be read."""
    kind = kind_of(data)
    if kind == "xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > max_unzipped:
                raise ValidationError(_("The Excel file unpacks to more than %(mb)s MB: split it, or save it as CSV.",
                                        mb=max_unzipped // (1024 * 1024)), {"field": "file"})
    from python_calamine import CalamineWorkbook  # only imported where a workbook is read

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        table = sheet.to_python(skip_empty_area=True)
    except Exception:  # calamine's errors quote the file's internals; the fix is the same for all
        raise ValidationError(_("The Excel file cannot be read: it may be damaged or protected by a password. Open "
                                "it in Excel or WPS and save it again, or save it as CSV (UTF-8)."),
                              {"field": "file"}) from None
    lines = ([cell_text(c) for c in row] for row in table)
    lines = [line for line in lines if any(c.strip() for c in line)]
    if not lines:
        raise ValidationError(_("The first sheet of the Excel file is empty: put the header row and the rows "
                                "on the first sheet."), {"field": "file"})
    header = [h.strip().lstrip("\ufeff") for h in lines[0]]
    return [{name: line[i] if i < len(line) else "" for i, name in enumerate(header) if name} for line in lines[1:]]
