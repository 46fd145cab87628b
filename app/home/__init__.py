"""The home page: the district's figures and links to every page."""
from __future__ import annotations

from flask import Blueprint, render_template

from app.home.figures import district_figures
from app.auth.guard import require
from app.auth.roles import GRIDS_READ

bp = Blueprint("home", __name__)


@bp.get("/")
@require(GRIDS_READ)
def index():
    return render_template("home.html", figures=district_figures())
