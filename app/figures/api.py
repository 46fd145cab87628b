"""JSON and CSV API for the event figures (thin: parse, query, respond)."""
from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import get_locale

from app.api import params
from app.auth.guard import require
from app.auth.roles import REPORTS_READ
from app.figures import districts as district_figures, export
from app.figures.events import event_figures
from app.figures.filters import parse_filters

api_bp = Blueprint("figures_api", __name__, url_prefix="/api/v1")


def csv_language() -> str:
    """``lang=en`` or ``zh`` if asked, else the language of the request (Chinese by default)."""
    asked = request.args.get("lang")
    if asked in ("zh", "en"):
        return asked
    return "en" if str(get_locale()).startswith("en") else "zh"


@api_bp.get("/figures/districts")
@require(REPORTS_READ)
def districts():
    """The city's ranking of its districts (a district's user gets their own district's row)."""
    filters = parse_filters(request.args)
    patrols = district_figures.patrol_freshness(filters)
    rows = district_figures.ranking(filters)
    return {"period": filters.period.to_dict(), "districts": rows, "count": len(rows),
            "patrol_figures": patrols.to_dict()}


@api_bp.get("/figures/events")
@require(REPORTS_READ)
def events():
    fmt = params.choice(request.args, "format", ("json", "csv"), default="json")
    filters = parse_filters(request.args)
    figures = event_figures(filters)
    if fmt == "csv":
        return Response(export.to_csv(figures, filters, csv_language()), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={export.filename(filters)}"})
    return {
        "period": filters.period.to_dict(), "by": filters.by,
        "filters": {"category": filters.category or filters.big_class, "subdistrict": filters.subdistrict,
                    "district": filters.district},
        "units": figures["units"], "total": figures["total"], "count": len(figures["units"]),
    }
