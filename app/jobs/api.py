"""``GET /api/v1/jobs/<id>``: a job's state, progress and outcome, for its creator or an administrator."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.guard import signed_in
from app.errors import NotFound
from app.extensions import db
from app.jobs.model import UNFINISHED, Job
from app.jobs.runner import reap

api_bp = Blueprint("jobs_api", __name__, url_prefix="/api/v1")

#: How long a client should wait before asking again about an unfinished job (seconds).
POLL_AFTER_S = 1


def readable(job_id: int) -> Job:
    """The job, if the current user may read it; others get the 404 an unknown id gets (ids are not secret,
    what a job did may be)."""
    job = db.session.get(Job, job_id)
    if job is None or not (current_user.role == "admin" or job.created_by == current_user.id):
        raise NotFound(_("No job %(id)s (or it is not yours).", id=job_id), {"field": "job_id"})
    return job


def accepted(job: Job):
    """The 202 an endpoint answers when it queued ``job``: the job, its URL in Location, when to ask again."""
    return {"job": job.to_dict()}, 202, {"Location": f"/api/v1/jobs/{job.id}", "Retry-After": str(POLL_AFTER_S)}


@api_bp.get("/jobs/<int:job_id>")
@signed_in
def get_job(job_id: int):
    job = readable(job_id)
    if job.state in UNFINISHED:
        reap([job.id])
        job = db.session.get(Job, job_id, populate_existing=True)
    headers = {"Retry-After": str(POLL_AFTER_S)} if job.state in UNFINISHED else {}
    return {"job": job.to_dict()}, 200, headers
