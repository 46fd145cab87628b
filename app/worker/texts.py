"""Translated strings of the worker's phone pages, for the templates and static/js/worker/ (``%(name)s``).

Everything here needs a request (the locale): call from views only.
"""
from __future__ import annotations

from flask_babel import gettext as _

from app.labels import DEADLINE_STATE_LABELS, STATUS_LABELS, geolocation_texts

#: The worker's words for the loop's actions (app.events.workflow): on the phone, "start" is
#: taking the task on (签收), "handle" is reporting it done.
WORKER_ACTIONS = ("accept", "start", "handle", "return", "escalate")


def phone_of(user) -> str | None:
    """The worker's phone: the account's, else the staff record's (the patrol figures count
    a worker's reports by it, app.patrols.figures)."""
    if user.phone:
        return user.phone
    staff = getattr(user, "staff_id", None)
    if staff is None:
        return None
    from app.extensions import db
    from app.models import Staff

    record = db.session.get(Staff, staff)
    return record.phone if record else None


def common() -> dict[str, str]:
    return {
        "offline": _("No network. Your work is kept on this phone and sent when the network returns."),
        "queued": _("%(n)s items wait to be sent"),
        "sending": _("Sending…"),
        "failed": _("Not sent: %(error)s"),
        "signed_out": _("Your sign-in has expired: sign in again to send what waits on this phone."),
    }


def for_page(page: str) -> dict[str, str]:
    if page == "tasks":
        out = {
            "loading": _("Loading your tasks…"),
            "empty": _("No open tasks. Well done."),
            "cached": _("No network: shown as this phone last loaded it."),
            "load_failed": _("Your tasks could not be loaded: %(error)s"),
            "deadline": _("Due %(at)s"),
            "no_deadline": _("No deadline"),
            "reported": _("Reported %(at)s"),
            "call": _("Call %(phone)s"),
            "photos": _("Photo %(n)s"),
            "note_label": _("What was done"),
            "note_placeholder": _("e.g. Cleared the rubbish, the passage is free again."),
            "return_label": _("Why it goes back"),
            "photo_label": _("Photo of the site now"),
            "submit_handle": _("Report done"),
            "submit_return": _("Send back"),
            "cancel": _("Cancel"),
            "note_required": _("Write what was done (or why it goes back)."),
            "done": _("%(ticket)s: %(status)s"),
            "stale": _("Someone else changed this event; the list is reloaded."),
            "waiting": _("Waiting to be sent"),
            "handled_title": _("Reported done, waiting for the check"),
            "open_title": _("To do"),
            "action_accept": _("File it"),
            "action_start": _("Take it on"),
            "action_handle": _("Done…"),
            "action_return": _("Send back…"),
            "action_escalate": _("Escalate…"),
        }
        out.update({f"status_{k}": str(v) for k, v in STATUS_LABELS.items()})
        out.update({f"deadline_{k}": str(v) for k, v in DEADLINE_STATE_LABELS.items()})
        return out
    if page == "report":
        return {
            "sending": _("Sending the report…"),
            "stored": _("Reported: %(ticket)s."),
            "queued_report": _("No network: the report is kept on this phone and sent when the network returns."),
            "need_location": _("Show where it is: your location, a pin on the map, or a standard address."),
            "need_description": _("Describe the problem."),
            "need_category": _("Choose a category."),
            "rejected": _("The report was not accepted: %(error)s"),
        }
    if page == "patrol":
        return {
            "start": _("Start patrol"),
            "stop": _("Stop patrol"),
            "running": _("Patrolling since %(at)s"),
            "stopped": _("Not patrolling"),
            "fixes": _("%(n)s positions recorded, %(waiting)s waiting to be sent"),
            "today_time": _("%(h)s h %(m)s min"),
            "today_share": _("%(percent)s%%"),
            "no_geolocation": _("This browser cannot tell your location: a patrol cannot be recorded."),
            "location_denied": _("%(reason)s Positions are recorded again as soon as your location is found."),
            "poor_fix": _("Position too imprecise (±%(m)s m): skipped."),
            "session_failed": _("The patrol could not be started on the server (%(error)s); positions are still "
                                "recorded."),
            "figures_failed": _("Today's figures could not be loaded: %(error)s"),
        } | geolocation_texts()
    return {}
