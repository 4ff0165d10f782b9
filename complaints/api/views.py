"""GET /api/v1/reports/<form>: a report as JSON, its figures keyed by their identifiers.

Every answer is JSON, errors included: {"error": {"code": 400, "message": "..."}} with a
Vietnamese message. Callers are identified in one place, `current_caller()`."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask_login import current_user

from complaints.core.access import has_permission, unit_in_scope
from complaints.extensions import csrf, db
from complaints.reports import service
from complaints.reports.layouts import FORM_CODES
from complaints.reports.periods import (
    PERIOD_KINDS,
    Period,
    PeriodError,
    date_range,
    standard_period,
)
from complaints.reports.views import Asked, produce, report_json
from complaints.units.models import Unit

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Only GET endpoints so far, which change nothing. An endpoint that writes must authenticate
# its caller by token, never by the session cookie alone, since CSRF is not checked here.
csrf.exempt(bp)

TRUE = ("1", "true", "yes", "on")
FALSE = ("", "0", "false", "no", "off")


class ApiError(Exception):
    """An answer other than 200, with its Vietnamese message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@bp.errorhandler(ApiError)
def _api_error(e: ApiError):
    db.session.rollback()
    return jsonify({"error": {"code": e.status, "message": e.message}}), e.status


def current_caller():
    """Who is calling: the logged-in user of the session, or None (API tokens come later)."""
    return current_user if current_user.is_authenticated else None


def _caller_with(permission: str):
    caller = current_caller()
    if caller is None:
        raise ApiError(401, "Chưa đăng nhập: hãy đăng nhập trước khi gọi API.")
    if not has_permission(caller, permission):
        raise ApiError(403, "Bạn không có quyền xem báo cáo.")
    return caller


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
            cutoff = service.settings_for(unit).cutoff_day
            return standard_period(kind, year, _int("month"), cutoff)
        if not has_dates:
            raise ApiError(400, "Cần from và to (YYYY-MM-DD), hoặc period và year.")
        return date_range(_date("from"), _date("to"))
    except PeriodError as e:
        raise ApiError(400, str(e)) from None


@bp.get("/reports/<form>")
def report(form: str):
    """A form (or the summary) for a unit and period, as Report.as_dict() plus its closing."""
    caller = _caller_with("report.view")
    if form not in FORM_CODES:
        raise ApiError(404, f"Mẫu báo cáo không tồn tại: {form}. Chọn: {', '.join(FORM_CODES)}.")
    code = request.args.get("unit", "").strip()
    if not code:
        raise ApiError(400, "Thiếu tham số unit (mã đơn vị).")
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code)) if len(code) <= 20 else None
    if unit is None:
        raise ApiError(404, f"Không có đơn vị mã {code}.")
    if not unit_in_scope(caller, unit):
        raise ApiError(403, f"Đơn vị {code} nằm ngoài phạm vi của bạn.")
    with_subunits = True if form == "summary" else _flag("with_subunits")
    period = _period(unit)
    live = _flag("live")
    try:
        shown = produce(
            Asked(form, unit, period, with_subunits, {}), live_requested=live, user=caller
        )
    except service.ReportError as e:
        raise ApiError(400, str(e)) from None
    return jsonify(report_json(shown))
