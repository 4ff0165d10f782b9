from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from complaints.core.forms import (
    REQUIRED,
    TrimmedStringField,
    VersionField,
    VNDateField,
    enum_choices,
)
from complaints.core.translate import gettext as _
from complaints.core.translate import lazy_gettext as _l
from complaints.units.models import UnitLevel


class UnitForm(FlaskForm):
    code = TrimmedStringField(
        _l("Mã đơn vị"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=20),
            Regexp(
                r"^[A-Z0-9]+$",
                message=_l("Mã chỉ gồm chữ in hoa không dấu và số, ví dụ HP hoặc HPTTR."),
            ),
        ],
    )
    name = TrimmedStringField(
        _l("Tên đơn vị"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    level = SelectField(
        _l("Cấp"), choices=enum_choices(UnitLevel), validators=[DataRequired(REQUIRED)]
    )
    parent_id = SelectField(_l("Đơn vị cấp trên"), coerce=int, validators=[Optional()])
    active_from = VNDateField(_l("Hoạt động từ ngày"), validators=[Optional()])
    active_to = VNDateField(_l("Đến ngày (giải thể, sáp nhập)"), validators=[Optional()])
    version = VersionField(optional=True)

    def validate_active_to(self, field):
        if field.data and self.active_from.data and field.data < self.active_from.data:
            raise ValidationError(_("Ngày kết thúc phải sau ngày bắt đầu."))
