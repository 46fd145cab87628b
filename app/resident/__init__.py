"""Residents report a problem without signing in, and follow it by an unguessable link.

``/report``: the form (a pin on the map, the phone's location or a standard
address from suggestions; category, description, optional photo and phone),
CSRF-protected and rate-limited per address. ``/report/<token>``: the
report's status and its steps with their times, nothing personal.
"""
from app.resident.pages import bp  # noqa: F401
