"""Error pages for people in a browser: in their language, with the site's header and a way on.

``app.errors`` decides whether a request gets JSON (the API, scripts) or a
page (one rule, ``_wants_json``); this module renders the page. Chinese by
default, English with ``?lang=en``, as every page.

- Not signed in and refused (401, or 403): the sign-in form, and back afterwards.
- Signed in without the right (403): a page saying so, with a link home.
- 500 and 503 never touch the database, which may be what failed: their
  header has no navigation and no user (both need the database).
"""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import AnonymousUserMixin, current_user

from app.labels import user_role_label

#: The heading of each status's page.
TITLES = {
    400: _l("The request could not be read"),
    403: _l("You may not open this page"),
    404: _l("Page not found"),
    405: _l("This page cannot be used this way"),
    409: _l("Changed in the meantime"),
    413: _l("Too large"),
    414: _l("The web address is too long"),
    422: _l("Please check what you entered"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}
#: What the page says when the error brings no message of its own fit for people.
MESSAGES = {
    400: _l("The request could not be read. Go back, reload the page and try again."),
    404: _l("There is no page at this address. Check the address, or go on from the home page."),
    405: _l("This page cannot be used this way. Go back and try again from the page itself."),
    413: _l("What you sent is larger than GridMap accepts. Send a smaller file, or fewer files at once."),
    429: _l("Too many requests from your address; wait a minute and try again."),
    500: _l("GridMap met an error it did not expect. It has been logged; please try again, and tell your "
            "administrator if it happens again."),
    503: _l("GridMap cannot reach its database right now; please try again in a moment."),
}
#: Pages that must render without the database: it may be what failed.
WITHOUT_DATABASE = frozenset({500, 503})


def error_page(status: int, message: str | None = None, headers: dict | None = None):
    """The response: ``error.html`` with ``status``'s heading and ``message`` (else the status's own)."""
    bare = status in WITHOUT_DATABASE
    if bare:
        # Nothing on the page may load the signed-in user (Flask-Login keeps it on g._login_user).
        g._login_user = AnonymousUserMixin()
    title = TITLES.get(status) or TITLES[400 if status < 500 else 500]
    text = message or MESSAGES.get(status) or MESSAGES[400 if status < 500 else 500]
    html = render_template("error.html", status=status, title=title, message=text, bare=bare)
    return html, status, headers or {}


def sign_in_first():
    """Someone not signed in was refused: the sign-in form, then back to this page (GETs only)."""
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def refused(status: int, code: str, message: str):
    """A 401 or 403 for a browser: sign in first, or (signed in) say what is missing."""
    if status == 401 or not current_user.is_authenticated:
        return sign_in_first()
    if code == "forbidden":
        # The guard's message names permission codes, which mean nothing to the person reading.
        role = user_role_label(current_user.role, current_user.district_code)
        message = _("Your role (%(role)s) may not open this page. Ask an administrator if your work needs it.",
                    role=role)
    return error_page(403, message)
