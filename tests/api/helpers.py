"""Checking responses against the OpenAPI document (app/api/openapi.json), for every package's tests.

The ``spec`` fixture (tests/conftest.py) is the parsed document. The OpenAPI 3.0 schemas are turned
into JSON Schema by tests.api.conformance, every documented object closed (``additionalProperties:
false``) for the check, so a field the code returns but the document does not describe fails the
test -- the published document itself stays open to additions.
"""
from __future__ import annotations

import json

import pytest

# One conversion of the document's schemas: the conformance plugin's, which holds every API answer
# of the suite to the document (a nullable enum must list null itself, as generated clients need).
from tests.api.conformance import SPEC_PATH, json_schema


def load_spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


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
