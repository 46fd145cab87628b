"""Demo patrols: accounts without passwords, key places, tracks through the real ingest path."""
from __future__ import annotations

from datetime import datetime, time, timezone

from sqlalchemy import text

from app.demo.patrols import load_patrols

NOW = datetime(2026, 5, 12, 8, 0, tzinfo=timezone.utc)   # 16:00 in Beijing, a Tuesday


def test_demo_patrols(db, sample, client, client_as):
    signed_in_worker = client_as("worker", areas=["410102002001001"], username="worker")
    first = load_patrols("410102", now=NOW, workers=3, seed=1)
    db.session.commit()
    assert first["workers"] == 4 and first["places"] == 4 and first["fixes"] > 1000
    users = db.session.execute(text(
        "SELECT u.username, u.role, u.staff_id, ua.grid_code FROM app_user u JOIN user_area ua ON ua.user_id = u.id "
        "WHERE u.username LIKE 'demo-%' ORDER BY 1")).all()
    assert len(users) == 3 and all(u.role == "worker" and u.staff_id and u.username == f"demo-{u.grid_code}"
                                   for u in users)
    # No known password: the demo accounts cannot sign in until an administrator sets one.
    from app.auth.passwords import verify_password

    hashes = db.session.execute(text("SELECT password_hash FROM app_user WHERE username LIKE 'demo-%'")).scalars()
    assert not any(verify_password(h, "") or verify_password(h, "demo") for h in hashes)
    # Figures come out of it (yesterday and today, Beijing).
    body = client.get("/api/v1/patrols/workers?from=2026-05-11&to=2026-05-12").get_json()
    demo = [w for w in body["workers"] if w["username"].startswith("demo-")]
    assert len(demo) == 3 and all(w["fixes"] > 0 and w["area_seconds"] > 0 for w in demo)
    # An account made elsewhere (the demo sign-in worker) patrols too and sees its own track.
    own = signed_in_worker.get("/api/v1/patrols/track?date=2026-05-12").get_json()
    assert own["worker"]["username"] == "worker" and own["features"]
    # Loading again adds nothing twice.
    again = load_patrols("410102", now=NOW, workers=3, seed=1)
    db.session.commit()
    assert again["fixes"] == 0 and again["places"] == 0
    assert db.session.execute(text("SELECT count(*) FROM app_user WHERE username LIKE 'demo-%'")).scalar() == 3


def _households_in_staffed_grids(db, per_grid: int = 10) -> None:
    """Ten units (household-level: nothing refines them) in every staffed grid, and their building above them."""
    from app.addresses.service import import_addresses

    rows = []
    for n, (x, y) in enumerate(db.session.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM grid "
            "WHERE level = 'grid' AND kind = 'regular' AND generation_high IS NULL AND draft_id IS NULL) g")).all()):
        rows.append({"道路": "演示路", "门牌号": str(n + 1), "楼栋": "1", "经度": x, "纬度": y})
        rows += [{"道路": "演示路", "门牌号": str(n + 1), "楼栋": "1", "单元": f"{u + 1}单元", "经度": x, "纬度": y}
                 for u in range(per_grid)]
    assert not import_addresses(rows, source="test").errors


