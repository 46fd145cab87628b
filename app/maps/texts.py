"""Translated strings the map pages hand to the browser and the builders.

Everything here needs a request (the locale): call from views only.
"""
from __future__ import annotations

from flask_babel import gettext as _

from app.labels import DEADLINE_STATE_LABELS, LEVEL_LABELS, STATUS_LABELS


def js_texts() -> dict[str, str]:
    """Strings used by static/js/gridmap-maps.js (``%(name)s`` placeholders)."""
    texts = {
        "loading": _("Loading…"),
        "load_failed": _("Could not load %(name)s: %(error)s"),
        "zoom_in": _("Zoom in to level %(zoom)s to see %(name)s."),
        "code": _("Code"),
        "worker": _("Worker"),
        "phone": _("Phone"),
        "no_worker": _("No worker"),
        "households": _("Households"),
        "population": _("Population"),
        "category": _("Category"),
        "description": _("Description"),
        "address": _("Address"),
        "status": _("Status"),
        "channel": _("Channel"),
        "grid": _("Grid"),
        "age": _("Age"),
        "age_hours": _("%(n)s h"),
        "age_days": _("%(n)s days"),
        "out_of_coverage": _("Outside every grid"),
        "count_reports": _("%(n)s reports shown"),
        "deadline": _("Deadline"),
    }
    texts.update({f"level_{code}": str(label) for code, label in LEVEL_LABELS.items()})
    texts.update({f"deadline_{code}": str(label) for code, label in DEADLINE_STATE_LABELS.items()})
    return texts


def coverage_labels() -> dict[str, str]:
    labels = {code: str(label) for code, label in LEVEL_LABELS.items()}
    labels.update(
        dedicated=_("Dedicated grids"),
        no_worker=_("Grid with no worker"),
        legend=_("Legend"),
    )
    return labels


def issues_labels() -> dict[str, str]:
    return {
        "reports": _("Reports"),
        "communities": _("Community boundaries"),
        "out_of_coverage": _("Outside every grid"),
        "overdue": _("Overdue (red ring)"),
        "legend": _("Categories"),
    }


def status_choices() -> list[dict[str, str]]:
    """``open`` (every status before closing) first, then each status."""
    choices = [{"code": "open", "label": _("All open")}]
    choices += [{"code": code, "label": str(label)} for code, label in STATUS_LABELS.items()]
    return choices


def deadline_choices() -> list[dict[str, str]]:
    """Every deadline state, for the issues map's filter ("" = any)."""
    return [{"code": code, "label": str(label)} for code, label in DEADLINE_STATE_LABELS.items()]
