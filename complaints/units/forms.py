from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import HiddenInput

from complaints.core.forms import REQUIRED, TrimmedStringField, VNDateField, enum_choices
from complaints.core.translate import gettext as _
from complaints.core.translate import lazy_gettext as _l
from complaints.units.models import UnitLevel


class VersionField(IntegerField):
    """The version of the record the administrator opened, sent back so a concurrent edit is
    detected (absent on the "new" pages; the views refuse an edit posted without it)."""

    widget = HiddenInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [Optional()])
        kwargs.setdefault("invalid_value_message", _l("Phiên bản không hợp lệ: tải lại trang."))
        super().__init__(*args, **kwargs)

    def opened(self) -> int | None:
        """The version posted back, None when the post carried none (refused as stale)."""
        return self.data if self.raw_data else None


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
    version = VersionField()

    def validate_active_to(self, field):
        if field.data and self.active_from.data and field.data < self.active_from.data:
            raise ValidationError(_("Ngày kết thúc phải sau ngày bắt đầu."))
