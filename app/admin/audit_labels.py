"""The audit log as people read it: what happened (a label per action code), who did it (their name),
what it was about (a label per object), and which fields changed.

The codes stay in the data and in the JSON API (app.admin.api); only /admin/audit shows these.
One mapping, :data:`ACTION_LABELS`, names every action code the app records; the families whose last
part is open (``report.<workflow action>``, ``draft.<edit kind>``) are named from their own labels.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask_babel import gettext as _, lazy_gettext as _l

from app.labels import EVENT_ACTION_LABELS, actor_text

#: Every fixed action code ``app.audit.record`` is called with.
ACTION_LABELS = {
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Sign-in failed"),
    "auth.logout": _l("Signed out"),
    "auth.lockout": _l("Sign-in locked after failed attempts"),
    "auth.unlock": _l("Sign-in lock lifted"),
    "user.create": _l("Account created"),
    "user.update": _l("Account changed"),
    "user.password": _l("Password changed"),
    "user.area_carry": _l("Accounts' areas carried to the new grids"),
    "token.create": _l("API token created"),
    "token.revoke": _l("API token revoked"),
    "category.create": _l("Event category created"),
    "category.update": _l("Event category changed"),
    "draft.open": _l("Draft opened"),
    "draft.update": _l("Draft details changed"),
    "draft.discard": _l("Draft discarded"),
    "draft.publish": _l("Draft published"),
    "draft.rebase": _l("Draft redone on the latest version"),
    "draft.schedule": _l("Publication scheduled"),
    "draft.schedule_failed": _l("Scheduled publication failed"),
    "draft.unschedule": _l("Scheduled publication cancelled"),
    "draft.undo": _l("Draft edit undone"),
    "draft.redo": _l("Draft edit redone"),
    "staff.carry": _l("Grid staff carried to the new grids"),
    "grid.import": _l("Grids imported"),
    "patrol.session_start": _l("Patrol started"),
    "patrol.session_stop": _l("Patrol ended"),
    "patrol.household_visit": _l("Household visit recorded"),
    "patrol.fixes_for_worker": _l("Track points uploaded"),
    "patrol.import": _l("Patrol tracks imported"),
    "patrol.partitions_detach": _l("Old track data archived"),
    "patrol.places_import": _l("Key places imported"),
    "report.create": _l("Event reported"),
    "report.import": _l("Events imported"),
    "address.alias": _l("Address alias set"),
    "address.alias_remove": _l("Address alias removed"),
    "address.import": _l("Standard addresses imported"),
    "address.reassign": _l("Addresses reassigned to grids"),
    "address.prefixes": _l("Address prefixes of a district changed"),
    "district.settings": _l("District settings changed"),
}

#: The kinds of draft edit (app.models.boundary.OPERATION_KINDS), for ``draft.<kind>``.
EDIT_KIND_LABELS = {
    "reshape": _l("reshape"),
    "split": _l("split"),
    "merge": _l("merge"),
    "move": _l("move"),
    "move_buildings": _l("move buildings"),
    "import": _l("import"),
    "exclave": _l("exclave"),
}

#: What an entry is about (app.models.audit.ENTITY_TYPES).
ENTITY_LABELS = {
    "grid": _l("Grid"),
    "boundary_version": _l("Boundary version"),
    "draft": _l("Draft"),
    "report": _l("Event"),
    "category": _l("Event category"),
    "standard_address": _l("Standard address"),
    "patrol": _l("Patrol"),
    "user": _l("User"),
    "api_token": _l("API token"),
    "auth": _l("Account"),
    "district": _l("District"),
}

#: How the actor was signed in (app.actor.Actor.via).
VIA_LABELS = {
    "session": _l("Signed-in page"),
    "token": _l("API token"),
    "basic": _l("Password over HTTP"),
    "cli": _l("Command line"),
    "anonymous": _l("Not signed in"),
}

#: Values longer than this are cut in the list of changes (the raw record keeps them whole).
VALUE_CHARS = 80
#: Fields listed per entry; the rest are counted.
LISTED_FIELDS = 8


def action_label(code: str) -> str:
    """``code`` as people read it; an unknown code is shown as it is."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    family, _sep, rest = code.partition(".")
    if family == "report" and rest in EVENT_ACTION_LABELS:
        return _("Event: %(action)s", action=EVENT_ACTION_LABELS[rest])
    if family == "draft" and rest in EDIT_KIND_LABELS:
        return _("Draft edit: %(kind)s", kind=EDIT_KIND_LABELS[rest])
    return code


