"""``GET /api/v1/jobs/<id>``: a job's state, progress and outcome, for its creator or an administrator
(and for a shared kind's job, anyone with its permission)."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.guard import signed_in
from app.auth.roles import PATROLS_READ, allows
from app.errors import NotFound
from app.extensions import db
from app.jobs.model import UNFINISHED, Job
from app.jobs.runner import reap

api_bp = Blueprint("jobs_api", __name__, url_prefix="/api/v1")

#: How long a client should wait before asking again about an unfinished job (seconds).
POLL_AFTER_S = 1
#: Jobs whose work is every reader's, not their starter's: kind -> the permission that may follow one.
#: A patrol roll-up is started by whichever reader first found days stale, and the next readers join it
#: (app.patrols.freshness); its params (a period, scopes) name nothing private.
SHARED_KINDS = {"patrol_rollup": PATROLS_READ}


def readable(job_id: int) -> Job:
    """The job, if the current user may read it; others get the 404 an unknown id gets (ids are not secret,
    what a job did may be)."""
    job = db.session.get(Job, job_id)
    shared = job is not None and job.kind in SHARED_KINDS and allows(current_user.role, SHARED_KINDS[job.kind])
    if job is None or not (shared or current_user.role == "admin" or job.created_by == current_user.id):
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
