"""Login and logout."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from complaints import security
from complaints.auth.forms import ButtonForm, LoginForm, PasswordChangeForm
from complaints.auth.models import User, dummy_hash, password_matches
from complaints.auth.operations import change_own_password, log_out, sign_out_everywhere
from complaints.core.db import utcnow
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.web.transaction import attempt

bp = Blueprint("auth", __name__)
# Browsers read "/\\evil" as "//evil" and drop tabs and newlines ("/\t/evil" is "//evil").
_UNSAFE_IN_NEXT = re.compile(r"[\\\s\x00-\x1f\x7f]")


def _safe_next(target: str | None) -> str:
    """Only a local path may follow login: no open redirect to another host."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and not _UNSAFE_IN_NEXT.search(target)
        ):
            return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        ip, now, config = request.remote_addr or "", utcnow(), current_app.config
        # Too many recent failures (this name, or this address): refuse without even
        # checking the password, counted in the database so every worker agrees.
        refusal = security.login_refusal(config, username, ip, now)
        if refusal:
            form.form_errors.append(refusal)
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(sa.select(User).where(User.username == username))
        # One password hash checked whether the name exists or not (a dummy one otherwise):
        # the time of a refusal does not tell who has an account.
        if not password_matches(user, form.password.data):
            form.password.errors.append(_("Tên đăng nhập hoặc mật khẩu không đúng."))
            locked = security.login_failed(config, username, ip, user, now)  # kept even if 429
            if locked:
                form.form_errors.append(locked)
                return render_template("auth/login.html", form=form), 429
        else:
            security.login_succeeded(username)
            login_user(user)
            security.session_started()
            # A query-level UPDATE, not through the mapper: a login is no edit of the account,
            # so it must not count up `version` and make an administrator's open form stale.
            db.session.execute(
                sa.update(User)
                .where(User.id == user.id)
                .values(last_login_at=now)
                .execution_options(synchronize_session=False)
            )
            return redirect(_safe_next(request.args.get("next")))
    dummy_hash()  # made once per process, before the first password is checked
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # Every session of the user ends, on every computer (issue 14, item 2): a cookie copied
    # before does not outlive the logout.
    log_out(current_user)
    logout_user()
    flash(_("Bạn đã đăng xuất khỏi mọi thiết bị."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's own account: change the password, sign out everywhere."""
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        with attempt(form) as saved:
            change_own_password(
                current_user, current=form.current_password.data, new=form.password.data
            )
        if saved.ok:
            # Every other session ended with the change; this browser goes on, on the new
            # generation.
            login_user(current_user._get_current_object())
            security.session_started()
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc."), "success")
            return redirect(url_for("auth.account"))
        status = saved.status
    return render_template(
        "auth/account.html", form=form, sign_out=ButtonForm(), user=current_user
    ), status


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere_own():
    if ButtonForm().validate_on_submit():
        sign_out_everywhere(current_user, current_user)
        logout_user()
        flash(_("Bạn đã đăng xuất khỏi mọi thiết bị."), "info")
    return redirect(url_for("auth.login"))