def via_label(via: str | None) -> str:
    return str(VIA_LABELS.get(via, via or ""))


@dataclass
class Person:
    """An account as pages name it: display name first, login beside it."""
    name: str
    login: str | None = None


@dataclass
class Change:
    field: str
    before: str | None
    after: str | None


@dataclass
class AuditRow:
    """One entry ready for the page."""
    id: int
    at: object
    action: str
    action_label: str
    actor: Person
    via: str
    ip: str | None
    object_type: str
    object_label: str
    object_title: str | None
    changes: list[Change] = field(default_factory=list)
    more_changes: int = 0
    raw_before: str | None = None
    raw_after: str | None = None


def _plain(value) -> str:
    """A value as a short line of text: lists joined by 、, objects as key value pairs, no JSON braces."""
    if isinstance(value, dict):
        return "，".join(f"{k} {_plain(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(_plain(v) for v in value) if value else "-"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _value(value) -> str | None:
    if value is None:
        return None
    text = _plain(value)
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS - 1] + "…"


def changes(before, after) -> list[Change]:
    """The fields that differ between ``before`` and ``after`` (each a dict, or None), in their order;
    an entry with only one side lists that side's fields."""
    before = before if isinstance(before, dict) else ({} if before is None else {"": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"": after})
    keys = list(before) + [k for k in after if k not in before]
    one_sided = not before or not after
    return [Change(k, _value(before.get(k)), _value(after.get(k))) for k in keys
            if (before.get(k) != after.get(k) or k not in before or k not in after)
            # A record made or removed lists what it holds: its empty fields say nothing.
            and not (one_sided and before.get(k) in (None, "") and after.get(k) in (None, ""))]


def _raw(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, indent=1, default=str)


def describe(entry, people: dict[int, Person], names: dict[tuple[str, str], str]) -> AuditRow:
    """``entry`` (an AuditEntry) for the page; ``people`` by user id and ``names`` by (type, id) come from
    app.admin.audit_log.lookups, so a page of entries costs two queries, not one per row."""
    actor = people.get(entry.actor_id) if entry.actor_id is not None else None
    if actor is None:
        # No account (the command line, the system, a visitor), or one since deleted: the name recorded.
        actor = Person(actor_text(entry.actor))
    kind = entry.entity_type
    type_label = str(ENTITY_LABELS.get(kind, kind))
    ident, title = entry.entity_id, None
    person = None
    if kind in ("user", "auth", "patrol") and ident and ident.isdigit():
        person = people.get(int(ident))
    if person is not None:
        ident, title = person.name, person.login
    elif kind == "auth" and not ident and isinstance(entry.after, dict) and entry.after.get("username"):
        ident = entry.after["username"]   # a failed sign-in or a lockout: the name that was tried
    elif ident and (kind, ident) in names:
        ident = _("%(id)s (%(name)s)", id=ident, name=names[(kind, ident)])
    label = f"{type_label} {ident}" if ident else type_label
    listed = changes(entry.before, entry.after)
    return AuditRow(entry.id, entry.at, entry.action, action_label(entry.action), actor, via_label(entry.via),
                    entry.ip, kind, label, title, listed[:LISTED_FIELDS], max(0, len(listed) - LISTED_FIELDS),
                    _raw(entry.before), _raw(entry.after))
