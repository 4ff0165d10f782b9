"""The report pages: choose a form, a period and a unit; the official table with a link from
each figure to its records; print, .xlsx and .json; closing a period; a unit's settings."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError

from complaints.core import clock, confidentiality
from complaints.core.access import has_permission, in_scope, load_scoped, require
from complaints.core.forms import parse_vn_date
from complaints.core.numbers import fmt_date, fmt_decimal, fmt_int
from complaints.core.translate import L_
from complaints.core.translate import gettext as _
from complaints.extensions import db
from complaints.reception.models import Visit
from complaints.reports import convention as C
from complaints.reports import figures as F
from complaints.reports import service
from complaints.reports.forms import (
    BAD_UNIT,
    FORM_CHOICES,
    CloseForm,
    ReopenForm,
    ReportForm,
    SettingsForm,
    UnitPickForm,
)
from complaints.reports.frozen import RATE, all_differences, rate_places, stored_convention
from complaints.reports.layouts import FORM_CODES, LAYOUTS, Column
from complaints.reports.models import ClosedReport, ReportSettings
from complaints.reports.operations import SETTINGS_FIELDS, save_settings
from complaints.reports.periods import Period, PeriodError, date_range, period_args
from complaints.reports.requests import (
    Asked,
    Shown,
    produce,
    report_json,
    scoped_unit,
    unit_convention,
    unit_period,
)
from complaints.units.models import Unit
from complaints.web import error_response
from complaints.web.helpers import offer_units, paginate, require_any
from complaints.web.transaction import attempt

bp = Blueprint("reports", __name__, url_prefix="/reports")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM_NAMES = dict(FORM_CHOICES)
# The summary's figures: reports/figures.py (the page, its .xlsx and the drill-down read them).
SUMMARY_FIGURES, SUMMARY_KIND_FIGURES = F.SUMMARY_FIGURES, F.SUMMARY_KIND_FIGURES
SUMMARY_OWN_UNIT = F.SUMMARY_OWN_UNIT
summary_figures = F.summary_figures


SOURCE_TITLES = {
    "visit": L_("lượt tiếp công dân"),
    "session": L_("kỳ tiếp công dân"),
    "petition": L_("đơn"),
    "case": L_("vụ việc"),
    "case_petition": L_("đơn của các vụ việc"),
}


# --- what the user asked for (complaints/reports/requests.py checks it with the API) -------


def default_args(form: str = "summary") -> MultiDict:
    """What the report page (and the check of a sent report) open on: this month, the user's
    unit with its sub-units (a unit reports for its whole area)."""
    today = clock.today()
    return MultiDict(
        {
            "form": form,
            "period": "month",
            "year": str(today.year),
            "month": str(today.month),
            "unit": current_user.unit.code,
            "sub": "1",
        }
    )


def resolve(formdata) -> tuple[ReportForm, Asked | None]:
    """Validate the report form; the period uses the chosen unit's cut-off day."""
    form = ReportForm(formdata=formdata)
    offer_units(form.unit_code, by="code")
    if not form.validate():
        return form, None
    unit = scoped_unit(form.unit_code.data, current_user)
    if unit is None:
        form.unit_code.errors.append(BAD_UNIT)
        return form, None
    try:
        convention = unit_convention(formdata, unit)
    except C.ConventionError as e:
        getattr(form, e.field or "kinds").errors.append(str(e))
        return form, None
    # the form shows the convention used: what was asked, the unit's settings for the rest
    for name, value in {**dict.fromkeys(C.PARAMS, ""), **C.as_args(convention)}.items():
        getattr(form, name).data = value
    code = form.form_code.data
    try:
        if form.is_range:
            period = date_range(form.date_from.data, form.date_to.data)
        else:
            month = int(form.month.data) if form.month.data else None
            period = unit_period(unit, form.period.data, form.year.data, month)
    except PeriodError as e:
        (form.date_to if form.is_range else form.period).errors.append(str(e))
        return form, None
    # The summary always covers the unit's whole tree (its sentence says so).
    with_subunits = True if code == "summary" else bool(form.with_subunits.data)
    args = {"form": code, "unit": unit.code, "period": form.period.data}
    if form.is_range:
        args.update({"from": fmt_date(period.start), "to": fmt_date(period.end)})
    else:
        args["year"] = form.year.data
        if form.period.data == "month":
            args["month"] = month
    if with_subunits:
        args["sub"] = "1"
    args.update(C.as_args(convention))  # the address keeps the convention of the report
    return form, Asked(code, unit, period, with_subunits, args, convention)


