"""Reports: intake, assignment to grids, listing."""
from app.reports.api import api_bp  # noqa: F401
