"""A district's own settings (issue 19): base map tiles and working calendar (app.districts.settings),
the administrators' page and API over them, and ``flask districts``."""
from flask import Blueprint

bp = Blueprint("districts", __name__, url_prefix="/admin/districts")
api_bp = Blueprint("districts_api", __name__, url_prefix="/api/v1")
