"""Hostile input on every route of the URL map, as anonymous and as each role: never a 500.

For every rule of ``app.url_map`` and each of its methods, and for each
caller (anonymous, then every role of app.auth.roles: reads through a
signed-in session, writes with the account's API token):

1. a plain request (path arguments filled with real objects of a small
   district: a report, a draft, a user, a token, a patrol session ...) that
   records which query, form and JSON keys the view reads; JSON members
   also come from the route's request body in the OpenAPI document, and are
   put one by one into its example (or a valid body given below);
2. each of those keys again with hostile values: NUL, a lone surrogate, a
   400-digit number, numbers past bigint, ``1e400``, ``nan``, long text; JSON
   members also as the wrong type, Infinity and NaN;
3. whole hostile bodies (100,000-deep arrays and objects, a 400-digit
   number, NUL and surrogate strings, JSON that is not an object), and
   hostile path arguments.

The administrator, who reaches every view, gets every value on every key of
the machine interfaces (/api/, /ogc/, /open311/); pages and the other
callers get the core ones (NUL and a 400-digit number in queries and forms;
NUL, a lone surrogate and a 19-digit number in JSON; the deep bodies).
Every write runs in a savepoint rolled back afterwards, so each request
meets the same data. A 5xx or an exception (TESTING propagates them) is a
failure; the test lists them all, per caller.
"""
from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import has_request_context, request
from werkzeug.datastructures import MultiDict

from app import jsontext
from app.auth.roles import PERMISSIONS
from tests.auth_helpers import sign_in
from tests.conftest import PASSWORD

ROLES = sorted(PERMISSIONS)
CALLERS = ["anonymous", *ROLES]

#: Query and form values, already URL-encoded. A lone surrogate can only arrive as its UTF-8
#: bytes (werkzeug decodes them to U+FFFD); in JSON it arrives as itself.
CORE_VALUES = ["%00", "9" * 400]
MORE_VALUES = ["%ED%A0%80", "99999999999999999999999", "-99999999999999999999999", "1e400", "nan", "x" * 3000]

#: JSON member values (json.dumps writes inf and nan as Infinity and NaN, which Python reads back).
CORE_JSON = ["a\x00b", "\ud800", 10**19 - 1]
MORE_JSON = [-(10**18), [], {}, True, "x" * 5000, 1.5, float("inf"), float("nan")]

#: Whole bodies (raw JSON text).
HOSTILE_BODIES = ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000, "9" * 400,
                  '"\\u0000"', '"\\ud800"', "[]", "null", '"text"', "1e400", '{"\\u0000": 1}', "[" * 100_000]

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
#: Machine interfaces: the administrator's sweep gives them every value. Pages (slow to render:
#: maps, KPI tables) get the core ones; they read their parameters with the same helpers.
INTERFACES = ("/api/", "/ogc/", "/open311/")


# --------------------------------------------------------------------------- which keys a view reads


class _Reads:
    """The query keys, form keys and JSON members the app read during one request."""

    def __init__(self):
        self.active = False
        self.clear()

    def clear(self):
        self.query: set[str] = set()
        self.form: set[str] = set()
        self.json: set[str] = set()


def _recording(reads: _Reads, original):
    def method(self, key, *args, **kwargs):
        if reads.active and isinstance(key, str) and has_request_context():
            cached = vars(request._get_current_object())   # werkzeug keeps args and form here once read
            if self is cached.get("args"):
                reads.query.add(key)
            elif self is cached.get("form"):
                reads.form.add(key)
        return original(self, key, *args, **kwargs)
    return method


class _JSONObject(dict):
    """A parsed JSON object that notes the members a view looks at."""

    reads: _Reads | None = None

    def _note(self, key):
        if _JSONObject.reads is not None and isinstance(key, str):
            _JSONObject.reads.json.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def pop(self, key, *default):
        self._note(key)
        return super().pop(key, *default)


@pytest.fixture
def reads(app, monkeypatch):
    found = _Reads()
    # Query strings, forms and files are MultiDicts (app.api.params.CheckedArgs too).
    for name in ("__getitem__", "getlist", "__contains__"):
        monkeypatch.setattr(MultiDict, name, _recording(found, getattr(MultiDict, name)))
    monkeypatch.setattr(_JSONObject, "reads", found)
    monkeypatch.setattr(app.json, "loads", lambda s, **kw: jsontext.loads(s, object_pairs_hook=_JSONObject, **kw))
    return found


