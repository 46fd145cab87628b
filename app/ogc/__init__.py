"""OGC API - Features for grid boundaries (read-only), so planners open a version in QGIS."""
from app.ogc.api import bp  # noqa: F401