def _live_requested() -> bool:
    return request.args.get("live") == "1"


def _form_messages(form: ReportForm) -> str:
    messages = [_(str(m)) for errors in form.errors.values() for m in errors]
    return " ".join(messages) or _("Yêu cầu báo cáo không hợp lệ.")


# --- the table as the official form lays it out --------------------------------------------


@dataclass(frozen=True)
class HeaderCell:
    text: str
    colspan: int = 1
    rowspan: int = 1


def header_rows(layout_columns: tuple[Column, ...]) -> tuple[list[HeaderCell], list[str]]:
    """Two header rows: a group header merged over its columns, or a header over both rows."""
    grouped = any(c.group for c in layout_columns)
    span = 2 if grouped else 1
    top = [HeaderCell("STT", rowspan=span), HeaderCell("Đơn vị", rowspan=span)]
    sub: list[str] = []
    for group, columns in groupby(layout_columns, key=lambda c: c.group):
        columns = list(columns)
        if group:
            top.append(HeaderCell(group, colspan=len(columns)))
            sub += [c.header for c in columns]
        else:
            top += [HeaderCell(c.header, rowspan=span) for c in columns]
    return top, sub


def drill_args(
    report: service.Report, figure_id: str, unit: Unit | None, sub: bool, kind: str | None = None
) -> dict:
    """The drill-down's address: the figure, and the report's convention (the summary's kinds,
    and the way back); `kind`: a cell of one kind of a report of each kind apart."""
    return {
        "figure": figure_id,
        "form": report.layout.code if report.layout else "summary",
        "unit": unit.code if unit else "",
        "from": report.period.start.isoformat(),
        "to": report.period.end.isoformat(),
        "sub": "1" if sub else "0",
        **C.as_args(report.settings),
        **({"kind": kind} if kind else {}),
    }


def drill_url(report: service.Report, figure_id: str, row=None, kind=None) -> str | None:
    """The records behind a figure of a row (None: the total); no link for the rate.
    `kind`: a figure of one kind in the summary of each kind apart."""
    if figure_id not in F.FIGURES:
        return None
    unit, sub = report.unit, report.with_subunits
    if report.layout is None:
        sub = not figure_id.startswith(SUMMARY_OWN_UNIT)
    elif row is not None:
        if row.unit is None:
            return None  # a frozen row whose unit no longer exists
        if row.unit.id == report.unit.id:
            sub = False  # the unit's own records ("cấp mình")
        else:
            unit, sub = row.unit, True
    args = drill_args(report, figure_id, unit, sub, kind)
    if report.with_subunits and row is not None and kind is None:
        args["within"] = report.unit.code  # the row counts as part of the whole report
    return url_for("reports.records", **args)


def show_value(report: service.Report, figure_id: str, value, kind=None) -> str:
    return service.format_value(report, figure_id, value, kind)


def show_raw(figure_id: str, value) -> str:
    """A figure as stored (frozen or live dictionaries): 5.873, or the rate with its decimals."""
    if value is None:
        return "–"
    if figure_id == RATE:
        d = Decimal(str(value))
        return fmt_decimal(d, rate_places(d))
    return fmt_int(int(value))


def _safe_url(endpoint: str, **values) -> str | None:
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.context_processor
def _helpers():
    return {
        "header_rows": header_rows,
        "drill_url": drill_url,
        "show_value": show_value,
        "show_raw": show_raw,
        "figure_label": lambda fid: F.LABELS.get(fid, fid),
        "safe_url": _safe_url,
        "FORM_NAMES": FORM_NAMES,
        "summary_figures": summary_figures,
        "SUMMARY_KIND_FIGURES": SUMMARY_KIND_FIGURES,
        "KIND_NAMES": C.KIND_NAMES,
        "RATE": RATE,
    }


