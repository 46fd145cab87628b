"""Lookup: which grid is this point in, and who is its worker."""
from app.lookup.api import api_bp  # noqa: F401
