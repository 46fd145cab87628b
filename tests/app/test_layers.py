"""The layering of app/, enforced (docs/architecture.md draws it).

1. No cycle between app's units: each package (app/grids/, app/reports/ ...) and each top-level
   module (app/audit.py, app/rows.py ...) is one unit; the factory (app/__init__.py) is above
   them all. Imports inside functions count: they hide a cycle, they do not remove it.
2. Services and queries do not read flask's ``request``: the route parses it and passes values.
3. Views (modules that declare routes) do not run SQL: they call a service or a query.

Scanning the source with ``ast`` (as tests/geo/test_purity.py does) sees every import, also the
ones that only run inside a function.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"

#: Modules that read ``request`` and are neither a view nor a service: the edge where a request is
#: taken apart or answered (who is asking, in which language, which format, which error page).
REQUEST_EDGE = {
    "app.actor", "app.api.params", "app.auth", "app.auth.basic", "app.auth.guard", "app.auth.sessions",
    "app.error_pages", "app.errors", "app.i18n", "app.maps.settings", "app.ogc.negotiation", "app.open311.params",
    "app.security",
    "app.plan.schedule",  # a before_request hook: skips static files by the request's endpoint
}

#: Views that still run SQL, each with the reason it has not moved yet. Empty it, do not grow it.
SQL_IN_VIEWS = {
    "app.api": "/healthz: checking that PostGIS answers is the whole of its job",
    "app.patrols.pages": "the KPI page's worker list: the patrol pages are being changed now; move it then",
}


# --- reading the source -------------------------------------------------------


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports, absolute, with the line: ``from a import b`` gives ``a`` and
    ``a.b`` (b may be a module), relative imports resolved, ``import_module("...")`` included."""
    name = module_name(path, root)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            found.append((base, node.lineno))
            found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            found.append((str(node.args[0].value), node.lineno))
    return found


def unit_of(module: str, root: Path) -> str | None:
    """``app.reports.service`` -> ``app.reports``; ``app.audit`` -> ``app.audit``; None outside app's units."""
    parts = module.split(".")
    if parts[0] != "app" or len(parts) < 2:
        return None
    unit = ".".join(parts[:2])
    path = root / "app" / parts[1]
    return unit if path.is_dir() or path.with_suffix(".py").is_file() else None


def unit_graph(root: Path) -> dict[str, dict[str, list[str]]]:
    """unit -> unit it imports -> the places ("app/x/y.py:12") that import it."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted((root / "app").rglob("*.py")):
        source = unit_of(module_name(path, root), root)
        if source is None:
            continue
        for module, line in imported_modules(path, root):
            target = unit_of(module, root)
            place = f"{path.relative_to(root)}:{line}"
            if target is not None and target != source and place not in graph[source][target]:
                graph[source][target].append(place)
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components with more than one unit (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def explain(graph, component: list[str]) -> str:
    return "\n".join(f"  {a} -> {b}: {', '.join(graph[a][b][:3])}"
                     for a in component for b in sorted(graph[a]) if b in component)


def app_modules() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def is_view(tree: ast.Module) -> bool:
    """A module that declares routes: ``@bp.get(...)``, ``@api_bp.route(...)`` and the like."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for deco in node.decorator_list:
                call = deco.func if isinstance(deco, ast.Call) else None
                if isinstance(call, ast.Attribute) and call.attr in ("route", "get", "post", "put", "patch", "delete") \
                        and isinstance(call.value, ast.Name) and call.value.id.endswith("bp"):
                    return True
    return False


def is_service(path: Path) -> bool:
    return path.stem.startswith(("service", "queries"))


def reads_request(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask" and any(a.name == "request" for a in node.names):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "request" and isinstance(node.value, ast.Name) \
                and node.value.id == "flask":
            return True
    return False


#: Calls that run SQL: the session's execute/scalar(s), a text() statement, an .sql file.
SQL_CALLS = {("db.session", "execute"), ("db.session", "scalars"), ("db.session", "scalar"),
             ("", "text"), ("", "sql"), ("", "statements")}


def sql_calls(tree: ast.Module) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            key = ("", func.id)
        elif isinstance(func, ast.Attribute):
            key = (ast.unparse(func.value), func.attr)
        else:
            continue
        if key in SQL_CALLS:
            lines.append(node.lineno)
    return lines


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# --- the rules ----------------------------------------------------------------


def test_units_found():
    graph = unit_graph(ROOT)
    assert {"app.reports", "app.events", "app.addresses", "app.grids", "app.models", "app.auth"} <= set(graph)
    assert "app.models" in graph["app.reports"]


def test_no_cycle_between_app_units():
    graph = unit_graph(ROOT)
    found = cycles(graph)
    assert not found, "import cycles between app units (move the shared part down):\n" + "\n".join(
        explain(graph, c) for c in found)


def test_detector_sees_a_cycle_hidden_in_a_function(tmp_path):
    for name, body in {
        "app/__init__.py": "",
        "app/low/__init__.py": "",
        "app/low/service.py": "def f():\n    from app.high import api\n",
        "app/high/__init__.py": "",
        "app/high/api.py": "from ..low import service\n",
        "app/alone.py": "import app.low.service\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body, encoding="utf-8")
    graph = unit_graph(tmp_path)
    assert cycles(graph) == [["app.high", "app.low"]]
    assert graph["app.low"]["app.high"] == ["app/low/service.py:2"]
    assert "app.alone" not in cycles(graph)[0]


@pytest.mark.parametrize("path", [p for p in app_modules() if is_service(p)],
                         ids=lambda p: str(p.relative_to(APP)))
def test_services_do_not_read_request(path):
    assert not reads_request(parsed(path)), "parse the request in the route and pass the values in"


def test_only_views_and_the_edge_read_request():
    readers = {module_name(p, ROOT) for p in app_modules() if reads_request(tree := parsed(p)) and not is_view(tree)}
    assert readers <= REQUEST_EDGE, sorted(readers - REQUEST_EDGE)


@pytest.mark.parametrize("path", [p for p in app_modules() if is_view(parsed(p))],
                         ids=lambda p: str(p.relative_to(APP)))
def test_views_do_not_run_sql(path):
    name = module_name(path, ROOT)
    lines = sql_calls(parsed(path))
    if name in SQL_IN_VIEWS:
        assert lines, f"{name} runs no SQL any more: take it off SQL_IN_VIEWS"
        return
    assert not lines, f"{path.relative_to(ROOT)} runs SQL at lines {lines}: move it into a service or query"


def test_detectors(tmp_path):
    view = ast.parse("from flask import request\n@api_bp.get('/x')\ndef x():\n    return db.session.execute(text('x'))\n")
    service = ast.parse("import flask\ndef f():\n    return flask.request.args\n")
    plain = ast.parse("from flask import g\ndef f(): return g\n")
    assert is_view(view) and not is_view(service)
    assert reads_request(view) and reads_request(service) and not reads_request(plain)
    assert sql_calls(view) == [4, 4]
    assert is_service(Path("app/x/service.py")) and is_service(Path("app/x/queries.py"))
    assert not is_service(Path("app/x/api.py"))
