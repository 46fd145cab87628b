"""Two grid rules are written once, in migration 0023, and named everywhere else.

- "current grid" is the view ``grid_current``, not ``generation_high IS NULL
  AND draft_id IS NULL`` spelled out again;
- "the finest regular grid covering a point" is ``gridmap_finest_grid(...)``,
  not another ``ORDER BY cardinality(lineage) DESC, code LIMIT 1`` sub-select.

The scan reads every ``.sql`` file under app/ (comments left out) and every
string literal of the Python under app/ and bench/ (with ``ast``, so SQL split
over several literals or lines is still seen). The partial-index predicates
(``postgresql_where=`` in app/models) are the one exception: an index
predicate cannot name a view, and the planner matches queries against it.
"""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFINITION = ROOT / "migrations" / "versions" / "0023_grid_rules.py"

#: ``generation_high IS NULL`` as a condition on its own; not the first half of a
#: generation range test (``generation_high IS NULL OR generation_high >= n``) and
#: not an ORDER BY key (current row first).
RAW_CURRENT = re.compile(r"\bgeneration_high\s+IS\s+NULL\b(?!\s+(?:OR|DESC|ASC)\b)", re.I)
#: The finest-grid ordering: deepest lineage first (then the lowest code).
FINEST_ORDER = re.compile(r"ORDER\s+BY\s+(?:cardinality|array_length)\s*\(\s*(?:\w+\.)?lineage\b[^)]*\)\s+DESC",
                          re.I)
RULES = {"raw current-grid predicate (use the view grid_current)": RAW_CURRENT,
         "finest-grid sub-select (use gridmap_finest_grid)": FINEST_ORDER}


def sql_texts(path: Path) -> list[tuple[int, str]]:
    """(line, text) of the SQL a file holds: a .sql file without comments, or a .py file's string literals."""
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".sql":
        return [(1, re.sub(r"--[^\n]*", "", source))]
    tree = ast.parse(source, filename=str(path))
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.keyword)
            and node.arg == "postgresql_where" for n in ast.walk(node.value)}
    # Docstrings are prose: they may name the predicate they explain.
    skip |= {id(node.body[0].value) for node in ast.walk(tree)
             if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
             and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    texts = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):  # an f-string: its literal parts, placeholders as blanks
            texts.append((node.lineno, "".join(v.value if isinstance(v, ast.Constant) else " {} "
                                               for v in node.values)))
    return texts


def offences(path: Path) -> list[str]:
    """``file:line: rule`` for every place a rule is written out."""
    name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    found = set()
    for line, text in sql_texts(path):
        for rule, pattern in RULES.items():
            for m in pattern.finditer(text):
                found.add(f"{name}:{line + text.count(chr(10), 0, m.start())}: {rule}")
    return sorted(found)


SOURCES = sorted([*(ROOT / "app").rglob("*.sql"), *(ROOT / "app").rglob("*.py"), *(ROOT / "bench").rglob("*.py")])


def test_sources_found():
    names = {p.relative_to(ROOT).as_posix() for p in SOURCES}
    assert {"app/reports/sql/assign.sql", "app/lookup/sql/chain_at.sql", "app/patrols/figures.py",
            "app/models/boundary.py", "bench/assign.py"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=[p.relative_to(ROOT).as_posix() for p in SOURCES])
def test_rule_is_named_not_rewritten(path):
    assert offences(path) == []


def test_the_definition_is_where_the_scan_would_find_it():
    """The scan would see both rules in the migration that defines them, once each."""
    found = [o.split(": ", 1)[1] for o in offences(DEFINITION)]
    assert sorted(found) == sorted(RULES)


def test_detector_catches_the_old_spellings(tmp_path):
    sql = tmp_path / "old.sql"
    sql.write_text("-- generation_high IS NULL AND draft_id IS NULL in a comment is fine\n"
                   "SELECT g.id FROM grid g\n"
                   "WHERE g.draft_id IS NULL AND g.generation_high IS NULL AND ST_Covers(g.geom, :pt)\n"
                   "  AND (g.generation_high IS NULL OR g.generation_high >= 3)\n"
                   "ORDER BY cardinality( g.lineage ) DESC, g.code LIMIT 1\n", encoding="utf-8")
    assert offences(sql) == ["old.sql:3: raw current-grid predicate (use the view grid_current)",
                             "old.sql:5: finest-grid sub-select (use gridmap_finest_grid)"]


def test_detector_reads_python_strings_split_over_lines(tmp_path):
    py = tmp_path / "old.py"
    py.write_text('Q = ("SELECT 1 FROM grid a WHERE a.code = :c "\n'
                  '     "AND a.generation_high IS NULL AND a.draft_id IS NULL")\n'
                  'F = f"SELECT id FROM grid g WHERE {x} ORDER BY cardinality(lineage) DESC"\n'
                  'RANGE = "(g.generation_high IS NULL OR g.generation_high >= 3)"\n'
                  'FIRST = "ORDER BY g.generation_high IS NULL DESC, g.generation_low DESC"\n'
                  'IX = Index("ix", "geom", postgresql_where=text("generation_high IS NULL AND draft_id IS NULL"))\n'
                  'def f():\n    """Unlike generation_high IS NULL AND draft_id IS NULL, ..."""\n',
                  encoding="utf-8")
    assert offences(py) == ["old.py:1: raw current-grid predicate (use the view grid_current)",
                            "old.py:3: finest-grid sub-select (use gridmap_finest_grid)"]
