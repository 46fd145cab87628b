"""What a user chose for their desk, kept on the server (``app_user.preferences``, migration 0024).

A dispatcher who switches the new-event chime on at one console finds it on
at the next: the choice belongs to the person, not to the browser. Each page
keeps its choices under a key of its own (here ``desk``); only known choices
with values of the right type are stored.
"""
from __future__ import annotations

from flask_babel import gettext as _

from app.errors import ValidationError
from app.extensions import db
from app.models import User

KEY = "desk"
#: Every choice of the desk, with its default: the chime is off until the user switches it on
#: (browsers play no sound before a click anyway).
DEFAULTS: dict[str, bool] = {"chime": False}


def of(user: User) -> dict:
    """The user's desk choices, defaults filled in."""
    stored = (user.preferences or {}).get(KEY) or {}
    return {name: bool(stored.get(name, default)) for name, default in DEFAULTS.items()}


def update(user: User, changes: dict) -> dict:
    """Store ``changes`` (a subset of DEFAULTS, booleans); returns the choices now. The caller commits."""
    for name, value in changes.items():
        if not isinstance(value, bool):
            raise ValidationError(_("%(field)s must be true or false.", field=name), {"field": name})
    choices = of(user) | changes
    # A new dict: SQLAlchemy sees a changed JSONB value only when it is replaced.
    user.preferences = {**(user.preferences or {}), KEY: choices}
    db.session.flush()
    return choices
