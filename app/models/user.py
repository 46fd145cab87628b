"""People who sign in to GridMap, their areas, their API tokens.

A user's *area* is a set of grid codes (any level). A grid worker sees and
acts on the events of those grids and everything below them; a dispatcher
with an area works that area, a dispatcher without one the whole district.
Codes, not row ids: a grid keeps its code when its boundary is redrawn.
"""
from __future__ import annotations

import secrets
import time

from flask_login import UserMixin
from sqlalchemy import (Boolean, CheckConstraint, Column, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, func)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import relationship

from app.extensions import db
from app.role_names import ROLES



def new_sign_in_stamp() -> str:
    """When a sign-in began, and a nonce that makes every sign-in's cookie a different one."""
    return f"{int(time.time())}.{secrets.token_hex(8)}"


class User(UserMixin, db.Model):
    __tablename__ = "app_user"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False)
    display_name = Column(Text, nullable=False, server_default="")
    phone = Column(String(32))
    password_hash = Column(Text, nullable=False)
    role = Column(String(16), nullable=False)
    # The district the user belongs to; None: the city (migration 0031). No Python-side default: it would
    # replace an explicit None (a city user); app.auth.users.create names the default district itself.
    district_code = Column(String(6), ForeignKey("district.code", ondelete="RESTRICT"))
    active = Column(Boolean, nullable=False, server_default="true")
    # The grid staff record this account belongs to, when it is a grid worker's.
    staff_id = Column(Integer, ForeignKey("staff.id", ondelete="SET NULL"))
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    last_login_at = Column(DateTime(timezone=True))
    # What the user chose for themselves (migration 0024), one key per page: {"desk": {"chime": true}}.
    # On the server, so a dispatcher's choice follows them from machine to machine.
    preferences = Column(JSONB, nullable=False, server_default="{}")
    # Bumped on every change through the admin page: a stale form gets a 409.
    row_version = Column(Integer, nullable=False, server_default="1")
    # Part of every session and remember-me cookie (app.auth.sessions): bumped on
    # password change, role change, disabling and sign-out, which ends them all.
    session_version = Column(Integer, nullable=False, server_default="0")

    areas = relationship("UserArea", back_populates="user", cascade="all, delete-orphan",
                         order_by="UserArea.grid_code")
    tokens = relationship("ApiToken", back_populates="user", cascade="all, delete-orphan",
                          order_by="ApiToken.id")

    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="role"),
        # Usernames are compared case-insensitively (Zhang3 and zhang3 are one person).
        Index("uq_app_user_username_lower", func.lower(username), unique=True),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember-me cookie: the id of this user's
        present sign-in, ``<user id>:<session version>:<stamp>`` (a new stamp for a user not signed
        in yet). app.auth.sessions says why, and reads it back."""
        stamp = getattr(self, "_signed_in", None)
        if stamp is None:
            stamp = self._signed_in = new_sign_in_stamp()
        return f"{self.id}:{self.session_version}:{stamp}"

    # UserMixin compares get_id(), which now carries the sign-in; a user is one user whatever the sign-in.
    def __eq__(self, other):
        return isinstance(other, User) and self.id is not None and self.id == other.id

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = object.__hash__

    @property
    def area_codes(self) -> list[str]:
        return [a.grid_code for a in self.areas]

    def to_dict(self) -> dict:
        return {"id": self.id, "username": self.username, "display_name": self.display_name,
                "role": self.role, "district_code": self.district_code, "active": self.active,
                "areas": self.area_codes,
                "staff_id": self.staff_id,
                "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None}


class UserArea(db.Model):
    __tablename__ = "user_area"

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False)
    grid_code = Column(String(17), nullable=False)

    user = relationship("User", back_populates="areas")

    __table_args__ = (UniqueConstraint("user_id", "grid_code", name="uq_user_area"),)


class LoginLockout(db.Model):
    """Failed sign-ins under one user name and the lock they earned (app.auth.lockout).

    Keyed by the lower-cased name as typed, whether or not such a user exists,
    so the lock says nothing about which names are real.
    """
    __tablename__ = "login_lockout"

    username = Column(String(64), primary_key=True)
    failures = Column(Integer, nullable=False)
    last_failure_at = Column(DateTime(timezone=True), nullable=False)
    locked_until = Column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("failures >= 0", name="failures"),
                      Index("ix_login_lockout_last_failure_at", "last_failure_at"))


class ApiToken(db.Model):
    """A bearer token for a machine client; only its SHA-256 is stored."""
    __tablename__ = "api_token"

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False)
    name = Column(Text, nullable=False)
    # The first characters, shown in lists so an administrator can tell tokens apart.
    prefix = Column(String(12), nullable=False)
    token_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    last_used_at = Column(DateTime(timezone=True))
    revoked_at = Column(DateTime(timezone=True))

    user = relationship("User", back_populates="tokens")

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "prefix": self.prefix,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
                "revoked": self.revoked_at is not None}
