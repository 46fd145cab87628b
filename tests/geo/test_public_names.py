"""``__all__`` tells the truth in every geo module that has one.

Every name it lists exists, and every public function, class and constant the
module defines is listed, so ``from geo.x import *`` and the docs give what
the module offers. A package's ``__all__`` is the union of its modules'.
"""
import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def defined_public(tree: ast.Module) -> set[str]:
    """Public names the module itself defines at top level: functions, classes, UPPER_CASE constants."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()}
    return {n for n in names if not n.startswith("_")}


WITH_ALL = [p for p in sorted((ROOT / "geo").rglob("*.py")) if "__all__" in p.read_text(encoding="utf-8")]


def test_modules_found():
    names = {module_name(p) for p in WITH_ALL}
    assert {"geo.patrol", "geo.patrol.checks", "geo.planning", "geo.crs"} <= names


@pytest.mark.parametrize("path", WITH_ALL, ids=module_name)
def test_all_is_true(path):
    module = importlib.import_module(module_name(path))
    listed = set(module.__all__)
    assert len(listed) == len(module.__all__), "a name is listed twice"
    assert not [n for n in listed if not hasattr(module, n)], "listed but not defined"
    missing = defined_public(ast.parse(path.read_text(encoding="utf-8"))) - listed
    assert not missing, f"defined but not in __all__: {sorted(missing)}"


def test_a_package_offers_what_its_modules_offer():
    package = importlib.import_module("geo.patrol")
    parts = [importlib.import_module(f"geo.patrol.{p.stem}") for p in (ROOT / "geo" / "patrol").glob("*.py")
             if p.stem != "__init__"]
    assert sorted(package.__all__) == sorted(n for m in parts for n in m.__all__)
    assert all(getattr(package, n) is getattr(m, n) for m in parts for n in m.__all__)
