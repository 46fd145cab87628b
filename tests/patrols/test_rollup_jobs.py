"""No reader waits for a roll-up (issue 16): with PATROL_FIGURES_REFRESH=background the first read of
stale days starts one ``patrol_rollup`` job (app.patrols.freshness), later reads join it, and every
answer says what it holds: the KPI page, the API's fields, the CSV's 503, the districts' ranking.

Through HTTP on committed data, the job running in a thread of this process as in a server. The job is
held at a known point without any timing: the test holds the advisory lock a roll-up of the scope
``grid`` takes (app.patrols.rollup), so the job waits there, running, until the test lets go; then the
job row's state is polled (bounded) until it is done.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from app.extensions import db as _db
from app.jobs.model import UNFINISHED
from app.patrols import figures
from app.patrols.period import period_of
from tests.auth_helpers import token_client
from tests.patrols.helpers import (DAY, EAST, NOW, T0, WEST, make_worker, roll_ups_held, rollup_jobs, store,
                                  wait_for_rollup_jobs, walk)
from tests.plan.helpers import outcome

NEXT = DAY + timedelta(days=1)
QUERY = f"from={DAY.isoformat()}&to={NEXT.isoformat()}"
PERIOD = period_of(DAY, NEXT)


@dataclass
class World:
    admin: object      # test clients
    viewer: object
    walker: object     # the worker account whose figures change


def running_at_first_day(client, url: str) -> dict:
    """The job once its thread has counted the days to compute (bounded poll of its row)."""
    deadline = time.monotonic() + 60
    while True:
        got = client.get(url)
        assert got.status_code == 200, got.get_json()
        job = got.get_json()["job"]
        if job["state"] == "running" and job["progress"]["total"] is not None:
            return job
        assert job["state"] in UNFINISHED and time.monotonic() < deadline, job
        time.sleep(0.05)


def finished(client, job: dict) -> dict:
    status, result = outcome(client, job["url"], timeout=120)
    assert status == 200, result
    return result


@pytest.fixture
def world(app, committed_db, monkeypatch):
    """The sample district committed; worker A walked on DAY, worker B on the next morning; an
    administrator's and a viewer's API clients. Background refresh (the tests' default is inline)."""
    from app.auth import users
    from tests.samples import load_sample

    monkeypatch.setitem(app.config, "PATROL_FIGURES_REFRESH", "background")
    load_sample()
    a = make_worker("bg-a", areas=[WEST])
    b = make_worker("bg-b", areas=[WEST, EAST])
    admin = users.create("bg-admin", "correct-horse-battery", "admin", display_name="bg-admin")
    viewer = users.create("bg-viewer", "correct-horse-battery", "viewer", display_name="bg-viewer")
    tokens = [users.issue_token(u, "rollup jobs")[1] for u in (admin, viewer)]
    committed_db.session.commit()
    store(a.id, walk(0, 60))
    store(b.id, walk(0, 40, from_m=(-200.0, 80.0), step_m=(5.0, 5.0), t0=T0 + timedelta(days=1)),
          now=NOW + timedelta(days=1))
    yield World(token_client(app, tokens[0]), token_client(app, tokens[1]), a)
    wait_for_rollup_jobs()


def reference(app) -> list[dict]:
    with app.test_request_context():
        return figures.worker_figures(PERIOD, reference=True)


def assert_reference(got: list[dict], ref: list[dict]) -> None:
    assert [w["id"] for w in got] == [w["id"] for w in ref]
    for g, r in zip(got, ref):
        assert {k: g[k] for k in r} == r


def test_a_first_read_starts_one_job_which_later_reads_join_and_the_figures_then_equal_the_reference(app, world):
    with roll_ups_held():
        page = world.viewer.get(f"/patrols/kpi?{QUERY}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        # The status, not partial sums: the period's two days have no roll-up yet.
        assert 'id="kpi-refresh"' in html and 'data-reload="1"' in html
        assert "尚有 2 天的巡查数据正在统计" in html and "数据尚不完整" in html
        assert 'id="kpi-workers"' not in html
        jobs = rollup_jobs()
        assert len(jobs) == 1 and jobs[0][1] in UNFINISHED
        job_id = jobs[0][0]
        assert f'data-job-url="/api/v1/jobs/{job_id}"' in html

        # Another reader, another endpoint: the same job.
        body = world.admin.get(f"/api/v1/patrols/workers?{QUERY}").get_json()
        assert body["complete"] is False and body["pending_days"] == 2 and body["missing_days"] == 2
        assert body["job"]["id"] == job_id and body["job"]["url"] == f"/api/v1/jobs/{job_id}"
        assert body["job"]["state"] in UNFINISHED
        grids = world.viewer.get(f"/api/v1/patrols/grids?{QUERY}").get_json()
        assert grids["complete"] is False and grids["job"]["id"] == job_id
        ranking = world.viewer.get(f"/api/v1/figures/districts?{QUERY}").get_json()
        assert ranking["patrol_figures"]["complete"] is False and ranking["patrol_figures"]["job"]["id"] == job_id
        # The city's ranking page follows the same job (static/js/patrol-kpi.js) and reloads itself when done.
        page = world.viewer.get(f"/figures/events?by=district&{QUERY}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert 'id="figures-ranking"' in html and "统计中" in html
        assert f'data-job-url="/api/v1/jobs/{job_id}"' in html and 'data-reload="1"' in html
        assert "js/patrol-kpi.js" in html and 'id="kpi-refresh-texts"' in html
        # A file is all or nothing: no CSV of partial sums.
        csv = world.viewer.get(f"/patrols/kpi.csv?{QUERY}")
        assert csv.status_code == 503 and csv.headers["Retry-After"] == "10"
        assert "正在统计" in csv.get_data(as_text=True)
        assert [j for j, _ in rollup_jobs()] == [job_id]

        # Anyone who may read the figures may follow it (the first reader started it, whoever that was);
        # its thread counts the two days, then waits on the held lock at the first one.
        seen = running_at_first_day(world.viewer, f"/api/v1/jobs/{job_id}")
        assert seen["kind"] == "patrol_rollup" and seen["progress"] == {"done": 0, "total": 2}
        assert seen["params"]["from"] == DAY.isoformat() and seen["params"]["to"] == NEXT.isoformat()

    assert finished(world.viewer, seen)["days"] == 2
    body = world.admin.get(f"/api/v1/patrols/workers?{QUERY}").get_json()
    assert body["complete"] is True and body["pending_days"] == 0 and body["job"] is None
    assert_reference(body["workers"], reference(app))
    html = world.viewer.get(f"/patrols/kpi?{QUERY}").get_data(as_text=True)
    assert 'id="kpi-workers"' in html and 'id="kpi-refresh"' not in html and "bg-a" in html
    html = world.viewer.get(f"/figures/events?by=district&{QUERY}").get_data(as_text=True)
    assert 'id="figures-ranking"' in html and 'id="kpi-refresh"' not in html and "统计中" not in html
    csv = world.viewer.get(f"/patrols/kpi.csv?{QUERY}")
    assert csv.status_code == 200 and "bg-a" in csv.get_data(as_text=True) and csv.headers["X-Figures-As-Of"]
    assert len(rollup_jobs()) == 1   # nothing was stale any more: no second job


@pytest.mark.parametrize("change", ["a new batch of fixes", "a larger work area"])
def test_a_read_while_days_are_outdated_serves_the_rows_as_they_are_and_starts_a_job(app, world, change):
    first = world.admin.get(f"/api/v1/patrols/workers?{QUERY}").get_json()
    finished(world.admin, first["job"])
    before = {w["id"]: w for w in world.admin.get(f"/api/v1/patrols/workers?{QUERY}").get_json()["workers"]}
    computed = datetime.now().astimezone()
    if change == "a new batch of fixes":
        store(world.walker.id, walk(3600, 10))   # the same day an hour later: the day's version moves on
    else:
        # The worker scope's basis changes: every day is outdated.
        _db.session.execute(text("INSERT INTO user_area (user_id, grid_code) VALUES (:u, :g)"),
                            {"u": world.walker.id, "g": EAST})
        _db.session.commit()
    with roll_ups_held():
        body = world.admin.get(f"/api/v1/patrols/workers?{QUERY}").get_json()
        # Every day still has its rows: complete, served as computed, and said to be as of then.
        assert body["complete"] is True and body["missing_days"] == 0 and body["pending_days"] >= 1
        assert body["job"] is not None and body["job"]["id"] != first["job"]["id"]
        assert datetime.fromisoformat(body["as_of"]) <= computed and body["as_of"].endswith("+08:00")
        rows = {w["id"]: w for w in body["workers"]}
        assert rows[world.walker.id]["fixes"] == before[world.walker.id]["fixes"]
        assert rows[world.walker.id]["area_seconds"] == before[world.walker.id]["area_seconds"]
        html = world.viewer.get(f"/patrols/kpi?{QUERY}").get_data(as_text=True)
        assert 'id="kpi-workers"' in html and 'data-reload="0"' in html and "正在更新" in html
        assert "北京时间" in html
        assert [j for j, state in rollup_jobs() if state in UNFINISHED] == [body["job"]["id"]]
    finished(world.admin, body["job"])
    after = world.admin.get(f"/api/v1/patrols/workers?{QUERY}").get_json()
    assert after["pending_days"] == 0 and after["job"] is None
    assert_reference(after["workers"], reference(app))
    moved = {w["id"]: w for w in after["workers"]}[world.walker.id]
    if change == "a new batch of fixes":
        assert moved["fixes"] == before[world.walker.id]["fixes"] + 10
    else:
        assert moved["area_seconds"] > before[world.walker.id]["area_seconds"]   # its walk in EAST counts now


def test_with_jobs_run_in_the_request_the_first_read_is_complete_and_its_job_done(app, db, client, sample,
                                                                                   monkeypatch):
    """JOBS_INLINE (the suite's one-connection transactions): the job commits day by day inside the
    request's transaction and the answer already holds its outcome."""
    monkeypatch.setitem(app.config, "PATROL_FIGURES_REFRESH", "background")
    a = make_worker("inline-a", areas=[WEST])
    db.session.commit()
    store(a.id, walk(0, 60))
    body = client.get(f"/api/v1/patrols/workers?{QUERY}").get_json()
    assert body["complete"] is True and body["pending_days"] == 0
    assert body["job"]["state"] == "done" and body["job"]["progress"] == {"done": 2, "total": 2}
    assert_reference(body["workers"], reference(app))
    assert client.get(body["job"]["url"]).get_json()["job"]["result"]["days"] == 2
