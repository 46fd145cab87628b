"""Long SQL lives in ``.sql`` files next to the feature that runs it.

``sql("grids/export_features")`` returns a ``text()`` clause for
``app/grids/sql/export_features.sql``; statements use bound parameters only.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.sql.elements import TextClause

_ROOT = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def sql(name: str) -> TextClause:
    feature, _, stem = name.partition("/")
    path = _ROOT / feature / "sql" / f"{stem}.sql"
    return text(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def statements(name: str) -> list[TextClause]:
    """A file holding several statements separated by lines of ``-- ;;``."""
    feature, _, stem = name.partition("/")
    path = _ROOT / feature / "sql" / f"{stem}.sql"
    parts = path.read_text(encoding="utf-8").split("\n-- ;;\n")
    return [text(p) for p in parts if p.strip()]
