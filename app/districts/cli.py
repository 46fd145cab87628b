"""``flask districts list|show|set``: the districts and their own base map and working calendar.

``set CODE SECTION JSON`` sets one section as the API does (``null`` for the deployment's again)::

    flask districts set 410103 calendar '{"hours": [["08:30", "12:00"], ["15:00", "18:00"]]}'
    flask districts set 410103 tiles '{"kind": "xyz", "url": "http://10.1.2.3/tiles/{z}/{x}/{y}.png"}'
    flask districts set 410103 tiles null
"""
from __future__ import annotations

import json

import click
from flask_babel import gettext as _

from app.cli import CommandGroup, OneLineError
from app.districts import service, settings
from app.extensions import db

districts_cli = CommandGroup("districts", help="The districts and their own settings (base map, working calendar).")


@districts_cli.command("list")
def list_command():
    """The districts with their grids, users and which settings are their own."""
    for d in service.listing():
        own = ", ".join(d["own"]) or "-"
        click.echo(f"{d['code']}  {d['name']}  " + _("grids %(grids)s, users %(users)s, own settings: %(own)s",
                                                      grids=d["grids"], users=d["users"], own=own))


@districts_cli.command("show")
@click.argument("code")
def show_command(code):
    """A district's own settings and what its pages and deadlines use (JSON)."""
    click.echo(json.dumps(service.describe(code), ensure_ascii=False, indent=2))


@districts_cli.command("set")
@click.argument("code")
@click.argument("section", type=click.Choice(settings.SECTIONS))
@click.argument("value", metavar="JSON")
def set_command(code, section, value):
    """Set one section of a district's settings (JSON; null: the deployment's again). Audited."""
    try:
        doc = json.loads(value)
    except json.JSONDecodeError as exc:
        raise OneLineError(_("%(section)s: not valid JSON (%(error)s).", section=section, error=exc.msg)) from None
    # At the command line one acts for the city (app.actor): every district may be set.
    result = service.change(code, {section: doc})
    db.session.commit()
    click.echo(_("District %(code)s: %(section)s saved.", code=code, section=section))
    click.echo(json.dumps(result["settings"], ensure_ascii=False, indent=2))
