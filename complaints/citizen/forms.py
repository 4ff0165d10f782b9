"""The citizen's forms: the look-up (code + last digits) and the rating."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from complaints.citizen import codes
from complaints.citizen.models import COMMENT_MAX, SCORE_MAX, SCORE_MIN
from complaints.citizen.operations import DIGITS, clean_comment, digits_valid, normalise_digits
from complaints.core.translate import L_
from complaints.core.translate import gettext as _
from complaints.core.translate import lazy_gettext as _l

SCORE_LABELS = {
    1: L_("Rất không hài lòng"),
    2: L_("Không hài lòng"),
    3: L_("Bình thường"),
    4: L_("Hài lòng"),
    5: L_("Rất hài lòng"),
}


def _code_shape(form, field):
    if not codes.is_valid(codes.normalise(field.data)):
        raise ValidationError(
            _(
                "Mã tra cứu gồm %(LENGTH)s chữ và số in trên giấy biên nhận, "
                "ví dụ K7M4-Q2XP-9D (không có chữ O, I, L và số 0, 1).",
                LENGTH=codes.LENGTH,
            )
        )


def _digits_shape(form, field):
    if not digits_valid(normalise_digits(field.data)):
        raise ValidationError(_("Nhập đúng %(DIGITS)s chữ số cuối.", DIGITS=DIGITS))


class LookupForm(FlaskForm):
    code = StringField(
        _l("Mã tra cứu"),
        validators=[DataRequired(_l("Nhập mã tra cứu in trên giấy biên nhận.")), _code_shape],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "maxlength": "20",
            "placeholder": "VD: K7M4-Q2XP-9D",
        },
    )
    digits = StringField(
        _l("%(DIGITS)s số cuối của số điện thoại hoặc số CCCD ghi trong đơn", DIGITS=DIGITS),
        validators=[DataRequired(_l("Nhập %(DIGITS)s số cuối.", DIGITS=DIGITS)), _digits_shape],
        render_kw={
            "autocomplete": "off",
            "inputmode": "numeric",
            "maxlength": "8",
            "pattern": "[0-9 ]*",
        },
    )


def _comment_length(form, field):
    if len(clean_comment(field.data)) > COMMENT_MAX:
        raise ValidationError(_("Ý kiến tối đa %(COMMENT_MAX)s ký tự.", COMMENT_MAX=COMMENT_MAX))


def _score_in_range(form, field):
    if field.data not in {str(n) for n in range(SCORE_MIN, SCORE_MAX + 1)}:
        raise ValidationError(
            _(
                "Chọn một mức từ %(SCORE_MIN)s đến %(SCORE_MAX)s.",
                SCORE_MIN=SCORE_MIN,
                SCORE_MAX=SCORE_MAX,
            )
        )


class RatingForm(FlaskForm):
    token = HiddenField()
    score = RadioField(
        _l("Mức độ hài lòng của ông/bà"),
        choices=[
            SelectChoice(str(n), _l("%(n)s – %(label)s", n=n, label=SCORE_LABELS[n]))
            for n in range(SCORE_MIN, SCORE_MAX + 1)
        ],
        validators=[_score_in_range],
        validate_choice=False,
    )
    comment = TextAreaField(
        _l("Ý kiến (không bắt buộc)"),
        validators=[_comment_length],
        render_kw={"maxlength": str(COMMENT_MAX), "rows": "4"},
    )
