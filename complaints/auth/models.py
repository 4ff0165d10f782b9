"""Users and their roles."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from complaints.core.access import Role
from complaints.core.db import TimestampMixin, UTCDateTime, enum_column
from complaints.extensions import db
from complaints.units.models import Unit


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(120), default="")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Written at login by a query-level UPDATE (auth/views.py), which leaves `version` alone.
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Counted up by every UPDATE through the mapper (version_id_col): an administrator's edit
    # page opened at an older version is refused instead of overwriting another's save.
    version: Mapped[int] = mapped_column(default=1)
    # Part of the id every login cookie carries (get_id): counted up by end_sessions() at
    # logout, a password change or reset, a lock and "sign out everywhere", so every cookie
    # issued before stops matching at once, in every worker (the check is in load_user).
    session_generation: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))

    unit: Mapped[Unit] = relationship(lazy="joined")
    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """Flask-Login's "alternative token": the id and the session generation, so that a
        cookie issued before end_sessions() names a generation that no longer exists."""
        return f"{self.id}.{self.session_generation}"

    def set_password(self, password: str) -> None:
        """Hash a password (no policy here: operations.check_password_strength applies it)."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.roles)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_set & set(roles))

    def set_roles(self, roles) -> None:
        wanted = {Role(r) for r in roles}
        self.roles = [r for r in self.roles if r.role in wanted] + [
            UserRole(role=r) for r in sorted(wanted - self.role_set)
        ]


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = enum_column(Role, "role", primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


_DUMMY_HASH: list[str] = []


def dummy_hash() -> str:
    """A hash of a random password, made once per process with the same hasher and
    parameters as every user's (generate_password_hash's defaults). The login page makes it
    when first shown, so that not even a worker's first unknown name costs a hash more."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash(secrets.token_urlsafe(16)))
    return _DUMMY_HASH[0]


def password_matches(user: User | None, password: str) -> bool:
    """Whether `password` opens `user`'s account, doing the same work whether the account
    exists or not: for an unknown name the password is checked against a dummy hash, so that
    the time of a wrong answer does not tell who has an account (issue 14, item 4). An inactive
    account is checked too, and refused."""
    matched = check_password_hash(user.password_hash if user else dummy_hash(), password)
    return matched and user is not None and user.active
