"""Every API response the test suite sees is held to app/api/openapi.json.

The document is written by hand (a generated one would mean rewriting every
route for flask-smorest); what keeps it true is this plugin. Registered for
the whole suite by ``pytest_plugins`` in tests/conftest.py, it gives the app a
test client whose every answer under ``/api/v1/`` is checked against the
schema the document gives for its path, method, status and media type, with
every documented object closed (``additionalProperties: false``): a field the
code returns but the document lacks, a ``null`` an enum does not list (what
made generated clients raise), a status the document does not name -- each
fails the test that made the request, at that request.

The OpenAPI 3.0 schema is turned into JSON Schema the way generated clients
read it: ``nullable`` lets a value be ``null``, but an ``enum`` must list
``null`` itself (the OpenAPI 3.0.3 clarification).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException

SPEC_PATH = Path(__file__).resolve().parents[2] / "app" / "api" / "openapi.json"

#: Answers no route gives, so the document cannot name them: the URL or method matched nothing.
ROUTING = {404, 405}


@lru_cache(maxsize=1)
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def json_schema(node, document: dict, *, strict: bool = True):
    """OpenAPI 3.0 schema -> JSON Schema (draft 7), $refs inlined, objects closed when ``strict``."""
    if isinstance(node, list):
        return [json_schema(n, document, strict=strict) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return json_schema(target, document, strict=strict)
    if strict and node.get("allOf") and node.get("type", "object") == "object":
        # Closed parts of an allOf would each refuse the others' fields: check the union, closed once.
        return json_schema(_merged(node, document), document, strict=strict)
    out = {}
    for key, value in node.items():
        if key in ("nullable", "example", "discriminator", "readOnly", "writeOnly", "deprecated"):
            continue
        if key == "properties":
            out[key] = {k: json_schema(v, document, strict=strict) for k, v in value.items()}
        elif isinstance(value, (dict, list)):
            out[key] = json_schema(value, document, strict=strict)
        else:
            out[key] = value
    if strict and out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if node.get("nullable"):
        # No null added to an enum: the document has to list it, or generated clients raise on it.
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def _merged(node: dict, document: dict) -> dict:
    merged = {k: v for k, v in node.items() if k != "allOf"}
    properties, required = dict(node.get("properties", {})), list(node.get("required", []))
    for part in node["allOf"]:
        while "$ref" in part:
            target = document
            for step in part["$ref"].lstrip("#/").split("/"):
                target = target[step]
            part = target
        if part.get("allOf"):
            part = _merged(part, document)
        properties = {**part.get("properties", {}), **properties}
        required += [r for r in part.get("required", []) if r not in required]
    merged.update(type="object", properties=properties)
    if required:
        merged["required"] = required
    return merged


@lru_cache(maxsize=None)
def _validator(path: str, method: str, status: str, mimetype: str):
    import jsonschema

    document = spec()
    response = document["paths"][path][method]["responses"][status]
    if "$ref" in response:
        response = json_schema(response, document, strict=False)
    schema = response["content"][mimetype]["schema"]
    return jsonschema.Draft7Validator(json_schema(schema, document),
                                      format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def _template(app, environ_path: str, method: str) -> str | None:
    """The documented path template of a request (``/api/v1/grids/{code}``), or None."""
    adapter = app.url_map.bind("localhost")
    try:
        rule, _ = adapter.match(environ_path, method=method, return_rule=True)
    except HTTPException:
        return None
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def problems(app, path: str, method: str, response) -> list[str]:
    """What is wrong with ``response`` to ``method path`` by the document (empty: nothing)."""
    if not path.startswith("/api/v1/") or response.status_code in ROUTING or response.status_code >= 500:
        return []
    template = _template(app, path, method.upper())
    operation = spec()["paths"].get(template or "", {}).get(method.lower())
    if operation is None:
        return [f"{method} {template or path} is not in openapi.json"]
    status = str(response.status_code)
    documented = operation["responses"].get(status)
    if documented is None:
        return [f"{method} {template} answered {status}, which openapi.json does not list"]
    if "$ref" in documented:
        documented = json_schema(documented, spec(), strict=False)
    media = documented.get("content")
    if not media:
        return []
    mimetype = response.mimetype
    if mimetype not in media:
        return [f"{method} {template} {status} answered {mimetype}, not documented ({', '.join(media)})"]
    if "json" not in mimetype:
        return []
    try:
        body = json.loads(response.get_data(as_text=True))
    except ValueError:
        return [f"{method} {template} {status}: the body is not JSON"]
    validator = _validator(template, method.lower(), status, mimetype)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"{method} {template} {status} {list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5]]


class ConformingClient(FlaskClient):
    """A test client that fails the request whose answer breaks the document."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        request = response.request
        if request.method in ("HEAD", "OPTIONS"):
            return response
        found = problems(self.application, request.path, request.method, response)
        assert not found, "the answer breaks app/api/openapi.json:\n" + "\n".join(found)
        return response


MARKER = "answers_outside_the_document"


def pytest_configure(config):
    config.addinivalue_line("markers", f"{MARKER}(reason): the test makes the API answer what no real use can "
                                       "(a made-up job's result), so its answers are not held to the document")


@pytest.fixture(autouse=True)
def _responses_keep_to_the_document(request):
    """Every test client of the app checks its API answers against the document."""
    if "app" in request.fixturenames:
        exempt = request.node.get_closest_marker(MARKER) is not None
        request.getfixturevalue("app").test_client_class = FlaskClient if exempt else ConformingClient
    yield
