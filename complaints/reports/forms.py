"""Forms of the report pages: choosing a report, closing it, a unit's report settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from complaints.core.forms import (
    REQUIRED,
    Integer,
    Select,
    TrimmedTextAreaField,
    VNDateField,
    max_length,
    pairs_choices,
)
from complaints.core.translate import L_, N_
from complaints.core.translate import gettext as _
from complaints.core.translate import lazy_gettext as _l
from complaints.reports.figures import ROUNDING_MODES
from complaints.reports.layouts import LAYOUTS
from complaints.reports.periods import PERIOD_KINDS, PERIOD_LABELS
from complaints.reports.service import REASON_MAX

BAD_UNIT = N_("Đơn vị không tồn tại hoặc nằm ngoài phạm vi của bạn: hãy chọn lại trong danh sách.")
RANGE = "range"  # a period given by its two dates instead of a standard kind

FORM_CHOICES = (
    ("summary", _l("Báo cáo tóm tắt (câu tổng hợp số liệu)")),
    *((code, f"{layout.official_code}: {layout.title}") for code, layout in LAYOUTS.items()),
)
PERIOD_CHOICES = (
    *((kind, PERIOD_LABELS[kind]) for kind in PERIOD_KINDS),
    (RANGE, _l("Khoảng ngày tự chọn")),
)
MONTH_CHOICES = (("", "—"), *((str(m), _l("Tháng %(m)s", m=m)) for m in range(1, 13)))
RATE_BASIS_CHOICES = (
    ("cases", _l("Theo số vụ việc (vụ việc đã giải quyết / vụ việc thuộc thẩm quyền)")),
    ("petitions", _l("Theo số đơn (đơn của vụ việc đã giải quyết / đơn thuộc thẩm quyền)")),
)
RATE_KINDS_CHOICES = (
    ("both", _l("Khiếu nại và tố cáo")),
    ("complaint", _l("Chỉ khiếu nại")),
    ("denunciation", _l("Chỉ tố cáo")),
    ("each", _l("Khiếu nại, tố cáo, mỗi loại một tỷ lệ riêng")),
)
ROUNDING_LABELS = {
    "half_up_2": L_("2 chữ số thập phân, làm tròn (88,235 → 88,24)"),
    "half_up_1": L_("1 chữ số thập phân, làm tròn (6,25 → 6,3)"),
    "half_up_0": L_("Số nguyên, làm tròn (88,5 → 89)"),
    "truncate_2": L_("2 chữ số thập phân, bỏ phần sau (88,239 → 88,23)"),
    "truncate_1": L_("1 chữ số thập phân, bỏ phần sau (99,99 → 99,9)"),
    "truncate_0": L_("Số nguyên, bỏ phần thập phân (99,9 → 99)"),
}
ROUNDING_CHOICES = tuple((mode, ROUNDING_LABELS[mode]) for mode in ROUNDING_MODES)
# A report's own convention (Quy ước tính), prefilled with the unit's settings.
CONVENTION_BASIS_CHOICES = (("cases", _l("Vụ việc")), ("petitions", _l("Đơn")))
CONVENTION_KINDS_CHOICES = (
    ("both", _l("Khiếu nại và tố cáo")),
    ("complaint", _l("Khiếu nại")),
    ("denunciation", _l("Tố cáo")),
    ("each", _l("Từng loại riêng")),
)
KIND_ROUNDING_CHOICES = (("", _l("Như trên")), *ROUNDING_CHOICES)


class BlankableInteger(Integer):
    """An integer that may be left blank (None); its form's rules decide when it is needed."""

    def process_formdata(self, valuelist):
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class ReportForm(FlaskForm):
    """Which report: a GET form (nothing changes), its values travel in the page's address."""

    class Meta:
        csrf = False

    # The official forms' titles are the law's words: Vietnamese in both languages.
    form_code = Select(
        _l("Mẫu báo cáo"),
        name="form",
        choices=pairs_choices(FORM_CHOICES),
        render_kw={"data-i18n": "vi-only"},
    )
    period = Select(_l("Kỳ báo cáo"), choices=pairs_choices(PERIOD_CHOICES))
    year = BlankableInteger(_l("Năm"))
    month = Select(_l("Tháng (kỳ tháng)"), choices=pairs_choices(MONTH_CHOICES), default="")
    date_from = VNDateField(_l("Từ ngày (khoảng tự chọn)"), name="from")
    date_to = VNDateField(_l("Đến ngày (khoảng tự chọn)"), name="to")
    unit_code = Select(_l("Đơn vị"), name="unit", invalid_choice_message=BAD_UNIT)
    with_subunits = BooleanField(
        _l("Kèm đơn vị trực thuộc"), name="sub", false_values=(False, "", "0", "false", "no", "off")
    )

    # The convention: any value reaches reports/convention.parse, which judges it for the page,
    # the API and the command line alike.
    basis = Select(
        _l("Cơ sở tính tỷ lệ"),
        choices=pairs_choices(CONVENTION_BASIS_CHOICES),
        validate_choice=False,
    )
    kinds = Select(
        _l("Loại"), choices=pairs_choices(CONVENTION_KINDS_CHOICES), validate_choice=False
    )
    rounding = Select(
        _l("Làm tròn"), choices=pairs_choices(ROUNDING_CHOICES), validate_choice=False
    )
    rounding_complaint = Select(
        _l("Làm tròn riêng tỷ lệ khiếu nại (từng loại riêng)"),
        choices=pairs_choices(KIND_ROUNDING_CHOICES),
        validate_choice=False,
        default="",
    )
    rounding_denunciation = Select(
        _l("Làm tròn riêng tỷ lệ tố cáo (từng loại riêng)"),
        choices=pairs_choices(KIND_ROUNDING_CHOICES),
        validate_choice=False,
        default="",
    )

    @property
    def is_range(self) -> bool:
        return self.period.data == RANGE

    def validate_year(self, field):
        if field.errors or self.is_range:
            return
        if field.data is None:
            raise ValidationError(_("Nhập năm của kỳ báo cáo, ví dụ 2026."))
        _check_year(field.data)

    def validate_month(self, field):
        if self.period.data == "month" and not field.data and not field.errors:
            raise ValidationError(_("Kỳ báo cáo tháng: hãy chọn tháng."))

    def validate_date_from(self, field):
        if self.is_range and field.data is None and not field.errors:
            raise ValidationError(_("Nhập ngày bắt đầu (dd/mm/yyyy)."))
        if self.is_range and field.data is not None:
            _check_year(field.data.year)

    def validate_date_to(self, field):
        if not self.is_range or field.errors:
            return
        if field.data is None:
            raise ValidationError(_("Nhập ngày kết thúc (dd/mm/yyyy)."))
        _check_year(field.data.year)
        if self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(
                _("Kỳ báo cáo kết thúc trước khi bắt đầu: “Đến ngày” phải sau hoặc bằng “Từ ngày”.")
            )


