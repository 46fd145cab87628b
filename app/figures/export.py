"""The event figures as CSV for spreadsheets: fixed Chinese headers by default, English with ``lang=en``.

The headers are a file format people build spreadsheets and macros on (like
the 12345 import's Chinese headers in app.reports.validation), so they are
fixed here rather than going through the translation catalogue, where a
reworded msgid would rename a column. A UTF-8 BOM makes Excel read the file
as UTF-8.
"""
from __future__ import annotations

import io

from app import csvcells
from app.figures.events import Filters

BOM = "\ufeff"

_UNIT_HEADERS = {
    "zh": {"subdistrict": ("街道编码", "街道"), "community": ("社区编码", "社区"), "grid": ("网格编码", "网格"),
           "worker": ("账号", "网格员")},
    "en": {"subdistrict": ("Subdistrict code", "Subdistrict"), "community": ("Community code", "Community"),
           "grid": ("Grid code", "Grid"), "worker": ("Username", "Worker")},
}
#: (key, Chinese header, English header), in column order after the unit's code and name.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("reported", "上报数", "Events reported"),
    ("cancelled", "作废数", "Cancelled"),
    ("merged", "合并重复数", "Merged duplicates"),
    ("valid", "应处置数", "Needing handling"),
    ("handled", "已处置数", "Handled"),
    ("closed", "结案数", "Closed"),
    ("closed_with_deadline", "有时限结案数", "Closed with a deadline"),
    ("closed_on_time", "按期结案数", "Closed on time"),
    ("handled_ever", "曾处置数", "Handled at least once"),
    ("reworked", "返工数", "Reworked"),
    ("overdue", "当前超期数", "Overdue now"),
    ("disposal_rate", "处置率", "Disposal rate"),
    ("closing_rate", "结案率", "Closing rate"),
    ("on_time_rate", "按期结案率", "On-time closing rate"),
    ("rework_rate", "返工率", "Rework rate"),
    ("median_hours_to_close", "结案时长中位数(小时)", "Median hours to close"),
)
_RATES = {"disposal_rate", "closing_rate", "on_time_rate", "rework_rate"}
_NO_UNIT = {"zh": {"worker": "未指派", "area": "不在任何网格内"},
            "en": {"worker": "Not assigned", "area": "Outside every grid"}}
_TOTAL = {"zh": "合计", "en": "Total"}


def headers(by: str, lang: str = "zh") -> list[str]:
    lang = "en" if lang == "en" else "zh"
    return [*_UNIT_HEADERS[lang][by], *(zh if lang == "zh" else en for _, zh, en in COLUMNS)]


def _cell(key: str, value) -> object:
    if value is None:
        return ""
    if key in _RATES:
        return f"{value * 100:.2f}%"
    return value


def to_csv(figures: dict, filters: Filters, lang: str = "zh") -> str:
    """The units, then a total row, as CSV text starting with a BOM."""
    lang = "en" if lang == "en" else "zh"
    out = io.StringIO()
    writer = csvcells.writer(out, lineterminator="\r\n")
    writer.writerow(headers(filters.by, lang))
    no_unit = _NO_UNIT[lang]["worker" if filters.by == "worker" else "area"]
    for unit in figures["units"]:
        code, name = (unit["code"], unit["name"]) if unit["unit"] is not None else ("", no_unit)
        writer.writerow([code or "", name or "", *(_cell(key, unit[key]) for key, _, _ in COLUMNS)])
    total = figures["total"]
    writer.writerow(["", _TOTAL[lang], *(_cell(key, total[key]) for key, _, _ in COLUMNS)])
    return BOM + out.getvalue()


def filename(filters: Filters) -> str:
    return f"event-figures-{filters.by}-{filters.period.first:%Y%m%d}-{filters.period.last:%Y%m%d}.csv"
