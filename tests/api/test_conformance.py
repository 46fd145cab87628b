"""The plugin that holds every API answer of the suite to openapi.json (tests/api/conformance.py) bites."""
from __future__ import annotations

import json

import pytest

from tests.api.conformance import ConformingClient, problems


class Answer:
    def __init__(self, status: int, body, mimetype: str = "application/json"):
        self.status_code, self.mimetype, self._body = status, mimetype, body

    def get_data(self, as_text=False):
        return json.dumps(self._body)


def test_the_suites_client_is_the_checking_one(app, client):
    assert isinstance(client, ConformingClient)


def test_a_good_answer_passes_and_each_kind_of_breach_is_named(app, client, sample):
    good = client.get("/api/v1/versions").get_json()
    assert problems(app, "/api/v1/versions", "GET", Answer(200, good)) == []
    extra = json.loads(json.dumps(good))
    extra["versions"][0]["surprise"] = 1
    assert "surprise" in problems(app, "/api/v1/versions", "GET", Answer(200, extra))[0]
    assert "does not list" in problems(app, "/api/v1/versions", "GET", Answer(418, {}))[0]
    assert "text/plain" in problems(app, "/api/v1/versions", "GET", Answer(200, good, "text/plain"))[0]
    # Routing answers (no such URL or method) are nobody's operation.
    assert problems(app, "/api/v1/no-such-thing", "GET", Answer(404, {})) == []


def test_a_null_the_enum_does_not_list_is_a_breach(app, client, sample):
    ticket = client.post("/api/v1/reports", json={"category": "0402", "description": "违停", "lon": 113.603,
                                                  "lat": 34.753}).get_json()["ticket"]
    body = client.get(f"/api/v1/reports/{ticket}").get_json()
    assert body["deadline_state"] is None   # what generated clients raised on, and the document now lists
    body["deadline_state"] = "late"
    [found] = problems(app, f"/api/v1/reports/{ticket}", "GET", Answer(200, body))
    assert "deadline_state" in found and "'late' is not one of" in found


def test_the_client_fails_the_request_that_breaks_the_document(app, client, monkeypatch):
    monkeypatch.setattr("tests.api.conformance.problems", lambda *a: ["GET /api/v1/versions: made up"])
    with pytest.raises(AssertionError, match="made up"):
        client.get("/api/v1/versions")
