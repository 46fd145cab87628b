"""Planning: draft boundary versions, their edits, validation, impact preview and publication (issue 4)."""
from app.plan.api import api_bp  # noqa: F401
