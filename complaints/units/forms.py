from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from complaints.core.forms import (
    REQUIRED,
    Integer,
    Select,
    TrimmedStringField,
    VersionField,
    VNDateField,
    enum_choices,
    max_length,
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
    # Its roles (units/roles.py); 0: none (an authority in its own right, processes its own).
    advises_id = Select(
        _l("Tiếp nhận, tham mưu cho cơ quan (Ban Tiếp công dân, Thanh tra)"),
        coerce=int,
        validators=[Optional()],
    )
    processing_unit_id = Select(
        _l("Đơn vị xử lý đơn tiếp nhận tại đây"), coerce=int, validators=[Optional()]
    )
    doc_symbol = TrimmedStringField(
        _l("Ký hiệu cơ quan trên văn bản (ví dụ UBND, TTr)"),
        validators=[
            Optional(),
            max_length(20),
            Regexp(
                r"^[A-Za-zĐđ0-9.]+$",
                message=_l("Ký hiệu chỉ gồm chữ không dấu, chữ Đ, số và dấu chấm, ví dụ UBND."),
            ),
        ],
    )
    version = VersionField(optional=True)

    def validate_active_to(self, field):
        if field.data and self.active_from.data and field.data < self.active_from.data:
            raise ValidationError(_("Ngày kết thúc phải sau ngày bắt đầu."))


class LeaderForm(FlaskForm):
    """A leader of a unit: who signs its acts and hosts its receptions."""

    full_name = TrimmedStringField(
        _l("Họ và tên"), validators=[DataRequired(REQUIRED), max_length(120)]
    )
    title = TrimmedStringField(
        _l("Chức vụ (ví dụ Chủ tịch, Phó Chủ tịch)"),
        validators=[DataRequired(REQUIRED), max_length(120)],
    )
    is_head = BooleanField(_l('Người đứng đầu (ký thay mặt: cấp phó ký "KT.")'))
    position = Integer(_l("Thứ tự"), default=0, validators=[Optional()])
    active = BooleanField(_l("Đang giữ chức"), default=True)
