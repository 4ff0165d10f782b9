"""Forms of the processing and case pages: classification, workflow steps, assignment, filters."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from complaints.cases.models import (
    CaseState,
    Complexity,
    ComplexityCriterion,
    Outcome,
    TerminationReason,
)
from complaints.cases.operations import DOCUMENT_REQUIRED
from complaints.cases.queries import DUE_SOON_DAYS
from complaints.core.forms import (
    REQUIRED,
    Checkboxes,
    Integer,
    Select,
    TrimmedStringField,
    TrimmedTextAreaField,
    VersionField,
    VNDateField,
    enum_choices,
    not_in_future,
    pairs_choices,
)
from complaints.core.translate import gettext as _
from complaints.core.translate import lazy_gettext as _l
from complaints.core.vocab import Field, PetitionKind

AGE_BUCKETS = (
    ("le30", _l("Đến 30 ngày")),
    ("31_60", _l("Từ 31 đến 60 ngày")),
    ("61_90", _l("Từ 61 đến 90 ngày")),
    ("gt90", _l("Trên 90 ngày")),
)


def _max(n: int) -> Length:
    return Length(max=n, message=_l("Tối đa %(n)s ký tự.", n=n))


def _amount(integer_digits: int):
    """A sum or an area written the Vietnamese way (120.000.000; 35,5) that its column can
    hold; the operation reads the same text."""

    def check(form, field):
        if not field.data:
            return
        if not re.fullmatch(r"[0-9][0-9., ]*", field.data):
            raise ValidationError(_("Nhập một số không âm, ví dụ 120.000.000 hoặc 35,5."))
        try:
            value = Decimal(field.data.replace(".", "").replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            raise ValidationError(_("Nhập một số, ví dụ 120.000.000 hoặc 35,5.")) from None
        if value >= 10**integer_digits:
            raise ValidationError(_("Số quá lớn."))

    return check


MONEY = _amount(18)  # Numeric(18, 0)
AREA = _amount(13)  # Numeric(14, 1)


# --- workflow steps -----------------------------------------------------------------------

# What each action asks for, beyond its date: one form class, the template shows these fields.
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "accept": ("doc_no", "doc_type", "note"),
    "refuse": ("doc_no", "doc_type", "note"),
    "transfer": ("doc_no", "doc_type", "body", "note"),
    "start_verification": ("doc_no", "doc_type", "note"),
    "hold_dialogue": ("doc_no", "doc_type", "note"),
    "extend": ("doc_no", "doc_type", "note"),
    "decide": (
        "doc_no",
        "doc_type",
        "outcome",
        "note",
        "money_to_recover",
        "money_to_return",
        "land_to_recover_m2",
        "land_to_return_m2",
        "people_to_discipline",
    ),
    "send": ("doc_no", "doc_type", "note"),
    "publish": ("doc_no", "doc_type", "note"),
    "make_final": ("note",),
    "appeal": ("doc_no", "note", "round2_unit"),
    "enforce": ("doc_no", "note", "money_recovered", "land_recovered_m2"),
    "follow_up": ("doc_no", "note", "money_recovered", "land_recovered_m2"),
    "answer": ("doc_no", "doc_type", "note"),
    "suspend": ("doc_no", "doc_type", "note"),
    "resume": ("doc_no", "doc_type", "note"),
    "withdraw_partial": ("doc_no", "contents", "note"),
    "terminate": ("doc_no", "doc_type", "reason", "note"),
}

# The document type proposed for each step (the officer may change it).
DEFAULT_DOC_TYPES = {
    "accept": "Thông báo thụ lý",
    "refuse": "Thông báo không thụ lý",
    "transfer": "Phiếu chuyển đơn",
    "start_verification": "Quyết định giao xác minh",
    "hold_dialogue": "Biên bản đối thoại",
    "extend": "Quyết định gia hạn giải quyết",
    "decide": "Quyết định giải quyết / Kết luận nội dung tố cáo",
    "send": "Văn bản gửi quyết định, kết luận",
    "publish": "Thông báo công khai kết luận",
    "answer": "Văn bản trả lời",
    "suspend": "Quyết định tạm đình chỉ",
    "resume": "Quyết định tiếp tục giải quyết",
    "terminate": "Quyết định đình chỉ",
}

DECISION_DOC_TYPES = {
    ("decide", "complaint"): "Quyết định giải quyết khiếu nại",
    ("decide", "denunciation"): "Kết luận nội dung tố cáo",
    ("send", "complaint"): "Văn bản gửi quyết định giải quyết khiếu nại",
    ("send", "denunciation"): "Văn bản gửi kết luận nội dung tố cáo",
}

# The note means something different in some steps: its label says what.
NOTE_LABELS = {
    "refuse": _l("Lý do không thụ lý"),
    "hold_dialogue": _l("Tóm tắt biên bản đối thoại"),
    "decide": _l("Tóm tắt nội dung quyết định, kết luận"),
    "answer": _l("Nội dung trả lời"),
}
# Shown as required on the step's form; the operation is what enforces them.
REQUIRED_FIELDS = {
    "doc_no": DOCUMENT_REQUIRED,
    "note": {"refuse", "hold_dialogue", "answer"},
    "outcome": {"decide"},
    "reason": {"terminate"},
    "contents": {"withdraw_partial"},
    "body": {"transfer"},
}


class StepForm(FlaskForm):
    version = VersionField()
    on = VNDateField(
        _l("Ngày (của văn bản, của bước)"), validators=[InputRequired(REQUIRED), not_in_future]
    )
    doc_no = TrimmedStringField(_l("Số văn bản"), validators=[Optional(), _max(64)])
    doc_type = TrimmedStringField(_l("Loại văn bản"), validators=[Optional(), _max(80)])
    note = TrimmedTextAreaField(_l("Ghi chú"), validators=[Optional(), _max(10000)])
    outcome = Select(
        _l("Kết quả giải quyết"), choices=enum_choices(Outcome, blank=_l("— Chọn —")), default=""
    )
    reason = Select(
        _l("Lý do đình chỉ"),
        choices=enum_choices(TerminationReason, blank=_l("— Chọn —")),
        default="",
    )
    contents = TrimmedTextAreaField(
        _l("Nội dung được rút (mỗi nội dung một dòng)"), validators=[Optional(), _max(5000)]
    )
    body = TrimmedStringField(_l("Cơ quan có thẩm quyền được chuyển đến"), [Optional(), _max(255)])
    money_to_recover = TrimmedStringField(
        _l("Số tiền phải thu hồi (đồng)"), [Optional(), _max(30), MONEY]
    )
    money_to_return = TrimmedStringField(
        _l("Số tiền phải trả lại (đồng)"), [Optional(), _max(30), MONEY]
    )
    land_to_recover_m2 = TrimmedStringField(
        _l("Đất phải thu hồi (m²)"), [Optional(), _max(30), AREA]
    )
    land_to_return_m2 = TrimmedStringField(
        _l("Đất phải trả lại (m²)"), [Optional(), _max(30), AREA]
    )
    people_to_discipline = Integer(
        _l("Số người bị kiến nghị xử lý"),
        validators=[Optional(), NumberRange(0, 100_000, _l("Từ 0 đến 100.000."))],
    )
    money_recovered = TrimmedStringField(
        _l("Số tiền đã thu hồi (đồng)"), [Optional(), _max(30), MONEY]
    )
    land_recovered_m2 = TrimmedStringField(_l("Đất đã thu hồi (m²)"), [Optional(), _max(30), AREA])
    round2_unit = Select(
        _l("Mở vụ việc khiếu nại lần hai tại đơn vị"), coerce=int, validators=[Optional()]
    )


# --- leaders: assignment, complexity, merge, split ----------------------------------------


class AssignForm(FlaskForm):
    version = VersionField()
    unit_id = Select(_l("Đơn vị được giao"), coerce=int)
    assignee_id = Select(_l("Người được giao xử lý, xác minh"), coerce=int)
    on = VNDateField(_l("Ngày giao"), validators=[InputRequired(REQUIRED), not_in_future])
    note = TrimmedTextAreaField(_l("Ghi chú"), validators=[Optional(), _max(2000)])
    # Only for a denunciation's matter: what the verifier reads of the content.
    verifier_summary = TrimmedTextAreaField(
        _l("Nội dung giao xác minh (đã lược bỏ thông tin người tố cáo)"),
        validators=[Optional(), _max(10000)],
    )


class FlagsForm(FlaskForm):
    version = VersionField()
    complexity = Select(_l("Mức độ phức tạp"), choices=enum_choices(Complexity))
    criteria = Checkboxes(_l("Tiêu chí phức tạp"), choices=enum_choices(ComplexityCriterion))
    remote_area = BooleanField(_l("Vùng sâu, vùng xa, đi lại khó khăn"))
    on = VNDateField(_l("Ngày quyết định"), validators=[InputRequired(REQUIRED), not_in_future])
    note = TrimmedTextAreaField(_l("Ghi chú"), validators=[Optional(), _max(2000)])


class MergeForm(FlaskForm):
    version = VersionField()
    case_ids = Checkboxes(_l("Gộp các vụ việc"), coerce=int)
    case_nos = TrimmedStringField(
        _l("Hoặc nhập số vụ việc (cách nhau bởi dấu phẩy)"), validators=[Optional(), _max(500)]
    )
    on = VNDateField(_l("Ngày gộp"), validators=[InputRequired(REQUIRED), not_in_future])


class SplitForm(FlaskForm):
    version = VersionField()
    petition_ids = Checkboxes(_l("Các đơn tách sang vụ việc mới"), coerce=int)
    title = TrimmedStringField(
        _l("Tên vụ việc mới"), validators=[InputRequired(_l("Nhập tên vụ việc mới.")), _max(255)]
    )
    on = VNDateField(_l("Ngày tách"), validators=[InputRequired(REQUIRED), not_in_future])


class ApologySentForm(FlaskForm):
    on = VNDateField(_l("Ngày gửi"), validators=[InputRequired(REQUIRED), not_in_future])


# --- filters (GET forms: no CSRF, nothing is changed) -------------------------------------


class CaseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = TrimmedStringField(
        _l("Tìm (số, tên vụ việc, nội dung)"), validators=[Optional(), _max(200)]
    )
    kind = Select(_l("Loại"), choices=enum_choices(PetitionKind, blank=_l("Tất cả")), default="")
    state = Select(
        _l("Trạng thái"), choices=enum_choices(CaseState, blank=_l("Tất cả")), default=""
    )
    field = Select(_l("Lĩnh vực"), choices=enum_choices(Field, blank=_l("Tất cả")), default="")
    unit_id = Select(_l("Đơn vị (gồm cấp dưới)"), coerce=int, validators=[Optional()])
    assignee_id = Select(_l("Người xử lý"), coerce=int, validators=[Optional()])
    age = Select(
        _l("Thời gian từ khi nhận"),
        choices=pairs_choices([("", _l("Tất cả")), *AGE_BUCKETS]),
        default="",
    )
    overdue = BooleanField(_l("Chỉ vụ việc quá hạn"))
    due_within = Integer(
        _l("Đến hạn trong (ngày)"),
        validators=[Optional(), NumberRange(0, 366, _l("Từ 0 đến 366 ngày."))],
    )
    closed = BooleanField(_l("Gồm cả vụ việc đã kết thúc"))


class DueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    days = Integer(
        _l("Sắp đến hạn trong (ngày)"),
        default=DUE_SOON_DAYS,
        validators=[Optional(), NumberRange(0, 366, _l("Từ 0 đến 366 ngày."))],
    )
    only_overdue = BooleanField(_l("Chỉ quá hạn"))
    only_soon = BooleanField(_l("Chỉ sắp đến hạn (chưa quá hạn)"))
    kind = Select(_l("Loại"), choices=enum_choices(PetitionKind, blank=_l("Tất cả")), default="")
    unit_id = Select(_l("Đơn vị (gồm cấp dưới)"), coerce=int, validators=[Optional()])

    def validate_only_soon(self, field):
        if field.data and self.only_overdue.data:
            raise ValidationError(
                _("Chọn “Chỉ quá hạn” hoặc “Chỉ sắp đến hạn”, không chọn cả hai.")
            )
