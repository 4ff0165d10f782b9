"""Administrators' page of API tokens: issue a token for a user of their units (the secret is
shown once, on the answer to the form, never stored or put in a cookie), list and revoke."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import SelectField
from wtforms.validators import InputRequired, Length, Optional

from complaints.api.models import ApiToken
from complaints.api.tokens import create_token, revoke_token
from complaints.auth.models import User
from complaints.core import clock
from complaints.core.access import in_scope, require, unit_in_scope
from complaints.core.db import MAX_ID
from complaints.core.forms import REQUIRED, TrimmedStringField, VNDateField, pairs_choices
from complaints.core.translate import gettext as _
from complaints.core.translate import lazy_gettext as _l
from complaints.extensions import db
from complaints.web.transaction import attempt

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/tokens")


class TokenForm(FlaskForm):
    user_id = SelectField(
        _l("Tài khoản"),
        coerce=int,
        validators=[InputRequired(REQUIRED)],
        validate_choice=True,
        invalid_choice_message=_l("Lựa chọn không hợp lệ: hãy chọn lại trong danh sách."),
    )
    name = TrimmedStringField(
        _l("Tên gợi nhớ (hệ thống dùng mã)"), validators=[Optional(), Length(max=120)]
    )
    expires_on = VNDateField(
        _l("Hết hạn sau ngày (bỏ trống: không hết hạn)"), validators=[Optional()]
    )


class RevokeForm(FlaskForm):
    """A button: only the CSRF token travels."""


def _users() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(in_scope(current_user, User.unit_id), User.active.is_(True))
            .order_by(User.username)
        )
    )


def _tokens_page(form: TokenForm, created: tuple[ApiToken, str] | None = None, status: int = 200):
    tokens = db.session.scalars(
        sa.select(ApiToken)
        .join(User, ApiToken.user_id == User.id)
        .where(in_scope(current_user, User.unit_id))
        .options(joinedload(ApiToken.user), joinedload(ApiToken.created_by))
        .order_by(ApiToken.id.desc())
    ).all()
    return render_template(
        "admin/tokens.html",
        form=form,
        tokens=tokens,
        created=created,
        today=clock.today(),
        revoke_form=RevokeForm(formdata=None),
    ), status


@bp.route("/", methods=["GET", "POST"])
@login_required
@require("api_tokens.manage")
def index():
    form = TokenForm()
    form.user_id.choices = pairs_choices(
        [(u.id, f"{u.username} · {u.full_name} ({u.unit.code})") for u in _users()]
    )
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        with attempt(form, default="expires_on") as saved:
            token, secret = create_token(
                current_user,
                user,
                name=form.name.data or "",
                expires_on=form.expires_on.data,
                today=clock.today(),
            )
        if not saved.ok:
            return _tokens_page(form)
        # The secret is in this answer only (never in a flash message: that is a cookie).
        return _tokens_page(TokenForm(formdata=None), created=(token, secret))
    return _tokens_page(form, status=200)


@bp.post("/<int:token_id>/revoke")
@login_required
@require("api_tokens.manage")
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id) if token_id <= MAX_ID else None
    if token is None or not unit_in_scope(current_user, token.user.unit):
        abort(404)
    if not RevokeForm().validate_on_submit():
        abort(400)
    with attempt() as saved:
        revoke_token(current_user, token)
    if saved.ok:
        flash(
            _(
                "Đã thu hồi mã truy cập %(prefix)s… của %(username)s.",
                prefix=token.prefix,
                username=token.user.username,
            ),
            "success",
        )
    else:
        flash(str(saved.error), "warning")
    return redirect(url_for("api_tokens.index"))
