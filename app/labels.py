"""Translated labels for channels, statuses, account and staff roles (codes stay English in the data)."""
from flask_babel import get_locale, lazy_gettext as _l

CHANNEL_LABELS = {
    "worker_app": _l("Grid worker app"),
    "resident_app": _l("Resident mini-program"),
    "photo": _l("Photo report"),
    "hotline_12345": _l("12345 hotline"),
    "city_management": _l("Digital city management"),
    "walk_in": _l("Walk-in"),
    "phone": _l("Phone call to the grid worker"),
}

STATUS_LABELS = {
    "reported": _l("Reported"),
    "accepted": _l("Accepted"),
    "dispatched": _l("Dispatched"),
    "in_progress": _l("In progress"),
    "handled": _l("Handled"),
    "verified": _l("Verified"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
    "returned": _l("Returned"),
    "suspended": _l("Suspended"),
}

#: The roles of accounts (app.role_names), as pages and messages name them.
USER_ROLE_LABELS = {
    "admin": _l("Administrator"),
    "planner": _l("Planner"),
    "dispatcher": _l("Dispatcher"),
    "worker": _l("Grid worker"),
    "viewer": _l("Viewer"),
}

#: The same roles held by a city user (app_user.district_code NULL, issue 19): they see every district.
CITY_ROLE_LABELS = {
    "admin": _l("City administrator"),
    "planner": _l("City planner"),
    "dispatcher": _l("City dispatcher"),
    "worker": _l("Grid worker"),
    "viewer": _l("City viewer"),
}


def user_role_label(role: str | None, district_code: str | None = "") -> str:
    """What a user's role is called: 市级调度员 for a city dispatcher (``district_code`` None), 调度员 for a
    district's. Leave ``district_code`` out where only the role is known."""
    labels = CITY_ROLE_LABELS if district_code is None else USER_ROLE_LABELS
    return str(labels.get(role or "", role or ""))


def user_heading(user) -> str:
    """The page header's "who is signed in": 张三 · 调度员. An account whose name is only its role
    (the demo's 市级调度员) reads 市级调度员 · 郑州市 (its district's name, or the city's), not the role twice."""
    from flask_babel import force_locale
    from sqlalchemy.exc import SQLAlchemyError

    from app.extensions import db
    from app.models import District

    role = user_role_label(user.role, user.district_code)
    name = (user.display_name or "").strip() or user.username
    with force_locale("zh"):
        role_zh = user_role_label(user.role, user.district_code)
    if name not in (role, role_zh, user.role):
        return f"{name} · {role}"
    try:
        if user.district_code is not None:
            district = db.session.get(District, user.district_code)
            place = district.name if district is not None else user.district_code
        else:
            place = city_name()
    except SQLAlchemyError:
        # An error page after a failed transaction still has a header: the role alone.
        place = None
    return f"{role} · {place}" if place else role


def city_name() -> str:
    """The city's name, as its districts' settings give it (``city_name``); else "the city"."""
    from sqlalchemy import text as sql_text

    from app.extensions import db

    name = db.session.execute(sql_text(
        "SELECT settings ->> 'city_name' FROM district WHERE settings ? 'city_name' ORDER BY code LIMIT 1")).scalar()
    return name or str(_l("the whole city"))


#: The roles of grid staff (app.models.staff.STAFF_ROLES).
ROLE_LABELS = {
    "grid_chief": _l("Grid chief"),
    "grid_worker": _l("Grid worker"),
    "micro_grid_chief": _l("Micro-grid chief"),
    "micro_grid_worker": _l("Micro-grid worker"),
    "building_head": _l("Building head"),
    "sunk_worker": _l("Department staff in the grid"),
}

LEVEL_LABELS = {
    "district": _l("District"),
    "subdistrict": _l("Subdistrict"),
    "community": _l("Community"),
    "grid": _l("Grid"),
    "micro": _l("Micro-grid"),
}

#: Why the browser gave no position (the GeolocationPositionError's code) and what to do about it.
#: Every page that asks for the phone's location says these (static/js/core.js locationError).
GEOLOCATION_ERRORS = {
    1: _l("This site may not use your location. Allow location for this site in the browser's settings "
          "(the lock or ⓘ beside the address), then reload the page."),
    2: _l("Your position cannot be found right now. Turn on the phone's location service (GPS), "
          "move into the open or near a window, and try again."),
    3: _l("Finding your position took too long. Check that the phone's location service is on, "
          "move into the open, and try again."),
}


def geolocation_texts() -> dict[str, str]:
    """``geo_1`` .. ``geo_3`` for a page's script texts (in the request's language)."""
    return {f"geo_{code}": str(message) for code, message in GEOLOCATION_ERRORS.items()}


KIND_LABELS = {"regular": _l("Regular grid"), "dedicated": _l("Dedicated grid")}

#: app.events.deadlines.DEADLINE_STATES: where an event stands against its handling deadline.
DEADLINE_STATE_LABELS = {
    "on_time": _l("On time"),
    "due_soon": _l("Due soon"),
    "overdue": _l("Overdue"),
    "handled_late": _l("Handled late"),
}


#: One label per app.events.workflow action (buttons and history rows) and ``place``.
EVENT_ACTION_LABELS = {
    "report": _l("Reported"),
    "accept": _l("Accept"),
    "dispatch": _l("Dispatch"),
    "reassign": _l("Reassign"),
    "recall": _l("Recall to the desk"),
    "start": _l("Start"),
    "handle": _l("Report handled"),
    "return": _l("Return"),
    "verify": _l("Verify"),
    "reject": _l("Reject (rework)"),
    "close": _l("Close the case"),
    "reopen": _l("Reopen"),
    "extend": _l("Extend deadline"),
    "escalate": _l("Escalate"),
    "suspend": _l("Suspend"),
    "resume": _l("Resume"),
    "merge": _l("Merge as duplicate"),
    "cancel": _l("Cancel the event"),
    "place": _l("Placed on the map"),
    # Moving to another district (app.events.transfer): the history's "transfer" and the audit's two kinds.
    "transfer": _l("Transfer to another district"),
    "handover": _l("Hand to a district"),
}


def actor_text(name: str | None) -> str:
    """Someone recorded by a login-less name (app.actor): the command line, the system, a visitor."""
    if not name:
        return ""
    if name.startswith("cli:"):
        return str(_l("Command line (%(user)s)", user=name[4:]))
    return str(ACTOR_NAMES[name]) if name in ACTOR_NAMES else name


#: app.actor's names for who acts without an account.
ACTOR_NAMES = {"system": _l("System (scheduled work)"), "anonymous": _l("Visitor (not signed in)")}


#: This module's label mappings translated, by (language, mapping): a lookup names a dozen grids, and
#: each label translated anew (Flask-Babel finds the language and its catalogue every time) cost more
#: than the lookup's SQL took to plan. The mappings are this module's constants; catalogues do not
#: change while the app runs.
_TRANSLATED: dict[tuple[str, int], dict[str, str]] = {}


def translated(mapping: dict) -> dict[str, str]:
    """``mapping`` (one of this module's) in the request language, as plain strings."""
    key = (str(get_locale()), id(mapping))
    done = _TRANSLATED.get(key)
    if done is None:
        done = _TRANSLATED[key] = {code: str(value) for code, value in mapping.items()}
    return done


def text(mapping: dict, code: str | None) -> str | None:
    if code is None:
        return None
    return translated(mapping).get(code, code)
