"""Forms of the reception pages: filters, sessions, visits with their person rows."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, IntegerField, SelectField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from complaints.core.forms import (
    REQUIRED,
    TrimmedStringField,
    TrimmedTextAreaField,
    VNDateField,
    enum_choices,
    pairs_choices,
)
from complaints.core.identity import normalise_identity
from complaints.core.translate import N_
from complaints.core.translate import gettext as _
from complaints.core.translate import lazy_gettext as _l
from complaints.core.vocab import PetitionKind
from complaints.reception.models import (
    HostMode,
    Medium,
    RefusalGround,
    SessionKind,
    SessionStatus,
    VisitOutcome,
)

BAD_CHOICE = N_("Lựa chọn không hợp lệ: hãy chọn lại trong danh sách.")
BAD_INT = N_("Nhập một số nguyên.")
PERSON_ROWS = 5  # rows rendered without JavaScript; reception.js adds more
MAX_PERSON_ROWS = 60
MAX_PEOPLE = 10_000

COMPETENT_CHOICES = (("", _l("Chưa xác định")), ("yes", _l("Có")), ("no", _l("Không")))
ROUND_CHOICES = (("first", _l("Lần đầu")), ("repeat", _l("Nhiều lần (đã trình bày vụ việc này)")))


def _max(n: int) -> Length:
    return Length(max=n, message=_l("Tối đa %(n)s ký tự.", n=n))


class Select(SelectField):
    """A select whose tampered or unknown values get a Vietnamese error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", BAD_CHOICE)
        kwargs.setdefault("invalid_value_message", BAD_CHOICE)
        super().__init__(*args, **kwargs)


class Integer(IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_value_message", BAD_INT)
        super().__init__(*args, **kwargs)


class VersionField(Integer):
    """The version the user opened, sent back so a concurrent edit is detected."""

    widget = HiddenInput()


def unit_select(label: str = _l("Đơn vị"), **kwargs) -> Select:
    return Select(label, coerce=int, **kwargs)


# --- filters (GET forms: no CSRF, nothing is changed) -------------------------------------


class RangeMixin:
    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("“Đến ngày” phải sau hoặc bằng “Từ ngày”."))


class SessionFilterForm(RangeMixin, FlaskForm):
    class Meta:
        csrf = False

    date_from = VNDateField(_l("Từ ngày"), validators=[Optional()])
    date_to = VNDateField(_l("Đến ngày"), validators=[Optional()])
    kind = Select(_l("Loại"), choices=enum_choices(SessionKind, blank=_l("Tất cả")), default="")
    status = Select(
        _l("Trạng thái"), choices=enum_choices(SessionStatus, blank=_l("Tất cả")), default=""
    )
    unit_id = unit_select(validators=[Optional()])
    only_unit = BooleanField(_l("Chỉ riêng đơn vị này"))


class LogFilterForm(RangeMixin, FlaskForm):
    class Meta:
        csrf = False

    date_from = VNDateField(_l("Từ ngày"), validators=[InputRequired(REQUIRED)])
    date_to = VNDateField(_l("Đến ngày"), validators=[InputRequired(REQUIRED)])
    unit_id = unit_select(validators=[Optional()])
    only_unit = BooleanField(_l("Chỉ riêng đơn vị này"))


# --- sessions -----------------------------------------------------------------------------


class SessionForm(FlaskForm):
    kind = Select(_l("Hình thức tiếp"), choices=enum_choices(SessionKind))
    unit_id = unit_select(_l("Đơn vị tổ chức tiếp"))
    session_date = VNDateField(_l("Ngày tiếp"), validators=[InputRequired(REQUIRED)])
    place = TrimmedStringField(
        _l("Địa điểm"), validators=[DataRequired(_l("Nhập địa điểm tiếp công dân.")), _max(255)]
    )
    medium = Select(_l("Cách thức"), choices=enum_choices(Medium))
    host_mode = Select(
        _l("Thủ trưởng tiếp"),
        choices=enum_choices(HostMode, blank=_l("— (buổi tiếp thường xuyên) —")),
    )
    host_name = TrimmedStringField(
        _l("Người chủ trì tiếp (họ tên)"), validators=[DataRequired(REQUIRED), _max(120)]
    )
    host_title = TrimmedStringField(_l("Chức vụ"), validators=[Optional(), _max(120)])
    status = Select(_l("Trạng thái"), choices=enum_choices(SessionStatus))
    status_reason = TrimmedTextAreaField(_l("Lý do hủy, hoãn"), validators=[Optional(), _max(2000)])
    postponed_to = VNDateField(_l("Hoãn đến ngày"), validators=[Optional()])
    published_on = VNDateField(_l("Ngày công bố lịch tiếp"), validators=[Optional()])
    conclusion = TrimmedTextAreaField(
        _l("Thông báo kết luận việc tiếp công dân"), validators=[Optional(), _max(20000)]
    )
    version = VersionField(validators=[Optional()])