class CloseForm(FlaskForm):
    """Closing the shown report (the report is in the address); before the period's end only
    with the override ticked and a reason (the rule: service.close_period)."""

    early = BooleanField(_l("Khóa trước khi hết kỳ"))
    early_reason = TrimmedTextAreaField(
        _l("Lý do khóa trước khi hết kỳ"), validators=[max_length(REASON_MAX)]
    )


class ReopenForm(FlaskForm):
    """Reopening a locked period: the reason is required (service.reopen_period)."""

    reason = TrimmedTextAreaField(
        _l("Lý do mở khóa"), validators=[DataRequired(REQUIRED), max_length(REASON_MAX)]
    )


class UnitPickForm(FlaskForm):
    class Meta:
        csrf = False

    unit = Select(_l("Đơn vị"), invalid_choice_message=BAD_UNIT)


class SettingsForm(FlaskForm):
    rate_basis = Select(
        _l("Tỷ lệ giải quyết tính theo"),
        choices=pairs_choices(RATE_BASIS_CHOICES),
        validators=[InputRequired(REQUIRED)],
    )
    rate_kinds = Select(
        _l("Tỷ lệ giải quyết của loại việc"),
        choices=pairs_choices(RATE_KINDS_CHOICES),
        validators=[InputRequired(REQUIRED)],
    )
    rounding = Select(
        _l("Làm tròn tỷ lệ"),
        choices=pairs_choices(ROUNDING_CHOICES),
        validators=[InputRequired(REQUIRED)],
    )
    cutoff_day = Integer(
        _l("Ngày chốt số liệu hằng tháng"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(1, 31, message=_l("Ngày chốt số liệu phải từ 1 đến 31.")),
        ],
    )
    feedback_days = Integer(
        _l("Thời hạn trả lời kiến nghị, phản ánh (ngày)"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(1, 365, message=_l("Thời hạn phải từ 1 đến 365 ngày.")),
        ],
    )


def _check_year(year: int) -> None:
    """A report's years, whether a period's or a range's dates: 1901 to 2999 (a far date would
    overflow the period's arithmetic, such as the first day it may be locked)."""
    if not 1901 <= year <= 2999:
        raise ValidationError(_("Năm phải từ 1901 đến 2999."))
