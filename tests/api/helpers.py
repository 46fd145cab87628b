"""Checking responses against the OpenAPI document (app/api/openapi.json), for every package's tests.

The ``spec`` fixture (tests/conftest.py) is the parsed document. The OpenAPI 3.0 schemas are turned
into JSON Schema here (``nullable``, ``$ref``), and every documented object is made closed
(``additionalProperties: false``) for the check, so a field the code returns but the document does
not describe fails the test -- the published document itself stays open to additions.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

SPEC_PATH = Path(__file__).resolve().parents[2] / "app" / "api" / "openapi.json"


def load_spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def json_schema(node, spec, *, strict=True):
    """OpenAPI 3.0 schema -> JSON Schema (draft 7), $refs inlined, objects closed when ``strict``."""
    if isinstance(node, list):
        return [json_schema(n, spec, strict=strict) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return json_schema(target, spec, strict=strict)
    out = {}
    for key, value in node.items():
        if key in ("nullable", "example", "discriminator", "readOnly", "writeOnly", "deprecated"):
            continue
        if key in ("properties",):
            out[key] = {k: json_schema(v, spec, strict=strict) for k, v in value.items()}
        elif isinstance(value, (dict, list)):
            out[key] = json_schema(value, spec, strict=strict)
        else:
            out[key] = value
    if strict and out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def check(spec, response, path: str, method: str = "get", schema_name: str | None = None):
    """Validate ``response`` against the document; return its parsed body."""
    jsonschema = pytest.importorskip("jsonschema")
    operation = spec["paths"][path][method]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method.upper()} {path} answered {response.status_code}, not documented"
    if "$ref" in documented:
        documented = json_schema(documented, spec, strict=False)
    media = documented["content"]
    assert response.mimetype in media, f"{response.mimetype} not documented for {response.status_code}"
    body = json.loads(response.get_data(as_text=True))
    schema = media[response.mimetype]["schema"]
    if schema_name:
        schema = {"$ref": f"#/components/schemas/{schema_name}"}
    validator = jsonschema.Draft7Validator(json_schema(schema, spec),
                                           format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return body
