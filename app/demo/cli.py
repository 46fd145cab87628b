"""``flask demo load``: fill an empty database with a plausible Zhongyuan district.

Registered by ``app/cli.py`` as ``from app.demo.cli import demo_cli``.
"""
from __future__ import annotations

import time

import click
from flask_babel import gettext as _
from tqdm import tqdm

from app.cli import CommandGroup

demo_cli = CommandGroup("demo", help="Demo data: a city of two Zhengzhou districts (中原区, 二七区): grids, staff "
                                    "and reports.")


_PUBLISHED_HELP = ("Give new demo accounts the password published in README.md (gridmap-demo). Only for an app "
                   "that nobody else can reach: `make run` on 127.0.0.1 passes it. Without it each account "
                   "gets a random password, printed once.")


def _show_accounts(accounts: dict[str, str]) -> None:
    """The demo accounts just made or changed, with their passwords (printed this once)."""
    from app.demo.accounts import PASSWORD as DEMO_PASSWORD

    if not accounts:
        return
    if set(accounts.values()) == {DEMO_PASSWORD}:
        click.echo(_("Demo accounts %(names)s, password %(password)s (demo data only).",
                     names=", ".join(accounts), password=DEMO_PASSWORD))
        return
    click.echo(_("Demo accounts and their passwords, shown only this once (demo data only):"))
    for username, password in accounts.items():
        click.echo(f"  {username:<20} {password}")


def _progress(iterable, label=None, total=None):
    # disable=None: a bar on a terminal, silence in logs and test runners.
    return tqdm(iterable, desc=label, total=total, unit="community", leave=False, disable=None)


@demo_cli.command("load")
@click.option("--seed", type=int, default=2024, show_default=True,
              help="Random seed: the same seed and scale give the same data.")
@click.option("--scale", type=click.FloatRange(min=0.001, max=2.0), default=1.0, show_default=True,
              help="Size factor: 1.0 is ~1,800 grids, ~9,000 micro-grids and ~9,000 reports in two districts; "
                   "0.02 makes ~50 grids.")
@click.option("--force", is_flag=True,
              help="Replace existing data: deletes ALL grids, boundary versions, staff and reports first.")
@click.option("--if-empty", "if_empty", is_flag=True,
              help="Do nothing (exit 0) when grids already exist; for `make run`.")
@click.option("--published-password", "published", is_flag=True, help=_PUBLISHED_HELP)
def load_command(seed: int, scale: float, force: bool, if_empty: bool, published: bool) -> None:
    """Generate the demo city's districts inside the real 中原区 and 二七区 outlines and load them."""
    from app.demo import loader
    from app.demo.generate import generate

    existing = loader.grid_count()
    if existing:
        if if_empty and not force:
            click.echo(_("Demo data not loaded: the database already holds %(n)s grids.", n=f"{existing:,}"))
            return
        if not force:
            raise click.ClickException(_(
                "The database already holds %(n)s grids. Use --force to delete all grids, versions, "
                "staff and reports and load the demo again, or --if-empty to skip quietly.", n=f"{existing:,}"))

    started = time.perf_counter()
    click.echo(_("Generating demo data (seed %(seed)s, scale %(scale)s) ...", seed=seed, scale=f"{scale:g}"))
    data = generate(seed, scale, progress=_progress)
    if existing and force:
        click.echo(_("Deleting %(n)s existing grids and everything attached to them ...", n=f"{existing:,}"))
        loader.clear()
    click.echo("  " + _("generated in %(s)s s", s=f"{time.perf_counter() - started:.1f}"))
    result = loader.load(data, step=lambda label: click.echo(f"  {label} ({time.perf_counter() - started:.1f} s) ..."),
                         published_password=published)
    c = data.counts
    click.echo(_(
        "Loaded the demo city (%(districts)s) in %(s)s s: %(sub)s subdistricts, %(com)s communities, %(grids)s grids, "
        "%(micro)s micro-grids, %(ded)s dedicated grids; %(staff)s staff (%(unstaffed)s grids left without a "
        "worker); %(reports)s reports (%(assigned)s assigned, %(outside)s outside coverage).",
        districts="、".join(d.district.name for d in data.districts),
        s=f"{time.perf_counter() - started:.1f}", sub=c.get("subdistrict", 0), com=c.get("community", 0),
        grids=f"{c.get('grid', 0):,}", micro=f"{c.get('micro', 0):,}", ded=c.get("dedicated", 0),
        staff=f"{result.staff:,}", unstaffed=len(data.unstaffed_grids), reports=f"{result.reports:,}",
        assigned=f"{result.assigned:,}", outside=f"{result.out_of_coverage:,}"))
    for d in data.districts:
        dc = d.counts
        click.echo("  " + _("%(name)s (%(code)s): %(sub)s subdistricts, %(grids)s grids, %(reports)s reports",
                            name=d.district.name, code=d.district.code, sub=dc.get("subdistrict", 0),
                            grids=f"{dc.get('grid', 0):,}", reports=f"{dc.get('reports', 0):,}"))
    click.echo(_("%(n)s standard addresses in the address library (/lookup to try them).",
                 n=f"{result.addresses:,}"))
    _show_accounts(result.accounts)


@demo_cli.command("accounts")
@click.option("--published-password", "published", is_flag=True, help=_PUBLISHED_HELP)
def accounts_command(published: bool) -> None:
    """Create the demo sign-in accounts (one per role) that do not exist yet."""
    from app.demo.accounts import create_demo_accounts
    from app.extensions import db

    made = create_demo_accounts(published=published)
    db.session.commit()
    if made:
        _show_accounts(made)
    else:
        click.echo(_("The demo accounts exist already."))


@demo_cli.command("new-passwords")
def new_passwords_command() -> None:
    """Give every demo account that still has the published password a random one, printed once.

    `make run` runs this before serving beyond this machine (HOST other than 127.0.0.1).
    """
    from app.demo.accounts import replace_published_passwords
    from app.extensions import db

    replaced = replace_published_passwords()
    db.session.commit()
    if replaced:
        click.echo(_("These demo accounts had the password published in README.md; it is replaced."))
        _show_accounts(replaced)
