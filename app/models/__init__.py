"""SQLAlchemy + GeoAlchemy2 models, one module per aggregate."""
from app.models.district import District
from app.models.boundary import (BoundaryVersion, DraftOperation, Grid, LEVELS, KINDS, PENDING_STATUSES,
                                 VERSION_STATUSES)
from app.models.staff import Staff, StaffAssignment, STAFF_ROLES, EMPLOYMENT
from app.models.category import Category, HANDLING_LEVELS, TIME_UNITS
from app.models.report import Report, ReportTransition, CHANNELS, STATUSES, OPEN_STATUSES
from app.models.user import User, UserArea, ApiToken, LoginLockout
from app.models.audit import AuditEntry
from app.models.address import AddressAlias, StandardAddress
from app.models.photo import PHOTO_TYPES, ReportPhoto
from app.models.patrol import HouseholdVisit, PatrolFix, PatrolFixRejected, PatrolPlace, PatrolSession, PLACE_KINDS

__all__ = [
    "District",
    "BoundaryVersion", "DraftOperation", "Grid", "LEVELS", "KINDS", "PENDING_STATUSES", "VERSION_STATUSES",
    "Staff", "StaffAssignment", "STAFF_ROLES", "EMPLOYMENT",
    "Category", "HANDLING_LEVELS", "TIME_UNITS",
    "Report", "ReportTransition", "CHANNELS", "STATUSES", "OPEN_STATUSES",
    "User", "UserArea", "ApiToken", "LoginLockout", "AuditEntry",
    "StandardAddress", "AddressAlias",
    "PatrolFix", "PatrolFixRejected", "PatrolPlace", "PLACE_KINDS", "PatrolSession", "HouseholdVisit",
    "ReportPhoto", "PHOTO_TYPES",
]
