"""The closed-loop endpoints answer exactly what app/api/openapi.json documents (strict: no extra fields)."""
from __future__ import annotations

import json

import pytest

from tests.api.helpers import SPEC_PATH, check
from tests.events.helpers import act


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


T = "/api/v1/reports/{ticket}/transitions"


def test_transitions_history_and_assignees_match_the_document(spec, people, anon, clock):
    body = check(spec, anon.post("/api/v1/reports", json={"category": "0402", "description": "违停",
                                                           "lon": 113.607, "lat": 34.758}),
                 "/api/v1/reports", "post")
    ticket = body["ticket"]
    dup = check(spec, anon.post("/api/v1/reports", json={"category": "0402", "description": "违停",
                                                          "lon": 113.607, "lat": 34.7581}),
                "/api/v1/reports", "post")
    assert dup["possible_duplicates"][0]["ticket"] == ticket
    check(spec, act(people.dispatcher, ticket, "accept", "reported"), T, "post")
    people.worker  # noqa: B018 - the account exists
    assignees = check(spec, people.dispatcher.get(f"/api/v1/reports/{ticket}/assignees"),
                      "/api/v1/reports/{ticket}/assignees")
    body = check(spec, act(people.dispatcher, ticket, "dispatch", "accepted", assignee=assignees["assignees"][0]["id"]),
                 T, "post")
    assert body["report"]["assignee"] is not None and body["report"]["deadline_state"] == "on_time"
    check(spec, act(people.worker, ticket, "suspend", "dispatched", note="x"), T, "post")  # 403: role
    check(spec, act(people.dispatcher, ticket, "accept", "reported"), T, "post")  # 409: stale
    check(spec, act(people.dispatcher, ticket, "close", "dispatched"), T, "post")  # 409: illegal
    check(spec, act(people.dispatcher, ticket, "extend", "dispatched"), T, "post")  # 422: note
    check(spec, act(people.dispatcher, "GM0", "accept", "reported"), T, "post")  # 404
    check(spec, act(people.viewer, ticket, "accept", "reported"), T, "post")  # 403: permission
    check(spec, act(anon, ticket, "accept", "reported"), T, "post")  # 401
    check(spec, act(people.dispatcher, ticket, "merge", "dispatched", duplicate_of=dup["ticket"]), T, "post")
    history = check(spec, people.dispatcher.get(f"/api/v1/reports/{ticket}/history"),
                    "/api/v1/reports/{ticket}/history")
    assert len(history["history"]) == 3
    check(spec, people.dispatcher.get(f"/api/v1/reports/{ticket}"), "/api/v1/reports/{ticket}")
    listed = check(spec, people.worker.get("/api/v1/reports?assignee=me&sort=deadline"), "/api/v1/reports")
    assert listed["reports"][0]["allowed_actions"] == ["start", "handle", "return", "escalate"]
    check(spec, people.dispatcher.get("/api/v1/reports?format=geojson&deadline_state=on_time&level=grid"),
          "/api/v1/reports")
    check(spec, people.dispatcher.get("/api/v1/reports?sort=oldest"), "/api/v1/reports")


def test_category_endpoints_match_the_document(spec, people, anon):
    body = check(spec, anon.get("/api/v1/categories"), "/api/v1/categories")
    assert len(body["categories"]) >= 23
    path = "/api/v1/categories/{code}"
    body = check(spec, people.admin.patch("/api/v1/categories/0402", json={"time_limit": 3, "row_version": 1}),
                 path, "patch")
    assert body["row_version"] == 2
    check(spec, people.admin.patch("/api/v1/categories/0402", json={"time_limit": 3, "row_version": 1}), path, "patch")
    check(spec, people.admin.patch("/api/v1/categories/0402", json={"time_unit": "weeks"}), path, "patch")
    check(spec, people.admin.patch("/api/v1/categories/0000", json={}), path, "patch")
    check(spec, people.dispatcher.patch("/api/v1/categories/0402", json={}), path, "patch")


def test_new_statuses_are_listed(spec, anon):
    body = check(spec, anon.get("/api/v1/statuses"), "/api/v1/statuses")
    codes = [s["code"] for s in body["statuses"]]
    assert codes[-2:] == ["returned", "suspended"]
    assert all(s["open"] for s in body["statuses"] if s["code"] in ("returned", "suspended"))
