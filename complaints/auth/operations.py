"""Use cases on user accounts."""

from __future__ import annotations

import sqlalchemy as sa

from complaints.auth import passwords
from complaints.auth.models import User
from complaints.core import audit, clock
from complaints.core.access import Role
from complaints.core.db import utcnow
from complaints.core.errors import OperationError, StaleError
from complaints.core.translate import N_
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.units.models import Unit
from complaints.units.operations import check_active

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


def check_password_strength(
    password: str, *, username: str = "", full_name: str = "", unit_code: str = ""
) -> None:
    """Refuse a password the policy (auth/passwords.py) finds weak for this account; every
    place that sets a password calls it (admin's create and reset, own change, create-user)."""
    reason = passwords.weakness(
        password, username=username, full_name=full_name, unit_code=unit_code
    )
    if reason:
        raise UserError(reason, "password")


def end_sessions(user: User) -> None:
    """End every session of the account at once, in every worker: its session generation is
    counted up, so the cookies issued before (their id names the old generation, User.get_id)
    log no one in any more (web.load_user). A query-level UPDATE like last_login_at: ending
    sessions is no edit of the account and must not make an administrator's open form stale.
    """
    db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(session_generation=User.session_generation + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["session_generation"])


def log_out(user: User) -> None:
    """Logout ends every session of the user, not only this browser's (issue 14, item 2)."""
    end_sessions(user)


def sign_out_everywhere(actor, user: User) -> None:
    """An administrator's (or the user's own) "Đăng xuất khỏi mọi thiết bị", recorded."""
    end_sessions(user)
    audit.record(
        "user.signed_out_everywhere",
        user,
        actor=actor,
        unit_id=user.unit_id,
        after={"username": user.username},
        summary=f"Đăng xuất tài khoản {user.username} khỏi mọi thiết bị",
    )


def change_own_password(user: User, *, current: str, new: str) -> None:
    """A user changes their own password: the current one is asked first; every session of
    the user ends (the view logs this browser in again)."""
    if not user.check_password(current):
        raise UserError(_("Mật khẩu hiện tại không đúng."), "current_password")
    if current == new:
        raise UserError(_("Mật khẩu mới phải khác mật khẩu hiện tại."), "password")
    check_password_strength(
        new, username=user.username, full_name=user.full_name, unit_code=user.unit.code
    )
    user.set_password(new)
    user.updated_at = utcnow()
    db.session.flush()
    end_sessions(user)
    audit.record(
        "user.password_changed",
        user,
        actor=user,
        unit_id=user.unit_id,
        after={"password": "đã đổi"},
        summary=f"Tài khoản {user.username} tự đổi mật khẩu",
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
    demo_password: bool = False,
) -> User:
    """Create an account with hashed password and its roles.

    `demo_password=True` skips the password policy: only the demo province (complaints/demo.py)
    passes it, for its published, deliberately simple password (README: change those accounts
    before real use)."""
    username = username.strip().lower()
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise UserError(_("Tên đăng nhập %(username)s đã được dùng.", username=username))
    if not roles:
        raise UserError(_("Người dùng phải có ít nhất một vai trò."))
    check_active(unit, clock.today())
    if not demo_password:
        check_password_strength(
            password, username=username, full_name=full_name, unit_code=unit.code
        )
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
    if changes.get("active") is False and user.active and user.id == getattr(actor, "id", None):
        raise UserError(_("Không thể tự khóa tài khoản của chính mình."))
    before = _user_snapshot(user)
    if roles is not None:
        if not roles:
            raise UserError(_("Người dùng phải có ít nhất một vai trò."))
        user.set_roles(roles)
    unit = changes.get("unit")
    if unit is not None and unit.id != user.unit_id:
        check_active(unit, clock.today())
    for key, value in changes.items():
        setattr(user, key, value)
    if password:
        check_password_strength(
            password, username=user.username, full_name=user.full_name, unit_code=user.unit.code
        )
        user.set_password(password)
    # Always an UPDATE of the row, so the version check runs and the version counts up even
    # when only the roles (rows of user_role) changed.
    user.updated_at = utcnow()
    db.session.flush()
    locked = before["active"] and not user.active
    if password or locked:
        # A reset password or a locked account: every session of the account ends at once.
        end_sessions(user)
    if locked:
        # A locked account's API tokens are revoked for good (unlocking does not revive them).
        # A reset leaves them: they belong to the systems an administrator connected, are listed
        # and revoked on the tokens' page, and a forgotten password says nothing about them.
        from complaints.api.tokens import revoke_user_tokens

        revoke_user_tokens(actor, user)
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
