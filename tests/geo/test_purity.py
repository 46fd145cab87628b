"""geo/ stays pure: no web framework, ORM, map renderer or database driver.

Scanning the source with ``ast`` catches every import statement, including
ones inside functions that an import-time check would miss; the subprocess
check catches indirect imports through third-party packages.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

GEO = Path(__file__).resolve().parents[2] / "geo"
FORBIDDEN = {"flask", "flask_sqlalchemy", "flask_migrate", "flask_babel", "sqlalchemy", "geoalchemy2",
             "folium", "branca", "psycopg2", "psycopg", "alembic"}
SOURCES = sorted(GEO.rglob("*.py"))


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            roots.add(str(node.args[0].value).split(".")[0])
    return roots


def test_geo_sources_found():
    assert GEO.is_dir() and (GEO / "__init__.py") in SOURCES and len(SOURCES) >= 5


@pytest.mark.parametrize("path", SOURCES, ids=[p.relative_to(GEO).as_posix() for p in SOURCES])
def test_no_forbidden_imports(path):
    assert not imported_roots(path) & FORBIDDEN


def test_detector_catches_forbidden_imports(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from sqlalchemy import select\n    import flask.json\n"
                   "    importlib.import_module('folium')\n", encoding="utf-8")
    assert imported_roots(bad) >= {"sqlalchemy", "flask", "folium"}


def test_importing_geo_loads_none_of_them():
    names = [".".join(p.relative_to(GEO.parent).with_suffix("").parts).removesuffix(".__init__") for p in SOURCES
             if p != GEO / "__init__.py"]
    code = ("import sys\n" + "".join(f"import {n}\n" for n in names) +
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=GEO.parent, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
