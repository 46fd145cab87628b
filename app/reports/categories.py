"""Report categories in the GB/T 30428.2 style: 2-digit big class + 2-digit small class.

The runtime reads the ``category`` table (app.models.Category, seeded by
migration 0007_events with these codes plus each one's time limit, handling
level and duplicate radius; administrators edit it through the API). This
list keeps the English msgids of the seeded labels, so they are extracted for
translation, and is what a test compares the seeded table against.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Category:
    code: str
    label: object  # a lazy gettext string
    big_class: object
    color: str


_CITY = _l("City appearance and environment")
_ADS = _l("Publicity and advertising")
_WORKS = _l("Construction management")
_STREET = _l("Street order")
_EMERGENCY = _l("Emergencies")
_SAFETY = _l("Safety hazards")
_PEOPLE = _l("Residents and services")

CATEGORIES: list[Category] = [
    Category("0101", _l("Illegal structure"), _CITY, "#8c564b"),
    Category("0102", _l("Exposed garbage"), _CITY, "#7f7f00"),
    Category("0103", _l("Muck and debris"), _CITY, "#a0522d"),
    Category("0104", _l("Garbage sorting"), _CITY, "#2ca02c"),
    Category("0105", _l("Road cleaning"), _CITY, "#bc8f8f"),
    Category("0106", _l("Green-space care"), _CITY, "#6b8e23"),
    Category("0201", _l("Small illegal ads"), _ADS, "#bcbd22"),
    Category("0202", _l("Damaged public ads"), _ADS, "#dbdb8d"),
    Category("0301", _l("Construction noise"), _WORKS, "#9467bd"),
    Category("0302", _l("Construction dust"), _WORKS, "#c5b0d5"),
    Category("0303", _l("Road occupation"), _WORKS, "#8e44ad"),
    Category("0401", _l("Street vending"), _STREET, "#ff7f0e"),
    Category("0402", _l("Illegal parking"), _STREET, "#1f77b4"),
    Category("0403", _l("Non-motor vehicles"), _STREET, "#17becf"),
    Category("0501", _l("Pipe burst"), _EMERGENCY, "#d62728"),
    Category("0502", _l("Road collapse"), _EMERGENCY, "#b22222"),
    Category("0503", _l("Waterlogging"), _EMERGENCY, "#4169e1"),
    Category("0601", _l("Fire safety hazard"), _SAFETY, "#e31a1c"),
    Category("0602", _l("Gas safety hazard"), _SAFETY, "#fd8d3c"),
    Category("0701", _l("Noise dispute"), _PEOPLE, "#6a3d9a"),
    Category("0702", _l("Neighbour dispute"), _PEOPLE, "#b15928"),
    Category("0703", _l("Help for the elderly and special groups"), _PEOPLE, "#e377c2"),
    Category("0704", _l("Enterprise request"), _PEOPLE, "#7f7f7f"),
]

BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}


def label(code: str) -> str:
    cat = BY_CODE.get(code)
    return str(cat.label) if cat else code
