"""Use cases on user accounts."""

from __future__ import annotations

import sqlalchemy as sa

from complaints.auth.models import User
from complaints.core import audit
from complaints.core.access import Role
from complaints.core.db import utcnow
from complaints.core.errors import OperationError, StaleError
from complaints.core.translate import N_
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.units.models import Unit

MIN_PASSWORD = 8
STALE_MESSAGE = N_(
    "Tài khoản này vừa được người khác sửa sau khi bạn mở trang. Chưa có gì được lưu: "
    "hãy tải lại trang để xem bản mới nhất rồi sửa lại."
)


class UserError(OperationError):
    """A user-account change the rules refuse; the message is for the user."""


class StaleEditError(StaleError, UserError):
    """The account changed since the administrator opened its page: their edit is not applied."""


def _user_snapshot(user: User) -> dict:
    data = audit.snapshot(user, ("username", "full_name", "title", "unit_id", "active"))
    data["roles"] = sorted(r.value for r in user.role_set)
    return data


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(
            _("Mật khẩu phải có ít nhất %(MIN_PASSWORD)s ký tự.", MIN_PASSWORD=MIN_PASSWORD)
        )


def create_user(
    actor,
    *,
    username: str,
    full_name: str,
    unit: Unit,
    roles,
    password: str,
    title: str = "",
) -> User:
    """Create an account with hashed password and its roles."""
    username = username.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise UserError(_("Tên đăng nhập %(username)s đã được dùng.", username=username))
    if not roles:
        raise UserError(_("Người dùng phải có ít nhất một vai trò."))
    check_password_strength(password)
    user = User(username=username, full_name=full_name, title=title, unit=unit, active=True)
    user.set_password(password)
    user.set_roles(Role(r) for r in roles)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        user,
        actor=actor,
        unit_id=unit.id,
        after=_user_snapshot(user),
        summary=f"Tạo tài khoản {username}",
    )
    return user


def update_user(
    actor,
    user: User,
    *,
    expected_version: int | None,
    password: str | None = None,
    roles=None,
    **changes,
) -> User:
    """Edit an account; a new password is hashed, never stored or logged in clear.

    `expected_version` is the version the edit page was opened at: if the account changed since
    (or the page sent none), nothing is applied and StaleEditError says so. A login does not
    count as a change (it writes `last_login_at` without touching the version)."""
    if expected_version != user.version:
        raise StaleEditError(_(STALE_MESSAGE))
    before = _user_snapshot(user)
    if roles is not None:
        if not roles:
            raise UserError(_("Người dùng phải có ít nhất một vai trò."))
        user.set_roles(roles)
    for key, value in changes.items():
        setattr(user, key, value)
    if password:
        check_password_strength(password)
        user.set_password(password)
    # Always an UPDATE of the row, so the version check runs and the version counts up even
    # when only the roles (rows of user_role) changed.
    user.updated_at = utcnow()
    db.session.flush()
    b, a = audit.diff(before, _user_snapshot(user))
    if password:
        a["password"] = "đã đổi"  # noqa: S105  a marker, not a password
    if a:
        audit.record(
            "user.updated",
            user,
            actor=actor,
            unit_id=user.unit_id,
            before=b,
            after=a,
            summary=f"Sửa tài khoản {user.username}",
        )
    return user
