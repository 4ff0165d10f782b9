"""Administration of units and user accounts (administrators, within their own unit tree)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from complaints.auth.forms import UserForm
from complaints.auth.models import User
from complaints.auth.operations import StaleEditError as StaleUserError
from complaints.auth.operations import UserError, create_user, update_user
from complaints.core.access import in_scope, load_scoped, require
from complaints.core.forms import pairs_choices
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.units.forms import UnitForm
from complaints.units.models import Unit, UnitLevel
from complaints.units.operations import StaleEditError as StaleUnitError
from complaints.units.operations import UnitError, create_unit, subtree, update_unit

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _unit_choices(blank: str | None = None):
    units = subtree(current_user.unit)
    pairs = [
        (u.id, ("— " * (u.depth - current_user.unit.depth)) + f"{u.code} · {u.name}") for u in units
    ]
    return pairs_choices(([(0, blank)] if blank else []) + pairs)


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
    unit = load_scoped(Unit, unit_id) if unit_id else None
    form = UnitForm(obj=unit)
    form.parent_id.choices = _unit_choices()
    if unit is None and not form.is_submitted():
        form.parent_id.data = current_user.unit.id
    status = 200
    if form.validate_on_submit():
        parent = load_scoped(Unit, form.parent_id.data) if form.parent_id.data else None
        if unit is not None and unit.id == current_user.unit_id:
            parent = unit.parent  # an administrator cannot move their own root
        try:
            values = dict(
                code=form.code.data,
                name=form.name.data,
                level=UnitLevel(form.level.data),
                active_from=form.active_from.data,
                active_to=form.active_to.data,
            )
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
            db.session.commit()
            flash(_("Đã lưu đơn vị %(code)s.", code=unit.code), "success")
            return redirect(url_for("admin.units"))
        except StaleUnitError as e:
            db.session.rollback()
            form.form_errors.append(str(e))  # what was typed stays in the form
            status = 409
        except UnitError as e:
            db.session.rollback()
            form.code.errors.append(str(e))
    return render_template("admin/unit_form.html", form=form, unit=unit), status


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
    user = load_scoped(User, user_id) if user_id else None
    form = UserForm(obj=user)
    form.unit_id.choices = _unit_choices()
    if user is not None and not form.is_submitted():
        form.roles.data = [r.value for r in user.role_set]
    status = 200
    if form.validate_on_submit():
        unit = load_scoped(Unit, form.unit_id.data)
        try:
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
                if user.id == current_user.id and not form.active.data:
                    raise UserError(_("Không thể tự khoá tài khoản của chính mình."))
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
            db.session.commit()
            flash(_("Đã lưu tài khoản %(username)s.", username=user.username), "success")
            return redirect(url_for("admin.users"))
        except StaleUserError as e:
            db.session.rollback()
            form.form_errors.append(str(e))  # what was typed stays in the form
            status = 409
        except UserError as e:
            db.session.rollback()
            form.username.errors.append(str(e))
    return render_template("admin/user_form.html", form=form, user=user), status
