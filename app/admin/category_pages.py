"""Administration of the event category table (/admin/categories): the rules new events get.

Thin: the form in, ``app.events.categories.update`` (checks, row lock, 409 on
a stale row_version, audit entry), the page out. Edits apply to new events
only: an event keeps the time limit and handling level it was filed with.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from app.admin import bp
from app.admin.forms import CategoryForm
from app.admin.pages import _commit
from app.auth.guard import require
from app.auth.roles import CATEGORIES_EDIT
from app.dispatch.texts import HANDLING_LEVEL_LABELS
from app.events import categories

#: How a time limit is counted (app.models.category.TIME_UNITS).
TIME_UNIT_LABELS = {"hours": _l("working hours"), "days": _l("working days")}


@bp.get("/categories")
@require(CATEGORIES_EDIT)
def categories_page():
    rows = [categories.to_dict(c) for c in categories.all_categories()]
    return render_template("admin/categories.html", rows=rows, units=TIME_UNIT_LABELS,
                           levels=HANDLING_LEVEL_LABELS)


@bp.route("/categories/<code>", methods=["GET", "POST"])
@require(CATEGORIES_EDIT)
def category_edit(code: str):
    category = categories.get(code)
    form = CategoryForm(obj=category if request.method == "GET" else None)
    if request.method == "GET":
        form.row_version.data = category.row_version
        form.time_limit.data = str(categories.to_dict(category)["time_limit"])
        form.duplicate_radius_m.data = str(category.duplicate_radius_m)
    elif form.validate_on_submit():
        expected = int(form.row_version.data) if (form.row_version.data or "").isdigit() else None
        changes = {"time_limit": _number(form.time_limit.data), "time_unit": form.time_unit.data,
                   "handling_level": form.handling_level.data, "color": (form.color.data or "").strip(),
                   "duplicate_radius_m": _whole(form.duplicate_radius_m.data), "active": bool(form.active.data)}
        ok, _saved = _commit(form, lambda: categories.update(code, changes, expected_version=expected))
        if ok:
            flash(_("Category %(code)s %(name)s saved; events reported from now on get these rules, "
                    "events already filed keep theirs.", code=code, name=categories.label(category)))
            return redirect(url_for("admin.categories_page"))
    status = 200 if request.method == "GET" else 422
    return render_template("admin/category_edit.html", category=categories.to_dict(categories.get(code)),
                           form=form), status


def _number(text: str | None) -> str:
    """The form's text for the service's checks (which name the field when it is no number);
    a decimal comma, as some keyboards type it, is a point."""
    return (text or "").strip().replace("，", ".").replace(",", ".")


def _whole(text: str | None):
    value = (text or "").strip()
    return int(value) if value.isdigit() else value
