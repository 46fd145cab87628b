"""Translated strings of the dispatch desk (labels for the page and for gridmap-dispatch.js).

Everything here needs a request (the locale): call from views only.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.labels import DEADLINE_STATE_LABELS, EVENT_ACTION_LABELS, LEVEL_LABELS, STATUS_LABELS
from app.maps.texts import js_texts

#: One label per app.events.workflow action (buttons and history rows) and ``place`` (app.labels).
ACTION_LABELS = EVENT_ACTION_LABELS

#: Handling levels of events (app.events.workflow.LEVELS).
HANDLING_LEVEL_LABELS = {
    "grid": _l("Grid"),
    "community": _l("Community"),
    "subdistrict": _l("Subdistrict"),
    "department": _l("Department"),
}


def desk_texts() -> dict[str, str]:
    """Strings used by static/js/gridmap-dispatch.js (``%(name)s`` placeholders)."""
    texts = {
        **js_texts(),
        "queue_empty": _("No events match these filters."),
        "district": _("District"),
        "transfer": _("Transfer to another district"),
        "handover": _("Hand to a district"),
        "transfer_from": _("Now in %(district)s."),
        "transfer_reason": _("Reason (required)"),
        "handover_note": _("Note (optional)"),
        "transferred": _("Moved to %(district)s: its dispatchers handle it now."),
        "grid_matches": _("%(n)s grids match"),
        "count": _("%(n)s events"),
        "count_overdue": _("%(n)s overdue"),
        "count_due_soon": _("%(n)s due soon"),
        "count_unplaced": _("%(n)s waiting for placement"),
        "truncated": _("Only the first %(n)s are listed: narrow the filters."),
        "updated_at": _("Last update %(time)s"),
        "connecting": _("Connecting…"),
        "offline": _("Connection lost, retrying"),
        "stale": _("Already handled by someone else: the event is now %(state)s. It has been reloaded."),
        "forbidden": _("You may not do this: %(message)s"),
        "failed": _("The action failed: %(message)s"),
        "done": _("Done: %(action)s."),
        "note": _("Note"),
        "note_hint": _("Why, or what was done (required for some actions)"),
        "assignee": _("Assignee"),
        "choose_assignee": _("Choose a grid worker"),
        "no_assignees": _("Nobody works in this event's grid or its community: escalate it."),
        "open_events": _("%(n)s open"),
        "deadline_optional": _("Deadline (optional; default from the category)"),
        "new_deadline": _("New deadline"),
        "duplicate_of": _("Ticket of the event it duplicates"),
        "confirm": _("Confirm"),
        "cancel_form": _("Back"),
        "history": _("History"),
        "history_empty": _("No history."),
        "reporter": _("Reporter"),
        "reporter_email": _("Reporter email"),
        "standard_address": _("Standard address"),
        "address_confidence": _("match %(percent)s"),
        "photos": _("Photos"),
        "photo_n": _("Photo %(n)s"),
        "created_at": _("Reported at"),
        "dispatched_at": _("Dispatched at"),
        "level": _("Handling level"),
        "ticket": _("Ticket"),
        "unplaced": _("Waiting for placement"),
        # A publication left the point outside its district's grids (migration 0036): hand it over.
        "outside_district": _("Outside its district's grids"),
        "point_district": _("In %(district)s's grids: hand it over"),
        "place": _("Place on the map"),
        "place_hint": _("Click the map where the event is, then confirm."),
        "place_confirm": _("Save this place"),
        "place_cancel": _("Cancel placement"),
        "placed": _("Placed: %(grid)s"),
        "no_actions": _("You can only watch this event."),
        "unassigned": _("Unassigned"),
        "new_event": _("New"),
        "by": _("by %(actor)s"),
        "close_panel": _("Close"),
        "loading_event": _("Loading the event…"),
        # New events (app.dispatch.queue): the counter, the tab title, the chime.
        "new_events": _("%(n)s new events"),
        "no_new_events": _("No new events"),
        "title_count": _("(%(n)s) %(title)s"),
        "chime_failed": _("The chime setting could not be saved: %(message)s"),
        # The assignee picker and reassign.
        "assignee_entry": _("%(name)s · %(grids)s · %(phone)s · %(n)s open"),
        "current_assignee": _("(holds it now)"),
        "no_other_assignees": _("Nobody else works in this event's grid or its community: recall it to the desk "
                                "or escalate it."),
        "relation_grid": _("This event's grid"),
        "relation_community": _("The community's staff"),
        "relation_neighbour": _("Other grids of the community"),
        "assignee_missing": _("Choose who takes the event."),
        "reason_required": _("Give the reason: it is kept in the history."),
        "new_assignee": _("New assignee"),
        "reason": _("Reason (required)"),
        "note_required": _("This action needs a note saying why or what was done."),
        "from_to": _("%(from)s → %(to)s"),
        # Placement: the map goes to a standard address or road.
        "place_search_none": _("No standard address matches."),
        "my_grids": _("My grids"),
    }
    texts.update({f"action_{code}": str(label) for code, label in ACTION_LABELS.items()})
    texts.update({f"status_{code}": str(label) for code, label in STATUS_LABELS.items()})
    texts.update({f"handling_{code}": str(label) for code, label in HANDLING_LEVEL_LABELS.items()})
    texts.update({f"deadline_{code}": str(label) for code, label in DEADLINE_STATE_LABELS.items()})
    texts.update({f"level_{code}": str(label) for code, label in LEVEL_LABELS.items()})
    return texts


def map_labels() -> dict[str, str]:
    return {"events": _("Events"), "communities": _("Community boundaries"), "legend": _("Status"),
            "overdue": _("Overdue (red ring)")}
