"""A real gunicorn serving GridMap for tests about serving: the repository's gunicorn.conf.py,
a database of the test server, a free port on 127.0.0.1.

The listening socket is bound here (port 0) and handed to gunicorn as ``fd://``, so no other
process can take the port in between; gunicorn runs in a session of its own and is stopped
(SIGTERM, then SIGKILL) when the ``with`` block ends.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


class LiveGunicorn:
    def __init__(self, database_url: str, *options: str, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.options = options
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="gridmap-test-gunicorn-", suffix=".log", delete=False)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDMAP_", "GUNICORN_"))}
        env.update({"DATABASE_URL": self.database_url}, **self.extra_env)
        return env

    def start(self, wait: float = 60.0, healthy: bool = True) -> LiveGunicorn:
        fd = self.sock.fileno()
        cmd = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"fd://{fd}",
               *self.options, "app:create_app()"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.environment(), pass_fds=(fd,),
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        if healthy:
            self._wait_healthy(wait)
        return self

    def _wait_healthy(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {wait:.0f} s:\n{self.log_text()[-3000:]}")

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        self.sock.close()
        self.log.close()
        os.unlink(self.log.name)

    def __enter__(self) -> LiveGunicorn:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()
