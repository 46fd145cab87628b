"""How GridMap is served: the one gunicorn configuration of `make run`, the Docker image and docs/deployment.md.

gunicorn reads this file by itself when started from the repository's top
directory; the Makefile and the Dockerfile also name it (``-c gunicorn.conf.py``).
Command-line options override it (``make run`` passes ``--bind`` and ``--workers``),
and so does ``GUNICORN_CMD_ARGS``.

Each worker process runs ``threads`` request threads behind an event loop
(app/serving.py) that reads requests before a thread takes them: slow or idle
clients hold no thread, and when every thread is busy and as many requests
wait, further requests are answered 503 at once instead of queuing into
timeouts. Size it with ``--workers`` (processes, about one or two per core; or
``WEB_CONCURRENCY``) and ``--threads``; each thread may hold one database
connection. ``GRIDMAP_SERVE_READ_TIMEOUT`` (seconds a client has to send a
request, default 10) and ``GRIDMAP_SERVE_QUEUE`` (requests that may wait for a
thread, default as many as there are threads) tune the worker.
"""
import os

bind = "127.0.0.1:5000"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 8
worker_class = "app.serving.GuardedThreadWorker"

# With threaded workers the timeout only restarts a worker whose event loop
# stopped (a request running long does not). It is also how long a client may
# take to read a response before it is dropped. The same under `make run` and
# in the Docker image (issue 15).
timeout = 30
graceful_timeout = 30
# Idle kept-alive connections are closed after this many seconds.
keepalive = 5

# The longest request line gunicorn reads (its maximum): a page's address with a long search text
# still reaches GridMap, which names the parameter that is too long. A longer line is answered by
# GridMap too (414, its own page or JSON: app.serving), never by gunicorn's bare English 400.
limit_request_line = 8190

accesslog = "-"
# Open311 clients may send api_key in the query string: the access log masks it (app.serving).
logger_class = "app.serving.RedactingLogger"
errorlog = "-"
