from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from complaints.core.forms import REQUIRED, TrimmedStringField, VNDateField, enum_choices
from complaints.units.models import UnitLevel


class UnitForm(FlaskForm):
    code = TrimmedStringField(
        "Mã đơn vị",
        validators=[
            DataRequired(REQUIRED),
            Length(max=20),
            Regexp(
                r"^[A-Z0-9]+$",
                message="Mã chỉ gồm chữ in hoa không dấu và số, ví dụ HP hoặc HPTTR.",
            ),
        ],
    )
    name = TrimmedStringField("Tên đơn vị", validators=[DataRequired(REQUIRED), Length(max=200)])
    level = SelectField("Cấp", choices=enum_choices(UnitLevel), validators=[DataRequired(REQUIRED)])
    parent_id = SelectField("Đơn vị cấp trên", coerce=int, validators=[Optional()])
    active_from = VNDateField("Hoạt động từ ngày", validators=[Optional()])
    active_to = VNDateField("Đến ngày (giải thể, sáp nhập)", validators=[Optional()])

    def validate_active_to(self, field):
        if field.data and self.active_from.data and field.data < self.active_from.data:
            raise ValidationError("Ngày kết thúc phải sau ngày bắt đầu.")
