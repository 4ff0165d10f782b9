"""Forms of the register pages: upload, column mapping, export, opening balances (typed or
from a file)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from complaints.core.forms import (
    REQUIRED,
    TrimmedTextAreaField,
    UploadField,
    VNDateField,
    pairs_choices,
)
from complaints.core.translate import L_
from complaints.core.translate import lazy_gettext as _l
from complaints.core.vocab import PetitionKind
from complaints.registers.balances import FIELDS as BALANCE_FIELDS
from complaints.registers.balances import MAX_AMOUNT
from complaints.registers.layout import COLUMNS
from complaints.registers.models import RegisterKind

BAD_CHOICE = _l("Lựa chọn không hợp lệ: hãy chọn lại trong danh sách.")
BAD_INT = _l("Nhập một số nguyên.")
ACCEPT = ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
NO_HEADER = L_("(không có tiêu đề)")
KIND_PAIRS = [(k.value, k.label) for k in RegisterKind]
BALANCE_LABELS = {
    "petitions": _l("Đơn chưa xử lý xong (kỳ trước chuyển sang)"),
    "cases": _l("Vụ việc thuộc thẩm quyền chưa giải quyết xong"),
    "case_petitions": _l("Số đơn của các vụ việc đó"),
}


class Select(SelectField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", BAD_CHOICE)
        kwargs.setdefault("invalid_value_message", BAD_CHOICE)
        super().__init__(*args, **kwargs)


def _import_limit() -> int:
    from complaints.registers import importer

    return int(importer.setting("REGISTER_IMPORT_MAX_BYTES"))


class UploadForm(FlaskForm):
    file = UploadField(
        _l("Tệp sổ (.xlsx hoặc .csv)"),
        validators=[FileRequired(_l("Chọn tệp sổ cần nhập."))],
        render_kw={"accept": ACCEPT},
        limit=_import_limit,
    )
    kind = Select(
        _l("Loại sổ"),
        choices=pairs_choices([("", L_("Tự nhận biết theo tiêu đề cột")), *KIND_PAIRS]),
        default="",
    )
    unit_id = Select(_l("Đơn vị của sổ"), coerce=int, validators=[InputRequired(REQUIRED)])


class ColumnsForm(FlaskForm):
    """Which column of the file holds each column of the register; built per register kind."""

    kind = Select(_l("Loại sổ"), choices=pairs_choices(KIND_PAIRS))
    sheet = Select(_l("Trang tính"), choices=[], validate_choice=False)
    header_row = IntegerField(
        _l("Dòng tiêu đề"),
        invalid_value_message=BAD_INT,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=1000, message=_l("Dòng tiêu đề từ 1 đến 1.000.")),
        ],
    )
    unit_id = Select(_l("Đơn vị của các dòng không ghi mã đơn vị"), coerce=int)
    create_units = BooleanField(_l("Tạo các đơn vị có trong tệp nhưng chưa có trong hệ thống"))

    @classmethod
    def for_kind(cls, kind: RegisterKind, headers: list[str], formdata=None, **kwargs):
        """A form with one select per column of the register."""
        choices = pairs_choices(
            [("", L_("— không có trong tệp —"))]
            + [
                (str(i), f"{_letter(i)}: {h}" if h else f"{_letter(i)}: {NO_HEADER.translated()}")
                for i, h in enumerate(headers)
            ]
        )

        class Bound(cls):
            pass

        for col in COLUMNS[RegisterKind(kind)]:
            setattr(
                Bound,
                f"col_{col.field}",
                Select(col.header, choices=choices, default=""),
            )
        return Bound(**({"formdata": formdata} if formdata is not None else {}), **kwargs)

    def column_fields(self, kind: RegisterKind):
        return [(c, self[f"col_{c.field}"]) for c in COLUMNS[RegisterKind(kind)]]

    def mapping(self, kind: RegisterKind) -> dict[str, int]:
        return {
            c.field: int(f.data) for c, f in self.column_fields(kind) if f.data not in (None, "")
        }


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


class ExportForm(FlaskForm):
    class Meta:
        csrf = False  # a download through GET, changing nothing

    kind = Select(
        _l("Loại sổ"), choices=pairs_choices(KIND_PAIRS), default=RegisterKind.petitions.value
    )
    date_from = VNDateField(_l("Từ ngày"), validators=[InputRequired(REQUIRED)])
    date_to = VNDateField(_l("Đến ngày"), validators=[InputRequired(REQUIRED)])
    unit_id = Select(_l("Đơn vị (gồm các đơn vị trực thuộc)"), coerce=int)
    fmt = Select(
        _l("Định dạng"), choices=pairs_choices([("xlsx", "Excel (.xlsx)"), ("csv", "CSV (UTF-8)")])
    )

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Ngày kết thúc phải sau ngày bắt đầu."))


class BalanceForm(FlaskForm):
    unit_id = Select(_l("Đơn vị"), coerce=int, validators=[InputRequired(REQUIRED)])
    as_of = VNDateField(
        _l("Ngày kê khai (ngày đầu kỳ báo cáo đầu tiên trên hệ thống)"),
        validators=[InputRequired(REQUIRED)],
    )
    note = TrimmedTextAreaField(_l("Ghi chú"), validators=[Optional()], render_kw={"rows": 2})

    def amounts_fields(self):
        return [
            (kind, [(name, self[f"{kind.value}-{name}"]) for name in BALANCE_FIELDS])
            for kind in PetitionKind
        ]


for _kind in PetitionKind:
    for _name in BALANCE_FIELDS:
        setattr(
            BalanceForm,
            f"{_kind.value}-{_name}",
            IntegerField(
                BALANCE_LABELS[_name],
                default=0,
                invalid_value_message=BAD_INT,
                validators=[
                    InputRequired(REQUIRED),
                    NumberRange(min=0, max=MAX_AMOUNT, message=_l("Nhập số nguyên không âm.")),
                ],
                render_kw={"min": 0, "inputmode": "numeric"},
            ),
        )


class BalanceFileForm(FlaskForm):
    """Opening balances from a file: checked only (the dry run) or saved, by the button."""

    balance_file = UploadField(
        _l("Tệp kê khai (.xlsx hoặc .csv)"),
        validators=[FileRequired(_l("Chọn tệp kê khai cần nhập."))],
        render_kw={"accept": ACCEPT},
        limit=_import_limit,
    )
    default_unit_id = Select(
        _l("Đơn vị của các dòng không ghi mã đơn vị"),
        coerce=int,
        validators=[InputRequired(REQUIRED)],
    )
