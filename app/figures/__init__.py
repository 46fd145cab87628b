"""Figures (统计): event figures per subdistrict, community, grid and worker.

- ``events``: the definitions of the rates and one set-based query (sql/events.sql).
- ``filters``: the period and filters from query arguments (period parsing is
  app.patrols.period's).
- ``export``: CSV with fixed Chinese (or English) headers and a BOM.
- ``api`` (``GET /api/v1/figures/events``) and ``pages`` (``/figures/events``) are thin.
"""
from app.figures.api import api_bp  # noqa: F401
from app.figures.pages import bp  # noqa: F401
