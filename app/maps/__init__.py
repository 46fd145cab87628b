"""Map pages: grid coverage and open issues, built with folium.

The builders (``builders.py``) are pure; ``routes.py`` gathers settings and
translated labels and renders them into the app's page layout.
"""
from flask import Blueprint

bp = Blueprint("maps", __name__, url_prefix="/maps")

from app.maps import routes  # noqa: E402,F401  (registers the views)
