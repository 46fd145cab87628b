"""The tests' own layout (tests/README.md): nothing is imported from a ``test_*.py`` module.

A test module holds tests. What several of them share lives in the package's ``helpers.py``
(fixtures in its ``conftest.py``), so running, moving or deleting one test file never breaks another.
"""
import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

#: Test modules others still import from, each with its reason. Empty it, do not grow it.
STILL_IMPORTED = {
    "tests.plan.test_plan_browser": "the planner's browser tests are being changed now; its page helpers "
                                    "move to tests/plan/helpers.py after that",
}


def imported_test_modules(path: Path) -> set[str]:
    """Modules named ``test_*`` that ``path`` imports (functions' imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:  # from . import test_x
            names = [a.name for a in node.names]
        found |= {n for n in names if n.split(".")[-1].startswith("test_")}
    return found


SOURCES = sorted(TESTS.rglob("*.py"))


def test_sources_found():
    assert TESTS / "conftest.py" in SOURCES and len(SOURCES) > 100


@pytest.mark.parametrize("path", SOURCES, ids=[p.relative_to(TESTS).as_posix() for p in SOURCES])
def test_nothing_is_imported_from_a_test_module(path):
    wrong = imported_test_modules(path) - set(STILL_IMPORTED)
    assert not wrong, f"move what {sorted(wrong)} shares into that package's helpers.py (tests/README.md)"


def test_the_exceptions_are_still_needed():
    used = set().union(*(imported_test_modules(p) for p in SOURCES))
    assert set(STILL_IMPORTED) <= used, set(STILL_IMPORTED) - used


def test_detector(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from tests.a.test_b import f\ndef g():\n    import tests.c.test_d\nfrom . import test_e\n"
                   "from tests.a.helpers import test_value\n", encoding="utf-8")
    # A test_ name from a helpers module counts too: pytest would collect it again where it is imported.
    assert imported_test_modules(bad) == {"tests.a.test_b", "tests.c.test_d", "test_e", "tests.a.helpers.test_value"}
