"""Grids: boundary import/export and the versions they live in."""
from app.grids.api import api_bp  # noqa: F401
