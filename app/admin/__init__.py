"""Administration: users, their roles and grids, API tokens, the audit log (pages and API)."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
api_bp = Blueprint("admin_api", __name__, url_prefix="/api/v1")

from app.admin import pages, api, category_pages  # noqa: E402,F401  (routes register on import)
