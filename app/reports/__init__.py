"""Reports: intake, assignment to grids, listing, and the closed loop on one report over HTTP."""
from app.reports.api import api_bp  # noqa: F401
from app.reports import transitions  # noqa: E402,F401  (its routes are on api_bp)
