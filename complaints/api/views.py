"""The JSON API under /api/v1: its endpoints, the reports, and the OpenAPI document.

GET /api/v1/reports/<form>: a report as JSON, its figures keyed by their identifiers. The other
resources live in units.py, reception.py, petitions.py and cases.py; what they share (errors,
callers, validation, pagination) in base.py."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request

from complaints.api import schemas as S
from complaints.api.base import (  # noqa: F401  ApiError is imported from here by callers
    ApiError,
    bp,
    endpoint,
)
from complaints.core.access import unit_in_scope
from complaints.reports import service
from complaints.reports.convention import ConventionError
from complaints.reports.layouts import FORM_CODES
from complaints.reports.periods import PERIOD_KINDS, Period, PeriodError, date_range
from complaints.reports.requests import (
    Asked,
    produce,
    report_json,
    unit_by_code,
    unit_convention,
    unit_period,
)
from complaints.units.models import Unit

TRUE = ("1", "true", "yes", "on")
FALSE = ("", "0", "false", "no", "off")


def _flag(name: str) -> bool:
    raw = request.args.get(name, "").strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise ApiError(400, f"Tham số {name} chỉ nhận 1 hoặc 0.")


def _int(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 4:
        raise ApiError(400, f"Tham số {name} phải là số nguyên: {raw!r}.")
    return int(raw)


def _date(name: str) -> date:
    raw = request.args.get(name, "").strip()
    if not raw:
        raise ApiError(400, f"Thiếu tham số {name} (ngày dạng YYYY-MM-DD).")
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"Ngày không hợp lệ: {name}={raw!r} (dạng YYYY-MM-DD).") from None


def _period(unit: Unit) -> Period:
    """from/to, or period/year[/month] with the unit's cut-off day; never both."""
    kind = request.args.get("period", "").strip()
    has_dates = bool(request.args.get("from") or request.args.get("to"))
    try:
        if kind:
            if has_dates:
                raise ApiError(400, "Dùng period/year/month hoặc from/to, không dùng cả hai.")
            if kind not in PERIOD_KINDS:
                raise ApiError(
                    400, f"Loại kỳ không hợp lệ: {kind} (chọn {', '.join(PERIOD_KINDS)})."
                )
            year = _int("year")
            if year is None:
                raise ApiError(400, "Thiếu tham số year cho kỳ báo cáo.")
            return unit_period(unit, kind, year, _int("month"))
        if not has_dates:
            raise ApiError(400, "Cần from và to (YYYY-MM-DD), hoặc period và year.")
        return date_range(_date("from"), _date("to"))
    except PeriodError as e:
        raise ApiError(400, str(e)) from None


@endpoint(
    "GET",
    "/reports/{form}",
    summary="Một mẫu báo cáo (hoặc bản tổng hợp) cho một đơn vị và một kỳ",
    description="Kỳ: from và to (YYYY-MM-DD), hoặc period, year (và month với kỳ tháng) theo "
    "ngày chốt số liệu của đơn vị; không dùng cả hai. Đơn vị ngoài phạm vi: 403. Quy ước tính "
    "(basis, kinds, rounding, rounding_complaint, rounding_denunciation) mặc định theo thiết lập "
    "báo cáo của đơn vị; kết quả ghi quy ước đã dùng (convention) và, với kinds=each, số liệu "
    "và tỷ lệ từng loại (by_kind).",
    tag="Báo cáo",
    permission="report.view",
    query=S.ReportQuery,
    response=S.ReportOut,
    path_enums={"form": list(FORM_CODES)},
)
def report(caller, query: S.ReportQuery, body, form: str):
    """A form (or the summary) for a unit and period, as Report.as_dict() plus its closing."""
    if form not in FORM_CODES:
        raise ApiError(404, f"Mẫu báo cáo không tồn tại: {form}. Chọn: {', '.join(FORM_CODES)}.")
    code = query.unit.strip()
    if not code:
        raise ApiError(400, "Thiếu tham số unit (mã đơn vị).")
    unit = unit_by_code(code)
    if unit is None:
        raise ApiError(404, f"Không có đơn vị mã {code}.")
    if not unit_in_scope(caller, unit):
        raise ApiError(403, f"Đơn vị {code} nằm ngoài phạm vi của bạn.")
    with_subunits = True if form == "summary" else _flag("with_subunits")
    period = _period(unit)
    live = _flag("live")
    try:
        convention = unit_convention(request.args, unit)
    except ConventionError as e:
        raise ApiError(400, str(e)) from None
    try:
        shown = produce(
            Asked(form, unit, period, with_subunits, {}, convention),
            live_requested=live,
            user=caller,
        )
    except service.ReportError as e:
        raise ApiError(400, str(e)) from None
    return jsonify(report_json(shown))


# The resources register their endpoints on `bp` when imported; the document reads them all.
from complaints.api import cases, openapi, petitions, reception, units  # noqa: E402, F401
