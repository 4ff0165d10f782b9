"""Forms of the reception pages: filters, sessions, visits with their person rows."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    NumberRange,
    Optional,
    ValidationError,
)

from complaints.core.forms import (
    REQUIRED,
    Integer,
    Select,
    TrimmedStringField,
    TrimmedTextAreaField,
    VersionField,
    VNDateField,
    enum_choices,
    max_length,
    pairs_choices,
)
from complaints.core.identity import normalise_identity
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

PERSON_ROWS = 5  # rows rendered without JavaScript; reception.js adds more
MAX_PERSON_ROWS = 60
MAX_PEOPLE = 10_000

COMPETENT_CHOICES = (("", _l("Chưa xác định")), ("yes", _l("Có")), ("no", _l("Không")))
ROUND_CHOICES = (("first", _l("Lần đầu")), ("repeat", _l("Nhiều lần (đã trình bày vụ việc này)")))


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
        _l("Địa điểm"),
        validators=[DataRequired(_l("Nhập địa điểm tiếp công dân.")), max_length(255)],
    )
    medium = Select(_l("Cách thức"), choices=enum_choices(Medium))
    host_mode = Select(
        _l("Thủ trưởng tiếp"),
        choices=enum_choices(HostMode, blank=_l("— (buổi tiếp thường xuyên) —")),
    )
    # The unit's leaders (the view sets the choices); the operation checks the one chosen.
    host_leader_id = Select(_l("Lãnh đạo chủ trì"), coerce=int, validators=[Optional()])
    # Typed when no leader is chosen (a regular session's officer, a unit without leaders);
    # required then by the operation.
    host_name = TrimmedStringField(
        _l("Người chủ trì tiếp (họ tên)"), validators=[Optional(), max_length(120)]
    )
    host_title = TrimmedStringField(_l("Chức vụ"), validators=[Optional(), max_length(120)])
    status = Select(_l("Trạng thái"), choices=enum_choices(SessionStatus))
    status_reason = TrimmedTextAreaField(
        _l("Lý do hủy, hoãn"), validators=[Optional(), max_length(2000)]
    )
    postponed_to = VNDateField(_l("Hoãn đến ngày"), validators=[Optional()])
    published_on = VNDateField(_l("Ngày công bố lịch tiếp"), validators=[Optional()])
    conclusion = TrimmedTextAreaField(
        _l("Thông báo kết luận việc tiếp công dân"), validators=[Optional(), max_length(20000)]
    )
    version = VersionField(optional=True)


# --- visits -------------------------------------------------------------------------------


class PersonForm(Form):
    """One person received; a row left blank is ignored."""

    full_name = TrimmedStringField(_l("Họ và tên"), validators=[Optional(), max_length(120)])
    address = TrimmedStringField(_l("Địa chỉ"), validators=[Optional(), max_length(255)])
    # Checked for length once written as stored (spaces, dots, dashes removed), as on a petition.
    identity_no = TrimmedStringField(
        _l("Số CCCD/hộ chiếu"),
        filters=[lambda v: normalise_identity(v) if isinstance(v, str) else v],
        validators=[Optional(), max_length(20)],
    )
    phone = TrimmedStringField(_l("Điện thoại"), validators=[Optional(), max_length(20)])
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
        _l("Nội dung tóm tắt"),
        validators=[DataRequired(_l("Nhập nội dung tóm tắt.")), max_length(20000)],
    )
    previous_resolver = TrimmedStringField(
        _l("Cơ quan đã giải quyết"), validators=[Optional(), max_length(255)]
    )
    competent = Select(_l("Thuộc thẩm quyền"), choices=pairs_choices(COMPETENT_CHOICES))
    outcome = Select(_l("Kết quả tiếp"), choices=enum_choices(VisitOutcome))
    outcome_body = TrimmedStringField(
        _l("Cơ quan hướng dẫn đến / chuyển đơn đến"), validators=[Optional(), max_length(255)]
    )
    outcome_doc_no = TrimmedStringField(
        _l("Số văn bản hướng dẫn / chuyển đơn"), validators=[Optional(), max_length(64)]
    )
    refusal_ground = Select(
        _l("Căn cứ từ chối tiếp"), choices=enum_choices(RefusalGround, blank="—")
    )
    refusal_detail = TrimmedTextAreaField(_l("Lý do từ chối cụ thể"), validators=[Optional()])
    documents_received = TrimmedTextAreaField(
        _l("Tài liệu, giấy tờ công dân nộp (mỗi dòng một tài liệu)"),
        validators=[Optional(), max_length(5000)],
    )
    follow_up = TrimmedTextAreaField(
        _l("Theo dõi kết quả"), validators=[Optional(), max_length(5000)]
    )
    note = TrimmedTextAreaField(_l("Ghi chú"), validators=[Optional(), max_length(5000)])
    version = VersionField(optional=True)

    def filled_persons(self) -> list[tuple[int, PersonForm]]:
        """(row index, row form) of every row with something typed in it."""
        return [
            (i, entry.form) for i, entry in enumerate(self.persons) if not entry.form.is_blank()
        ]
