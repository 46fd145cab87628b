"""The home page: the district's figures and links to every page."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from app.auth.scope import event_area, event_district
from app.events import deadlines, holidays
from app.home.figures import district_figures, event_figures
from app.actor import current_actor
from app.auth.guard import public, require
from app.auth.roles import CATEGORIES_EDIT, GRIDS_READ, allows
from app.beijing import BEIJING

bp = Blueprint("home", __name__)


@bp.get("/")
@require(GRIDS_READ)
def index():
    # Administrators, who set the time limits and the holidays file, are told when deadlines are being
    # counted without a year's holidays (app.events.holidays).
    missing = (holidays.missing_years(deadlines.calendar(), deadlines.now().astimezone(BEIJING).date())
               if allows(current_actor().role, CATEGORIES_EDIT) else [])
    return render_template("home.html", figures=district_figures(event_district()), events=event_figures(event_area()),
                           calendar_missing=missing)


@bp.get("/favicon.ico")
@public
def favicon():
    # Browsers ask for /favicon.ico whatever the page says (JSON, files): the one icon, not a 404.
    return redirect(url_for("static", filename="img/gridmap.svg"), 301)
