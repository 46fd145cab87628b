"""/admin/districts: the districts and, per district, its base map and working calendar (thin: the form
in, app.districts.service, the page out)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.auth.guard import require
from app.auth.roles import DISTRICTS_EDIT
from app.districts import bp, service
from app.districts.forms import TILE_KIND_LABELS, DistrictSettingsForm
from app.errors import DomainError
from app.extensions import db


def _deployment_label() -> str:
    kind = current_app.config.get("TILES", "none")
    return _("The deployment's base map (%(kind)s)", kind=str(TILE_KIND_LABELS.get(kind, kind)))


@bp.get("")
@require(DISTRICTS_EDIT)
def districts_page():
    return render_template("districts/list.html", districts=service.listing())


@bp.route("/<code>", methods=["GET", "POST"])
@require(DISTRICTS_EDIT)
def district_page(code: str):
    info = service.describe(code)
    form = DistrictSettingsForm(_deployment_label())
    status = 200
    if request.method == "GET":
        form.fill(info["settings"])
    elif form.validate_on_submit():
        try:
            service.change(code, form.changes(info["settings"]))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            field = (exc.details or {}).get("field", "") if isinstance(exc.details, dict) else ""
            target = getattr(form, field.replace(".", "_"), None)
            if target is not None and hasattr(target, "errors"):
                target.errors = list(target.errors) + [exc.message]
            else:
                flash(exc.message)
            status = 422
        else:
            flash(_("Settings of %(name)s saved: its maps and the deadlines of its events dispatched from now on use "
                    "them.", name=info["name"]))
            return redirect(url_for("districts.district_page", code=code))
    else:
        status = 422
    return render_template("districts/edit.html", district=info, form=form,
                           tile_kinds=TILE_KIND_LABELS), status
