"""The grid hierarchy: levels, code lengths, parents and kinds.

district 区 → subdistrict 街道 → community 社区/村 → grid 网格 → micro 微网格.

Codes are digit strings whose length is fixed by level (6-digit GB/T 2260
county code, then 3 digits per subdistrict, community and grid, then 2 per
micro-grid), and a child's code starts with its parent's code.

Dedicated grids (专属网格: a school, a hospital) overlay the regular tiling.
They exist only at levels "grid" (parent: a community) and "micro" (parent:
a grid) and follow the same code rules.

Examples
--------
>>> [CODE_LENGTH[level] for level in LEVELS]
[6, 9, 12, 15, 17]
>>> PARENT_LEVEL["micro"], PARENT_LEVEL.get("district")
('grid', None)
>>> code_is_well_formed("410102001002003", "grid")
True
"""
from __future__ import annotations

LEVELS = ("district", "subdistrict", "community", "grid", "micro")
KINDS = ("regular", "dedicated")

CODE_LENGTH = {"district": 6, "subdistrict": 9, "community": 12, "grid": 15, "micro": 17}
PARENT_LEVEL = {"subdistrict": "district", "community": "subdistrict", "grid": "community", "micro": "grid"}
# Depth orders levels from coarse (0) to fine (4); the assignment rule
# prefers the deepest grid that covers a point.
DEPTH = {level: i for i, level in enumerate(LEVELS)}
# Levels at which a dedicated grid may be drawn.
DEDICATED_LEVELS = ("grid", "micro")

# Spellings seen in real spreadsheets and exports; matched after strip+lower.
LEVEL_ALIASES = {
    "区": "district", "县": "district", "county": "district",
    "街道": "subdistrict", "镇": "subdistrict", "乡": "subdistrict", "street": "subdistrict",
    "社区": "community", "村": "community", "village": "community",
    "网格": "grid", "micro-grid": "micro",
    "微网格": "micro", "micro_grid": "micro", "microgrid": "micro",
}
KIND_ALIASES = {"常规": "regular", "普通": "regular", "专属": "dedicated", "专属网格": "dedicated"}


def normalise_level(value: str) -> str | None:
    """Canonical level name for ``value`` or None when unknown.

    >>> normalise_level(" Grid "), normalise_level("微网格"), normalise_level("block")
    ('grid', 'micro', None)
    """
    key = value.strip().lower()
    if key in DEPTH:
        return key
    return LEVEL_ALIASES.get(key)


def normalise_kind(value: str) -> str | None:
    """Canonical kind for ``value`` or None when unknown.

    >>> normalise_kind("Dedicated"), normalise_kind("专属"), normalise_kind("x")
    ('dedicated', 'dedicated', None)
    """
    key = value.strip().lower()
    if key in KINDS:
        return key
    return KIND_ALIASES.get(key)


def code_is_well_formed(code: str, level: str) -> bool:
    """True if ``code`` is all ASCII digits with the length ``level`` needs.

    >>> code_is_well_formed("410102", "district"), code_is_well_formed("41010２", "district")
    (True, False)
    """
    return len(code) == CODE_LENGTH[level] and code.isascii() and code.isdigit()


def parent_level_allowed(child_level: str, parent_level: str) -> bool:
    """True if a grid at ``child_level`` may hang under one at ``parent_level``.

    The same rule serves both kinds: a dedicated grid sits under a community,
    a dedicated micro-grid under a grid.

    >>> parent_level_allowed("micro", "grid"), parent_level_allowed("micro", "community")
    (True, False)
    """
    return PARENT_LEVEL.get(child_level) == parent_level
