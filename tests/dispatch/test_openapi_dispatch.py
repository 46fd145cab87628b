"""The feed and placement endpoints answer exactly what app/api/openapi.json documents (strict)."""
from __future__ import annotations

import json

import pytest

from tests.api.helpers import SPEC_PATH, check
from tests.dispatch.conftest import unplaced
from tests.events.helpers import IN_GRID, act, ok, report

FEED = "/api/v1/reports/changes"
PLACE = "/api/v1/reports/{ticket}/placement"


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def test_the_feed_matches_the_document(spec, anon, people):
    ticket = report(anon, reporter_name="李四", reporter_phone="13900001111")["ticket"]
    first = check(spec, people.viewer.get(FEED + "?status=open&sort=deadline"), FEED)
    assert [f["id"] for f in first["features"]] == [ticket]
    ok(act(people.dispatcher, ticket, "accept", "reported"))
    later = check(spec, people.dispatcher.get(FEED, query_string={"since": first["cursor"], "status": "reported"}),
                  FEED)
    assert later["unmatched"] == [ticket]
    check(spec, people.viewer.get(FEED + "?since=soon"), FEED)
    check(spec, people.viewer.get(FEED + "?limit=0"), FEED)
    check(spec, anon.get(FEED), FEED)


def test_placement_matches_the_document(spec, anon, people):
    waiting = unplaced(anon)
    url = f"/api/v1/reports/{waiting['ticket']}/placement"
    check(spec, people.dispatcher.post(url, json={"lon": 113.6, "lat": 99}), PLACE, "post")
    check(spec, people.dispatcher.post(url, json={"lon": IN_GRID[0], "lat": IN_GRID[1], "row_version": 9}),
          PLACE, "post")
    check(spec, people.viewer.post(url, json={"lon": IN_GRID[0], "lat": IN_GRID[1]}), PLACE, "post")
    check(spec, people.worker.post(url, json={"lon": IN_GRID[0], "lat": IN_GRID[1]}), PLACE, "post")
    body = check(spec, people.dispatcher.post(url, json={"lon": IN_GRID[0], "lat": IN_GRID[1], "crs": "wgs84",
                                                         "row_version": 1, "note": "现场核实"}), PLACE, "post")
    assert body["transition"]["action"] == "place"
    check(spec, people.dispatcher.post(url, json={"lon": IN_GRID[0], "lat": IN_GRID[1]}), PLACE, "post")
    history = check(spec, people.dispatcher.get(f"/api/v1/reports/{waiting['ticket']}/history"),
                    "/api/v1/reports/{ticket}/history")
    assert history["history"][-1]["action"] == "place"
