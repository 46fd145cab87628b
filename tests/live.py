"""Serving an app on a real local port, for browsers and HTTP clients in tests."""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from werkzeug.serving import make_server


@contextmanager
def serving(app):
    """The base URL of ``app`` served by werkzeug in a thread on 127.0.0.1 (a free port)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
