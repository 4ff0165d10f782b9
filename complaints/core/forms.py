"""Form pieces shared by every feature: Vietnamese dates, trimmed text, messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask_wtf.file import FileField, MultipleFileField
from wtforms import Field as WTField
from wtforms import (
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget, TextInput

from complaints.core.translate import N_
from complaints.core.translate import gettext as _

# A plain string (operations return it as data too); shown translated by the field macro.
REQUIRED = N_("Vui lòng nhập thông tin này.")
BAD_CHOICE = N_("Lựa chọn không hợp lệ: hãy chọn lại trong danh sách.")
BAD_INT = N_("Nhập một số nguyên.")
VERSION_MISSING = N_("Biểu mẫu thiếu thông tin phiên bản: hãy tải lại trang rồi làm lại.")
VERSION_INVALID = N_("Phiên bản không hợp lệ: tải lại trang.")
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def parse_vn_date(text: str) -> date:
    """Parse dd/mm/yyyy (also yyyy-mm-dd, dd-mm-yyyy, dd.mm.yyyy); ValueError if impossible.
    The one parser of a typed date: forms (VNDateField) and query arguments alike."""
    text = (text or "").strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


class VNDateField(WTField):
    """A date typed as dd/mm/yyyy, the way Vietnamese offices write it. Another way of
    writing a date that parse_vn_date reads (2026-12-01, 01.12.2026) is accepted and shown
    back as dd/mm/yyyy; only what is no date is shown back as typed, beside its error."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("placeholder", "dd/mm/yyyy")
        super().__init__(label, validators, **kwargs)
        self.invalid = False

    def _value(self) -> str:
        if self.data:
            return self.data.strftime("%d/%m/%Y")
        return " ".join(self.raw_data) if self.raw_data else ""

    def process_formdata(self, valuelist):
        self.invalid = False
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_vn_date(valuelist[0])
        except ValueError:
            self.data = None
            self.invalid = True
            raise ValueError(
                _("Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy, ví dụ 05/01/2026.")
            ) from None


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class TrimmedStringField(StringField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("filters", []).append(strip_filter)
        super().__init__(*args, **kwargs)


class TrimmedTextAreaField(TextAreaField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("filters", []).append(strip_filter)
        super().__init__(*args, **kwargs)


def not_in_future(form, field):
    """Validator: the date may not be after today (the app's one clock, core/clock.py)."""
    from complaints.core.clock import FUTURE_DATE, today

    if field.data and field.data > today():
        raise ValidationError(_(FUTURE_DATE))


def enum_choices(enum_cls, blank: str | None = None) -> list[SelectChoice]:
    """Select options from a LabelledEnum (value, Vietnamese label), with an optional blank."""
    options = [SelectChoice(m.value, m.label) for m in enum_cls]
    return ([SelectChoice("", blank)] if blank is not None else []) + options


def pairs_choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(v, label) for v, label in pairs]


def max_length(n: int) -> Length:
    """At most n characters, said in Vietnamese."""
    from complaints.core.translate import lazy_gettext

    return Length(max=n, message=lazy_gettext("Tối đa %(n)s ký tự.", n=n))


class Select(SelectField):
    """A select whose tampered or unknown values get a Vietnamese error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", BAD_CHOICE)
        kwargs.setdefault("invalid_value_message", BAD_CHOICE)
        super().__init__(*args, **kwargs)


class Radio(RadioField):
    """Radio buttons with Vietnamese errors."""

    def __init__(self, *args, **kwargs):
        from complaints.core.translate import lazy_gettext

        kwargs.setdefault("invalid_choice_message", lazy_gettext("Chọn một trong các phương án."))
        kwargs.setdefault("invalid_value_message", BAD_CHOICE)
        super().__init__(*args, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class Checkboxes(MultiCheckboxField):
    """Check boxes whose tampered values get a Vietnamese error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", BAD_CHOICE)
        kwargs.setdefault("invalid_value_message", BAD_CHOICE)
        super().__init__(*args, **kwargs)


class Integer(IntegerField):
    """A whole number with a Vietnamese error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_value_message", BAD_INT)
        super().__init__(*args, **kwargs)


class VersionField(Integer):
    """The version of the record the user opened, sent back so a concurrent edit is detected.

    Required on a page that only edits; `optional=True` where the same form also creates (the
    operation then refuses an edit posted without it)."""

    widget = HiddenInput()

    def __init__(self, *args, optional: bool = False, **kwargs):
        from wtforms.validators import Optional

        kwargs.setdefault(
            "validators", [Optional() if optional else InputRequired(VERSION_MISSING)]
        )
        kwargs.setdefault("invalid_value_message", VERSION_INVALID if optional else VERSION_MISSING)
        super().__init__(*args, **kwargs)

    def opened(self) -> int | None:
        """The version posted back, None when the post carried none (refused as stale)."""
        return self.data if self.raw_data else None


# --- file uploads -----------------------------------------------------------------------------


class _Upload:
    """A file field that knows its limit per file: rendered with what the browser's check needs
    (static/js/uploads.js: data-max-bytes, data-max-request and the messages), and refused with
    the real size when the request carrying it was over MAX_CONTENT_LENGTH (core/uploads.py), so
    that the form is shown again, never saved without its files."""

    def __init__(self, *args, limit: Callable[[], int], **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = limit

    def __call__(self, **kwargs):
        from flask import current_app

        from complaints.core.numbers import fmt_size

        limit, total = self.limit(), int(current_app.config["MAX_CONTENT_LENGTH"])
        kwargs.setdefault("data-max-bytes", limit)
        kwargs.setdefault("data-max-label", fmt_size(limit))
        kwargs.setdefault("data-max-request", total)
        kwargs.setdefault("data-max-request-label", fmt_size(total))
        kwargs.setdefault(
            "data-too-large",
            _(
                "Tệp “%(name)s” nặng %(size)s, vượt quá mức tối đa %(limit)s cho mỗi tệp. "
                "Chưa gửi: hãy chọn tệp nhỏ hơn.",
                name="{name}",
                size="{size}",
                limit="{limit}",
            ),
        )
        kwargs.setdefault(
            "data-too-large-total",
            _(
                "Các tệp đã chọn nặng tổng cộng %(size)s, vượt quá mức tối đa %(limit)s của "
                "một lần gửi. Chưa gửi: hãy bớt tệp hoặc chọn tệp nhỏ hơn.",
                size="{size}",
                limit="{limit}",
            ),
        )
        return super().__call__(**kwargs)

    def pre_validate(self, form):
        from complaints.core.uploads import refusal_message, refused

        refusal = refused()
        if refusal is not None:
            raise StopValidation(refusal_message(refusal, self.name, self.limit()))
        super().pre_validate(form)


class UploadField(_Upload, FileField):
    """One file (flask_wtf's FileField) with its limit: UploadField(label, limit=callable)."""


class MultipleUploadField(_Upload, MultipleFileField):
    """Several files, each within the limit."""
