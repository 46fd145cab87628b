"""The address library's administration page (/admin/addresses): a district's library at a glance and
its address prefixes (thin: the form in, app.addresses.service, the page out).

A district's planner or administrator sees their district; a city one picks a district. Saving the
prefixes re-keys that district's library as a job (app.addresses.api.submit_prefixes), like the API.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from app.addresses import service
from app.addresses.api import submit_prefixes
from app.auth.guard import require
from app.auth.roles import ADDRESSES_EDIT
from app.auth.scope import district_choices
from app.errors import DomainError

bp = Blueprint("addresses_pages", __name__)


class PrefixesForm(FlaskForm):
    prefixes = StringField(_l("Address prefixes (separated by spaces or commas)"),
                           validators=[Optional(), Length(max=500)])
    default = BooleanField(_l("Use the default prefixes"))


@bp.route("/admin/addresses", methods=["GET", "POST"])
@require(ADDRESSES_EDIT)
def library_page():
    district = service.acting_district(request.values.get("district"))
    form = PrefixesForm()
    status = 200
    current = service.prefixes_of(district)
    if request.method == "GET":
        form.prefixes.data = " ".join(current["prefixes"])
    elif form.validate_on_submit():
        try:
            wanted = None if form.default.data else service.check_prefixes(form.prefixes.data or "", district)
        except DomainError as exc:
            form.prefixes.errors = list(form.prefixes.errors) + [exc.message]
        else:
            job = submit_prefixes(district, wanted)
            if job.state == "done":
                flash(_("Address prefixes of %(name)s saved; %(n)s addresses re-keyed.", name=current["name"],
                        n=(job.result or {}).get("rekeyed", 0)))
            elif job.state == "failed":
                flash(_("The address prefixes could not be saved: %(error)s",
                        error=(job.error or {}).get("message", "")))
            else:
                flash(_("Address prefixes of %(name)s are being saved; the library is re-keyed as job %(id)s.",
                        name=current["name"], id=job.id))
            return redirect(url_for("addresses_pages.library_page", district=district))
    if request.method == "POST":
        status = 422
    return render_template("addresses/library.html", form=form, district=district, current=current,
                           districts=district_choices(), size=service.library_size(district),
                           aliases=service.alias_map(district)), status
