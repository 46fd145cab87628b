"""The dispatch desk page (/dispatch): queue, event panel and live map.

Thin: the filters of the URL (unknown values fall back to "any", so a stale
bookmark still opens the desk), the choices for the filter form, the map.
Everything live happens in static/js/dispatch/ against the JSON API: the feed
(/api/v1/reports/changes), the event, its history and assignees,
transitions, placement and the user's desk preferences. Viewers may watch
(REPORTS_READ); the buttons are the caller's allowed_actions, so they see none.

A caller bound to an area (a grid worker, a community's dispatcher) gets a
desk that opens on that area: the map fitted to its grids, the grid filter
listing only them and what lies below them.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from app.auth.guard import require
from app.auth.roles import REPORTS_ACT, REPORTS_READ, allows
from app.auth.scope import actor_district, event_area
from app.events import transfer
from app.dispatch import area as area_queries, preferences, queue
from app.dispatch.map import desk_map
from app.dispatch.texts import desk_texts, map_labels
from app.events import categories as category_table
from app.labels import CHANNEL_LABELS, DEADLINE_STATE_LABELS, STATUS_LABELS
from app.maps.builders import page_parts
from app.maps.settings import api_url as _api, map_settings as _map_settings
from app.reports.api import REPORTED_CHOICES

bp = Blueprint("dispatch", __name__)

#: Milliseconds between two polls of the live feed.
POLL_MS = 3000
#: Milliseconds between two full reloads: time passing (due soon, overdue) changes no row.
RESYNC_MS = 300_000
#: The first is the default: new events, then overdue, then due soon (app.dispatch.queue).
SORTS = ("priority", "deadline", "created")
def _filters(categories, grids, districts) -> dict:
    """The filters of the URL, each unknown value replaced by its default."""
    args = request.args
    status = args.get("status", "open")
    if status not in ("open", "all", *STATUS_LABELS):
        status = "open"
    pick = {
        "category": {c["code"] for c in categories},
        "channel": set(CHANNEL_LABELS),
        "deadline_state": set(DEADLINE_STATE_LABELS),
        "grid_id": {str(g["id"]) for g in grids},
        # A city user's choice of one district (a district's user has only theirs).
        "district": {d["code"] for d in districts},
    }
    out = {name: (args.get(name) if args.get(name) in allowed else "") for name, allowed in pick.items()}
    out["status"] = status
    out["sort"] = args.get("sort") if args.get("sort") in SORTS else SORTS[0]
    out["needs_placement"] = "true" if args.get("needs_placement") in ("true", "1") else ""
    out["outside_district"] = "true" if args.get("outside_district") in ("true", "1") else ""
    out["reported"] = args.get("reported") if args.get("reported") in REPORTED_CHOICES else ""
    out["ticket"] = (args.get("ticket") or "")[:32]
    return out


@bp.get("/dispatch")
@require(REPORTS_READ)
def desk():
    categories = [{"code": c.code, "label": category_table.label(c)} for c in category_table.all_categories()]
    area = event_area()
    grids = area_queries.grid_choices(area)
    districts = transfer.districts()
    city_user = actor_district() is None
    filters = _filters(categories, grids, districts if city_user else [])
    s = _map_settings()
    texts = desk_texts()
    status_labels = {code: str(label) for code, label in STATUS_LABELS.items()}
    settings = {
        "feed_url": _api("reports/changes"), "reports_url": _api("reports"),
        "filters": filters, "poll_ms": POLL_MS, "resync_ms": RESYNC_MS, "may_act": allows(current_user.role, REPORTS_ACT),
        "queue_ranks": queue.RANKS, "default_sort": SORTS[0],
        "preferences_url": _api("dispatch/preferences"), "preferences": preferences.of(current_user),
        "suggest_url": _api("addresses/suggest"),
        # 交办/转办 (app.events.transfer): the districts an event can move to, and whether we may.
        "districts": districts, "city_user": city_user,
        "may_transfer": current_user.role in transfer.MOVING_ROLES and len(districts) > 1,
        "movable_states": list(transfer.MOVABLE_STATES),
    }
    settings["home_bounds"], settings["home_area"] = area_queries.home(area)
    m = desk_map(s["center"], 13, s["tiles"], _api("grids"), map_labels(), texts, status_labels, settings,
                 tianditu_key=s["tianditu_key"])
    return render_template(
        "dispatch/desk.html", filters=filters, categories=categories, grids=grids,
        new_events=queue.new_events(area, filters["district"] or None), chime=settings["preferences"]["chime"],
        area_bound=bool(area),
        statuses=status_labels, channels={c: str(label) for c, label in CHANNEL_LABELS.items()},
        deadline_states={c: str(label) for c, label in DEADLINE_STATE_LABELS.items()},
        districts=districts, city_user=city_user,
        **page_parts(m))
