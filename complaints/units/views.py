"""Administration of units and user accounts (administrators, within their own unit tree)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user, logout_user

from complaints import security
from complaints.auth.forms import ButtonForm, UserForm
from complaints.auth.models import User
from complaints.auth.operations import UserError, create_user, sign_out_everywhere, update_user
from complaints.core import clock
from complaints.core.access import in_scope, require
from complaints.core.db import MAX_ID
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.units.forms import LeaderForm, UnitForm
from complaints.units.models import Unit, UnitLeader, UnitLevel
from complaints.units.operations import (
    UnitError,
    create_unit,
    save_leader,
    subtree,
    update_unit,
)
from complaints.web.helpers import load, offer_units
from complaints.web.transaction import attempt

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/units")
@login_required
@require("units.manage")
def units():
    return render_template(
        "admin/units.html", units=subtree(current_user.unit), root=current_user.unit
    )


@bp.route("/units/new", methods=["GET", "POST"])
@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@login_required
@require("units.manage")
def unit_form(unit_id: int | None = None):
    unit = load(Unit, unit_id) if unit_id else None
    form = UnitForm(obj=unit)
    offer_units(form.parent_id)
    offer_units(form.advises_id, _("— Không: là cơ quan có thẩm quyền —"))
    offer_units(form.processing_unit_id, _("— Chính đơn vị này —"))
    if unit is None and not form.is_submitted():
        # A new unit: under the administrator's own, at the level below it, existing from today
        # (so that its obligations start from today, not from before it existed).
        form.parent_id.data = current_user.unit.id
        form.level.data = current_user.unit.child_level.value
        form.active_from.data = clock.today()
    status = 200
    if form.validate_on_submit():
        parent = load(Unit, form.parent_id.data) if form.parent_id.data else None
        if unit is not None and unit.id == current_user.unit_id:
            parent = unit.parent  # an administrator cannot move their own root
        values = dict(
            code=form.code.data,
            name=form.name.data,
            level=UnitLevel(form.level.data),
            active_from=form.active_from.data,
            active_to=form.active_to.data,
            advises=load(Unit, form.advises_id.data) if form.advises_id.data else None,
            processing_unit=(
                load(Unit, form.processing_unit_id.data) if form.processing_unit_id.data else None
            ),
            doc_symbol=form.doc_symbol.data or "",
        )
        # A stale edit is shown above the form (what was typed stays), any other refusal
        # beside the code.
        with attempt(form, default="code") as saved:
            if unit is None:
                if parent is None:
                    raise UnitError(_("Chọn đơn vị cấp trên."))
                unit = create_unit(current_user, parent=parent, **values)
            else:
                update_unit(
                    current_user,
                    unit,
                    parent=parent,
                    expected_version=form.version.opened(),
                    **values,
                )
        if saved.ok:
            flash(_("Đã lưu đơn vị %(code)s.", code=unit.code), "success")
            return redirect(url_for("admin.units"))
        status = saved.status
    return render_template("admin/unit_form.html", form=form, unit=unit), status


@bp.route("/units/<int:unit_id>/leaders", methods=["GET", "POST"])
@bp.route("/units/<int:unit_id>/leaders/<int:leader_id>", methods=["GET", "POST"])
@login_required
@require("units.manage")
def leaders(unit_id: int, leader_id: int | None = None):
    """The unit's leaders (who sign its acts, host its receptions): the list, and the form
    adding one or editing the one chosen."""
    unit = load(Unit, unit_id)
    if leader_id is not None and not 0 < leader_id <= MAX_ID:
        abort(404)
    leader = db.session.get(UnitLeader, leader_id) if leader_id else None
    if leader_id and (leader is None or leader.unit_id != unit.id):
        abort(404)
    form = LeaderForm(obj=leader)
    status = 200
    if form.validate_on_submit():
        with attempt(form, default="full_name") as saved:
            save_leader(
                current_user,
                unit,
                leader,
                full_name=form.full_name.data,
                title=form.title.data,
                is_head=form.is_head.data,
                position=form.position.data or 0,
                active=form.active.data,
            )
        if saved.ok:
            flash(_("Đã lưu lãnh đạo của %(name)s.", name=unit.name), "success")
            return redirect(url_for("admin.leaders", unit_id=unit.id))
        status = saved.status
    return render_template("admin/leaders.html", unit=unit, leader=leader, form=form), status


@bp.get("/users")
@login_required
@require("users.manage")
def users():
    rows = db.session.scalars(
        sa.select(User).where(in_scope(current_user, User.unit_id)).order_by(User.username)
    ).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
@require("users.manage")
def user_form(user_id: int | None = None):
    user = load(User, user_id) if user_id else None
    form = UserForm(obj=user)
    offer_units(
        form.unit_id, active_on=clock.today(), keep=user.unit_id if user is not None else None
    )
    if user is not None and not form.is_submitted():
        form.roles.data = [r.value for r in user.role_set]
    status = 200
    if form.validate_on_submit():
        unit = load(Unit, form.unit_id.data)
        # A stale edit is shown above the form (what was typed stays), any other refusal
        # beside the user name.
        with attempt(form, default="username") as saved:
            if user is None:
                if not form.password.data:
                    raise UserError(_("Nhập mật khẩu cho tài khoản mới."))
                user = create_user(
                    current_user,
                    username=form.username.data,
                    full_name=form.full_name.data,
                    title=form.title.data or "",
                    unit=unit,
                    roles=form.roles.data,
                    password=form.password.data,
                )
            else:
                update_user(
                    current_user,
                    user,
                    expected_version=form.version.opened(),
                    full_name=form.full_name.data,
                    title=form.title.data or "",
                    unit=unit,
                    active=form.active.data,
                    roles=form.roles.data,
                    password=form.password.data or None,
                )
        if saved.ok:
            if user.id == current_user.id and form.password.data:
                # Resetting one's own password ended every session; this one goes on.
                login_user(user)
                security.session_started()
            flash(_("Đã lưu tài khoản %(username)s.", username=user.username), "success")
            return redirect(url_for("admin.users"))
        status = saved.status
    return render_template(
        "admin/user_form.html", form=form, user=user, sign_out=ButtonForm()
    ), status


@bp.post("/users/<int:user_id>/sign-out-everywhere")
@login_required
@require("users.manage")
def user_sign_out_everywhere(user_id: int):
    """End every session of an account of the administrator's units (audited)."""
    user = load(User, user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    sign_out_everywhere(current_user, user)
    if user.id == current_user.id:
        logout_user()
        flash(_("Bạn đã đăng xuất khỏi mọi thiết bị."), "info")
        return redirect(url_for("auth.login"))
    flash(
        _("Đã đăng xuất tài khoản %(username)s khỏi mọi thiết bị.", username=user.username),
        "success",
    )
    return redirect(url_for("admin.user_form", user_id=user.id))