# --- visits -------------------------------------------------------------------------------


class PersonForm(Form):
    """One person received; a row left blank is ignored."""

    full_name = TrimmedStringField(_l("Họ và tên"), validators=[Optional(), _max(120)])
    address = TrimmedStringField(_l("Địa chỉ"), validators=[Optional(), _max(255)])
    # Checked for length once written as stored (spaces, dots, dashes removed), as on a petition.
    identity_no = TrimmedStringField(
        _l("Số CCCD/hộ chiếu"),
        filters=[lambda v: normalise_identity(v) if isinstance(v, str) else v],
        validators=[Optional(), _max(20)],
    )
    phone = TrimmedStringField(_l("Điện thoại"), validators=[Optional(), _max(20)])
    is_representative = BooleanField(_l("Người đại diện"))

    def is_blank(self) -> bool:
        return not any(
            (self.full_name.data, self.address.data, self.identity_no.data, self.phone.data)
        )


class VisitForm(FlaskForm):
    persons = FieldList(FormField(PersonForm), min_entries=PERSON_ROWS, max_entries=MAX_PERSON_ROWS)
    people_count = Integer(
        _l("Số người"),
        default=1,
        validators=[
            InputRequired(_l("Nhập số người.")),
            NumberRange(
                min=1,
                max=MAX_PEOPLE,
                message=_l("Số người từ 1 đến %(MAX_PEOPLE)s.", MAX_PEOPLE=MAX_PEOPLE),
            ),
        ],
    )
    is_delegation = BooleanField(_l("Đoàn đông người (từ 5 người, cùng một nội dung)"))
    visit_round = Select(_l("Lần tiếp"), choices=pairs_choices(ROUND_CHOICES), default="first")
    kind = Select(_l("Loại đơn, nội dung"), choices=enum_choices(PetitionKind))
    content = TrimmedTextAreaField(
        _l("Nội dung tóm tắt"), validators=[DataRequired(_l("Nhập nội dung tóm tắt.")), _max(20000)]
    )
    previous_resolver = TrimmedStringField(
        _l("Cơ quan đã giải quyết"), validators=[Optional(), _max(255)]
    )
    competent = Select(_l("Thuộc thẩm quyền"), choices=pairs_choices(COMPETENT_CHOICES))
    outcome = Select(_l("Kết quả tiếp"), choices=enum_choices(VisitOutcome))
    outcome_body = TrimmedStringField(
        _l("Cơ quan hướng dẫn đến / chuyển đơn đến"), validators=[Optional(), _max(255)]
    )
    outcome_doc_no = TrimmedStringField(
        _l("Số văn bản hướng dẫn / chuyển đơn"), validators=[Optional(), _max(64)]
    )
    refusal_ground = Select(
        _l("Căn cứ từ chối tiếp"), choices=enum_choices(RefusalGround, blank="—")
    )
    refusal_detail = TrimmedTextAreaField(_l("Lý do từ chối cụ thể"), validators=[Optional()])
    documents_received = TrimmedTextAreaField(
        _l("Tài liệu, giấy tờ công dân nộp (mỗi dòng một tài liệu)"),
        validators=[Optional(), _max(5000)],
    )
    follow_up = TrimmedTextAreaField(_l("Theo dõi kết quả"), validators=[Optional(), _max(5000)])
    note = TrimmedTextAreaField(_l("Ghi chú"), validators=[Optional(), _max(5000)])
    version = VersionField(validators=[Optional()])

    def filled_persons(self) -> list[tuple[int, PersonForm]]:
        """(row index, row form) of every row with something typed in it."""
        return [
            (i, entry.form) for i, entry in enumerate(self.persons) if not entry.form.is_blank()
        ]