# --- the report page ----------------------------------------------------------------------


@bp.get("/")
@login_required
@require("report.view")
def index():
    asked_for = "form" in request.args
    form, asked = resolve(request.args if asked_for else default_args())
    shown = None
    diffs = []
    if asked_for and asked is not None:
        try:
            shown = produce(asked, live_requested=_live_requested(), user=current_user)
        except (service.ReportError, PeriodError) as e:
            form.form_errors.append(str(e))
        else:
            if shown.closed is not None:
                diffs = all_differences(shown.closed, shown.live)
    return render_template(
        "reports/index.html",
        form=form,
        asked=asked if shown else None,
        shown=shown,
        report=shown.report if shown else None,
        diffs=diffs,
        close_form=CloseForm(formdata=None),
        locks_early=service.locks_early(asked.period) if shown else False,
        lockable_from=service.lockable_from(asked.period) if shown else None,
        cutoff=service.settings_for(asked.unit if asked else current_user.unit).cutoff_day,
    )


@bp.get("/report.xlsx")
@login_required
@require("report.view")
def export_xlsx():
    from complaints.reports.xlsx import to_xlsx

    form, asked = resolve(request.args)
    if asked is None:
        return error_response(400, _form_messages(form))
    try:
        shown = produce(asked, live_requested=_live_requested(), user=current_user)
    except (service.ReportError, PeriodError) as e:
        return error_response(400, str(e))
    return send_file(
        io.BytesIO(to_xlsx(shown.report)),
        mimetype=XLSX_MIME,
        as_attachment=True,
        download_name=_filename(asked, shown, "xlsx"),
        max_age=0,
        etag=False,
        conditional=False,
    )


@bp.get("/report.json")
@login_required
@require("report.view")
def export_json():
    form, asked = resolve(request.args)
    if asked is None:
        return error_response(400, _form_messages(form))
    try:
        shown = produce(asked, live_requested=_live_requested(), user=current_user)
    except (service.ReportError, PeriodError) as e:
        return error_response(400, str(e))
    body = json.dumps(report_json(shown), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(asked, shown, "json")}"'
    )
    return response


def _filename(asked: Asked, shown: Shown, ext: str) -> str:
    live = "_hien-tai" if shown.closed and shown.live_requested else ""
    return (
        f"bao-cao_{asked.code}_{asked.unit.code}_{asked.period.start:%Y-%m-%d}_"
        f"{asked.period.end:%Y-%m-%d}{live}.{ext}"
    )


# --- the records behind a figure ----------------------------------------------------------


def _figures_of(code: str) -> set[str]:
    if code == "summary":
        return {f for f in (*SUMMARY_FIGURES, *SUMMARY_KIND_FIGURES) if f in F.FIGURES}
    return set(LAYOUTS[code].figure_ids)


def drill_kinds(
    code: str, figure_id: str, convention: F.RateSettings, kind: str | None = None
) -> tuple[str, ...]:
    """The kinds of petition a figure counts in its form (the summary's rate kinds; `kind`:
    one kind's figure of the summary of each kind apart)."""
    if code != "summary":
        return LAYOUTS[code].kinds
    if not figure_id.startswith(SUMMARY_OWN_UNIT):
        return ()
    return (kind,) if kind else convention.counted_kinds


