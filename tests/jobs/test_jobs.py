"""Jobs (app.jobs): who may read one, a job that runs in a thread while its request has long answered,
progress seen from the row, a job whose process died marked failed, the CLI's progress bar."""
from __future__ import annotations

import io
import json
import threading
import time

import pytest
from flask_login import login_user
from sqlalchemy import text

from app.extensions import db as _db
from app.jobs import runner, submit
from app.jobs.model import Job
from tests.auth_helpers import make_admin_token, token_client
from tests.plan.conftest import COMMUNITY, WEST
from tests.plan.helpers import follow, import_file, outcome
from tests.samples import box


def _grid_file(west_edge: float = 113.612) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": box(113.60, 34.75, west_edge, 34.76),
         "properties": {"code": WEST, "name": "西", "parent_code": COMMUNITY, "households": 250}},
        {"type": "Feature", "geometry": box(west_edge, 34.75, 113.62, 34.76),
         "properties": {"code": f"{COMMUNITY}005", "name": "东", "parent_code": COMMUNITY, "households": 150}},
    ]}).encode()


def _start_import(client, draft_id: int, row_version: int = 1):
    return client.post(f"/api/v1/drafts/{draft_id}/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(_grid_file()), "grids.geojson"), "row_version": str(row_version), "level": "grid",
        "parent": COMMUNITY})


def test_only_its_creator_and_administrators_read_a_job(client, client_as, anon, sample, draft):
    res = _start_import(client, draft["id"])
    assert res.status_code == 202 and res.headers["Retry-After"] == "1"
    url = res.headers["Location"]
    job = client.get(url).get_json()["job"]
    assert job["state"] == "done" and job["kind"] == "level_import" and job["created_by_name"] == "test-admin"
    assert job["params"]["file"] == "grids.geojson" and job["params"]["level"] == "grid"
    assert job["progress"] == {"done": 4, "total": 4}
    assert job["created_at"].endswith("+08:00")        # Beijing time
    assert client_as("admin").get(url).status_code == 200
    other = client_as("planner").get(url)
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "not_found"
    assert client_as("viewer").get(url).status_code == 404
    assert anon.get(url).status_code == 401
    # A planner's own job is theirs to read.
    planner = client_as("planner")
    draft2 = planner.post("/api/v1/drafts", json={"note": "p", "effective_date": "2026-07-01"}).get_json()
    res = _start_import(planner, draft2["id"])
    assert planner.get(res.headers["Location"]).status_code == 200
    assert client.get(res.headers["Location"]).status_code == 200
    assert client_as("planner").get(res.headers["Location"]).status_code == 404


def test_a_refused_import_is_a_failed_job_with_the_error_and_the_draft_unchanged(client, sample, draft, db):
    fc = json.loads(_grid_file())
    fc["features"][1]["properties"]["parent_code"] = "410102009009"
    status, body = import_file(client, draft["id"], json.dumps(fc).encode(), "bad.geojson", row_version=1,
                               level="grid", parent=COMMUNITY)
    assert status == 422 and body["error"]["code"] == "validation_failed"
    job = db.session.scalars(_db.select(Job).order_by(Job.id.desc())).first()
    assert job.state == "failed" and job.error["details"]["errors"][0]["index"] == 1
    assert job.finished_at is not None
    assert client.get(f"/api/v1/drafts/{draft['id']}").get_json()["row_version"] == 1


def test_a_job_whose_process_died_is_marked_failed_when_read(client, sample, db):
    # Running, but nobody holds its lock: the process that ran it is gone.
    job_id = db.session.execute(text(
        "INSERT INTO job (kind, state, params, created_by, created_by_name, district_code, started_at) "
        "VALUES ('level_import', 'running', '{}', :uid, 'test-admin', '410102', now()) RETURNING id"),
        {"uid": client.user.id}).scalar_one()
    db.session.commit()
    job = client.get(f"/api/v1/jobs/{job_id}").get_json()["job"]
    assert job["state"] == "failed" and job["error"]["code"] == "runner_lost"
    assert job["finished_at"] is not None


def _load_committed_sample(app):
    from tests.samples import load_sample

    with app.app_context():
        load_sample()
        _db.session.commit()
        token = make_admin_token("jobs-admin")
    return token


def test_a_level_import_answers_at_once_and_its_job_finishes_in_a_thread(app, committed_db):
    token = _load_committed_sample(app)
    c = token_client(app, token)
    draft = c.post("/api/v1/drafts", json={"note": "线程", "effective_date": "2026-07-01"}).get_json()
    slot = runner._slot(int(app.config["JOBS_PER_PROCESS"]))
    assert slot.acquire(timeout=10)   # the process's one job slot is taken: the job must wait its turn
    try:
        started = time.monotonic()
        res = _start_import(c, draft["id"])
        assert res.status_code == 202 and time.monotonic() - started < 5
        assert res.get_json()["job"]["state"] == "queued"
        assert c.get(res.headers["Location"]).get_json()["job"]["state"] == "queued"
        # Another worker process answers from the row alone.
        with app.app_context():
            row = _db.session.get(Job, res.get_json()["job"]["id"])
            assert row.state == "queued" and row.message
    finally:
        slot.release()
    status, body = follow(c, res, timeout=120)
    assert status == 200, body
    assert body["read"]["features"] == 2 and body["draft"]["row_version"] == 2
    assert f"{COMMUNITY}005" in body["operation"]["summary"]["created"]
    grids = c.get(f"/api/v1/grids?version={draft['id']}&parent={COMMUNITY}").get_json()["features"]
    assert {f["properties"]["code"]: f["properties"]["households"] for f in grids
            if f["properties"]["kind"] == "regular"} == {WEST: 250, f"{COMMUNITY}005": 150}


