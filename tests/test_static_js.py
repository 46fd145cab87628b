"""GridMap's own browser scripts (static/js/): one shared core, ES modules that import it.

The rules the issue-18 clean-up set, read from the files as text (no browser, no node): the helpers
of static/js/core.js are defined there only (escaping, message templates, Beijing time, the CSRF
token, the JSON API and its error shape); every import names a module that exists and a name that
module exports; and the modules import one another without a cycle. What the core computes is
checked in chromium by tests/maps/test_core_js_browser.py.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parent.parent / "static" / "js"
CORE = JS / "core.js"

#: The core's helpers: a page script that defines one again has copied it.
CORE_HELPERS = ("esc", "fmt", "csrfToken", "api", "errorOf", "textsOf", "row", "byId",
                "beijingTime", "beijingClock", "beijingInput")

IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"([^"]+)";', re.M)
BARE_IMPORT = re.compile(r'^import\s*"([^"]+)";', re.M)
EXPORT = re.compile(r"^export\s+(?:function|var|let|const|class)\s+(\w+)", re.M)


def modules() -> list[Path]:
    return sorted(p for p in JS.rglob("*.js"))


def page_scripts() -> list[Path]:
    return [p for p in modules() if p != CORE]


def rel(path: Path) -> str:
    return path.relative_to(JS).as_posix()


def imports(path: Path) -> list[tuple[Path, list[str]]]:
    text = path.read_text(encoding="utf-8")
    out = [((path.parent / src).resolve(), [n.split(" as ")[0].strip() for n in names.split(",") if n.strip()])
           for names, src in IMPORT.findall(text)]
    out += [((path.parent / src).resolve(), []) for src in BARE_IMPORT.findall(text)]
    return out


def test_the_core_exports_every_shared_helper():
    exported = set(EXPORT.findall(CORE.read_text(encoding="utf-8")))
    assert set(CORE_HELPERS) <= exported


@pytest.mark.parametrize("path", page_scripts(), ids=rel)
def test_no_page_script_defines_a_core_helper_again(path):
    text = path.read_text(encoding="utf-8")
    names = "|".join(CORE_HELPERS)
    # As a function declaration or a function-valued variable (a local `var row = tr` is no copy).
    again = re.findall(rf"function\s+({names})\s*\(", text)
    again += re.findall(rf"(?:var|let|const)\s+({names})\s*=\s*(?:function\b|\([^)]*\)\s*=>|\w+\s*=>)", text)
    assert again == [], f"{rel(path)} defines {again}: import it from core.js"


@pytest.mark.parametrize("path", page_scripts(), ids=rel)
def test_one_api_rule_and_one_time_rule(path):
    """Only the core fetches, reads the CSRF token or sets its header; page scripts show times
    through the core's Beijing-time helpers, not by cutting ISO strings or in the browser's zone."""
    text = path.read_text(encoding="utf-8")
    assert "csrf-token" not in text and "X-CSRFToken" not in text, rel(path)
    assert "fetch(" not in text, f"{rel(path)} calls fetch: use core.api"
    for habit in ("toLocaleTimeString", "toLocaleDateString", "getHours(", "8 * 3600", ".slice(0, 16)",
                  ".slice(11, 19)", '"+08:00"'):
        assert habit not in text, f"{rel(path)}: {habit}"


@pytest.mark.parametrize("path", modules(), ids=rel)
def test_every_import_names_an_export_of_an_existing_module(path):
    for target, names in imports(path):
        assert target.is_file(), f"{rel(path)} imports {target}, which does not exist"
        exported = set(EXPORT.findall(target.read_text(encoding="utf-8")))
        missing = [n for n in names if n not in exported]
        assert missing == [], f"{rel(path)} imports {missing} from {rel(target)}, which does not export them"


def test_the_modules_import_one_another_without_a_cycle():
    graph = {p.resolve(): [t for t, _ in imports(p)] for p in modules()}
    done: set[Path] = set()

    def visit(node: Path, path: list[Path]):
        if node in path:
            cycle = path[path.index(node):] + [node]
            pytest.fail("import cycle: " + " -> ".join(rel(p) for p in cycle))
        if node in done:
            return
        for nxt in graph.get(node, []):
            visit(nxt, path + [node])
        done.add(node)

    for node in graph:
        visit(node, [])

