"""``flask backup create [--output PATH]`` and ``flask backup restore PATH --yes``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.engine import make_url
from tqdm import tqdm

from app import backup
from app.cli import CommandGroup, OneLineError

backup_cli = CommandGroup("backup", help="Back up the database to a pg_dump file and restore it.")


def _feed(bar):
    """A progress callback for the backup module feeding a tqdm bar."""
    def progress(done: int, total: int | None) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
    return progress


def _where(url: str) -> str:
    """The target database for messages: host and name, never the password."""
    u = make_url(url)
    return f"{u.database} @ {u.host or u.query.get('host') or 'localhost'}"


@backup_cli.command("create")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the backup here (default: instance/backups/gridmap-YYYYmmdd-HHMMSS.dump).")
def create_command(output):
    """Dump the whole database (grids, staff, reports, schema) to one file."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        with tqdm(unit="table", leave=False, disable=None) as bar:
            path = backup.backup(url, output, progress=_feed(bar))
    except backup.BackupError as exc:
        raise OneLineError(_("Backup failed: %(error)s", error=str(exc)))
    click.echo(_("Backup written to %(path)s (%(size)s kB).", path=path,
                 size=max(1, round(path.stat().st_size / 1024))))


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the data without asking.")
def restore_command(path, yes):
    """Replace the database's contents with a backup made by `flask backup create`."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        backup.check_archive(path)
    except backup.BackupError as exc:
        raise OneLineError(_("Restore failed: %(error)s", error=str(exc)))
    warning = _("This replaces every grid, staff member and report in database %(db)s with the contents of "
                "%(path)s.", db=_where(url), path=path)
    if not yes:
        # Asking only makes sense at a terminal; scripts must say --yes.
        if not sys.stdin.isatty() or not click.confirm(warning + " " + _("Continue?"), default=False):
            raise click.ClickException(warning + " " + _("Nothing was changed; add --yes to go ahead."))
    from app.extensions import db

    # Pooled connections of this process would wait on or block the restore's locks.
    db.engine.dispose()
    try:
        with tqdm(unit="table", leave=False, disable=None) as bar:
            backup.restore(url, path, progress=_feed(bar))
    except backup.BackupError as exc:
        raise OneLineError(_("Restore failed; the database is unchanged: %(error)s", error=str(exc)))
    click.echo(_("Restored %(path)s into database %(db)s.", path=path, db=_where(url)))
