"""Beijing time (Asia/Shanghai): the one zone GridMap shows, judges deadlines and cuts days in.

Standard library only, so the pure modules (app.events.calendar, the patrol
period rules) and the web layer read the same object. SQL that needs the zone
names it ``'Asia/Shanghai'`` (``BEIJING.key``) in its own text.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
