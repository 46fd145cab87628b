"""What each role may do. One table, read by every endpoint's guard.

administrator: everything, including users and the audit log.
planner:       reads everything, edits boundaries (imports, drafts, publish).
dispatcher:    reads and acts on the events of their area (the whole district
               when they have none), sees reporters' contact details.
worker:        a grid worker: reads and acts on the events of their own grids
               only, sees the contact details of those reporters.
viewer:        reads maps and events, with reporters' details masked.
Anonymous callers may only submit reports and look up grids (rate-limited).
"""
from __future__ import annotations

from app.role_names import ROLES

#: Permission codes. Keep them coarse: an endpoint asks for one.
GRIDS_READ = "grids:read"
GRIDS_EDIT = "grids:edit"
REPORTS_READ = "reports:read"
REPORTS_ACT = "reports:act"
REPORTS_IMPORT = "reports:import"
#: Unmasked reporter name and phone (PIPL: only for those who must call back).
REPORTS_PERSONAL = "reports:personal"
USERS_MANAGE = "users:manage"
AUDIT_READ = "audit:read"
#: The category table (deadlines, handling levels, duplicate radius).
CATEGORIES_EDIT = "categories:edit"
#: A district's own settings: base map tiles, working calendar (app.districts).
DISTRICTS_EDIT = "districts:edit"
#: The standard address library (标准地址).
ADDRESSES_EDIT = "addresses:edit"
#: Sending GPS fixes and patrol sessions (a worker's own; imports by administrators).
PATROLS_WRITE = "patrols:write"
#: Patrol figures, tracks and density maps (workers: their own grids only).
PATROLS_READ = "patrols:read"

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({GRIDS_READ, GRIDS_EDIT, REPORTS_READ, REPORTS_ACT, REPORTS_IMPORT, REPORTS_PERSONAL,
                        USERS_MANAGE, AUDIT_READ, CATEGORIES_EDIT, ADDRESSES_EDIT, PATROLS_WRITE, PATROLS_READ,
                        DISTRICTS_EDIT}),
    "planner": frozenset({GRIDS_READ, GRIDS_EDIT, REPORTS_READ, ADDRESSES_EDIT, PATROLS_READ}),
    "dispatcher": frozenset({GRIDS_READ, REPORTS_READ, REPORTS_ACT, REPORTS_IMPORT, REPORTS_PERSONAL, PATROLS_READ}),
    "worker": frozenset({GRIDS_READ, REPORTS_READ, REPORTS_ACT, REPORTS_PERSONAL, PATROLS_WRITE, PATROLS_READ}),
    "viewer": frozenset({GRIDS_READ, REPORTS_READ, PATROLS_READ}),
}
assert set(PERMISSIONS) == set(ROLES)

#: Roles whose view of events is limited to their area. A worker with no area sees nothing.
AREA_BOUND = {"worker": "required", "dispatcher": "optional"}


def allows(role: str | None, permission: str) -> bool:
    return permission in PERMISSIONS.get(role or "", frozenset())