@pytest.mark.answers_outside_the_document("a made-up job whose result is {'answer': 42}")
def test_progress_is_seen_while_the_job_runs(app, committed_db):
    token = _load_committed_sample(app)
    step, go = threading.Event(), threading.Event()

    def work(progress):
        progress(1, 3, "第一步")
        step.set()
        assert go.wait(30)
        progress(2, 3, "第二步")
        return {"answer": 42}

    with app.app_context():
        from app.auth.tokens import user_for

        user, _token = user_for(token)
        with app.test_request_context():
            login_user(user)
            job = submit("level_import", work, params={"file": "x"}, total=3)
        assert job.state in ("queued", "running")
    c = token_client(app, token)
    assert step.wait(30)
    seen = c.get(f"/api/v1/jobs/{job.id}").get_json()["job"]
    assert seen["state"] == "running" and seen["progress"] == {"done": 1, "total": 3}
    assert seen["message"] == "第一步" and seen["started_at"]
    go.set()
    assert outcome(c, f"/api/v1/jobs/{job.id}") == (200, {"answer": 42})
    assert c.get(f"/api/v1/jobs/{job.id}").get_json()["job"]["progress"] == {"done": 3, "total": 3}


def test_the_cli_imports_a_level_with_a_progress_bar_and_shows_jobs(cli, sample, draft, tmp_path, db):
    path = tmp_path / "grids.geojson"
    path.write_bytes(_grid_file())
    out = cli.invoke(args=["plan", "import", str(draft["id"]), str(path), "--level", "grid", "--parent", COMMUNITY])
    assert out.exit_code == 0, out.output
    assert "done" in out.output and '"features": 2' in out.output
    job = db.session.scalars(_db.select(Job).order_by(Job.id.desc())).first()
    assert job.state == "done" and job.created_by_name.startswith("cli:")
    shown = cli.invoke(args=["jobs", "show", str(job.id), "--wait"])
    assert shown.exit_code == 0 and f"Job {job.id} done." in shown.output
    # The same file again changes nothing: refused, exit status 1, the reason printed.
    again = cli.invoke(args=["plan", "import", str(draft["id"]), str(path), "--level", "grid", "--parent", COMMUNITY])
    assert again.exit_code == 1 and "changes nothing" in again.output
    assert cli.invoke(args=["jobs", "show", "999999"]).exit_code == 1


@pytest.mark.parametrize("name", ["x.txt", "x.kml"])
def test_a_file_that_is_no_grid_file_is_refused_before_any_job(client, sample, draft, db, name):
    before = db.session.scalar(text("SELECT count(*) FROM job"))
    res = client.post(f"/api/v1/drafts/{draft['id']}/import", content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"code,name\n1,2\n"), name), "row_version": "1", "level": "grid"})
    assert res.status_code == 422 and res.get_json()["error"]["details"]["field"] == "file"
    assert db.session.scalar(text("SELECT count(*) FROM job")) == before


RUNNER = """
import sys, time
from app import create_app
from app.jobs.runner import _Row, _values
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "runner", "TESTING": True})
with app.app_context():
    row = _Row()
    job_id = row.create(_values("level_import", {"file": "slow.gpkg"}, 4, "working"))
    row.update(job_id, state="running")
    print(job_id, flush=True)
    time.sleep(600)
"""


def test_a_job_outlives_no_process_another_process_marks_it_failed(app, committed_db):
    """The job row is the truth across processes: while its runner lives nobody reaps it; once the runner
    is killed (its connection, and with it the job's advisory lock, gone) the next read marks it failed."""
    import signal
    import subprocess
    import sys

    token = _load_committed_sample(app)
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, app.config["SQLALCHEMY_DATABASE_URI"]],
                            stdout=subprocess.PIPE, text=True)
    try:
        job_id = int(proc.stdout.readline())
        c = token_client(app, token)
        for _ in range(3):
            job = c.get(f"/api/v1/jobs/{job_id}").get_json()["job"]
            assert job["state"] == "running" and job["message"] == "working"
        with app.app_context():
            assert runner.reap() == 0
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while True:   # the server notices the dropped connection within moments
        job = c.get(f"/api/v1/jobs/{job_id}").get_json()["job"]
        if job["state"] != "running" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job["state"] == "failed" and job["error"]["code"] == "runner_lost" and job["finished_at"]
