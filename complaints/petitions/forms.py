"""Forms of the petition register: registration, correction, register filters, search."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from complaints.core import clock
from complaints.core.forms import (
    REQUIRED,
    Checkboxes,
    MultipleUploadField,
    Radio,
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
from complaints.core.identity import normalise_identity
from complaints.core.numbers import fmt_int
from complaints.core.translate import N_
from complaints.core.translate import gettext as _
from complaints.core.translate import lazy_gettext as _l
from complaints.core.vocab import Field, PetitionKind
from complaints.petitions import operations as ops
from complaints.petitions import pending, storage
from complaints.petitions.models import IneligibleReason, PetitionSource

SENDER_ROWS = 5  # rows of senders on the page; enough for a group's representatives
YES_NO = pairs_choices([("yes", _l("Có")), ("no", _l("Không"))])
INVALID_CHOICE = N_("Lựa chọn không hợp lệ: hãy chọn một mục trong danh sách.")
ACCEPT = ".pdf,.jpg,.jpeg,.png,.tif,.tiff,application/pdf,image/jpeg,image/png,image/tiff"


class ChoiceField(SelectField):
    """A select whose tampered or unknown values get a Vietnamese message, never a 500."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_value_message", INVALID_CHOICE)
        kwargs.setdefault("invalid_choice_message", INVALID_CHOICE)
        super().__init__(*args, **kwargs)


def _max(n: int) -> Length:
    return Length(max=n, message=_l("Tối đa %(n)s ký tự.", n=fmt_int(n)))


def _raise(message: str | None) -> None:
    if message:
        raise ValidationError(message)


def _identity_filter(value):
    return normalise_identity(value) if isinstance(value, str) else value


