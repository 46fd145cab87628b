"""The event figures page (/figures/events): filters, a table per unit and bar charts of the rates.

Thin: parse the filters, run the query, render. The charts are drawn by
static/js/gridmap-figures.js with the vendored Chart.js from data the page
carries as JSON (no inline script runs).
"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from app.auth.guard import require
from app.auth.scope import actor_district, district_choices
from app.figures import districts as district_figures
from app.patrols import freshness
from app.auth.roles import REPORTS_READ
from app.figures.events import event_figures
from app.figures.filters import category_choices, parse_filters, query_args, subdistrict_choices

bp = Blueprint("figures", __name__)

#: Units drawn in the charts (those with most events): more bars are unreadable; the table has them all.
CHART_UNITS = 30
#: Rows in the page's table; the CSV has every unit.
TABLE_ROWS = 1000


def grouping_labels() -> dict[str, str]:
    return {"district": _("District"), "subdistrict": _("Subdistrict"), "community": _("Community"),
            "grid": _("Grid"), "worker": _("Grid worker")}


def unit_label(unit: dict, by: str) -> str:
    """The unit's name, after its parent's for grids and communities (第1网格 is in every community)."""
    if unit["unit"] is None:
        return _("Not assigned") if by == "worker" else _("Outside every grid")
    name = unit["name"] or unit["code"] or ""
    if by in ("grid", "community") and unit.get("parent_name"):
        return f"{unit['parent_name']} · {name}"
    return name


def chart_data(units: list[dict], by: str) -> dict:
    """What gridmap-figures.js draws: the busiest units' rates (in %) and counts."""
    busiest = sorted((u for u in units if u["reported"]), key=lambda u: (-u["reported"], u["code"] or ""))
    shown = busiest[:CHART_UNITS]

    def percent(value):
        return None if value is None else round(value * 100, 2)

    return {
        "labels": [unit_label(u, by) for u in shown],
        # Lists, not objects: the JSON is written with sorted keys, and the series keep this order.
        "rates": [{"key": key, "values": [percent(u[key]) for u in shown]}
                  for key in ("disposal_rate", "closing_rate", "on_time_rate", "rework_rate")],
        "counts": [{"key": key, "values": [u[key] for u in shown]} for key in ("reported", "handled", "closed")],
        "texts": {"disposal_rate": _("Disposal rate"), "closing_rate": _("Closing rate"),
                  "on_time_rate": _("On-time closing rate"), "rework_rate": _("Rework rate"),
                  "reported": _("Events reported"), "handled": _("Handled"), "closed": _("Closed"),
                  "percent_axis": _("Rate (%)"), "count_axis": _("Events")},
    }


@bp.get("/figures/events")
@require(REPORTS_READ)
def events_page():
    filters = parse_filters(request.args)
    figures = event_figures(filters)
    big_classes, categories = category_choices()
    units = figures["units"]
    groupings = grouping_labels()
    if actor_district() is not None and filters.by != "district":
        # A district's user has one district: nothing to compare (unless asked for by the address, when
        # the form shows what the table is grouped by).
        groupings.pop("district")
    patrols = district_figures.patrol_freshness(filters) if filters.by == "district" else None
    ranking = district_figures.ranking(filters) if filters.by == "district" else None
    return render_template(
        "figures/events.html", filters=filters, units=units[:TABLE_ROWS], unit_count=len(units),
        total=figures["total"], table_rows=TABLE_ROWS, groupings=groupings, ranking=ranking, patrols=patrols,
        job_texts=freshness.job_texts(), lag_minutes=freshness.lag_minutes(),
        big_classes=big_classes, categories=categories, subdistricts=subdistrict_choices(),
        districts=district_choices(),
        chart=chart_data(units, filters.by), chart_units=CHART_UNITS, query=query_args(filters),
        unit_label=unit_label)