@bp.get("/records")
@login_required
@require("report.view")
def records():
    figure_id = request.args.get("figure", "")
    code = request.args.get("form", "")
    if code not in FORM_CODES:
        return error_response(404, _("Mẫu báo cáo không tồn tại."))
    if figure_id not in F.FIGURES or figure_id not in _figures_of(code):
        return error_response(404, _("Chỉ tiêu không có trong mẫu báo cáo này."))
    unit = scoped_unit(request.args.get("unit"), current_user)
    if unit is None:
        return error_response(404, BAD_UNIT)
    try:
        start = parse_vn_date(request.args.get("from", ""))
        end = parse_vn_date(request.args.get("to", ""))
    except ValueError:
        return error_response(400, _("Ngày không hợp lệ: dùng dạng dd/mm/yyyy hoặc yyyy-mm-dd."))
    try:
        period = date_range(start, end)
    except PeriodError as e:
        return error_response(400, str(e))
    try:
        convention = unit_convention(request.args, unit)
    except C.ConventionError as e:
        return error_response(400, str(e))
    kind = request.args.get("kind") or None
    if kind is not None and (code != "summary" or kind not in convention.counted_kinds):
        return error_response(404, _("Chỉ tiêu không có trong mẫu báo cáo này."))
    sub = request.args.get("sub") == "1"
    kinds = drill_kinds(code, figure_id, convention, kind)
    figure = F.FIGURES[figure_id]
    source = F.SOURCES[figure.source]
    unit_ids = unit.subtree_ids() if sub else [unit.id]
    # a row of a roll-up: a petition transferred from another unit of the report is counted
    # at its sender (figures._not_transferred_within); the list shows what the cell counted
    whole = (
        scoped_unit(request.args.get("within"), current_user) if "within" in request.args else None
    )
    within = whole.subtree_ids() if whole is not None and unit.path.startswith(whole.path) else None
    query = (
        F.records_query(figure_id, unit_ids, period, kinds, within)
        .where(in_scope(current_user, source.unit_column))
        .options(selectinload(source.model.unit))
    )
    if source.model is Visit:
        query = query.options(selectinload(Visit.session))
    page = paginate(query)
    confidentiality.reader().load(page.items)
    by_unit = F.compute_by_unit([figure_id], unit_ids, period, kinds, within)
    value = sum(v.get(figure_id, 0) for v in by_unit.values())
    args = {k: v for k, v in request.args.items() if k != "page"}
    html = render_template(
        "reports/records.html",
        figure=figure,
        source=figure.source,
        source_title=SOURCE_TITLES[figure.source],
        code=code,
        unit=unit,
        period=period,
        sub=sub,
        kinds=kinds,
        value=value,
        balance=F.balance_part(figure_id, unit_ids, period, kinds),
        page=page,
        args=args,
        back=_report_url(code, unit, period, sub, convention),
    )
    _log_identity_views(figure.source, page.items)
    return html


def _report_url(
    code: str, unit: Unit, period: Period, sub: bool, convention: F.RateSettings | None = None
) -> str:
    args = {
        "form": code,
        "unit": unit.code,
        **period_args(period, service.settings_for(unit).cutoff_day),
    }
    if sub:
        args["sub"] = "1"
    if convention is not None:
        args.update(C.as_args(convention))
    return url_for("reports.index", **args)


def _log_identity_views(source: str, items) -> None:
    """Every view of a denouncer's identity is an audit event (DOMAIN §8)."""
    shown = confidentiality.shown_to(current_user, items)
    if source in ("petition", "case_petition"):
        petitions, visits = [p for p in shown if p.senders], []
    elif source == "visit":
        petitions, visits = [], [v for v in shown if v.persons]
    else:
        return
    confidentiality.record_view(
        current_user, where="danh sách số liệu báo cáo", petitions=petitions, visits=visits
    )


# --- closing a period ---------------------------------------------------------------------


@bp.post("/close")
@login_required
@require("report.close")
def close():
    # CSRFProtect has checked the token of the posted CloseForm before this view runs.
    form, asked = resolve(request.args)
    if asked is None:
        flash(_("Chưa khóa được: %(reason)s", reason=_form_messages(form)), "danger")
        return redirect(url_for("reports.index"))
    close_form = CloseForm()
    if not close_form.validate():
        flash(_("Chưa khóa được: %(reason)s", reason=_form_messages(close_form)), "danger")
        return redirect(url_for("reports.index", **asked.args))
    with attempt() as saved:
        closed = service.close_period(
            current_user,
            asked.code,
            asked.unit,
            asked.period,
            asked.with_subunits,
            asked.convention,
            early=bool(close_form.early.data),
            early_reason=close_form.early_reason.data,
        )
        when = fmt_date(closed.closed_at)
    if saved.ok:
        flash(
            _("Đã khóa số liệu %(label)s (%(when)s).", label=asked.period.label, when=when),
            "success",
        )
    else:
        flash(_("Chưa khóa được: %(reason)s", reason=str(saved.error)), "danger")
    return redirect(url_for("reports.index", **asked.args))


