"""The home page: the district's figures and links to every page."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from app.auth.scope import event_area
from app.home.figures import district_figures, event_figures
from app.auth.guard import public, require
from app.auth.roles import GRIDS_READ

bp = Blueprint("home", __name__)


@bp.get("/")
@require(GRIDS_READ)
def index():
    return render_template("home.html", figures=district_figures(), events=event_figures(event_area()))


@bp.get("/favicon.ico")
@public
def favicon():
    # Browsers ask for /favicon.ico whatever the page says (JSON, files): the one icon, not a 404.
    return redirect(url_for("static", filename="img/gridmap.svg"), 301)
