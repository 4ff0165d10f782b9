"""The administrator's form for a day off or a make-up working day."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import InputRequired

from complaints.core.forms import (
    REQUIRED,
    Select,
    TrimmedStringField,
    VNDateField,
    max_length,
    pairs_choices,
)
from complaints.core.translate import lazy_gettext as _l


class CalendarOverrideForm(FlaskForm):
    day = VNDateField(_l("Ngày"), validators=[InputRequired(REQUIRED)])
    working = Select(
        _l("Loại ngày"),
        choices=pairs_choices(
            [("off", _l("Ngày nghỉ (nghỉ bổ sung)")), ("working", _l("Ngày làm việc (làm bù)"))]
        ),
    )
    note = TrimmedStringField(
        _l("Căn cứ, ghi chú"),
        validators=[
            InputRequired(_l("Ghi căn cứ (văn bản) của ngày này.")),
            max_length(255),
        ],
    )
