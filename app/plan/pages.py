"""The planners' pages: the list of drafts (/plan) and the draft editor (/plan/drafts/<id>).

Thin: read the drafts and versions, build the map, render. Every change
(open a draft, each edit, undo/redo, publish, discard) is made by the page's
JavaScript through the draft API (app.plan.api), with the draft's
``row_version`` and the session's CSRF token, so pages and API clients go
through the same services and the same 409/422 answers.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from app.auth.guard import require
from app.auth.roles import GRIDS_EDIT
from app.labels import LEVEL_LABELS
from app.maps.builders import page_parts
from app.maps.settings import api_url as _api, map_settings as _map_settings
from app.maps.texts import js_texts
from app.models import VERSION_STATUSES
from app.plan import checks, drafts, schedule
from app.plan.editor import EDIT_LEVELS, plan_map

bp = Blueprint("plan_pages", __name__, url_prefix="/plan")

#: Validation issues listed in the editor (errors come first; the summary counts them all).
LISTED_ISSUES = 500
EXPORT_FORMATS = (("geojson", "GeoJSON"), ("gpkg", "GeoPackage"), ("shp", "Shapefile"))


def plan_texts() -> dict[str, str]:
    """Strings the planners' pages (static/js/plan/) show (``%(name)s`` placeholders)."""
    return {
        **js_texts(),
        "saving": _("Saving…"),
        "validating": _("Validating…"),
        "reloading": _("Reloading the draft…"),
        "opening": _("Opening a draft…"),
        "fill_in": _("Fill in the %(label)s."),
        "publishing": _("Publishing…"),
        "preparing_impact": _("Working out what publishing would change…"),
        "saved": _("Saved: %(what)s."),
        "op_reshape": _("reshape"),
        "op_split": _("split"),
        "op_merge": _("merge"),
        "op_move": _("move"),
        "op_move_buildings": _("move buildings"),
        "op_buildings_n": _("%(n)s building(s)"),
        "op_import": _("import"),
        "op_undo": _("undo of %(what)s"),
        "op_redo": _("redo of %(what)s"),
        "stale": _("The draft was changed elsewhere meanwhile; it has been reloaded. Check it and make your edit "
                   "again."),
        "refused": _("Edit refused: %(message)s"),
        "failed": _("The request failed: %(message)s"),
        "network": _("The server could not be reached: %(message)s"),
        "select_first": _("Click a grid on the map first."),
        "selected": _("Selected: %(name)s (%(code)s)"),
        "nothing_selected": _("No grid selected. Click one on the map."),
        "draw_polygon": _("Draw the new shape of %(name)s: click each corner, then click the first one to close it."),
        "edit_vertices": _("Drag the corners of %(name)s, then save the shape."),
        "draw_line": _("Draw a line across %(name)s: click each point, click the last one again to finish."),
        "merge_pick": _("Click the adjacent grids to merge (%(n)s chosen), then save the merge."),
        "move_pick": _("Click the units to move (%(n)s chosen), then choose the target grid."),
        "move_target": _("Now click the grid that takes the %(n)s chosen unit(s)."),
        "need_two": _("Choose at least two grids to merge."),
        "need_one": _("Choose at least one unit to move."),
        "move_buildings_pick": _("Click the buildings to move (%(n)s chosen), then choose the target grid."),
        "move_buildings_target": _("Now click the grid that takes the %(n)s chosen building(s) and their plots."),
        "need_building": _("Choose at least one building to move."),
        "buildings_zoom_in": _("Too many buildings in this view (more than %(limit)s): zoom in to see them."),
        "no_buildings": _("No building in this view."),
        "validation_ok": _("No errors: the draft can be published."),
        "validation_errors": _("%(errors)s error(s), %(warnings)s warning(s): fix the errors before publishing."),
        "validation_warnings": _("No errors, %(warnings)s warning(s)."),
        "validation_truncated": _("Only the first %(n)s issues are listed."),
        "error": _("Error"),
        "warning": _("Warning"),
        "area": _("%(area)s m²"),
        "confirm_publish": _("Publish this draft? It becomes the boundaries every lookup and new report uses."),
        "impact_line": _("%(grids)s grid(s) change (%(added)s added, %(removed)s removed, %(reshaped)s reshaped); "
                         "%(reports)s report(s) change grid, %(open)s of them open; about %(households)s "
                         "household(s) move."),
        "published": _("Published as generation %(generation)s: %(n)s open report(s) changed grid."),
        "publish_scheduled_choice": _("Scheduled: it becomes the boundaries every lookup and new report uses at "
                                      "%(when)s (Beijing time), its effective date. Until then the published "
                                      "boundaries stay in force and the draft cannot change."),
        "publish_outcome_now": _("Publishing now: from this moment lookups and new reports use these boundaries, "
                                 "and %(open)s open report(s) change grid."),
        "publish_outcome_scheduled": _("Scheduling: nothing changes until %(when)s (Beijing time); then %(open)s "
                                       "open report(s) (as of now) change grid."),
        "publish_confirm_now": _("Publish now"),
        "publish_confirm_scheduled": _("Schedule"),
        "scheduled": _("Scheduled: these boundaries take effect at %(when)s (Beijing time)."),
        "unscheduling": _("Cancelling the schedule…"),
        "confirm_unschedule": _("Cancel the scheduled publication? The draft becomes editable again."),
        "confirm_discard": _("Discard this draft and all its edits?"),
        "confirm_rebase": _("Redo this draft's edits on the latest published version? Edits that no longer fit "
                            "are dropped and listed."),
        "rebasing": _("Redoing the draft's edits on the latest published version…"),
        "rebased": _("Redone on the latest version: %(applied)s edit(s) applied, %(skipped)s skipped."),
        "rebase_applied": _("Edit %(seq)s (%(what)s) applied."),
        "rebase_skipped": _("Edit %(seq)s (%(what)s) skipped: %(message)s"),
        "no_operations": _("No edits yet."),
        "undone": _("(undone)"),
        "created_draft": _("Draft %(id)s opened."),
        "save": _("Save"),
        "draw_start": _("Click to place the first point."),
        "draw_cont": _("Click to place the next point."),
        "draw_polygon_end": _("Click the first point to close the shape."),
        "draw_line_end": _("Click the last point again to finish the line."),
        "draw_crossing": _("The edges of a shape must not cross."),
        "choose_target": _("Choose the target grid"),
        "impact_loading": _("Working out the impact of this draft…"),
        "impact_shown": _("Impact against %(name)s: %(n)s outline(s) drawn on the map."),
        "impact_none": _("Nothing changes against %(name)s."),
        "impact_stale": _("The draft has changed since this preview: preview it again."),
        "impact_layer": _("Impact: old (dashed red) and new (blue) outlines"),
        "impact_grids": _("Grids changed"),
        "impact_kinds": _("%(added)s added, %(removed)s removed, %(reshaped)s reshaped, %(attributes)s renamed or "
                          "recounted"),
        "impact_reports": _("Reports that change grid"),
        "impact_open": _("of them open"),
        "impact_addresses": _("Addresses that change grid"),
        "impact_buildings": _("Buildings that change grid"),
        "impact_households": _("Households moved (about)"),
        "impact_workers_losing": _("Workers losing grids"),
        "impact_workers_gaining": _("Workers taking new grids"),
        "impact_worker_loses": _("loses %(codes)s"),
        "impact_worker_changes": _("changed %(codes)s"),
        "impact_worker_gains": _("takes over %(codes)s on publishing"),
        "impact_change_added": _("added"),
        "impact_change_removed": _("removed"),
        "impact_change_reshaped": _("reshaped"),
        "impact_change_attributes": _("renamed or recounted"),
        "impact_area": _("+%(gained)s / -%(lost)s m²"),
        "published_version": _("the published version"),
        "importing": _("Importing…"),
        "import_progress": _("%(message)s (step %(done)s of %(total)s)"),
        "imported": _("Imported %(n)s feature(s) from %(file)s (coordinate system %(crs)s)."),
        "import_no_file": _("Choose a file to import first."),
        "import_refused": _("Import refused: %(message)s"),
        "import_feature_error": _("Feature %(index)s %(code)s: %(message)s"),
        "import_more_errors": _("… and %(n)s more."),
        "issues_shown": _("%(shown)s of %(n)s shown"),
        "issue_new": _("new"),
        "validation_changes": _("Checked again %(checked)s grid(s) this edit touched: %(added)s new issue(s), "
                                "%(resolved)s resolved."),
        "validation_resolved": _("Resolved: %(list)s"),
        "notice": _("Known"),
        "exclave_allow": _("Allow it to lie in pieces (exclave)"),
        "exclave_withdraw": _("Withdraw its exclave allowance"),
        "exclave_allowed": _("allowed exclave"),
        "exclave_retry": _("Allow %(grids)s to lie in pieces, then do the same edit again"),
        "totals_before_after": _("%(before)s → %(after)s"),
        "totals_target": _("Target %(lo)s-%(hi)s"),
        "totals_loading": _("Working out the totals…"),
        "totals_refused": _("This edit would be refused: %(message)s"),
        "totals_pick_target": _("Point at the grid that would take them to see its totals."),
        "totals_new": _("new"),
        "split_part_name": _("Name of part %(n)s (%(code)s)"),
        "split_draw_more": _("Keep drawing: the line must cross the grid from one side to the other."),
        "op_exclave": _("exclave"),
    }


