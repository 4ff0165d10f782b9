"""Forms of the pages checking a report a unit sent (reports/check_views.py): the figures of a
form's total row as reported, typed or in the form's .xlsx, and the list's filters."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from complaints.core.forms import Select, UploadField, VNDateField, max_length, strip_filter
from complaints.core.translate import lazy_gettext as _l
from complaints.reports import checking
from complaints.reports.layouts import Layout
from complaints.reports.reported import NOTE_MAX
from complaints.reports.xlsx_in import check_limit


class EntryForm(FlaskForm):
    """The total row of a form as a unit reported it; its figure fields are added per layout
    (entry_form), named c0, c1... in the order of the form's columns."""

    note = TextAreaField(
        _l("Văn bản báo cáo (số, ngày, cơ quan gửi)"),
        validators=[Optional(), max_length(NOTE_MAX)],
        filters=[strip_filter],
        render_kw={"rows": 2, "placeholder": "12/BC-UBND, 20/03/2026"},
    )
    file = UploadField(_l("Hoặc tải lên tệp .xlsx của mẫu báo cáo"), limit=check_limit)

    layout: Layout

    def figure_fields(self):
        """(column, field) for each column of the form."""
        return [(c, self[f"c{k}"]) for k, c in enumerate(self.layout.columns)]

    def typed(self) -> dict[str, str]:
        return {c.figure: (f.data or "") for c, f in self.figure_fields()}

    def has_file(self) -> bool:
        return bool(self.file.data) and bool(getattr(self.file.data, "filename", ""))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.has_file():
            return ok
        _, errors = checking.read_entered(self.layout, self.typed())
        for column, f in self.figure_fields():
            if column.figure in errors:
                f.errors = [*f.errors, errors[column.figure]]
                ok = False
        return ok


def entry_form(layout: Layout, **kwargs) -> EntryForm:
    """The entry form of a layout: one text field per column (5.873; the rate as 88,9)."""

    class LayoutEntryForm(EntryForm):
        pass

    for k, column in enumerate(layout.columns):
        setattr(
            LayoutEntryForm,
            f"c{k}",
            StringField(
                column.header,
                validators=[Optional(), max_length(40)],
                filters=[strip_filter],
                render_kw={"inputmode": "decimal", "data-figure": column.figure},
            ),
        )
    form = LayoutEntryForm(**kwargs)
    form.layout = layout
    return form


class KeptFilterForm(FlaskForm):
    """Which kept checks to list: a GET form, its values in the address."""

    class Meta:
        csrf = False

    unit = Select(_l("Đơn vị báo cáo"))
    form = Select(_l("Mẫu báo cáo"), render_kw={"data-i18n": "vi-only"})
    date_from = VNDateField(_l("Kỳ từ ngày"), name="from")
    date_to = VNDateField(_l("Kỳ đến ngày"), name="to")
