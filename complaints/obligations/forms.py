"""Forms of the periodic reception pages: the filter, a unit's rule, planning and publishing."""

from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import Field as WTField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError
from wtforms.widgets import TextInput

from complaints.core.forms import (
    REQUIRED,
    Checkboxes,
    Select,
    TrimmedStringField,
    TrimmedTextAreaField,
    VersionField,
    VNDateField,
    enum_choices,
    max_length,
    not_in_future,
    pairs_choices,
)
from complaints.core.translate import gettext as _
from complaints.core.translate import lazy_gettext as _l
from complaints.obligations import rules
from complaints.obligations.models import RuleType
from complaints.obligations.operations import MAX_RULE_DATES, WEEK_CHOICES
from complaints.reception.models import HostMode

_MONTH = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")
_ISO_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class MonthField(WTField):
    """A month typed mm/yyyy (also yyyy-mm); its data is the month's first day."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("placeholder", "mm/yyyy")
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%m/%Y") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = valuelist[0] if valuelist else ""
        if not text.strip():
            return
        match = _MONTH.match(text)
        month, year = (int(match[1]), int(match[2])) if match else (None, None)
        if match is None and (iso := _ISO_MONTH.match(text)):
            year, month = int(iso[1]), int(iso[2])
        if month is None or not 1 <= month <= 12 or not 1900 < year < 3000:
            raise ValueError(_("Tháng không hợp lệ: nhập theo dạng mm/yyyy, ví dụ 07/2026."))
        self.data = date(year, month, 1)


def _months(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month + 1


class ObligationFilterForm(FlaskForm):
    """GET filter of the periodic reception page (no CSRF: nothing is changed)."""

    class Meta:
        csrf = False

    unit_id = Select(_l("Đơn vị"), coerce=int, validators=[Optional()])
    month_from = MonthField(_l("Từ tháng"), validators=[Optional()])
    month_to = MonthField(_l("Đến tháng"), validators=[Optional()])
    only_behind = BooleanField(_l("Chỉ đơn vị còn thiếu, công bố muộn"))

    def validate_month_to(self, field):
        if field.data and self.month_from.data:
            if field.data < self.month_from.data:
                raise ValidationError(_("“Đến tháng” phải sau hoặc bằng “Từ tháng”."))
            if _months(self.month_from.data, field.data) > rules.MAX_MONTHS:
                raise ValidationError(
                    _("Chọn tối đa %(MAX_MONTHS)s tháng.", MAX_MONTHS=rules.MAX_MONTHS)
                )


WEEKDAY_CHOICES = pairs_choices([("", "—"), *((str(i), n) for i, n in enumerate(rules.WEEKDAYS))])
WEEK_CHOICE_PAIRS = pairs_choices([(str(w), rules.WEEK_LABELS[w]) for w in WEEK_CHOICES])


class RuleForm(FlaskForm):
    unit_id = Select(_l("Đơn vị"), coerce=int)
    rule_type = Select(_l("Cách xác định ngày tiếp"), choices=enum_choices(RuleType))
    weekday = Select(_l("Thứ trong tuần"), choices=WEEKDAY_CHOICES, default="")
    weeks = Checkboxes(_l("Tuần trong tháng"), choices=WEEK_CHOICE_PAIRS)
    days = TrimmedStringField(
        _l("Ngày trong tháng"),
        validators=[max_length(60)],
    )
    place = TrimmedStringField(
        _l("Địa điểm"),
        validators=[DataRequired(_l("Nhập địa điểm tiếp công dân.")), max_length(255)],
    )
    host_name = TrimmedStringField(
        _l("Người chủ trì tiếp (họ tên)"), validators=[DataRequired(REQUIRED), max_length(120)]
    )
    host_title = TrimmedStringField(_l("Chức vụ"), validators=[Optional(), max_length(120)])
    host_mode = Select(_l("Thủ trưởng tiếp"), choices=enum_choices(HostMode))
    valid_from = VNDateField(_l("Áp dụng từ ngày"), validators=[InputRequired(REQUIRED)])
    valid_to = VNDateField(_l("Đến ngày (để trống: đang áp dụng)"), validators=[Optional()])
    note = TrimmedTextAreaField(_l("Căn cứ, ghi chú"), validators=[Optional(), max_length(2000)])
    version = VersionField(optional=True)

    def validate_weekday(self, field):
        if self.rule_type.data in ("weekly", "nth_weekday") and not field.data:
            raise ValidationError(_("Chọn thứ trong tuần."))

    def validate_weeks(self, field):
        if self.rule_type.data == "nth_weekday" and not field.data:
            raise ValidationError(_("Chọn ít nhất một tuần trong tháng (ví dụ tuần cuối)."))

    def validate_days(self, field):
        if self.rule_type.data != "month_days":
            return
        if not self.day_list():
            raise ValidationError(_("Nhập ít nhất một ngày trong tháng, ví dụ: 10, 25."))

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_("Ngày hết hiệu lực phải sau ngày bắt đầu áp dụng."))

    def day_list(self) -> list[int]:
        """The days typed, or ValidationError naming the first that cannot be a day."""
        text = self.days.data or ""
        items = [x for x in re.split(r"[,;\s]+", text) if x]
        days = []
        for item in items:
            if not item.isdigit() or not 1 <= int(item) <= 31:
                raise ValidationError(
                    _("“%(item)s” không phải một ngày trong tháng (1 đến 31).", item=item)
                )
            days.append(int(item))
        if len(set(days)) > MAX_RULE_DATES:
            raise ValidationError(
                _("Tối đa %(MAX_RULE_DATES)s ngày tiếp mỗi tháng.", MAX_RULE_DATES=MAX_RULE_DATES)
            )
        return sorted(set(days))

    def week_list(self) -> list[int]:
        return [int(w) for w in self.weeks.data or []]


class PlanForm(FlaskForm):
    unit_id = Select(_l("Đơn vị"), coerce=int)
    date_from = VNDateField(_l("Từ ngày"), validators=[InputRequired(REQUIRED)])
    date_to = VNDateField(_l("Đến ngày"), validators=[InputRequired(REQUIRED)])
    with_subunits = BooleanField(
        _l("Lập cả cho các đơn vị cấp dưới (theo quy định của từng đơn vị)")
    )

    def validate_date_to(self, field):
        if field.data and self.date_from.data:
            if field.data < self.date_from.data:
                raise ValidationError(_("“Đến ngày” phải sau hoặc bằng “Từ ngày”."))
            if (field.data - self.date_from.data).days > 31 * rules.MAX_MONTHS:
                raise ValidationError(
                    _("Mỗi lần tối đa %(MAX_MONTHS)s tháng.", MAX_MONTHS=rules.MAX_MONTHS)
                )


class PublishForm(PlanForm):
    on = VNDateField(_l("Ngày công bố"), validators=[InputRequired(REQUIRED), not_in_future])
    with_subunits = BooleanField(_l("Cả các đơn vị cấp dưới"))