def _level_labels() -> dict[str, str]:
    return {code: str(label) for code, label in LEVEL_LABELS.items()}


@bp.get("")
@require(GRIDS_EDIT)
def drafts_page():
    open_drafts = [drafts.to_dict(d) for d in drafts.list_drafts()]
    versions = drafts.past_versions()
    return render_template("plan/drafts.html", drafts=open_drafts, versions=versions, formats=EXPORT_FORMATS,
                           texts=plan_texts())


@bp.get("/drafts/<int:draft_id>")
@require(GRIDS_EDIT)
def draft_page(draft_id: int):
    """The editor of a draft; a scheduled, published or retired version is shown in it read-only."""
    # A missing draft raises NotFound: the app's error page answers it (app.error_pages), as every 404.
    draft = drafts.get(draft_id, statuses=VERSION_STATUSES)
    read_only = draft.status != "draft"
    level = request.args.get("level") or "grid"
    if level not in EDIT_LEVELS:
        level = "grid"
    labels = _level_labels()
    labels.update(legend=_("Legend"), selected=_("Selected"), picked=_("Chosen to move or merge"),
                  error=_("Validation error"), warning=_("Validation warning"),
                  highlight=_("The grid of the issue clicked in the list"))
    # The base map of the draft's district, whoever edits it (a city planner too).
    s = _map_settings(draft.district_code)
    info = drafts.to_dict(draft)
    texts = plan_texts()
    t = checks.thresholds()
    settings = {
        "draft": info,
        "texts": texts,
        "issueLimit": LISTED_ISSUES,
        "readOnly": read_only,
        "today": schedule.beijing_day(schedule.now()).isoformat(),
        "targets": {"households": {k: list(v) if v else None for k, v in t.households.items()},
                    "population": {k: list(v) if v else None for k, v in t.population.items()}},
        "urls": {"api": _api(""), "list": request.script_root + "/plan"},
    }
    m = plan_map(s["center"], 13, s["tiles"], _api("grids"), draft.id, level, labels, texts, settings,
                 tianditu_key=s["tianditu_key"])
    levels = {code: labels[code] for code in EDIT_LEVELS}
    effective = schedule.effective_at(draft.effective_date).strftime("%Y-%m-%d %H:%M") \
        if draft.effective_date else ""
    return render_template("plan/editor.html", draft=info, level=level, levels=levels, versions=drafts.past_versions(),
                           read_only=read_only, effective_at=effective, in_force_since=_in_force_since(draft),
                           **page_parts(m))


def _in_force_since(version) -> str | None:
    """The day a published (or retired) version took effect: its effective date, else the day it was
    published (Beijing time), as app.grids.versions.scope_at counts it; None when neither is known."""
    if version.effective_date:
        return version.effective_date.isoformat()
    if version.published_at:
        return schedule.beijing_day(version.published_at).isoformat()
    return None