class RowList(FieldList):
    """A fixed number of rows. WTForms renumbers sparse posted rows (0, 1, 3 -> 0, 1, 2) and
    then pads with row 3 read from the post again, duplicating it: padding rows stay blank."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        wanted, self.min_entries = self.min_entries, 0
        try:
            super().process(formdata, data, extra_filters)
        finally:
            self.min_entries = wanted
        while len(self.entries) < self.min_entries:
            self._add_entry(None)


class SenderForm(Form):
    """One sender row (no CSRF of its own: it lives inside the petition form)."""

    full_name = TrimmedStringField(_l("Họ và tên"), validators=[_max(120)])
    address = TrimmedStringField(_l("Địa chỉ"), validators=[_max(255)])
    identity_no = TrimmedStringField(
        _l("Số CCCD / định danh / hộ chiếu"), filters=[_identity_filter], validators=[_max(20)]
    )
    phone = TrimmedStringField(_l("Điện thoại"), validators=[_max(20)])

    def as_data(self) -> ops.SenderData:
        return ops.SenderData(
            full_name=self.full_name.data or "",
            address=self.address.data or "",
            identity_no=self.identity_no.data or "",
            phone=self.phone.data or "",
        )

    def validate_full_name(self, field):
        _raise(ops.sender_name_error(self.as_data()))

    def validate_identity_no(self, field):
        _raise(ops.identity_error(field.data))

    def validate_phone(self, field):
        _raise(ops.phone_error(field.data))


class PetitionFieldsForm(FlaskForm):
    """What registration and correction share."""

    source = ChoiceField(
        _l("Nguồn đơn"),
        choices=enum_choices(PetitionSource, blank=_l("— Chọn nguồn đơn —")),
        validators=[DataRequired(REQUIRED)],
    )
    source_body = TrimmedStringField(_l("Cơ quan, người chuyển đơn đến"), validators=[_max(255)])
    source_doc_no = TrimmedStringField(_l("Số văn bản, phiếu chuyển đơn"), validators=[_max(64)])
    received_date = VNDateField(_l("Ngày nhận đơn"), validators=[InputRequired(REQUIRED)])
    kind = ChoiceField(
        _l("Loại đơn"),
        choices=enum_choices(PetitionKind, blank=_l("— Chọn loại đơn —")),
        validators=[DataRequired(REQUIRED)],
    )
    field = ChoiceField(
        _l("Lĩnh vực"),
        choices=enum_choices(Field, blank=_l("— Chọn lĩnh vực —")),
        validators=[DataRequired(REQUIRED)],
    )
    summary = TrimmedTextAreaField(
        _l("Tóm tắt nội dung đơn"),
        validators=[DataRequired(REQUIRED), _max(ops.SUMMARY_MAX)],
    )
    senders = RowList(FormField(SenderForm), min_entries=SENDER_ROWS, max_entries=SENDER_ROWS)
    anonymous = BooleanField(_l("Đơn nặc danh (không rõ họ tên, địa chỉ người gửi)"))
    signatory_count = IntegerField(
        _l("Số người ký đơn"),
        default=1,
        validators=[InputRequired(REQUIRED)],
        invalid_value_message=_l("Nhập một số nguyên, ví dụ 1."),
    )
    files = MultipleUploadField(
        _l("Bản quét đơn, tài liệu kèm theo"), render_kw={"accept": ACCEPT}, limit=storage.max_bytes
    )

    visit = None  # the visit the petition was taken at, set by the view

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.incoming: list[storage.IncomingFile] = []

    def sender_rows(self) -> list[ops.SenderData]:
        rows = [entry.form.as_data() for entry in self.senders]
        return [r for r in rows if not r.is_blank()]

    def validate_source(self, field):
        _raise(ops.visit_source_error(self.visit, field.data))

    def validate_source_body(self, field):
        _raise(ops.source_body_error(self.source.data, field.data))

    def validate_source_doc_no(self, field):
        _raise(ops.source_doc_no_error(self.source.data, field.data))

    def validate_received_date(self, field):
        if field.data is not None:
            _raise(ops.received_date_error(field.data, clock.today()))

    def validate_anonymous(self, field):
        _raise(ops.senders_error(self.sender_rows(), field.data))

    def validate_signatory_count(self, field):
        if field.data is not None:
            _raise(ops.signatory_error(field.data, self.sender_rows()))

    def validate_files(self, field):
        """Read and check every file now, so that its error stands beside the field."""
        self.incoming, problems = [], []
        for upload in field.data or []:
            try:
                incoming = storage.read_upload(upload.stream, upload.filename or "")
                storage.check_file(incoming)
                self.incoming.append(incoming)
            except storage.AttachmentError as e:
                problems.append(str(e))
        if problems:
            field.errors.extend(problems[:-1])
            raise ValidationError(problems[-1])

    def to_data(self, **extra) -> ops.PetitionData:
        return ops.PetitionData(
            received_date=self.received_date.data,
            source=self.source.data,
            kind=self.kind.data,
            field=self.field.data,
            summary=self.summary.data or "",
            signatory_count=self.signatory_count.data,
            anonymous=bool(self.anonymous.data),
            senders=self.sender_rows(),
            source_body=self.source_body.data or "",
            source_doc_no=self.source_doc_no.data or "",
            visit=self.visit,
            **extra,
        )

    def place_error(self, name: str | None, message: str) -> None:
        """Put an operation's message beside its field (form-level when it has none)."""
        target = None
        if name and name.startswith("senders-"):
            _, index, sub = name.split("-", 2)
            if index.isdigit() and int(index) < len(self.senders.entries):
                target = getattr(self.senders.entries[int(index)].form, sub, None)
        elif name and name != "version":  # a lost update: above the form
            target = getattr(self, name, None)
        if target is not None and hasattr(target, "errors"):
            if not isinstance(target.errors, list):
                target.errors = list(target.errors)
            target.errors.append(message)
        else:
            self.form_errors.append(message)


class RegisterPetitionForm(PetitionFieldsForm):
    unit_id = ChoiceField(_l("Đơn vị vào sổ"), coerce=int, validators=[InputRequired(REQUIRED)])
    register_no = TrimmedStringField(
        _l("Số vào sổ (chỉ nhập khi chép lại từ sổ giấy)"), validators=[_max(40)]
    )


class EditPetitionForm(PetitionFieldsForm):
    version = HiddenField()

    def version_value(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class RegisterFilterForm(FlaskForm):
    """Filters of the register page, read from the query string."""

    class Meta:
        csrf = False

    date_from = VNDateField(_l("Nhận từ ngày"), validators=[Optional()])
    date_to = VNDateField(_l("Đến ngày"), validators=[Optional()])
    kind = ChoiceField(
        _l("Loại đơn"), choices=enum_choices(PetitionKind, blank=_l("Tất cả")), default=""
    )
    source = ChoiceField(
        _l("Nguồn đơn"), choices=enum_choices(PetitionSource, blank=_l("Tất cả")), default=""
    )
    field = ChoiceField(_l("Lĩnh vực"), choices=enum_choices(Field, blank=_l("Tất cả")), default="")
    unit_id = ChoiceField(_l("Đơn vị"), coerce=int, default=0)

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("Ngày kết thúc phải sau ngày bắt đầu."))

    def value(self, name: str):
        """The field's value when it passed validation, else None (the filter is not applied)."""
        f = getattr(self, name)
        return None if f.errors else (f.data or None)


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = TrimmedStringField(
        _l("Tìm theo họ tên, số giấy tờ, số vào sổ hoặc nội dung"), validators=[_max(200)]
    )


