"""Map pages. Thin: settings and labels in, builder, template out."""
from __future__ import annotations

from flask import render_template, request

from app.maps import bp
from app.maps.settings import api_url as _api, map_settings as _map_settings
from app.maps.builders import coverage_map, issues_map, page_parts
from app.maps.texts import coverage_labels, deadline_choices, issues_labels, js_texts, status_choices
from app.events import categories as category_table
from app.auth.guard import require
from app.auth.roles import GRIDS_READ, REPORTS_READ


@bp.get("/coverage")
@require(GRIDS_READ)
def coverage():
    s = _map_settings()
    m = coverage_map(
        s["center"], 13, s["tiles"], _api("grids"), coverage_labels(), js_texts(),
        tianditu_key=s["tianditu_key"],
    )
    return render_template("maps/coverage.html", **page_parts(m))


@bp.get("/issues")
@require(REPORTS_READ)
def issues():
    s = _map_settings()
    categories = [{"code": c.code, "label": category_table.label(c), "color": c.color}
                  for c in category_table.all_categories()]
    statuses = status_choices()
    status = request.args.get("status", "open")
    if status not in {c["code"] for c in statuses}:
        status = "open"
    category = request.args.get("category") or None
    if category not in {c["code"] for c in categories}:
        category = None
    deadlines = deadline_choices()
    # Unknown values fall back to "any", as for the other filters: a stale bookmark still shows a map.
    deadline_state = request.args.get("deadline_state") or None
    if deadline_state not in {d["code"] for d in deadlines}:
        deadline_state = None
    m = issues_map(
        s["center"], 13, s["tiles"], _api("reports"), _api("grids"), categories,
        issues_labels(), js_texts(), status=status, category=category, deadline_state=deadline_state,
        tianditu_key=s["tianditu_key"],
    )
    return render_template(
        "maps/issues.html",
        categories=categories,
        statuses=statuses,
        selected_status=status,
        selected_category=category or "",
        deadline_states=deadlines,
        selected_deadline=deadline_state or "",
        **page_parts(m),
    )