def _documented_bodies() -> tuple[dict, dict]:
    """From the OpenAPI document, by ``(METHOD, flask rule)``: the top-level members of each JSON
    request body (views that normalise their body first, like the report intake, read none by
    name), and its example, the valid body each hostile member is put into."""
    doc = json.loads((Path(__file__).resolve().parents[2] / "app/api/openapi.json").read_text(encoding="utf-8"))

    def properties(schema: dict, depth: int = 0) -> set[str]:
        if depth > 5:
            return set()
        if "$ref" in schema:
            schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        found = set(schema.get("properties", {}))
        for key in ("allOf", "oneOf", "anyOf"):
            for part in schema.get(key, []):
                found |= properties(part, depth + 1)
        return found

    members, examples = {}, {}
    for path, operations in doc["paths"].items():
        rule = re.sub(r"\{(\w+)\}", r"<\1>", path)
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            schema = content.get("schema", {})
            members[(method.upper(), rule)] = properties(schema)
            ref = schema.get("$ref", "").rsplit("/", 1)[-1]
            example = content.get("example") or doc["components"]["schemas"].get(ref, {}).get("example")
            if isinstance(example, dict):
                examples[(method.upper(), rule)] = example
    return members, examples


DOCUMENT_MEMBERS, DOCUMENT_EXAMPLES = _documented_bodies()
#: Valid bodies for the sweep's district where the document has no example.
BODIES = {
    ("POST", "/api/v1/users"): {"username": "sweep-new", "password": "correct-horse-battery", "role": "viewer"},
    ("PATCH", "/api/v1/users/<user_id>"): {"display_name": "新名字", "row_version": 1},
    ("POST", "/api/v1/users/<user_id>/tokens"): {"name": "sweep"},
    ("POST", "/api/v1/drafts"): {"note": "sweep", "effective_date": "2030-01-01"},
    ("PATCH", "/api/v1/drafts/<draft_id>"): {"note": "sweep", "row_version": 1},
    ("POST", "/api/v1/reports/<ticket>/transitions"): {"action": "accept", "expected_state": "reported", "note": "n"},
    ("POST", "/api/v1/drafts/<draft_id>/merge"): {"codes": ["41010200100100101", "41010200100100102"],
                                                  "row_version": 1},
    ("POST", "/api/v1/drafts/<draft_id>/split"): {"code": "41010200100100101", "row_version": 1,
                                                  "line": {"type": "LineString",
                                                           "coordinates": [[113.6, 34.7575], [113.61, 34.7575]]}},
}


# --------------------------------------------------------------------------- the district and the callers


@pytest.fixture
def world(app, db, sample, client_as, monkeypatch):
    """Callers of every role, and one of each object a URL can name."""
    from sqlalchemy import text

    from app.extensions import limiter

    # Anonymous callers are rate limited; the sweep would see little but 429s.
    monkeypatch.setattr(limiter, "enabled", False)
    callers = {"anonymous": (app.test_client(),) * 2}
    for role in ROLES:
        token = client_as(role, areas=["410102001001001"] if role in ("worker", "dispatcher") else ())
        # Reads go through a signed-in browser session: one query to load the user, where a
        # token takes three (lookup, user, last-used stamp); writes through the token (no CSRF).
        browser = app.test_client()
        assert sign_in(browser, token.user.username, PASSWORD).status_code == 302
        callers[role] = (browser, token)
    admin, worker = callers["admin"][1], callers["worker"][1]
    report = admin.post("/api/v1/reports", json={"category": "0402", "description": "违停 13812345678",
                                                  "lon": 113.607, "lat": 34.758})
    assert report.status_code == 201, report.get_json()
    draft = admin.post("/api/v1/drafts", json={"note": "hostile sweep", "effective_date": "2030-01-01"})
    assert draft.status_code == 201, draft.get_json()
    session = worker.post("/api/v1/patrols/sessions", json={})
    assert session.status_code == 201, session.get_json()
    target = client_as("viewer", username="sweep-target")
    token_id = db.session.execute(text("SELECT id FROM api_token WHERE user_id = :u"), {"u": target.user.id}).scalar()
    version_id = db.session.execute(text("SELECT id FROM boundary_version WHERE status = 'published'")).scalar()
    path_values = {
        "ticket": report.get_json()["ticket"], "draft_id": draft.get_json()["id"], "user_id": target.user.id,
        "token_id": token_id, "version_id": version_id, "session_id": session.get_json()["id"],
        "code": "0402", "collection_id": "grids-micro", "feature_id": "41010200100100101", "fmt": "json",
        "unknown": "nothing-here", "filename": "js/gridmap-maps.js",
    }
    # Endpoints whose <code> is a grid, not a category.
    by_endpoint = {("grids_api.get_grid", "code"): "410102001001001"}
    return callers, path_values, by_endpoint


@pytest.fixture
def isolated(db):
    """``isolated(method)``: a request with its own session, and for writes a savepoint rolled back
    afterwards (tests/api/test_schemathesis.py does the same), so each request meets the same data.

    Requests made inside the test's app context share its session and never tear it down, so the
    session is closed around each request (what a real request's teardown does); for a read that
    is enough: closing it rolls back the session's own savepoint (tests/conftest.py).
    """
    connection = db.session.get_bind()

    @contextmanager
    def run(method: str):
        db.session.remove()
        savepoint = connection.begin_nested() if method in WRITES else None
        try:
            yield
        finally:
            db.session.remove()
            if savepoint is not None:
                savepoint.rollback()

    return run


