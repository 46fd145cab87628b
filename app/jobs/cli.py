"""``flask jobs show ID [--wait]`` and ``flask jobs reap``."""
from __future__ import annotations

import json
import time

import click
from flask_babel import gettext as _
from tqdm import tqdm

from app.cli import CommandGroup
from app.extensions import db
from app.jobs.model import UNFINISHED, Job
from app.jobs.runner import reap

jobs_cli = CommandGroup("jobs", help="Background jobs (level imports, large imports).")


def progress_bar(total: int | None = None, unit: str = "feature"):
    """A tqdm bar fed by a job's progress calls (``on_step(done, total, message)``); close it when done."""
    bar = tqdm(total=total, unit=unit, leave=False, disable=None)

    def on_step(done: int, total: int | None, message: str | None) -> None:
        if total is not None and bar.total != total:
            bar.total = total
        if message:
            bar.set_description_str(message[:40])
        bar.n = done
        bar.refresh()

    on_step.bar = bar
    return on_step


def echo_outcome(job: Job) -> None:
    if job.state == "done":
        click.echo(_("Job %(id)s done.", id=job.id))
        click.echo(json.dumps(job.result, ensure_ascii=False, indent=1))
    elif job.state == "failed":
        error = job.error or {}
        click.echo(_("Job %(id)s failed: %(message)s", id=job.id, message=error.get("message", "")), err=True)
        errors = (error.get("details") or {}).get("errors") if isinstance(error.get("details"), dict) else None
        for err in (errors or [])[:200]:
            index = err.get("index")
            click.echo("  " + _("feature %(index)s (%(code)s): %(message)s",
                                index="-" if index is None else index + 1, code=err.get("code") or "-",
                                message=err.get("message", "")), err=True)
    else:
        click.echo(_("Job %(id)s is %(state)s: %(done)s of %(total)s. %(message)s", id=job.id, state=job.state,
                     done=job.progress_done, total=job.progress_total or "?", message=job.message or ""))


@jobs_cli.command("show")
@click.argument("job_id", type=int)
@click.option("--wait", is_flag=True, help="Follow the job with a progress bar until it ends.")
@click.option("--every", default=1.0, show_default=True, help="Seconds between two looks while waiting.")
def show_command(job_id, wait, every):
    """Show a job's state and outcome (exit status 1 when it failed)."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise click.ClickException(_("No job %(id)s.", id=job_id))
    bar = progress_bar(job.progress_total) if wait and job.state in UNFINISHED else None
    while wait and job.state in UNFINISHED:
        bar(job.progress_done, job.progress_total, job.message)
        time.sleep(every)
        reap([job_id])
        job = db.session.get(Job, job_id, populate_existing=True)
    if bar is not None:
        bar.bar.close()
    echo_outcome(job)
    if job.state == "failed":
        raise SystemExit(1)


@jobs_cli.command("reap")
def reap_command():
    """Mark failed the jobs whose server process stopped before they ended."""
    click.echo(_("%(n)s job(s) marked failed.", n=reap()))
