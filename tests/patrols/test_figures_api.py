"""GET /api/v1/patrols/{workers,grids,density,track}: answers, scope per role, bad parameters."""
from __future__ import annotations

import pytest

from tests.patrols.helpers import DAY, EAST, WEST, make_worker, store, walk

Q = f"from={DAY.isoformat()}&to={DAY.isoformat()}"


@pytest.fixture
def two_workers(db, sample):
    a = make_worker("api-a", areas=[WEST])
    b = make_worker("api-b", areas=["410102002001001"])
    db.session.commit()
    store(a.id, walk(0, 30, from_m=(-200.0, 30.0)))                       # WEST -> EAST
    store(b.id, walk(600, 10, from_m=(-200.0, -2000.0), step_m=(0.0, 10.0)))  # far south-west
    return a, b


def test_workers_ranked_for_an_administrator(client, two_workers):
    a, b = two_workers
    body = client.get(f"/api/v1/patrols/workers?{Q}").get_json()
    assert body["period"] == {"from": DAY.isoformat(), "to": DAY.isoformat(), "days": 1, "working_days": 1,
                              "scheduled_slots": 14, "slot_minutes": 30.0}
    ids = [w["id"] for w in body["workers"]]
    assert {a.id, b.id} <= set(ids) and body["count"] == len(ids)
    top = body["workers"][0]
    assert top["rank"] == 1 and top["id"] == a.id and top["area_seconds"] > 0


def test_a_worker_sees_only_themself(client_as, two_workers, db, app):
    a, b = two_workers
    from app.auth import users

    _, token = users.issue_token(a, "phone")
    db.session.commit()
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    body = c.get(f"/api/v1/patrols/workers?{Q}").get_json()
    assert [w["id"] for w in body["workers"]] == [a.id]
    grids = c.get(f"/api/v1/patrols/grids?{Q}").get_json()["grids"]
    assert [g["code"] for g in grids] == [WEST]
    assert c.get(f"/api/v1/patrols/track?worker={b.id}&date={DAY}").status_code == 404
    own = c.get(f"/api/v1/patrols/track?date={DAY}").get_json()
    assert own["worker"]["id"] == a.id and own["features"]
    dens = c.get(f"/api/v1/patrols/density?{Q}&size=100").get_json()
    assert sum(f["properties"]["fixes"] for f in dens["features"]) == 30   # only A's fixes


def test_grids_as_json_and_geojson(client, two_workers):
    body = client.get(f"/api/v1/patrols/grids?{Q}&level=grid").get_json()
    by_code = {g["code"]: g for g in body["grids"]}
    assert by_code[WEST]["seconds"] > 0 and by_code[EAST]["seconds"] > 0
    assert body["under_patrolled"] == sum(1 for g in body["grids"] if g["under_patrolled"])
    assert body["targets"] == {"seconds": 7200.0, "visited_share": 0.3, "judged_days": 1.0}   # a past day, whole
    resp = client.get(f"/api/v1/patrols/grids?{Q}&format=geojson&zoom=14")
    assert resp.mimetype == "application/geo+json"
    fc = resp.get_json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == len(body["grids"])
    f = next(f for f in fc["features"] if f["id"] == WEST)
    assert f["geometry"]["type"] in ("Polygon", "MultiPolygon") and f["properties"]["under_patrolled"] in (True, False)
    gcj = client.get(f"/api/v1/patrols/grids?{Q}&format=geojson&crs=gcj02").get_json()
    g = next(f for f in gcj["features"] if f["id"] == WEST)

    def first(coords):
        return coords if isinstance(coords[0], (int, float)) else first(coords[0])

    assert 0.003 < abs(first(g["geometry"]["coordinates"])[0] - first(f["geometry"]["coordinates"])[0]) < 0.01


def test_density_bbox_size_and_zoom(client, two_workers):
    full = client.get(f"/api/v1/patrols/density?{Q}&size=50").get_json()
    assert full["size_m"] == 50 and sum(f["properties"]["fixes"] for f in full["features"]) == 40
    west_only = client.get(f"/api/v1/patrols/density?{Q}&size=50&bbox=113.60,34.75,113.61,34.76").get_json()
    assert 0 < sum(f["properties"]["fixes"] for f in west_only["features"]) < 30
    # The cells follow the zoom (about 12 screen pixels): the district at 12-13, streets at 16-17.
    sizes = {z: client.get(f"/api/v1/patrols/density?{Q}&zoom={z}").get_json()["size_m"] for z in (12, 13, 15, 17)}
    assert sizes == {12: 400, 13: 200, 15: 50, 17: 25}
    for bad in ("size=33", "bbox=1,2", "from=2026-13-01", "from=2026-05-12&to=2026-05-01",
                "from=2025-01-01&to=2025-12-31"):
        resp = client.get(f"/api/v1/patrols/density?{bad}")
        assert resp.status_code == 422, bad


def test_track_sessions_with_times(client, two_workers):
    a, _ = two_workers
    body = client.get(f"/api/v1/patrols/track?worker={a.id}&date={DAY}").get_json()
    assert body["date"] == DAY.isoformat() and len(body["features"]) == 1
    line = body["features"][0]
    assert line["geometry"]["type"] == "LineString" and len(line["geometry"]["coordinates"]) == 30
    assert len(line["properties"]["times"]) == 30 and line["properties"]["distance_m"] == pytest.approx(348, abs=1)
    assert client.get(f"/api/v1/patrols/track?worker=999999&date={DAY}").status_code == 404
    assert client.get(f"/api/v1/patrols/track?worker={a.id}&date=2026-05-13").get_json()["features"] == []


@pytest.mark.parametrize("path", ["workers", "grids", "density", "track"])
def test_read_access(path, anon, client_as, two_workers):
    assert anon.get(f"/api/v1/patrols/{path}?{Q}").status_code == 401
    viewer = client_as("viewer")
    resp = viewer.get(f"/api/v1/patrols/{path}?{Q}" + (f"&worker={two_workers[0].id}" if path == "track" else ""))
    assert resp.status_code == 200


def test_dispatcher_with_an_area_sees_its_workers(client_as, two_workers):
    a, b = two_workers
    d = client_as("dispatcher", areas=["410102002"])
    body = d.get(f"/api/v1/patrols/workers?{Q}").get_json()
    assert [w["id"] for w in body["workers"]] == [b.id]
    codes = [g["code"] for g in d.get(f"/api/v1/patrols/grids?{Q}").get_json()["grids"]]
    assert codes and all(c.startswith("410102002") for c in codes)


@pytest.mark.parametrize("query", ["from=9999-12-31&to=9999-12-31", "from=0001-01-01", "date=9999-12-31",
                                   "from=2026-05-12&to=2026-05-12&level=district"])
def test_edge_dates_and_levels_answer_cleanly(client, sample, query):
    for path in ("workers", "grids", "density", "track"):
        resp = client.get(f"/api/v1/patrols/{path}?{query}")
        assert resp.status_code in (200, 422), (path, resp.status_code)
