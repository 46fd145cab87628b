"""Administration of the event category table (/admin/categories): the rules new events get.

Thin: the form in, ``app.events.categories.update`` (checks, row lock, 409 on
a stale row_version, audit entry), the page out. Edits apply to new events
only: an event keeps the time limit and handling level it was filed with.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from app.admin import bp
from app.admin.forms import CategoryCreateForm, CategoryForm
from app.admin.pages import _commit
from app.auth.guard import require
from app.auth.roles import CATEGORIES_EDIT
from app.dispatch.texts import HANDLING_LEVEL_LABELS
from app.events import categories

#: How a time limit is counted (app.models.category.TIME_UNITS).
TIME_UNIT_LABELS = {"hours": _l("working hours"), "days": _l("working days")}


@bp.route("/categories", methods=["GET", "POST"])
@require(CATEGORIES_EDIT)
def categories_page():
    form = CategoryCreateForm()
    if request.method == "GET":
        form.time_unit.data, form.duplicate_radius_m.data, form.color.data = "hours", "50", "#1f77b4"
        form.active.data = True
    elif form.validate_on_submit():
        values = {"big_class": form.big_class.data.strip(), "small_class": form.small_class.data.strip(),
                  "label": form.label.data, "big_class_label": form.big_class_label.data or None,
                  **_rules(form)}
        ok, made = _commit(form, lambda: categories.create(values))
        if ok:
            flash(_("Category %(code)s %(name)s added; events can be reported in it from now on.",
                    code=made.code, name=made.label))
            return redirect(url_for("admin.categories_page"))
    categories.forget()
    rows = [categories.to_dict(c) for c in categories.all_categories()]
    status = 200 if request.method == "GET" else 422
    return render_template("admin/categories.html", rows=rows, units=TIME_UNIT_LABELS,
                           levels=HANDLING_LEVEL_LABELS, form=form), status


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
        changes = _rules(form)
        ok, _saved = _commit(form, lambda: categories.update(code, changes, expected_version=expected))
        if ok:
            flash(_("Category %(code)s %(name)s saved; events reported from now on get these rules, "
                    "events already filed keep theirs.", code=code, name=categories.label(category)))
            return redirect(url_for("admin.categories_page"))
    status = 200 if request.method == "GET" else 422
    return render_template("admin/category_edit.html", category=categories.to_dict(categories.get(code)),
                           form=form), status


def _rules(form) -> dict:
    """The rules of a category form, as the service (which checks them) takes them."""
    return {"time_limit": _number(form.time_limit.data), "time_unit": form.time_unit.data,
            "handling_level": form.handling_level.data, "color": (form.color.data or "").strip(),
            "duplicate_radius_m": _whole(form.duplicate_radius_m.data), "active": bool(form.active.data)}


def _number(text: str | None) -> str:
    """The form's text for the service's checks (which name the field when it is no number);
    a decimal comma, as some keyboards type it, is a point."""
    return (text or "").strip().replace("，", ".").replace(",", ".")


def _whole(text: str | None):
    value = (text or "").strip()
    return int(value) if value.isdigit() else value