@bp.route("/closed/<int:closed_id>/reopen", methods=["GET", "POST"])
@login_required
@require("report.reopen")
def reopen(closed_id: int):
    closed = load_scoped(ClosedReport, closed_id)
    form = ReopenForm()
    back = _closed_url(closed) if has_permission(current_user, "report.view") else None
    label = _closed_label(closed)
    if form.validate_on_submit():
        with attempt(form, default="reason") as saved:
            service.reopen_period(current_user, closed, form.reason.data)
        if saved.ok:
            flash(_("Đã mở khóa số liệu %(label)s.", label=label), "success")
            return redirect(back or url_for("reports.closed_list"))
    history = service.reopenings(
        closed.form, closed.unit, Period(closed.start, closed.end, ""), closed.with_subunits
    )
    return render_template(
        "reports/reopen.html", form=form, closed=closed, label=label, back=back, history=history
    )


def _closed_label(closed: ClosedReport) -> str:
    """ "Mẫu số 01/XLD, Tháng 3/2026 (15/02/2026 – 14/03/2026)": the locked report named."""
    return f"{FORM_NAMES.get(closed.form, closed.form)}, {closed.period_label}"


@bp.get("/closed")
@login_required
@require_any("report.view", "report.reopen")
def closed_list():
    query = (
        sa.select(ClosedReport)
        .where(in_scope(current_user, ClosedReport.unit_id))
        .options(selectinload(ClosedReport.unit), selectinload(ClosedReport.closed_by))
        .order_by(ClosedReport.closed_at.desc(), ClosedReport.id.desc())
    )
    page = paginate(query)
    return render_template(
        "reports/closed.html",
        page=page,
        report_url=_closed_url,
        can_reopen=has_permission(current_user, "report.reopen"),
    )


def _closed_url(closed: ClosedReport) -> str:
    return _report_url(
        closed.form,
        closed.unit,
        Period(closed.start, closed.end, ""),
        closed.with_subunits,
        stored_convention((closed.data or {}).get("convention")),
    )


# --- a unit's report settings -------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@login_required
@require("report.settings")
def settings():
    picker = UnitPickForm(formdata=MultiDict({"unit": request.args.get("unit", "")}))
    offer_units(picker.unit, by="code")
    unit = (
        scoped_unit(request.args.get("unit"), current_user)
        if request.args.get("unit")
        else current_user.unit
    )
    if unit is None:
        return error_response(404, BAD_UNIT)
    picker.unit.data = unit.code
    effective = service.settings_for(unit)
    own = db.session.get(ReportSettings, unit.id)
    inherited_from = None
    if own is None and effective.unit_id != unit.id:
        inherited_from = db.session.get(Unit, effective.unit_id)
    form = SettingsForm(obj=effective)
    if form.validate_on_submit():
        with attempt(form, default="rate_basis") as saved:
            changed = save_settings(
                current_user, unit, **{name: form[name].data for name in SETTINGS_FIELDS}
            )
        if saved.ok:
            flash(
                _("Đã lưu thiết lập báo cáo của %(name)s.", name=unit.name)
                if changed
                else _("Thiết lập không thay đổi."),
                "success" if changed else "info",
            )
            return redirect(url_for("reports.settings", unit=unit.code))
    return render_template(
        "reports/settings.html",
        form=form,
        picker=picker,
        unit=unit,
        own=own,
        inherited_from=inherited_from,
        can_view=has_permission(current_user, "report.view"),
    )
