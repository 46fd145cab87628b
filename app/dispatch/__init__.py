"""The dispatch desk (调度台): the operations centre's queue, event panel and live map.

- ``feed``: the live feed, reports created or changed after a cursor
  (``report.updated_at``, set from the database clock on every change path).
- ``placement``: a person puts a report that could not be geocoded on the map.
- ``api`` (``/api/v1/reports/changes``, ``/api/v1/reports/<ticket>/placement``)
  and ``pages`` (``/dispatch``) are thin; ``map`` builds the folium map and
  ``static/js/gridmap-dispatch.js`` runs the desk in the browser.
"""
from app.dispatch.api import api_bp  # noqa: F401
from app.dispatch.pages import bp  # noqa: F401
