"""Patrols (巡查): GPS fix ingest, patrol figures per worker and grid, the patrol map and KPI page.

- ``ingest``: checks a batch with :func:`geo.patrol.check_fixes`, COPYs it
  into staging and moves it into the day-partitioned ``patrol_fix`` with one
  ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``.
- ``figures``: set-based SQL for patrol time, distance, visited cells,
  online rate, events and key places, per worker and per grid.
- ``api`` (``/api/v1/patrols/...``) and ``pages`` (``/maps/patrols``,
  ``/patrols/kpi``) are thin; ``cli`` has ``flask patrols ...``.
"""
from app.patrols.api import api_bp  # noqa: F401
from app.patrols.pages import bp  # noqa: F401
