"""Jobs: work that can outlast a request (a level import, a large CSV), run outside it and polled.

A job is a row (``app.jobs.model.Job``, migration 0019) with its state
(queued → running → done | failed), its progress and its outcome; any worker
process answers ``GET /api/v1/jobs/<id>`` from it (app.jobs.api), to the user
who started it or an administrator. How a job runs, survives several
gunicorn workers and is marked failed when its process dies:
:mod:`app.jobs.runner`. ``flask jobs show ID --wait`` follows one with a
progress bar (app.jobs.cli).
"""
from app.jobs.api import api_bp
from app.jobs.runner import Progress, reap, run_here, submit

__all__ = ["api_bp", "Progress", "reap", "run_here", "submit"]
