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
from complaints.core.vocab import PetitionKind
from complaints.reception.models import (
    HostMode,
    Medium,
    RefusalGround,
    SessionKind,
    SessionStatus,
    VisitOutcome,
)

BAD_CHOICE = "Lựa chọn không hợp lệ: hãy chọn lại trong danh sách."
BAD_INT = "Nhập một số nguyên."
PERSON_ROWS = 5  # rows rendered without JavaScript; reception.js adds more
MAX_PERSON_ROWS = 60
MAX_PEOPLE = 10_000

COMPETENT_CHOICES = (("", "Chưa xác định"), ("yes", "Có"), ("no", "Không"))
ROUND_CHOICES = (("first", "Lần đầu"), ("repeat", "Nhiều lần (đã trình bày vụ việc này)"))


def _max(n: int) -> Length:
    return Length(max=n, message=f"Tối đa {n} ký tự.")


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


def unit_select(label: str = "Đơn vị", **kwargs) -> Select:
    return Select(label, coerce=int, **kwargs)


# --- filters (GET forms: no CSRF, nothing is changed) -------------------------------------


class RangeMixin:
    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("“Đến ngày” phải sau hoặc bằng “Từ ngày”.")


class SessionFilterForm(RangeMixin, FlaskForm):
    class Meta:
        csrf = False

    date_from = VNDateField("Từ ngày", validators=[Optional()])
    date_to = VNDateField("Đến ngày", validators=[Optional()])
    kind = Select("Loại", choices=enum_choices(SessionKind, blank="Tất cả"), default="")
    status = Select("Trạng thái", choices=enum_choices(SessionStatus, blank="Tất cả"), default="")
    unit_id = unit_select(validators=[Optional()])
    only_unit = BooleanField("Chỉ riêng đơn vị này")


class LogFilterForm(RangeMixin, FlaskForm):
    class Meta:
        csrf = False

    date_from = VNDateField("Từ ngày", validators=[InputRequired(REQUIRED)])
    date_to = VNDateField("Đến ngày", validators=[InputRequired(REQUIRED)])
    unit_id = unit_select(validators=[Optional()])
    only_unit = BooleanField("Chỉ riêng đơn vị này")


# --- sessions -----------------------------------------------------------------------------


class SessionForm(FlaskForm):
    kind = Select("Hình thức tiếp", choices=enum_choices(SessionKind))
    unit_id = unit_select("Đơn vị tổ chức tiếp")
    session_date = VNDateField("Ngày tiếp", validators=[InputRequired(REQUIRED)])
    place = TrimmedStringField(
        "Địa điểm", validators=[DataRequired("Nhập địa điểm tiếp công dân."), _max(255)]
    )
    medium = Select("Cách thức", choices=enum_choices(Medium))
    host_mode = Select(
        "Thủ trưởng tiếp",
        choices=enum_choices(HostMode, blank="— (buổi tiếp thường xuyên) —"),
    )
    host_name = TrimmedStringField(
        "Người chủ trì tiếp (họ tên)", validators=[DataRequired(REQUIRED), _max(120)]
    )
    host_title = TrimmedStringField("Chức vụ", validators=[Optional(), _max(120)])
    status = Select("Trạng thái", choices=enum_choices(SessionStatus))
    status_reason = TrimmedTextAreaField("Lý do hủy, hoãn", validators=[Optional(), _max(2000)])
    postponed_to = VNDateField("Hoãn đến ngày", validators=[Optional()])
    published_on = VNDateField("Ngày công bố lịch tiếp", validators=[Optional()])
    conclusion = TrimmedTextAreaField(
        "Thông báo kết luận việc tiếp công dân", validators=[Optional(), _max(20000)]
    )
    version = VersionField(validators=[Optional()])


# --- visits -------------------------------------------------------------------------------


class PersonForm(Form):
    """One person received; a row left blank is ignored."""

    full_name = TrimmedStringField("Họ và tên", validators=[Optional(), _max(120)])
    address = TrimmedStringField("Địa chỉ", validators=[Optional(), _max(255)])
    identity_no = TrimmedStringField("Số CCCD/hộ chiếu", validators=[Optional(), _max(20)])
    phone = TrimmedStringField("Điện thoại", validators=[Optional(), _max(20)])
    is_representative = BooleanField("Người đại diện")

    def is_blank(self) -> bool:
        return not any(
            (self.full_name.data, self.address.data, self.identity_no.data, self.phone.data)
        )


class VisitForm(FlaskForm):
    persons = FieldList(FormField(PersonForm), min_entries=PERSON_ROWS, max_entries=MAX_PERSON_ROWS)
    people_count = Integer(
        "Số người",
        default=1,
        validators=[
            InputRequired("Nhập số người."),
            NumberRange(min=1, max=MAX_PEOPLE, message=f"Số người từ 1 đến {MAX_PEOPLE}."),
        ],
    )
    is_delegation = BooleanField("Đoàn đông người (từ 5 người, cùng một nội dung)")
    visit_round = Select("Lần tiếp", choices=pairs_choices(ROUND_CHOICES), default="first")
    kind = Select("Loại đơn, nội dung", choices=enum_choices(PetitionKind))
    content = TrimmedTextAreaField(
        "Nội dung tóm tắt", validators=[DataRequired("Nhập nội dung tóm tắt."), _max(20000)]
    )
    previous_resolver = TrimmedStringField(
        "Cơ quan đã giải quyết", validators=[Optional(), _max(255)]
    )
    competent = Select("Thuộc thẩm quyền", choices=pairs_choices(COMPETENT_CHOICES))
    outcome = Select("Kết quả tiếp", choices=enum_choices(VisitOutcome))
    outcome_body = TrimmedStringField(
        "Cơ quan hướng dẫn đến / chuyển đơn đến", validators=[Optional(), _max(255)]
    )
    outcome_doc_no = TrimmedStringField(
        "Số văn bản hướng dẫn / chuyển đơn", validators=[Optional(), _max(64)]
    )
    refusal_ground = Select("Căn cứ từ chối tiếp", choices=enum_choices(RefusalGround, blank="—"))
    refusal_detail = TrimmedTextAreaField("Lý do từ chối cụ thể", validators=[Optional()])
    documents_received = TrimmedTextAreaField(
        "Tài liệu, giấy tờ công dân nộp (mỗi dòng một tài liệu)",
        validators=[Optional(), _max(5000)],
    )
    follow_up = TrimmedTextAreaField("Theo dõi kết quả", validators=[Optional(), _max(5000)])
    note = TrimmedTextAreaField("Ghi chú", validators=[Optional(), _max(5000)])
    version = VersionField(validators=[Optional()])

    def filled_persons(self) -> list[tuple[int, PersonForm]]:
        """(row index, row form) of every row with something typed in it."""
        return [
            (i, entry.form) for i, entry in enumerate(self.persons) if not entry.form.is_blank()
        ]
