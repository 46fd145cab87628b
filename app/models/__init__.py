"""SQLAlchemy + GeoAlchemy2 models, one module per aggregate."""
from app.models.boundary import BoundaryVersion, Grid, LEVELS, KINDS, VERSION_STATUSES
from app.models.staff import Staff, StaffAssignment, STAFF_ROLES, EMPLOYMENT
from app.models.report import Report, CHANNELS, STATUSES, OPEN_STATUSES
from app.models.user import User, UserArea, ApiToken, ROLES
from app.models.audit import AuditEntry

__all__ = [
    "BoundaryVersion", "Grid", "LEVELS", "KINDS", "VERSION_STATUSES",
    "Staff", "StaffAssignment", "STAFF_ROLES", "EMPLOYMENT",
    "Report", "CHANNELS", "STATUSES", "OPEN_STATUSES",
    "User", "UserArea", "ApiToken", "ROLES", "AuditEntry",
]
