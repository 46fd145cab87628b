"""The grid hierarchy: levels, code lengths, parents and kinds.

district 区 → subdistrict 街道 → community 社区/村 → grid 网格 → micro 微网格.

Codes are digit strings whose length is fixed by level (6-digit GB/T 2260
county code, then 3 digits per subdistrict, community and grid, then 2 per
micro-grid), and a child's code starts with its parent's code.

Dedicated grids (专属网格: a school, a hospital, an industrial park, a
scenic area) overlay the regular tiling. One may hang under a grid of any
level but the finest: under a district it is at level subdistrict (9-digit
code), under a subdistrict at level community, under a community at level
grid, under a grid at level micro -- the level below its parent, coded by the
same rules. It lies inside its parent but may cross the boundaries of the
levels below it (a park across two communities hangs under their
subdistrict). Files from other systems often put "dedicated" where the level
goes: :func:`dedicated_level` reads that as the kind, the level following
from the parent's code (or the grid's own).

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
# Levels at which a dedicated grid may be drawn: the one below its parent, whatever the parent.
DEDICATED_LEVELS = ("subdistrict", "community", "grid", "micro")
# The level a code of each length belongs to, and the level below each one.
LEVEL_OF_LENGTH = {length: level for level, length in CODE_LENGTH.items()}
CHILD_LEVEL = {parent: child for child, parent in PARENT_LEVEL.items()}

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


def dedicated_level(parent_code: str | None, code: str | None) -> str | None:
    """The level of a dedicated grid given with ``level: dedicated``: the one below its parent's
    (by the parent code's length), else the one its own code's length says; None if neither tells.

    >>> dedicated_level("410102", None), dedicated_level("410102001", "410102001901")
    ('subdistrict', 'community')
    >>> dedicated_level(None, "410102001001901"), dedicated_level(None, "4101"), dedicated_level("4", "x")
    ('grid', None, None)
    """
    for value, below in ((parent_code, True), (code, False)):
        if value and value.isascii() and value.isdigit() and len(value) in LEVEL_OF_LENGTH:
            level = LEVEL_OF_LENGTH[len(value)]
            level = CHILD_LEVEL.get(level) if below else level
            if level in DEDICATED_LEVELS:
                return level
    return None


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
