"""The five roles a GridMap account has, from most to least power.

Standard library only: the pure event workflow (app.events.workflow), the
account model's CHECK constraint (app.models.user), the permission table
(app.auth.roles) and the forms all read these names from here. What each role
may do is app.auth.roles; what it is called on a page is app.labels.
"""
from __future__ import annotations

ADMIN = "admin"
PLANNER = "planner"
DISPATCHER = "dispatcher"
WORKER = "worker"
VIEWER = "viewer"

ROLES: tuple[str, ...] = (ADMIN, PLANNER, DISPATCHER, WORKER, VIEWER)
