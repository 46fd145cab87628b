"""``flask users create|list|set-password|set-district|disable|unlock|token``: accounts from the command line.

The first administrator is made here (``make run`` prints how); after that
the admin page (/admin/users) does the same.
"""
from __future__ import annotations

import click
from flask_babel import gettext as _

from app.auth import lockout, users as accounts
from app.cli import CommandGroup
from app.errors import DomainError
from app.extensions import db
from app.labels import user_role_label
from app.role_names import ROLES

users_cli = CommandGroup("users", help="Manage user accounts and API tokens.")


def _fail(exc: DomainError):
    db.session.rollback()
    raise click.ClickException(exc.message)


def _user(username: str):
    user = accounts.by_username(username)
    if user is None:
        raise click.ClickException(_("No user named %(name)s.", name=username))
    return user


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help=", ".join(ROLES[:-1]) + f" or {ROLES[-1]}.")
@click.option("--name", "display_name", default="", help="Full name shown in the pages.")
@click.option("--grids", default="", help="Grid codes (comma-separated) of a worker's or dispatcher's area.")
@click.option("--phone", default=None)
@click.option("--district", "district", default=None, metavar="CODE",
              help="The district (GB/T 2260 code) the user belongs to; default: GRIDMAP_DISTRICT_CODE.")
@click.option("--city", is_flag=True, help="A city user (市级): sees every district.")
@click.password_option(help="Asked for when not given (at least 10 characters).")
def create_command(username, role, display_name, grids, phone, district, city, password):
    """Create a user."""
    try:
        user = accounts.create(username, password, role, display_name=display_name, areas=grids, phone=phone,
                               district=_district_choice(district, city))
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(_("User %(name)s created with role %(role)s.", name=user.username,
                 role=user_role_label(user.role, user.district_code)))


def _district_choice(district: str | None, city: bool):
    """What --district CODE / --city ask for (accounts.UNCHANGED when neither is given)."""
    if district and city:
        raise click.UsageError(_("Give either --district or --city, not both."))
    if city:
        return None
    return district.strip() if district else accounts.UNCHANGED


@users_cli.command("set-district")
@click.argument("username")
@click.option("--district", "district", default=None, metavar="CODE", help="The user's district (GB/T 2260 code).")
@click.option("--city", is_flag=True, help="Make the user a city user (市级).")
def district_command(username, district, city):
    """Move a user to a district, or to the city."""
    choice = _district_choice(district, city)
    if choice is accounts.UNCHANGED:
        raise click.UsageError(_("Give --district CODE or --city."))
    user = _user(username)
    try:
        accounts.update(user, district=choice)
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(_("%(name)s is now %(role)s of %(district)s.", name=user.username,
                 role=user_role_label(user.role, user.district_code), district=user.district_code or _("the city")))


@users_cli.command("list")
def list_command():
    """List users with their role, state, grids, name and district ('city' for the city's)."""
    for u in accounts.list_users():
        state = _("active") if u.active else _("disabled")
        # The district last: scripts reading the older columns keep working.
        click.echo(f"{u.username}\t{u.role}\t{state}\t{','.join(u.area_codes) or '-'}\t{u.display_name}"
                   f"\t{u.district_code or 'city'}")


@users_cli.command("set-password")
@click.argument("username")
@click.password_option()
def password_command(username, password):
    """Set a user's password."""
    user = _user(username)
    try:
        accounts.set_password(user, password)
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(_("Password of %(name)s changed.", name=user.username))


@users_cli.command("disable")
@click.argument("username")
def disable_command(username):
    """Disable an account (it can no longer sign in or use its tokens)."""
    user = _user(username)
    try:
        accounts.update(user, active=False)
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(_("User %(name)s disabled.", name=user.username))


@users_cli.command("unlock")
@click.argument("username")
def unlock_command(username):
    """Lift a sign-in lockout (too many wrong passwords) before it runs out."""
    user = _user(username)
    lifted = lockout.unlock(user)
    db.session.commit()
    click.echo(_("Sign-in lockout of %(name)s lifted.", name=user.username) if lifted
               else _("%(name)s is not locked out.", name=user.username))


@users_cli.command("token")
@click.argument("username")
@click.option("--name", "token_name", required=True, help="What will use the token, e.g. '12345 bridge'.")
def token_command(username, token_name):
    """Create an API token for a user; it is printed once."""
    user = _user(username)
    try:
        _, secret = accounts.issue_token(user, token_name)
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(secret)