# --- processing a petition ----------------------------------------------------------------


class ProcessingForm(FlaskForm):
    version = VersionField()
    eligible = Radio(_l("Đủ điều kiện xử lý"), choices=YES_NO)
    reasons = Checkboxes(_l("Lý do không đủ điều kiện"), choices=enum_choices(IneligibleReason))
    competent = Radio(_l("Thuộc thẩm quyền giải quyết"), choices=YES_NO)
    # choices: the outcomes allowed_outcomes() may leave open for this petition
    outcome = Select(
        _l("Hướng xử lý"), default="", validators=[InputRequired(_l("Chọn hướng xử lý."))]
    )
    body = TrimmedStringField(
        _l("Cơ quan, đơn vị nhận (chuyển, hướng dẫn, đôn đốc)"),
        validators=[Optional(), max_length(255)],
    )
    doc_no = TrimmedStringField(
        _l("Số văn bản (thông báo thụ lý, phiếu chuyển...)"),
        validators=[Optional(), max_length(64)],
    )
    on = VNDateField(_l("Ngày xử lý"), validators=[InputRequired(REQUIRED), not_in_future])
    note = TrimmedTextAreaField(_l("Ghi chú, đề xuất"), validators=[Optional(), max_length(5000)])
    join = Radio(_l("Vụ việc"), default="new")  # choices: "new" and the suggested open cases
    join_case_no = TrimmedStringField(
        _l("Hoặc nhập số vụ việc để nhập đơn vào"), validators=[Optional(), max_length(40)]
    )
    case_title = TrimmedStringField(
        _l("Tên vụ việc mới (để trống: lấy dòng đầu của nội dung đơn)"),
        validators=[Optional(), max_length(255)],
    )
    # choices: units/roles.authorities(), the receiving unit's default first
    authority_id = Select(
        _l("Cơ quan có thẩm quyền giải quyết"), coerce=int, validators=[Optional()]
    )
    authority_ground = TrimmedTextAreaField(
        _l("Căn cứ xác định thẩm quyền (khi giao cơ quan khác mặc định)"),
        validators=[Optional(), max_length(2000)],
    )
    # choices: units/roles.transfer_targets(), after "outside the tree" (0)
    target_id = Select(
        _l("Đơn vị nhận trong hệ thống (chuyển đơn, đôn đốc)"),
        coerce=int,
        default=0,
        validators=[Optional()],
    )
    answer_due = VNDateField(
        _l("Hạn báo cáo kết quả (để trống: theo mặc định)"), validators=[Optional()]
    )

    def validate_reasons(self, field):
        if self.eligible.data == "no" and not field.data:
            raise ValidationError(_("Đơn không đủ điều kiện: chọn ít nhất một lý do."))


class PendingFilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = Select(
        _l("Loại đơn"), choices=enum_choices(PetitionKind, blank=_l("Tất cả")), default=""
    )
    unit_id = Select(_l("Đơn vị (gồm cấp dưới)"), coerce=int, validators=[Optional()])
    overdue = BooleanField(_l("Chỉ đơn quá hạn xử lý"))
    processed_by = Select(_l("Đơn vị xử lý (gồm cấp dưới)"), coerce=int, validators=[Optional()])
    discipline = BooleanField(
        _l("Chỉ đơn để quá %(days)s ngày chưa xử lý", days=pending.DISCIPLINE_DAYS)
    )


# --- hand-off inside the system (petitions/transfers.py) -----------------------------------


class TransferResultForm(FlaskForm):
    """The receiver's result, reported back to the unit that transferred the petition."""

    result_text = TrimmedTextAreaField(
        _l("Kết quả giải quyết, xử lý đơn"),
        validators=[DataRequired(REQUIRED), max_length(5000)],
    )
    result_doc_no = TrimmedStringField(
        _l("Số văn bản báo cáo kết quả"), validators=[Optional(), max_length(64)]
    )
    result_on = VNDateField(_l("Ngày báo cáo"), validators=[InputRequired(REQUIRED), not_in_future])


class UrgeForm(FlaskForm):
    """An urging (đôn đốc) of the unit a petition was transferred to, with the new deadline."""

    urged_on = VNDateField(_l("Ngày đôn đốc"), validators=[InputRequired(REQUIRED), not_in_future])
    answer_due = VNDateField(_l("Hạn báo cáo kết quả mới"), validators=[InputRequired(REQUIRED)])
    doc_no = TrimmedStringField(_l("Số văn bản đôn đốc"), validators=[Optional(), max_length(64)])
    note = TrimmedTextAreaField(_l("Ghi chú"), validators=[Optional(), max_length(5000)])
