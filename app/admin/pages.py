"""Administration pages: users and the audit log (thin: forms in, service calls, template out)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.admin import audit_labels, audit_log as log_queries, bp
from app.admin.forms import PasswordForm, RevokeForm, TokenForm, UnlockForm, UserCreateForm, UserEditForm
from app.api import params
from app.auth import lockout, sessions, users as accounts
from app.auth.guard import require
from app.auth.roles import AUDIT_READ, USERS_MANAGE
from app.errors import Conflict, DomainError
from app.extensions import db
from app.i18n import beijing_time
from app.role_names import ROLES
from app.models.audit import ENTITY_TYPES
from app.models.district import default_district_code


def _field_error(form, exc: DomainError) -> None:
    """Show a service error beside the field it names (or above the form)."""
    field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
    target = getattr(form, field, None) if field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = list(target.errors) + [exc.message]
    else:
        flash(exc.message)


def _commit(form, change) -> tuple[bool, object]:
    """``(True, change())`` committed; a refused change is rolled back and shown on ``form``:
    ``(False, the error)``."""
    try:
        result = change()
        db.session.commit()
        return True, result
    except DomainError as exc:
        db.session.rollback()
        _field_error(form, exc)
        return False, exc


@bp.route("/users", methods=["GET", "POST"])
@require(USERS_MANAGE)
def users():
    form = UserCreateForm()
    if request.method == "GET":
        form.district.data = default_district_code()
    if form.validate_on_submit():
        ok, user = _commit(form, lambda: accounts.create(
            form.username.data, form.password.data, form.role.data, display_name=form.display_name.data or "",
            areas=form.areas.data or "", phone=form.phone.data or None, district=_district(form)))
        if ok:
            flash(_("User %(name)s created.", name=user.username))
            return redirect(url_for("admin.user_edit", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/users.html", form=form, **_user_page(request.args)), status


def _district(form):
    """The district chosen in ``form`` (``accounts.CITY`` for the city); not sent: unchanged."""
    if not request.form.get("district"):
        return accounts.UNCHANGED
    return form.district.data


#: Users per page of /admin/users.
USERS_PAGE = 100


def _user_page(args) -> dict:
    """The filtered page of the user list; a bad filter value is shown, not a 500."""
    role = args.get("role") or None
    if role not in ROLES:
        role = None
    page = params.integer(args, "page", default=1, lo=1, hi=10**6)
    text = (args.get("q") or "").strip()[:100] or None
    found, total = accounts.find_users(text=text, role=role, limit=USERS_PAGE, offset=(page - 1) * USERS_PAGE)
    return {"users": found, "total": total, "page": page, "page_size": USERS_PAGE,
            "query": {"q": text or "", "role": role or ""}, "roles": ROLES}


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(USERS_MANAGE)
def user_edit(user_id: int):
    user = accounts.get(user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    status = None
    if request.method == "GET":
        form.areas.data = " ".join(user.area_codes)
        form.district.data = user.district_code or accounts.CITY
        form.row_version.data = user.row_version
    elif form.validate_on_submit():
        expected = int(form.row_version.data) if (form.row_version.data or "").isdigit() else None
        ok, outcome = _commit(form, lambda: accounts.update(
            user, expected_version=expected, role=form.role.data, display_name=form.display_name.data or "",
            phone=form.phone.data or "", areas=form.areas.data or "", active=form.active.data,
            district=_district(form)))
        if ok:
            flash(_("Changes to %(name)s saved.", name=user.username))
            return redirect(url_for("admin.user_edit", user_id=user.id))
        if isinstance(outcome, Conflict):
            status = 409
    if status is None:
        status = 200 if request.method == "GET" else 422
    return render_template("admin/user_edit.html", user=accounts.get(user_id), form=form,
                           password_form=PasswordForm(), token_form=TokenForm(), revoke_form=RevokeForm(),
                           unlock_form=UnlockForm(), lock=_lock_of(user), new_token=None), status


@bp.post("/users/<int:user_id>/password")
@require(USERS_MANAGE)
def user_password(user_id: int):
    user = accounts.get(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        ok, _saved = _commit(form, lambda: accounts.set_password(user, form.password.data))
        if ok:
            sessions.keep_own_session(user)
            flash(_("Password of %(name)s changed.", name=user.username))
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return _edit_again(user, password_form=form)


@bp.post("/users/<int:user_id>/tokens")
@require(USERS_MANAGE)
def user_token(user_id: int):
    user = accounts.get(user_id)
    form = TokenForm()
    if form.validate_on_submit():
        ok, issued = _commit(form, lambda: accounts.issue_token(user, form.name.data))
        if ok:
            # Shown once, in this response only; never stored in clear.
            return _edit_again(user, new_token=issued[1], status=201)
    return _edit_again(user, token_form=form)


@bp.post("/users/<int:user_id>/tokens/revoke")
@require(USERS_MANAGE)
def user_token_revoke(user_id: int):
    user = accounts.get(user_id)
    form = RevokeForm()
    if form.validate_on_submit():
        accounts.revoke_token(user, form.token_id.data)
        db.session.commit()
        flash(_("Token revoked."))
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/unlock")
@require(USERS_MANAGE)
def user_unlock(user_id: int):
    """Lift a sign-in lockout (app.auth.lockout) before it runs out."""
    user = accounts.get(user_id)
    if UnlockForm().validate_on_submit():
        lockout.unlock(user)
        db.session.commit()
        flash(_("Sign-in lockout of %(name)s lifted.", name=user.username))
    return redirect(url_for("admin.user_edit", user_id=user.id))


def _lock_of(user) -> dict | None:
    """How many failures lock ``user`` until when (Beijing time), while they do; else None."""
    until = lockout.locked_until(user.username)
    if until is None:
        return None
    return {"failures": lockout.state(user.username).failures,
            "until": beijing_time(until)}


def _edit_again(user, *, password_form=None, token_form=None, new_token=None, status=422):
    form = UserEditForm(obj=user, formdata=None)
    form.areas.data = " ".join(user.area_codes)
    form.district.data = user.district_code or accounts.CITY
    form.row_version.data = user.row_version
    return render_template("admin/user_edit.html", user=user, form=form,
                           password_form=password_form or PasswordForm(formdata=None),
                           token_form=token_form or TokenForm(formdata=None), revoke_form=RevokeForm(formdata=None),
                           unlock_form=UnlockForm(formdata=None), lock=_lock_of(user), new_token=new_token), status


@bp.get("/audit")
@require(AUDIT_READ)
def audit_log():
    args = request.args
    try:
        rows = log_queries.entries(entity_type=args.get("entity_type") or None, entity_id=args.get("entity_id"),
                                 actor=args.get("actor"), action=args.get("action"),
                                 day_from=args.get("from"), day_to=args.get("to"),
                                 before_id=params.integer(args, "before_id", lo=1))
        error = None
    except DomainError as exc:
        rows, error = [], exc.message
    people, names = log_queries.lookups(rows)
    shown = [audit_labels.describe(r, people, names) for r in rows]
    types = [(t, str(audit_labels.ENTITY_LABELS.get(t, t))) for t in ENTITY_TYPES]
    return render_template("admin/audit.html", rows=shown, entity_types=types, args=args, error=error,
                           page_size=log_queries.PAGE), 200 if error is None else 422
