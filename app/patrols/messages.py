"""Translated messages for fix verdicts (reason codes of geo.patrol plus the app's own)."""
from __future__ import annotations

from flask_babel import gettext as _

#: Reasons the app adds in front of geo.patrol.check_fixes.
APP_REASONS = ("bad_fix", "bad_time", "too_old", "unknown_worker")


def verdict_message(code: str, params: dict) -> str | None:
    """The user-facing text for a verdict; None for an accepted fix."""
    p = params or {}
    if code in ("stored", "already_stored"):
        return None
    if code == "bad_fix":
        return _("Each fix must be an object with time, lon, lat and optionally accuracy and crs.")
    if code == "bad_time":
        return _("time is missing or is not an ISO 8601 date and time (e.g. 2024-05-06T08:00:00+08:00); "
                 "send the time the phone took the fix.")
    if code == "too_old":
        return _("The fix is %(age)s days old; fixes older than %(limit)s days are not accepted.",
                 age=p.get("age_days"), limit=p.get("limit_days"))
    if code == "unknown_worker":
        return _("Unknown worker %(worker)s: use the username or user id of an active account.",
                 worker=p.get("worker"))
    if code == "bad_coordinate":
        detail = p.get("detail")
        if detail == "unknown_crs":
            return _("Unknown coordinate system (crs): use gcj02, bd09, an EPSG code such as 4326, or leave it "
                     "empty for WGS-84.")
        if detail == "out_of_range":
            return _("lon/lat are outside -180..180 / -90..90; check the order and the coordinate system.")
        if detail == "not_convertible":
            return _("The coordinates do not convert to a point on Earth; check the coordinate system (crs).")
        return _("lon and lat must be finite numbers.")
    if code == "future_time":
        return _("The fix time is %(ahead)s s ahead of the server clock (at most %(limit)s s allowed); "
                 "check the phone's clock.", ahead=p.get("ahead_s"), limit=p.get("limit_s"))
    if code == "poor_accuracy":
        if p.get("accuracy_m") is None:
            return _("accuracy must be a number of metres, 0 or more.")
        return _("Accuracy %(accuracy)s m is worse than the limit of %(limit)s m.", accuracy=p.get("accuracy_m"),
                 limit=p.get("limit_m"))
    if code == "duplicate":
        return _("The same worker and time as fix %(first)s of this batch; the first copy is kept.",
                 first=p.get("first_index"))
    if code == "speed_jump":
        return _("Implied speed %(speed)s m/s (%(distance)s m in %(interval)s s) is over the limit of %(limit)s m/s; "
                 "the fix is probably a GPS jump.", speed=p.get("speed_mps"), distance=p.get("distance_m"),
                 interval=p.get("interval_s"), limit=p.get("limit_mps"))
    return code


def verdict_label(code: str) -> str:
    """A short label per verdict code (CLI summaries, CSV of errors)."""
    labels = {
        "stored": _("stored"), "already_stored": _("already stored"), "bad_fix": _("not a fix"),
        "bad_time": _("bad time"), "too_old": _("too old"), "unknown_worker": _("unknown worker"),
        "bad_coordinate": _("bad coordinates"), "future_time": _("time in the future"),
        "poor_accuracy": _("poor accuracy"), "duplicate": _("duplicate"), "speed_jump": _("speed jump"),
    }
    return labels.get(code, code)
