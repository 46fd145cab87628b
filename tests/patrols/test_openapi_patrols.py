"""The patrol routes answer what app/api/openapi.json says they answer (strict schemas)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.api.helpers import SPEC_PATH, check
from tests.patrols.helpers import DAY, WEST, at, make_worker, store, walk

Q = f"from={DAY}&to={DAY}"


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def data(db, sample):
    w = make_worker("oa-worker", areas=[WEST])
    db.session.commit()
    store(w.id, walk(0, 20) + walk(2000, 1))
    return w


def test_post_fixes(spec, client, data):
    now = datetime.now(timezone.utc)
    lon, lat = at(0)
    batch = {"worker": data.id, "fixes": [
        {"time": (now - timedelta(seconds=20)).isoformat(), "lon": lon, "lat": lat, "accuracy": 5},
        {"time": (now - timedelta(seconds=10)).isoformat(), "lon": lon, "lat": lat, "accuracy": 500, "crs": "gcj02"},
        {"time": "x", "lon": lon, "lat": lat}]}
    body = check(spec, client.post("/api/v1/patrols/fixes", json=batch), "/api/v1/patrols/fixes", "post")
    assert [v["code"] for v in body["verdicts"]] == ["stored", "poor_accuracy", "bad_time"]
    check(spec, client.post("/api/v1/patrols/fixes", json={"fixes": []}), "/api/v1/patrols/fixes", "post")


def test_figure_routes(spec, client, data):
    body = check(spec, client.get(f"/api/v1/patrols/workers?{Q}"), "/api/v1/patrols/workers")
    assert body["workers"][0]["grids"]
    check(spec, client.get(f"/api/v1/patrols/grids?{Q}&level=micro"), "/api/v1/patrols/grids")
    check(spec, client.get(f"/api/v1/patrols/grids?{Q}&format=geojson&zoom=12"), "/api/v1/patrols/grids")
    check(spec, client.get("/api/v1/patrols/grids?level=nope"), "/api/v1/patrols/grids")
    body = check(spec, client.get(f"/api/v1/patrols/density?{Q}&size=25"), "/api/v1/patrols/density")
    assert body["features"]
    check(spec, client.get("/api/v1/patrols/density?bbox=1"), "/api/v1/patrols/density")
    body = check(spec, client.get(f"/api/v1/patrols/track?worker={data.id}&date={DAY}"), "/api/v1/patrols/track")
    assert [f["geometry"]["type"] for f in body["features"]] == ["LineString", "Point"]
    check(spec, client.get("/api/v1/patrols/track?worker=99999"), "/api/v1/patrols/track")
