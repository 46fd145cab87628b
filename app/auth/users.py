"""Managing users: create, change role/areas, reset passwords, issue tokens.

Every change is written to the audit log with the state before and after
(never the password or token itself).
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app import audit
from app.auth import sessions, tokens
from app.auth.passwords import MIN_LENGTH, hash_password
from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.models import ApiToken, District, Grid, User, UserArea
from app.models.district import default_district_code
from app.role_names import ROLES

USERNAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,64}$")
PHONE_MAX = 32


def _check_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise ValidationError(_("username must be 2-64 letters, digits, Chinese characters, '.', '_' or '-'."),
                              {"field": "username"})
    return username


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(_("role must be one of: %(allowed)s.", allowed=", ".join(ROLES)), {"field": "role"})
    return role


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValidationError(_("The password must have at least %(n)s characters.", n=MIN_LENGTH),
                              {"field": "password"})
    if len(password) > 1024:
        raise ValidationError(_("The password is too long (at most 1024 characters)."), {"field": "password"})
    return password


def _check_areas(codes) -> list[str]:
    """Grid codes that exist (in any version); unknown codes are refused by name."""
    if codes is None:
        return []
    if isinstance(codes, str):
        codes = [c for c in re.split(r"[\s,，;；]+", codes) if c]
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ValidationError(_("areas must be a list of grid codes."), {"field": "areas"})
    codes = sorted({c.strip() for c in codes})
    if not codes:
        return []
    known = set(db.session.scalars(select(Grid.code).where(Grid.code.in_(codes)).distinct()))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError(_("Unknown grid code %(code)s in areas: use codes of existing grids.",
                                code=unknown[0][:20]), {"field": "areas", "value": unknown[0][:20]})
    return codes


#: ``district`` not given: a new user goes to the default district, an edit keeps theirs.
UNCHANGED = object()
#: What forms and the command line call the city (app_user.district_code NULL).
CITY = "city"


def districts() -> list[District]:
    """The deployment's districts, by code (the choices of a user's district)."""
    return list(db.session.scalars(select(District).order_by(District.code)))


def _check_district(value) -> str | None:
    """A district code of this deployment, or None (the city: ``None``, ``""`` or ``"city"``)."""
    if value is None or value == "" or value == CITY:
        return None
    if not isinstance(value, str) or db.session.get(District, value.strip()) is None:
        raise ValidationError(_("Unknown district %(code)s: use the code of one of this deployment's districts, "
                                "or the city.", code=str(value)[:20]), {"field": "district_code"})
    return value.strip()


def _check_district_for_role(role: str, district_code: str | None) -> None:
    if role == "worker" and district_code is None:
        raise ValidationError(_("A grid worker belongs to a district: choose the district of their grids."),
                              {"field": "district_code"})


def _check_phone(phone: str | None) -> str | None:
    phone = (phone or "").strip()
    if len(phone) > PHONE_MAX:  # the column's width
        raise ValidationError(_("phone must be at most %(n)s characters.", n=PHONE_MAX), {"field": "phone"})
    return phone or None


def _check_area_for_role(role: str, areas: list[str]) -> None:
    if role == "worker" and not areas:
        raise ValidationError(_("A grid worker needs at least one grid in areas; they see only their grids' events."),
                              {"field": "areas"})


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return "\x00" not in text


def by_username(username: str) -> User | None:
    if not _storable(username):
        return None  # no user has such a name; PostgreSQL text cannot even hold it
    return db.session.scalars(select(User).where(func.lower(User.username) == username.strip().lower())).first()


def get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No user with id %(id)s.", id=user_id), {"field": "id"})
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).options(selectinload(User.areas)).order_by(User.username)))


def find_users(*, text: str | None = None, role: str | None = None, limit: int = 100,
               offset: int = 0) -> tuple[list[User], int]:
    """One page of users whose username, name, phone or grid contains ``text``, and how many match.

    A district has a thousand grid workers or more: the admin page pages through them.
    """
    query = select(User)
    if role:
        query = query.where(User.role == role)
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(User.username.ilike(like), User.display_name.ilike(like), User.phone.ilike(like),
                                User.areas.any(UserArea.grid_code.like(like))))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = db.session.scalars(query.options(selectinload(User.areas)).order_by(User.username)
                              .limit(limit).offset(offset))
    return list(page), total


def snapshot(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "active": user.active, "areas": user.area_codes, "phone": user.phone,
            "district_code": user.district_code}


def create(username: str, password: str, role: str, *, display_name: str = "", areas=None,
           phone: str | None = None, district=UNCHANGED) -> User:
    """A new user; ``district``: a district code, None/"city" for the city, left out for the default district."""
    username = _check_username(username)
    role = _check_role(role)
    check_password(password)
    phone = _check_phone(phone)
    codes = _check_areas(areas)
    _check_area_for_role(role, codes)
    if by_username(username):
        raise Conflict(_("The username %(name)s is taken.", name=username), {"field": "username"})
    user = User(username=username, display_name=(display_name or "").strip()[:100], role=role,
                password_hash=hash_password(password), phone=phone)
    if district is not UNCHANGED:
        user.district_code = _check_district(district)
    else:
        user.district_code = default_district_code()
    _check_district_for_role(role, user.district_code)
    user.areas = [UserArea(grid_code=c) for c in codes]
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id, after=snapshot(user))
    return user


def update(user: User, *, expected_version: int | None = None, role=None, display_name=None, areas=None,
           active=None, phone=None, district=UNCHANGED) -> User:
    """Change a user. ``expected_version`` (the row_version the editor saw) turns a lost update into a 409.

    The row is locked first, so of two editors holding the same version one
    wins and the other sees the bumped version. A new role or disabling ends
    the user's sessions (app.auth.sessions); the last active administrator
    can be neither demoted nor disabled.
    """
    admins = _lock_active_admins() if role is not None or active is not None else []
    db.session.refresh(user, with_for_update=True)
    if expected_version is not None and expected_version != user.row_version:
        raise Conflict(_("Someone else changed this user meanwhile; reload and apply your change again."),
                       {"field": "row_version", "current": user.row_version})
    before = snapshot(user)
    if role is not None:
        role = _check_role(role)
    demoting, disabling = role not in (None, "admin"), active is not None and not active
    if (demoting or disabling) and admins == [user.id]:
        raise Conflict(_("%(name)s is the last active administrator: make another user an administrator "
                         "first, then change this one.", name=user.username),
                       {"field": "role" if demoting else "active"}, code="last_admin")
    if role is not None:
        user.role = role
    if display_name is not None:
        user.display_name = display_name.strip()[:100]
    if phone is not None:
        user.phone = _check_phone(phone)
    if active is not None:
        user.active = bool(active)
    if areas is not None:
        codes = _check_areas(areas)
        if codes != user.area_codes:
            # Areas kept are the same rows: new rows for every code were inserted before the old ones
            # were deleted, and a code in both broke the unique (user, grid) key (a 500).
            kept = {a.grid_code: a for a in user.areas}
            user.areas = [kept.get(c) or UserArea(grid_code=c) for c in codes]
    if district is not UNCHANGED:
        user.district_code = _check_district(district)
    _check_area_for_role(user.role, user.area_codes)
    _check_district_for_role(user.role, user.district_code)
    after = snapshot(user)
    if after != before:
        user.row_version = user.row_version + 1
        audit.record("user.update", "user", user.id, before=before, after=after)
    if (after["role"] != before["role"] or after["district_code"] != before["district_code"]
            or (before["active"] and not after["active"])):
        sessions.end_all(user)
    return user


def _lock_active_admins() -> list[int]:
    """Ids of the active administrators, their rows locked (in id order, so two
    editors never deadlock). Of two requests demoting the last two
    administrators at once, the second waits here and then sees only one left."""
    return list(db.session.scalars(select(User.id).where(User.role == "admin", User.active)
                                   .order_by(User.id).with_for_update()))


def set_password(user: User, password: str) -> None:
    """A new password ends every session of the user (app.auth.sessions.keep_own_session
    keeps the one of a user changing their own)."""
    user.password_hash = hash_password(check_password(password))
    sessions.end_all(user)
    audit.record("user.password", "user", user.id, after={"username": user.username})


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(_("Give the token a name of 1-100 characters (what uses it)."), {"field": "name"})
    row, secret = tokens.issue(user, name)
    audit.record("token.create", "api_token", row.id, after={"user": user.username, "name": name,
                                                               "prefix": row.prefix})
    return row, secret


def revoke_token(user: User, token_id: int) -> None:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("No token %(id)s for this user.", id=token_id), {"field": "token_id"})
    if row.revoked_at is None:
        row.revoked_at = func.now()
        audit.record("token.revoke", "api_token", row.id, before={"user": user.username, "name": row.name,
                                                                    "prefix": row.prefix})