def test_demo_sessions_and_household_visits(db, sample, client):
    _households_in_staffed_grids(db)
    first = load_patrols("410102", now=NOW, workers=3, seed=1)
    db.session.commit()
    walkers = db.session.execute(text("SELECT id FROM app_user WHERE username LIKE 'demo-%'")).scalars().all()
    # One stopped session per walker and walk day, spanning that day's fixes; none open.
    sessions = db.session.execute(text("""
        SELECT s.worker_id, s.started_at, s.stopped_at,
               (SELECT min(time) FROM patrol_fix f WHERE f.worker_id = s.worker_id
                  AND f.time >= s.started_at - interval '12 hours' AND f.time <= s.stopped_at) AS first_fix,
               CAST(s.started_at AT TIME ZONE 'Asia/Shanghai' AS date) AS day
        FROM patrol_session s""")).all()
    assert first["sessions"] == len(sessions) and len(sessions) >= 2 * len(walkers) - 1
    assert all(s.stopped_at is not None and s.stopped_at >= s.started_at and s.stopped_at <= NOW for s in sessions)
    assert {s.worker_id for s in sessions} >= set(walkers)
    assert len({(s.worker_id, s.day) for s in sessions}) == len(sessions)
    assert all(s.first_fix == s.started_at for s in sessions)
    listed = client.get("/api/v1/patrols/sessions?from=2026-05-11&to=2026-05-12").get_json()
    assert sum(1 for s in listed["sessions"] if s["source"] == "explicit") == len(sessions)
    # About 60 % of the households in each walker's grid, this month, before now, noted.
    visits = db.session.execute(text("""
        SELECT v.worker_id, count(*) AS n, min(v.visited_at) AS first, max(v.visited_at) AS last,
               bool_and(v.note = '入户走访') AS noted,
               bool_and(v.day = CAST(v.visited_at AT TIME ZONE 'Asia/Shanghai' AS date)) AS days_ok,
               bool_and(NOT EXISTS (SELECT 1 FROM standard_address b WHERE b.id = v.address_id AND coalesce(b.unit, '') = '')) AS units
        FROM household_visit v GROUP BY v.worker_id""")).all()
    by_worker = {v.worker_id: v for v in visits}
    assert set(walkers) <= set(by_worker) and first["visits"] == sum(v.n for v in visits)
    assert all(1 <= by_worker[w].n <= 10 for w in walkers) and 0.3 < sum(by_worker[w].n for w in walkers) / 30 < 0.9
    assert all(v.noted and v.days_ok and v.units and v.last < NOW
               and v.first >= datetime(2026, 4, 30, 16, 0, tzinfo=timezone.utc) for v in visits)
    # The KPI figures show them: households visited this cycle.
    body = client.get("/api/v1/patrols/workers?from=2026-05-11&to=2026-05-12").get_json()
    demo = [w for w in body["workers"] if w["username"].startswith("demo-")]
    assert len(demo) == 3 and all(w["household_addresses"] == 10 and w["households_visited"] == by_worker[w["id"]].n
                                  for w in demo)
    grids = client.get("/api/v1/patrols/grids?from=2026-05-11&to=2026-05-12&level=grid").get_json()["grids"]
    assert sum(g["households_visited"] for g in grids) == sum(by_worker[w].n for w in walkers)
    # Loading again adds no session and no visit.
    again = load_patrols("410102", now=NOW, workers=3, seed=1)
    db.session.commit()
    assert again["sessions"] == 0 and again["visits"] == 0
    assert db.session.execute(text("SELECT count(*) FROM patrol_session WHERE stopped_at IS NULL")).scalar() == 0


def test_demo_visits_on_the_first_of_the_month_lie_before_now(db, sample):
    _households_in_staffed_grids(db)
    now = datetime(2026, 6, 1, 3, 0, tzinfo=timezone.utc)   # 11:00 on 1 June in Beijing
    assert load_patrols("410102", now=now, workers=3, seed=1)["visits"] > 0
    first, last = db.session.execute(text("SELECT min(visited_at), max(visited_at) FROM household_visit")).one()
    assert datetime(2026, 6, 1, 0, 30, tzinfo=timezone.utc) <= first and last < now


def test_demo_visits_fall_on_working_days_in_working_hours(db, sample):
    """The loop's calendar: no weekend, no public holiday, nothing over lunch (12:00-14:00)."""
    from app.events import deadlines

    _households_in_staffed_grids(db)
    now = datetime(2026, 10, 20, 10, 0, tzinfo=timezone.utc)   # 18:00 on Tuesday 20 October in Beijing
    assert load_patrols("410102", now=now, workers=3, seed=1)["visits"] > 0
    times = db.session.execute(text(
        "SELECT visited_at AT TIME ZONE 'Asia/Shanghai' FROM household_visit")).scalars().all()
    calendar = deadlines.calendar()
    assert times and all(calendar.is_working_day(t.date()) for t in times)
    assert not any(t.date().isoformat() in ("2026-10-01", "2026-10-02", "2026-10-05") for t in times)  # 国庆
    assert all(time(8, 30) <= t.time() <= time(12, 0) or time(14, 0) <= t.time() <= time(17, 30) for t in times), [t for t in sorted(times) if not (time(8, 30) <= t.time() <= time(12, 0) or time(14, 0) <= t.time() <= time(17, 30))]


def test_demo_walkers_walk_the_last_two_working_days_and_today():
    """A load on a Sunday still has working-hours patrols (online rate), and today's for the map."""
    from datetime import date

    from app.demo.patrols import _walk_days

    assert _walk_days(date(2026, 12, 6)) == [date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 6)]  # Sunday
    assert _walk_days(date(2026, 12, 8)) == [date(2026, 12, 7), date(2026, 12, 8)]                      # Tuesday
    assert _walk_days(date(2026, 10, 8)) == [date(2026, 9, 30), date(2026, 10, 8)]     # after 国庆 (1-7 Oct)
