"""GET /api/v1/figures/events answers what app/api/openapi.json says (strict schemas)."""
from __future__ import annotations

import json

import pytest

from tests.api.helpers import SPEC_PATH, check
from tests.figures import helpers as d
from tests.figures.helpers import NOW, PERIOD

PATH = "/api/v1/figures/events"


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def events(db, sample, monkeypatch):
    from app.events import deadlines

    monkeypatch.setattr(deadlines, "now", lambda: NOW)
    return d.build(db)


def test_documented_with_its_permission(spec):
    op = spec["paths"][PATH]["get"]
    assert op["x-permission"] == "reports:read"
    assert op["security"] == [{"bearerToken": []}, {"sessionCookie": []}]
    assert {p.get("name") for p in op["parameters"]} >= {"by", "from", "to", "category", "subdistrict", "format"}
    assert "text/csv" in op["responses"]["200"]["content"]


@pytest.mark.parametrize("by", ["subdistrict", "community", "grid", "worker"])
def test_responses_match_the_schema(spec, client, events, by):
    body = check(spec, client.get(f"{PATH}?{PERIOD}&by={by}"), PATH)
    assert body["units"] and body["total"]["reported"] == 13


def test_csv_and_errors_are_documented(spec, client, events):
    resp = client.get(f"{PATH}?{PERIOD}&format=csv")
    assert resp.status_code == 200 and resp.mimetype in spec["paths"][PATH]["get"]["responses"]["200"]["content"]
    check(spec, client.get(f"{PATH}?by=block"), PATH)
    check(spec, client.get(f"{PATH}?from=2026-11-09&to=2026-11-01"), PATH)