# --------------------------------------------------------------------------- the sweep

_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _path(rule, values: dict, by_endpoint: dict, hostile: tuple[str, str] | None = None) -> str:
    def fill(m):
        name = m.group(2)
        if hostile and hostile[0] == name:
            return hostile[1]
        value = by_endpoint.get((rule.endpoint, name), values.get(name, "x"))
        return quote(str(value), safe="/")
    return _ARG.sub(fill, rule.rule)


def _path_hostiles(rule) -> list[tuple[str, str]]:
    out = []
    for name, converter in rule._converters.items():
        if type(converter).__name__ == "IntegerConverter":
            out += [(name, "99999999999999999999999"), (name, "0")]
        else:
            out += [(name, v) for v in ("%00", "%ED%A0%80", "9" * 400)]
    return out


class Sweep:
    def __init__(self, app, caller: str, clients, reads: _Reads, isolated, world):
        self.app, self.caller, self.reads, self.isolated = app, caller, reads, isolated
        self.reader, self.writer = clients
        _callers, self.values, self.by_endpoint = world
        self.failures: list[str] = []
        self.requests = 0

    def send(self, method: str, url: str, label: str, **kwargs) -> int | None:
        self.requests += 1
        with self.isolated(method):
            try:
                client = self.writer if method in WRITES else self.reader
                response = client.open(url, method=method, **kwargs)
            except Exception as exc:  # TESTING: the app's unhandled exceptions reach the client
                self.failures.append(f"{self.caller} {method} {url[:120]} [{label}]: {type(exc).__name__}: "
                                     f"{str(exc)[:160]}")
                return None
        if response.status_code >= 500:
            self.failures.append(f"{self.caller} {method} {url[:120]} [{label}]: {response.status_code} "
                                 f"{response.get_data(as_text=True)[:160]}")
        return response.status_code

    def route(self, rule, method: str, thorough: bool) -> None:
        url = _path(rule, self.values, self.by_endpoint)
        writes = method in WRITES
        self.reads.clear()
        self.reads.active = True
        try:
            status = self.send(method, url, "plain", json={} if writes else None)
            if writes:
                self.send(method, url, "empty form", data={"": ""})
        finally:
            self.reads.active = False
        thorough = thorough and rule.rule.startswith(INTERFACES)
        reached = status not in (None, 302, 401, 403, 404, 405)
        values = CORE_VALUES + (MORE_VALUES if thorough else [])
        for key in sorted(self.reads.query) if reached else sorted(self.reads.query & {"lang", "f"}):
            for value in values:
                self.send(method, f"{url}?{quote(key)}={value}", f"query {key}")
        for key in sorted(self.reads.form) if reached else []:
            for value in values:
                self.send(method, url, f"form {key}", data=f"{quote(key)}={value}",
                          content_type="application/x-www-form-urlencoded")
        if writes:
            for body in HOSTILE_BODIES if (thorough or self.caller == "anonymous") else HOSTILE_BODIES[:3]:
                self.send(method, url, f"body {body[:12]}", data=body, content_type="application/json")
            # Flask rules spell converters (<int:draft_id>), the document does not.
            route = (method, _ARG.sub(r"<\2>", rule.rule))
            base = BODIES.get(route) or DOCUMENT_EXAMPLES.get(route) or {}
            for key in sorted(self.reads.json | DOCUMENT_MEMBERS.get(route, set())) if reached else []:
                for value in CORE_JSON + (MORE_JSON if thorough else []):
                    self.send(method, url, f"json {key}={str(value)[:12]}", data=json.dumps({**base, key: value}),
                              content_type="application/json")
        for name, value in _path_hostiles(rule) if (thorough or self.caller == "anonymous") else []:
            self.send(method, _path(rule, self.values, self.by_endpoint, (name, value)), f"path {name}")


def _rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_no_route_answers_500_to_hostile_input(app, world, reads, isolated):
    # One test for every caller: the district and the accounts are built once.
    report, failures = [], []
    for caller in CALLERS:
        sweep = Sweep(app, caller, world[0][caller], reads, isolated, world)
        started = time.monotonic()
        routes = 0
        for rule, method in _rules(app):
            sweep.route(rule, method, thorough=caller == "admin")
            routes += 1
        assert routes > 90  # the whole URL map, not a part of it
        failures += sweep.failures
        report.append(f"{caller}: {routes} routes, {sweep.requests} requests, {len(sweep.failures)} failed, "
                      f"{time.monotonic() - started:.1f} s")
    print("\n" + "\n".join(report))
    assert not failures, "\n".join(report + failures[:80])
