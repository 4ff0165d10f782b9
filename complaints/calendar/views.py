"""The administrator's page of days off and make-up working days (Ngày nghỉ, ngày làm bù).

Its address stays under /cases/, where offices have it bookmarked."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from complaints.calendar import operations as ops
from complaints.calendar.forms import CalendarOverrideForm
from complaints.calendar.models import CalendarOverride
from complaints.core.access import require
from complaints.core.numbers import fmt_date
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.web.forms import CsrfOnlyForm
from complaints.web.helpers import paginate
from complaints.web.transaction import attempt

bp = Blueprint("calendar", __name__, url_prefix="/cases/calendar")


@bp.route("", methods=["GET", "POST"])
@login_required
@require("calendar.manage")
def index():
    """Ngày nghỉ, ngày làm bù: the overrides every working-day deadline counts with."""
    form = CalendarOverrideForm()
    if form.validate_on_submit():
        with attempt(form) as saved:
            ops.add_calendar_override(
                current_user,
                day=form.day.data,
                working=form.working.data == "working",
                note=form.note.data,
            )
        if saved.ok:
            flash(_("Đã lưu điều chỉnh lịch ngày %(day)s.", day=fmt_date(form.day.data)), "success")
            return redirect(url_for("calendar.index"))
    page = paginate(sa.select(CalendarOverride).order_by(CalendarOverride.day.desc()))
    return render_template(
        "calendar/index.html", form=form, page=page, button=CsrfOnlyForm(formdata=None)
    )


@bp.post("/<day>/delete")
@login_required
@require("calendar.manage")
def delete(day: str):
    try:
        row = db.session.get(CalendarOverride, date.fromisoformat(day))
    except ValueError:
        row = None
    if row is None:
        abort(404)
    ops.delete_calendar_override(current_user, row)
    flash(_("Đã xóa điều chỉnh lịch ngày %(day)s.", day=fmt_date(row.day)), "success")
    return redirect(url_for("calendar.index"))
