"""Pages checking a report a unit sent ("Đối chiếu báo cáo cấp dưới gửi"): choose the unit,
form and period, enter the figures reported (typed, or the form's .xlsx uploaded), then see
them beside the registers' with every difference, broken identity and wrong rate; the checks
kept for a unit and period; the printable comparison.

Routes of the reports blueprint (reports/views.py), registered by importing this module
where the blueprint is imported (complaints/__init__.py)."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from complaints.core import clock
from complaints.core.access import has_permission, require
from complaints.core.numbers import fmt_date
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.reports import checking, reported, service
from complaints.reports.check_forms import KeptFilterForm, entry_form
from complaints.reports.layouts import LAYOUTS
from complaints.reports.models import ReportedFigures
from complaints.reports.periods import period_args
from complaints.reports.requests import scoped_unit
from complaints.reports.views import bp, default_args, resolve
from complaints.reports.xlsx_in import SentFileError, check_limit, read_sent
from complaints.web import error_response
from complaints.web.helpers import load, offer_units, paginate
from complaints.web.transaction import attempt

DEFAULT_FORM = "01-KQGQ"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _choose():
    """The chooser (unit, form, period) from the address; `asked` once it is valid."""
    asked_for = "form" in request.args
    form, asked = resolve(request.args if asked_for else default_args(DEFAULT_FORM))
    form.form_code.choices = [c for c in form.form_code.choices if c.value != "summary"]
    if asked is not None and asked.code not in LAYOUTS:
        form.form_code.errors = [
            *form.form_code.errors,
            _("Chọn một mẫu báo cáo theo biểu mẫu (báo cáo tóm tắt không đối chiếu được)."),
        ]
        asked = None
    return form, (asked if asked_for else None)


def _file_name(storage) -> str:
    name = (storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return _CONTROL.sub("", name).strip()[: reported.FILE_NAME_MAX] or "tep.xlsx"


def _read_upload(entry, asked) -> dict | None:
    """The figures of the uploaded file, or None with the reason beside the file field."""
    storage = entry.file.data
    limit = check_limit()
    data = storage.stream.read(limit + 1)
    try:
        sent = read_sent(data, LAYOUTS[asked.code], max_bytes=limit)
    except SentFileError as e:
        entry.file.errors = [*entry.file.errors, str(e)]
        return None
    if sent.period is not None and sent.period != (asked.period.start, asked.period.end):
        entry.file.errors = [
            *entry.file.errors,
            _(
                "Tệp ghi số liệu từ ngày %(start)s đến ngày %(end)s, khác kỳ đã chọn (từ "
                "%(chosen_start)s đến %(chosen_end)s): chọn lại kỳ báo cáo rồi tải lên lại.",
                start=fmt_date(sent.period[0]),
                end=fmt_date(sent.period[1]),
                chosen_start=fmt_date(asked.period.start),
                chosen_end=fmt_date(asked.period.end),
            ),
        ]
        return None
    layout = LAYOUTS[asked.code]
    errors = checking.read_entered(layout, sent.values)[1]
    if errors:
        headers = {c.figure: c.header for c in layout.columns}
        entry.file.errors = [
            *entry.file.errors,
            *(
                _("Ô “%(column)s” của dòng tổng cộng: %(reason)s", column=headers[f], reason=m)
                for f, m in errors.items()
            ),
        ]
        return None
    return sent.values


def _kept(asked, limit: int = 20) -> list[ReportedFigures]:
    query = reported.kept_query(
        current_user,
        unit=asked.unit,
        form=asked.code,
        start=asked.period.start,
        end=asked.period.end,
    )
    return list(db.session.scalars(query.limit(limit)))


@bp.route("/checks/new", methods=["GET", "POST"])
@login_required
@require("report.check")
def check_new():
    chooser, asked = _choose()
    if request.method == "POST" and asked is None:
        return error_response(
            400, _("Chọn đơn vị, mẫu và kỳ báo cáo trước khi nhập số liệu để đối chiếu.")
        )
    entry = entry_form(LAYOUTS[asked.code]) if asked is not None else None
    status = 200
    if entry is not None and entry.validate_on_submit():
        if entry.has_file():
            figures, source, name = _read_upload(entry, asked), "file", _file_name(entry.file.data)
        else:
            figures, source, name = entry.typed(), "typed", ""
        if figures is not None:
            with attempt(entry) as saved:
                kept = reported.record_reported(
                    current_user,
                    unit=asked.unit,
                    form=asked.code,
                    period=asked.period,
                    with_subunits=asked.with_subunits,
                    figures=figures,
                    source=source,
                    file_name=name,
                    note=entry.note.data or "",
                )
                kept_id = kept.id
            if saved.ok:
                flash(_("Đã lưu số liệu báo cáo và đối chiếu với sổ sách."), "success")
                if source == "file" and any(v.strip() for v in entry.typed().values()):
                    flash(_("Số liệu lấy từ tệp; các ô nhập tay đã được bỏ qua."), "info")
                return redirect(url_for("reports.check_page", entry_id=kept_id))
        status = 422
    elif entry is not None and entry.is_submitted():
        status = 422
    return (
        render_template(
            "reports/check_new.html",
            chooser=chooser,
            asked=asked,
            entry=entry,
            kept=_kept(asked) if asked is not None else [],
        ),
        status,
    )


@bp.get("/checks/<int:entry_id>")
@login_required
@require("report.view")
def check_page(entry_id: int):
    return _render_check(entry_id, "reports/check.html")


@bp.get("/checks/<int:entry_id>/print")
@login_required
@require("report.view")
def check_print(entry_id: int):
    return _render_check(entry_id, "reports/check_print.html")


def _render_check(entry_id: int, template: str):
    entry = load(ReportedFigures, entry_id)
    comparison, shown = reported.compare(entry, current_user)
    period = reported.period_of(entry)
    again = {
        "form": entry.form,
        "unit": entry.unit.code,
        **period_args(period, service.settings_for(entry.unit).cutoff_day),
    }
    if entry.with_subunits:
        again["sub"] = "1"
    return render_template(
        template,
        entry=entry,
        layout=LAYOUTS[entry.form],
        comparison=comparison,
        shown=shown,
        report=shown.report,
        period=period,
        again=again,
        others=list(
            db.session.scalars(
                reported.kept_query(
                    current_user, unit=entry.unit, form=entry.form, start=entry.start, end=entry.end
                ).limit(50)
            )
        ),
        authority=entry.checking_unit or current_user.unit,
        today=clock.today(),
        can_enter=has_permission(current_user, "report.check"),
    )


@bp.get("/checks/")
@login_required
@require("report.view")
def checks():
    filters = KeptFilterForm(formdata=request.args)
    offer_units(filters.unit, _("Tất cả đơn vị"), by="code")
    filters.form.choices = [("", _("Tất cả mẫu"))] + [
        (code, f"{layout.official_code}: {layout.title}") for code, layout in LAYOUTS.items()
    ]
    if request.args:  # nothing chosen yet is no mistake ("Tất cả" is the default)
        filters.validate()
    unit = None
    if filters.unit.data and not filters.unit.errors:
        unit = scoped_unit(filters.unit.data, current_user)
    code = filters.form.data if filters.form.data in LAYOUTS else None
    query = reported.kept_query(
        current_user,
        unit=unit,
        form=code,
        start=None if filters.date_from.errors else filters.date_from.data,
        end=None if filters.date_to.errors else filters.date_to.data,
    )
    page = paginate(query)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("reports/checks.html", filters=filters, page=page, args=args)
