from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from complaints.core.access import Role
from complaints.core.forms import REQUIRED, TrimmedStringField, enum_choices


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(REQUIRED), Length(max=200)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    username = TrimmedStringField(
        "Tên đăng nhập",
        validators=[
            DataRequired(REQUIRED),
            Length(max=64),
            Regexp(r"^[A-Za-z0-9._-]+$", message="Chỉ dùng chữ không dấu, số, dấu chấm, gạch."),
        ],
    )
    full_name = TrimmedStringField(
        "Họ và tên", validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    title = TrimmedStringField("Chức vụ", validators=[Optional(), Length(max=120)])
    unit_id = SelectField("Đơn vị", coerce=int, validators=[DataRequired(REQUIRED)])
    roles = MultiCheckboxField(
        "Vai trò",
        choices=enum_choices(Role),
        validators=[DataRequired("Chọn ít nhất một vai trò.")],
    )
    password = PasswordField(
        "Mật khẩu", validators=[Optional(), Length(min=8, max=200, message="Từ 8 ký tự trở lên.")]
    )
    active = BooleanField("Đang hoạt động", default=True)
