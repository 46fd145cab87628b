"""``flask patrols import|places|partitions|rollup``: bulk fixes, key places, partition housekeeping,
the figures' daily roll-ups."""
from __future__ import annotations

import sys
from datetime import date

import click
from flask_babel import gettext as _
from tqdm import tqdm

from app import csvcells
from app.cli import CommandGroup
from app.errors import DomainError

patrols_cli = CommandGroup("patrols", help="Patrol GPS fixes: CSV import, key places, partitions.")


def _count_lines(path: str) -> int:
    with open(path, "rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


@patrols_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False), default=None,
              help="Write every rejected row (row, code, message, params) to this CSV file.")
@click.option("--chunk", type=click.IntRange(min=100), default=100_000, show_default=True,
              help="Rows checked and committed together.")
@click.option("--max-age-days", type=click.FloatRange(min=1), default=None,
              help="Accept fixes up to this many days old (default: GRIDMAP_PATROL_MAX_AGE_DAYS).")
def import_command(path, errors_path, chunk, max_age_days):
    """Store GPS fixes from a CSV file: worker (username or id), time, lon, lat, accuracy, crs.

    Chinese headers work too (网格员, 时间, 经度, 纬度, 精度, 坐标系). Each
    chunk is committed: rerunning an interrupted import stores nothing twice.
    """
    from app.patrols import service
    from app.patrols.messages import verdict_label, verdict_message

    total = _count_lines(path)
    click.echo(_("Reading %(n)s rows from %(path)s ...", n=f"{total:,}", path=path))
    bar = tqdm(total=total, unit="fix", unit_scale=True, disable=None, leave=False)
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            result = service.import_csv(fh, chunk=chunk, max_age_days=max_age_days, progress=bar.update)
    except UnicodeDecodeError:
        raise click.ClickException(_("The file is not UTF-8 text; save it as UTF-8 CSV."))
    except DomainError as exc:
        raise click.ClickException(exc.message)
    finally:
        bar.close()
    s = result.summary()
    click.echo(_("%(stored)s of %(received)s fixes stored, %(already)s were already stored, %(rejected)s rejected.",
                 stored=f"{s['stored']:,}", received=f"{s['received']:,}", already=f"{s['already_stored']:,}",
                 rejected=f"{s['rejected']:,}"))
    for code, n in s["by_reason"].items():
        click.echo(f"  {verdict_label(code)}: {n:,}")
    for v in result.verdicts[:50]:
        click.echo("  " + _("row %(row)s: %(message)s", row=v.index, message=verdict_message(v.code, v.params)),
                   err=True)
    if len(result.verdicts) > 50:
        click.echo("  " + _("... %(n)s more rejected rows", n=f"{result.rejected - 50:,}"), err=True)
    if errors_path:
        import json

        with open(errors_path, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csvcells.writer(fh)
            writer.writerow([_("row"), _("code"), _("message"), _("params")])
            for v in result.verdicts:
                writer.writerow([v.index, v.code, verdict_message(v.code, v.params),
                                 json.dumps(v.params, ensure_ascii=False)])
    if result.received and not result.stored and not result.already_stored:
        sys.exit(1)


@patrols_cli.command("places")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def places_command(path):
    """Import key places (重点场所) from CSV or Excel: code, name, kind, lon, lat, crs, radius_m, visits_per_week.

    Chinese headers work too (编码, 名称, 类型, 经度, 纬度, 坐标系, 半径, 每周巡查次数).
    A known code is updated, a new one added.
    """
    from app.patrols import places

    with open(path, "rb") as fh:
        data = fh.read()
    try:
        result = places.import_places(places.rows_from_csv(data))
    except DomainError as exc:
        raise click.ClickException(exc.message)
    click.echo(_("%(stored)s of %(received)s key places stored.", stored=result.stored, received=result.received))
    for row, field, message in result.errors[:50]:
        click.echo("  " + _("row %(row)s: %(field)s: %(message)s", row=row, field=field, message=message), err=True)
    if result.errors and not result.stored:
        sys.exit(1)


@patrols_cli.command("cells")
@click.option("--level", default="grid", show_default=True,
              type=click.Choice(["district", "subdistrict", "community", "grid", "micro"]),
              help="Cut the current grids of this level.")
def cells_command(level):
    """Cut the current grids into their 50 m cells ahead of time (the visited-share figures).

    Figures cut a grid the first time a track comes near it (milliseconds per
    grid, cached); run this after importing boundaries so no page waits.
    """
    from app.extensions import db
    from app.patrols import figures

    ids = figures.grid_ids(level)
    step = 200
    with tqdm(total=len(ids), unit="grid", disable=None, leave=False) as bar:
        for start in range(0, len(ids), step):
            figures.ensure_cells(ids[start:start + step])
            db.session.commit()
            bar.update(len(ids[start:start + step]))
    click.echo(_("%(n)s grids cut into cells.", n=f"{len(ids):,}"))


@patrols_cli.command("partitions")
@click.option("--detach-before", "before", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Detach the daily partitions of every day before DATE (YYYY-MM-DD, Beijing days).")
@click.option("--drop", is_flag=True, help="With --detach-before: drop the detached partitions too.")
@click.option("--ensure-days", type=click.IntRange(min=0, max=366), default=None,
              help="Create the partitions of today and the next N-1 days ahead of time.")
@click.option("--yes", is_flag=True, help="Do not ask before detaching.")
def partitions_command(before, drop, ensure_days, yes):
    """List the daily partitions of patrol_fix; create ahead or detach old ones."""
    from app.patrols import partitions

    if ensure_days is not None:
        created = partitions.create_ahead(ensure_days)
        click.echo(_("Partitions ready: %(names)s", names=", ".join(created) or "-"))
    if before is not None:
        day: date = before.date()
        old = [p for p in partitions.partitions() if p.day < day]
        if not old:
            click.echo(_("No partition before %(day)s.", day=day.isoformat()))
            return
        if not yes:
            click.confirm(_("%(action)s %(n)s partitions (%(first)s ... %(last)s)?",
                            action=_("Detach and drop") if drop else _("Detach"), n=len(old),
                            first=old[0].name, last=old[-1].name), abort=True)
        done = partitions.detach_before(day, drop=drop)
        click.echo(_("%(action)s %(n)s partitions, %(rows)s fixes.", action=_("Dropped") if drop else _("Detached"),
                     n=len(done), rows=f"{sum(p.rows or 0 for p in done):,}"))
        if not drop:
            click.echo(_("Detached partitions are ordinary tables now: archive them with pg_dump -t NAME, then "
                         "DROP TABLE NAME."))
        return
    if ensure_days is None:
        rows = partitions.partitions(with_counts=True)
        for p in rows:
            click.echo(f"{p.name}\t{p.day.isoformat()}\t{p.rows:,}")
        click.echo(_("%(n)s partitions.", n=len(rows)))


@patrols_cli.command("rollup")
@click.option("--days", type=click.IntRange(min=1, max=400), default=31, show_default=True,
              help="Roll up this many Beijing days, up to today.")
def rollup_command(days):
    """Compute the patrol figures' daily roll-ups of the last DAYS days that need it.

    Pages start a background job for the days they read when needed and show
    the figures as of then, or as incomplete while days have none; after an
    upgrade from before the roll-ups, or a bulk import of old fixes, run this
    first (and from cron at night). It runs as a job too: a page that needs
    these days meanwhile follows it instead of starting its own.
    """
    from datetime import timedelta

    from app.jobs import run_here
    from app.jobs.cli import echo_outcome, progress_bar
    from app.models import LEVELS
    from app.patrols import freshness, rollup
    from app.patrols.period import Period, today

    scopes = (rollup.WORKER, rollup.PLACES, *LEVELS)  # the KPI page's levels
    last = today()
    period = Period(last - timedelta(days=days - 1), last)
    bar = progress_bar(unit="day")
    job = run_here(freshness.KIND, lambda progress: freshness.compute(period, scopes, progress),
                   params=freshness.job_params(period, scopes), on_step=bar, commits=True)
    bar.bar.close()
    if job.state == "failed":
        echo_outcome(job)
        raise SystemExit(1)
    click.echo(_("%(n)s day figures computed over %(days)s days.", n=job.result["computed"], days=days))
