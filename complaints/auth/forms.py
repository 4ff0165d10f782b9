from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from complaints.core.access import Role
from complaints.core.forms import (
    REQUIRED,
    MultiCheckboxField,
    TrimmedStringField,
    VersionField,
    enum_choices,
)
from complaints.core.translate import lazy_gettext as _l


def _drop_nul(value):
    # No username holds a NUL (UserForm's pattern); PostgreSQL refuses one in text (a 500).
    return value.replace("\x00", "") if isinstance(value, str) else value


class LoginForm(FlaskForm):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[DataRequired(REQUIRED), Length(max=64)],
        filters=[_drop_nul],
    )
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(REQUIRED), Length(max=200)])


class UserForm(FlaskForm):
    username = TrimmedStringField(
        _l("Tên đăng nhập"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Chỉ dùng chữ không dấu, số, dấu chấm, gạch.")),
        ],
    )
    full_name = TrimmedStringField(
        _l("Họ và tên"), validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    title = TrimmedStringField(_l("Chức vụ"), validators=[Optional(), Length(max=120)])
    unit_id = SelectField(_l("Đơn vị"), coerce=int, validators=[DataRequired(REQUIRED)])
    roles = MultiCheckboxField(
        _l("Vai trò"),
        choices=enum_choices(Role),
        validators=[DataRequired(_l("Chọn ít nhất một vai trò."))],
    )
    password = PasswordField(
        _l("Mật khẩu"),
        validators=[Optional(), Length(min=8, max=200, message=_l("Từ 8 ký tự trở lên."))],
    )
    active = BooleanField(_l("Đang hoạt động"), default=True)
    version = VersionField(optional=True)


class PasswordChangeForm(FlaskForm):
    """A user changes their own password (the policy is the operation's: auth/passwords.py)."""

    current_password = PasswordField(
        _l("Mật khẩu hiện tại"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    password = PasswordField(
        _l("Mật khẩu mới"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    confirm = PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message=_l("Hai lần nhập mật khẩu mới không khớp.")),
        ],
    )


class ButtonForm(FlaskForm):
    """A button: only the CSRF token travels."""
