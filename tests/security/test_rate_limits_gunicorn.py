"""The advertised rate limit is the limit that holds, whatever the number of workers
(issue 17's row, issue 20 item 9).

A real gunicorn with two worker processes serves the test database; N+1
requests from one address, sent at once so both workers answer, get exactly
N passes, and every response advertises N. Each scenario uses an address of
its own (the app trusts one proxy hop here, so X-Forwarded-For is the address).
"""
from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_LIMIT = 7
LOGIN_LIMIT = 10
LOOKUP = "/api/v1/lookup?lon=113.605&lat=34.745"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(app, database_url, tmp_path_factory):
    """Base URL and access log of ``gunicorn --workers 2`` serving the migrated test database."""
    port = _free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "access.log"
    env = {**os.environ, "DATABASE_URL": database_url, "GRIDMAP_SECRET_KEY": secrets.token_hex(32),
           "GRIDMAP_RATELIMIT_PUBLIC": f"{PUBLIC_LIMIT} per minute",
           "GRIDMAP_RATELIMIT_LOGIN": f"{LOGIN_LIMIT} per minute", "GRIDMAP_PROXY_HOPS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(log), "--access-logformat", "%(p)s %({x-forwarded-for}i)s %(s)s",
         "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail("gunicorn stopped: " + proc.stderr.read().decode(errors="replace")[-3000:])
            try:
                if requests.get(url + "/healthz", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not listening or still booting
                pass
            if time.monotonic() > deadline:
                pytest.fail("gunicorn did not answer /healthz within 90 s")
            time.sleep(0.3)
        # The first worker may answer before the second has booted: wait until both answer.
        while len(_pids_that_served(log, "192.0.2.1")) < 2:
            if time.monotonic() > deadline:
                pytest.fail("the second gunicorn worker never answered")
            _at_once(lambda: requests.get(url + "/healthz", headers={"X-Forwarded-For": "192.0.2.1"}, timeout=30),
                     6)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _at_once(send, n: int) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(lambda _: send(), range(n)))


def _pids_that_served(log: Path, address: str) -> set[str]:
    time.sleep(0.3)  # gunicorn writes the access line after the response
    return {m.group(1) for m in re.finditer(rf"^<?(\d+)>? {re.escape(address)} \d+$",
                                            log.read_text(), re.MULTILINE)}


def test_n_plus_one_requests_at_once_through_two_workers_get_exactly_n(gunicorn):
    url, log = gunicorn
    address = "203.0.113.10"
    answers = _at_once(lambda: requests.get(url + LOOKUP, headers={"X-Forwarded-For": address}, timeout=30),
                       PUBLIC_LIMIT + 1)
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(429) == 1, statuses
    assert all(s < 500 for s in statuses), statuses
    assert {r.headers["X-RateLimit-Limit"] for r in answers} == {str(PUBLIC_LIMIT)}
    assert all(0 <= int(r.headers["X-RateLimit-Remaining"]) < PUBLIC_LIMIT for r in answers)
    assert len(_pids_that_served(log, address)) == 2, "both workers should have answered"


def test_the_headers_count_down_truthfully_across_workers(gunicorn):
    url, log = gunicorn
    address = "203.0.113.11"
    answers = [requests.get(url + LOOKUP, headers={"X-Forwarded-For": address}, timeout=30)
               for _ in range(PUBLIC_LIMIT + 1)]
    assert [r.status_code == 429 for r in answers] == [False] * PUBLIC_LIMIT + [True]
    assert [int(r.headers["X-RateLimit-Remaining"]) for r in answers] == [*range(PUBLIC_LIMIT - 1, -1, -1), 0]
    # One window for the address, whichever worker answered: the same reset time, about a minute away.
    resets = {int(r.headers["X-RateLimit-Reset"]) for r in answers}
    assert len(resets) == 1 and 0 < resets.pop() - time.time() <= 61
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60
    assert answers[-1].json()["error"]["code"] == "too_many_requests"
    # Another address has its own allowance.
    assert requests.get(url + LOOKUP, headers={"X-Forwarded-For": "203.0.113.12"}, timeout=30).status_code != 429


def test_the_sign_in_limit_holds_across_workers(gunicorn):
    url, log = gunicorn
    address = "203.0.113.20"
    answers = _at_once(lambda: requests.post(url + "/login", data={"username": "x", "password": "y"},
                                             headers={"X-Forwarded-For": address}, timeout=30),
                       LOGIN_LIMIT + 1)
    statuses = [r.status_code for r in answers]
    assert statuses.count(429) == 1, statuses
    assert {r.headers["X-RateLimit-Limit"] for r in answers} == {str(LOGIN_LIMIT)}
    assert len(_pids_that_served(log, address)) == 2, "both workers should have answered"
