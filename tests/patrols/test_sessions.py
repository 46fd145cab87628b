"""Patrol sessions: a worker starts and stops one; the list mixes them with sessions derived from gaps.

Through HTTP (/api/v1/patrols/sessions ...) and the parts (app.patrols.sessions).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.models import AuditEntry, PatrolSession
from tests.patrols.helpers import DAY, T0, WEST, make_worker, store, walk

Q = f"from={DAY}&to={DAY}"


def _token_client(app, db, user):
    from app.auth import users

    _, token = users.issue_token(user, "phone")
    db.session.commit()
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    c.user = user
    return c


# ----------------------------------------------------------------------------- start and stop

def test_a_worker_starts_and_stops_a_session(client_as, db, sample):
    w = client_as("worker", areas=[WEST])
    resp = w.post("/api/v1/patrols/sessions")
    assert resp.status_code == 201
    started = resp.get_json()
    assert started["source"] == "explicit" and started["open"] is True and started["end"] is None
    assert started["worker"]["id"] == w.user.id and started["id"].isdigit()
    assert started["track"] == f"/api/v1/patrols/sessions/{started['id']}/track"

    again = w.post("/api/v1/patrols/sessions", json={})
    assert again.status_code == 409
    err = again.get_json()["error"]
    assert err["code"] == "session_open" and started["id"] in err["message"]
    assert err["details"]["session"]["id"] == started["id"]

    stopped = w.post(f"/api/v1/patrols/sessions/{started['id']}/stop")
    assert stopped.status_code == 200
    body = stopped.get_json()
    assert body["open"] is False and body["end"] is not None and body["duration_s"] >= 0
    twice = w.post(f"/api/v1/patrols/sessions/{started['id']}/stop")
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "session_stopped"
    assert twice.get_json()["error"]["details"]["session"]["end"] == body["end"]

    # Stopped: a new one may start.
    assert w.post("/api/v1/patrols/sessions").status_code == 201
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "patrol",
                                                                 AuditEntry.entity_id == str(w.user.id))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["patrol.session_start", "patrol.session_stop", "patrol.session_start"]


def test_only_the_worker_or_an_administrator_stops_it(client_as, client, db, sample):
    a = client_as("worker", areas=[WEST])
    b = client_as("worker", areas=[WEST])
    sid = a.post("/api/v1/patrols/sessions").get_json()["id"]
    assert b.post(f"/api/v1/patrols/sessions/{sid}/stop").status_code == 404
    assert client_as("dispatcher").post(f"/api/v1/patrols/sessions/{sid}/stop").status_code == 403
    assert client.post(f"/api/v1/patrols/sessions/{sid}/stop").status_code == 200     # an administrator
    assert client.post("/api/v1/patrols/sessions/99999/stop").status_code == 404


def test_administrator_starts_for_a_named_worker_only(client, client_as, db, sample):
    w = client_as("worker", areas=[WEST])
    resp = client.post("/api/v1/patrols/sessions")   # an administrator is no grid worker
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "worker"
    resp = client.post("/api/v1/patrols/sessions", json={"worker": w.user.username})
    assert resp.status_code == 201 and resp.get_json()["worker"]["id"] == w.user.id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "patrol.session_start")).one()
    assert entry.actor == "test-admin" and entry.entity_id == str(w.user.id)
    # A worker cannot act for another.
    other = client_as("worker", areas=[WEST])
    assert other.post("/api/v1/patrols/sessions", json={"worker": w.user.id}).status_code == 403


@pytest.mark.parametrize("role", ["dispatcher", "viewer", "planner"])
def test_roles_without_patrol_write_cannot_start(client_as, sample, role):
    assert client_as(role).post("/api/v1/patrols/sessions").status_code == 403


def test_anonymous_is_refused(anon, sample):
    assert anon.post("/api/v1/patrols/sessions").status_code == 401
    assert anon.get("/api/v1/patrols/sessions").status_code == 401
    assert anon.get("/api/v1/patrols/sessions/1/track").status_code == 401


def test_bad_body_is_refused(client_as, sample):
    w = client_as("worker", areas=[WEST])
    resp = w.post("/api/v1/patrols/sessions", data="not json", content_type="application/json")
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "body"


def test_one_open_session_per_worker_in_the_database(db, sample):
    w = make_worker("one-open")
    db.session.commit()
    db.session.add(PatrolSession(district_code="410102", worker_id=w.id, started_at=T0))
    db.session.flush()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(PatrolSession(district_code="410102", worker_id=w.id, started_at=T0 + timedelta(hours=1)))
            db.session.flush()


# ----------------------------------------------------------------------------- the list

@pytest.fixture
def day_of_patrols(db, sample):
    """One worker's day: a 30-fix walk from 09:00, an explicit session 10:00-10:10 with 20 fixes, and a
    continuous walk 11:00-11:10 cut by an explicit session 11:04-11:05."""
    w = make_worker("sess-a", areas=[WEST])
    other = make_worker("sess-b", areas=["410102002001001"])
    db.session.commit()
    store(w.id, walk(0, 30, from_m=(-200.0, 30.0)))                                    # 09:00:00-09:04:50
    store(w.id, walk(3600, 20, from_m=(-200.0, 60.0)))                                 # 10:00:00-10:03:10
    store(w.id, walk(7200, 61, from_m=(-300.0, 90.0), step_m=(5.0, 0.0)))              # 11:00:00-11:10:00
    store(other.id, walk(600, 5, from_m=(-200.0, -2000.0)))
    explicit = [PatrolSession(district_code="410102", worker_id=w.id, started_at=T0 + timedelta(hours=1),
                              stopped_at=T0 + timedelta(hours=1, minutes=10)),
                PatrolSession(district_code="410102", worker_id=w.id,
                              started_at=T0 + timedelta(hours=2, minutes=4, seconds=1),
                              stopped_at=T0 + timedelta(hours=2, minutes=5, seconds=1))]
    db.session.add_all(explicit)
    db.session.commit()
    return w, other, explicit


def test_list_mixes_explicit_and_derived_sessions(client, day_of_patrols):
    w, _, explicit = day_of_patrols
    body = client.get(f"/api/v1/patrols/sessions?worker={w.id}&{Q}").get_json()
    got = [(s["source"], s["start"][11:19], s["end"][11:19], s["fixes"]) for s in body["sessions"]]
    assert got == [
        ("derived", "09:00:00", "09:04:50", 30),
        ("explicit", "10:00:00", "10:10:00", 20),
        ("derived", "11:00:00", "11:04:00", 25),     # the explicit session 11:04:01-11:05:01 cuts the walk
        ("explicit", "11:04:01", "11:05:01", 6),
        ("derived", "11:05:10", "11:10:00", 30),
    ]
    assert sum(s["fixes"] for s in body["sessions"]) == 30 + 20 + 61   # every fix in exactly one session
    first = body["sessions"][0]
    assert first["id"].startswith(f"d{w.id}-") and first["open"] is False
    assert first["duration_s"] == 290.0 and first["distance_m"] == pytest.approx(29 * 12, abs=1)
    assert body["sessions"][1]["id"] == str(explicit[0].id)
    assert body["sessions"][1]["duration_s"] == 600.0
    assert body["sessions"][1]["distance_m"] == pytest.approx(19 * 12, abs=1)
    assert body["count"] == 5 and body["truncated"] is False and body["period"]["from"] == DAY.isoformat()
    # limit
    short = client.get(f"/api/v1/patrols/sessions?worker={w.id}&{Q}&limit=2").get_json()
    assert short["count"] == 2 and short["truncated"] is True


def test_sessions_derive_like_split_sessions(db, day_of_patrols):
    """Without explicit sessions, the SQL derivation gives what geo.patrol.split_sessions gives."""
    from app.patrols import sessions
    from app.patrols.period import period_of
    from geo.patrol import Fix, split_sessions

    w, _, _ = day_of_patrols
    db.session.execute(text("DELETE FROM patrol_session"))
    rows = db.session.execute(text("SELECT time, ST_X(geom) AS x, ST_Y(geom) AS y FROM patrol_fix "
                                   "WHERE worker_id = :w ORDER BY time"), {"w": w.id}).all()
    reference = split_sessions([Fix(w.id, r.time, r.x, r.y) for r in rows])
    listed, _ = sessions.list_sessions(period_of(DAY), [w.id], limit=100)
    assert [(s["fixes"], s["distance_m"]) for s in listed] == [(r.fix_count, round(r.distance_m, 1))
                                                               for r in reference]


def test_tracks(client, day_of_patrols):
    w, _, explicit = day_of_patrols
    listed = client.get(f"/api/v1/patrols/sessions?worker={w.id}&{Q}").get_json()["sessions"]
    derived = listed[0]
    resp = client.get(derived["track"])
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    fc = resp.get_json()
    feature = fc["features"][0]
    assert feature["geometry"]["type"] == "LineString" and len(feature["geometry"]["coordinates"]) == 30
    assert len(feature["properties"]["times"]) == 30 and feature["properties"]["id"] == derived["id"]
    assert feature["properties"]["distance_m"] == derived["distance_m"] and fc["truncated"] is False
    one = client.get(f"/api/v1/patrols/sessions/{explicit[1].id}/track").get_json()["features"][0]
    assert one["properties"]["source"] == "explicit" and len(one["geometry"]["coordinates"]) == 6
    gcj = client.get(f"{derived['track']}?crs=gcj02").get_json()["features"][0]
    assert 0.003 < abs(gcj["geometry"]["coordinates"][0][0] - feature["geometry"]["coordinates"][0][0]) < 0.01
    for bad in ("99999", "nothing", f"d{w.id}-1-2", f"d{w.id}-{derived['id'].split('-')[1]}-1", "d99999999-1-2"):
        assert client.get(f"/api/v1/patrols/sessions/{bad}/track").status_code == 404, bad


def test_an_open_session_without_fixes_has_an_empty_track(client_as, client, sample):
    w = client_as("worker", areas=[WEST])
    sid = w.post("/api/v1/patrols/sessions").get_json()["id"]
    fc = w.get(f"/api/v1/patrols/sessions/{sid}/track").get_json()
    assert fc["features"][0]["geometry"] is None and fc["features"][0]["properties"]["open"] is True
    listed = w.get("/api/v1/patrols/sessions").get_json()["sessions"]   # default period: today
    assert [s["id"] for s in listed] == [sid]


def test_worker_and_dispatcher_scope(app, db, client_as, day_of_patrols):
    w, other, explicit = day_of_patrols
    mine = _token_client(app, db, w)
    body = mine.get(f"/api/v1/patrols/sessions?{Q}").get_json()
    assert {s["worker"]["id"] for s in body["sessions"]} == {w.id}
    assert mine.get(f"/api/v1/patrols/sessions?worker={other.id}&{Q}").status_code == 404
    theirs = _token_client(app, db, other)
    assert theirs.get(f"/api/v1/patrols/sessions/{explicit[0].id}/track").status_code == 404
    derived = body["sessions"][0]["id"]
    assert theirs.get(f"/api/v1/patrols/sessions/{derived}/track").status_code == 404
    assert mine.get(f"/api/v1/patrols/sessions/{derived}/track").status_code == 200

    d = client_as("dispatcher", areas=["410102002"])
    seen = d.get(f"/api/v1/patrols/sessions?{Q}").get_json()["sessions"]
    assert {s["worker"]["id"] for s in seen} == {other.id}
    assert d.get(f"/api/v1/patrols/sessions/{explicit[0].id}/track").status_code == 404
    viewer = client_as("viewer")
    everyone = viewer.get(f"/api/v1/patrols/sessions?{Q}").get_json()["sessions"]
    assert {s["worker"]["id"] for s in everyone} == {w.id, other.id}


@pytest.mark.parametrize("query", ["from=2026-05-12&to=2026-05-01", "from=2026-01-01&to=2026-05-12",
                                   "worker=abc", "limit=0", "from=2026-13-01"])
def test_bad_list_parameters(client, sample, query):
    resp = client.get(f"/api/v1/patrols/sessions?{query}")
    assert resp.status_code == 422, query


def test_answers_match_the_api_document(client, client_as, day_of_patrols):
    import json

    from tests.api.helpers import SPEC_PATH, check

    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    w, _, explicit = day_of_patrols
    body = check(spec, client.get(f"/api/v1/patrols/sessions?worker={w.id}&{Q}"), "/api/v1/patrols/sessions")
    check(spec, client.get(body["sessions"][0]["track"]), "/api/v1/patrols/sessions/{session_id}/track")
    check(spec, client.get(f"/api/v1/patrols/sessions/{explicit[0].id}/track"), "/api/v1/patrols/sessions/{session_id}/track")
    check(spec, client.get("/api/v1/patrols/sessions/nothing/track"), "/api/v1/patrols/sessions/{session_id}/track")
    check(spec, client.get("/api/v1/patrols/sessions?from=x"), "/api/v1/patrols/sessions")
    c = client_as("worker", areas=[WEST])
    started = check(spec, c.post("/api/v1/patrols/sessions"), "/api/v1/patrols/sessions", "post")
    check(spec, c.get(started["track"]), "/api/v1/patrols/sessions/{session_id}/track")
    check(spec, c.post("/api/v1/patrols/sessions"), "/api/v1/patrols/sessions", "post")   # 409
    stop = f"/api/v1/patrols/sessions/{started['id']}/stop"
    check(spec, c.post(stop), "/api/v1/patrols/sessions/{session_id}/stop", "post")
    check(spec, c.post(stop), "/api/v1/patrols/sessions/{session_id}/stop", "post")       # 409
    check(spec, c.post("/api/v1/patrols/sessions/99999/stop"), "/api/v1/patrols/sessions/{session_id}/stop", "post")
