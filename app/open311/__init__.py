"""Open311 GeoReport v2 under /open311/v2, so existing 311 clients read and file events."""
from app.open311.api import bp  # noqa: F401
