"""What the HTTP benchmarks share: gunicorn on 127.0.0.1, a loopback session, the constant anchor endpoint."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench._db import log

ROOT = Path(__file__).resolve().parent.parent
#: The per-IP limit given to gunicorn: the whole load comes from 127.0.0.1, so
#: the production default (120 per minute) would turn it into 429s. The
#: limiter still runs on every request, so its cost is part of the numbers.
RATELIMIT_PUBLIC = "1000000 per minute"
# Under /api/: JSON bodies are for the API only; a page path answers JSON with 415.
PING_PATH = "/api/_bench/ping"


def loopback_session() -> requests.Session:
    """A session that ignores HTTP(S)_PROXY and .netrc: every request goes straight to 127.0.0.1."""
    s = requests.Session()
    s.trust_env = False
    return s


def add_ping_route(app) -> None:
    """``POST /api/_bench/ping``: a constant endpoint, on this app instance only (the anchor).

    It parses the same JSON body as the endpoint it is compared with, so both
    pay the same HTTP and JSON costs, and answers ``{"ok": true}`` without
    touching the database. Public (the guard refuses unmarked endpoints), so
    it does not load the caller's token either.
    """
    from flask import request

    from app.auth.guard import public

    @public
    def bench_ping():
        request.get_json(silent=True)
        return {"ok": True}

    app.add_url_rule(PING_PATH, "bench_ping", bench_ping, methods=["POST"])


def ping_app():
    """The app gunicorn serves for benchmarks that need the anchor: ``bench._http:ping_app()``."""
    from app import create_app

    app = create_app()
    add_ping_route(app)
    return app


class Gunicorn:
    """gunicorn serving the throwaway database on 127.0.0.1, started and stopped by us.

    The listening socket is bound here (port 0 = a free one) and handed over
    as ``fd://``: no window in which another process could take the port.
    gunicorn runs in its own session so a Ctrl-C in the terminal reaches only
    this script, which then stops gunicorn in order. ``app_spec`` is the WSGI
    app gunicorn loads (``bench._http:ping_app()`` adds the anchor endpoint).
    """

    def __init__(self, url: str, workers: int, app_spec: str = "app:create_app()") -> None:
        self.url = url
        self.workers = workers
        self.app_spec = app_spec
        self.proc: subprocess.Popen | None = None
        self.logfile = tempfile.NamedTemporaryFile(prefix="gridmap-bench-gunicorn-", suffix=".log", delete=False)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port: int = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.url,
            "GRIDMAP_SECRET_KEY": secrets.token_hex(32),
            "GRIDMAP_RATELIMIT_PUBLIC": RATELIMIT_PUBLIC,
        })
        env.pop("GUNICORN_CMD_ARGS", None)  # the command line below is the whole configuration
        return env

    def start(self, wait: float = 60.0) -> None:
        fd = self.sock.fileno()
        cmd = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind", f"fd://{fd}",
               "--log-level", "warning", "--graceful-timeout", "10", self.app_spec]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.environment(), pass_fds=(fd,),
                                     stdin=subprocess.DEVNULL, stdout=self.logfile, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._wait_healthy(wait)

    def _wait_healthy(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with loopback_session() as s:
                    if s.get(self.base + "/healthz", timeout=2).status_code == 200:
                        return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {wait:.0f} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        return Path(self.logfile.name).read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        """SIGTERM (graceful: in-flight requests finish), SIGKILL after 20 s."""
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=10)
                log("gunicorn stopped")
        finally:
            self.sock.close()
            self.logfile.close()
            os.unlink(self.logfile.name)

    def __enter__(self) -> Gunicorn:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> bool:
        self.stop()
        return False
