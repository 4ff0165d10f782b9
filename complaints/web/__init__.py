"""What every page shares: error pages, template helpers, the home page.

The package also holds what every blueprint's views share (helpers.py: paging, unit choices,
scoped loading, filter arguments, placing errors) and the one commit per request
(transaction.py)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from complaints.core import confidentiality, numbers
from complaints.core.access import Role, has_permission, may_open
from complaints.core.db import write_intent
from complaints.core.text import shorten
from complaints.core.translate import N_, gettext
from complaints.extensions import db, login_manager

bp = Blueprint("web", __name__)

ERROR_MESSAGES = {
    400: N_("Yêu cầu không hợp lệ."),
    403: N_("Bạn không có quyền thực hiện thao tác này."),
    404: N_("Không tìm thấy trang hoặc bản ghi (hoặc bản ghi không thuộc đơn vị của bạn)."),
    405: N_("Phương thức không được hỗ trợ."),
    409: N_("Bản ghi vừa được người khác sửa. Hãy tải lại trang, xem thay đổi rồi thực hiện lại."),
    413: N_("Tệp hoặc dữ liệu gửi lên quá lớn."),
    429: N_("Bạn thao tác quá nhanh. Vui lòng thử lại sau ít phút."),
    500: N_("Hệ thống gặp lỗi. Dữ liệu chưa được lưu; vui lòng thử lại hoặc báo quản trị."),
}


@login_manager.user_loader
def load_user(user_id: str):
    from complaints.auth.models import User

    # "<id>.<session generation>" (User.get_id): a cookie of an ended generation, or one
    # issued before generations existed (a bare id), no longer logs anyone in.
    ident, _, generation = user_id.partition(".")
    try:
        user = db.session.get(User, int(ident))
        generation = int(generation)
    except ValueError:
        return None
    if user is None or not user.active or user.session_generation != generation:
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "warning"
login_manager.localize_callback = gettext  # Flask-Login flashes login_message through it


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(code: int, message: str | None = None):
    message = message or gettext(ERROR_MESSAGES.get(code, ERROR_MESSAGES[400]))
    if _wants_json():
        return jsonify({"error": {"code": code, "message": message}}), code
    return render_template("errors.html", code=code, message=message), code


def init_app(app: Flask) -> None:
    from complaints.web import uploads

    app.register_blueprint(bp)
    uploads.init_app(app)

    @app.before_request
    def _write_intent():
        # SQLite: writing requests take the write lock at BEGIN (see core/db.py).
        write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.before_request
    def _refuse_nul():
        # A NUL byte cannot be stored in a PostgreSQL text column: refuse it once, here, rather
        # than in every form (it never belongs in typed Vietnamese text).
        values = [*request.args.values()]
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            values += [*request.form.values()]
        if any("\x00" in v for v in values):
            return error_response(
                400, gettext("Dữ liệu gửi lên có ký tự không hợp lệ (NUL). Hãy nhập lại.")
            )
        return None

    # Security headers and cookie flags: complaints/security.py.

    @app.errorhandler(CSRFError)
    def _csrf_error(e):
        db.session.rollback()
        return error_response(
            400,
            gettext(
                "Biểu mẫu đã hết hạn hoặc không hợp lệ (thiếu mã bảo vệ CSRF). "
                "Hãy tải lại trang và nhập lại."
            ),
        )

    @app.errorhandler(StaleDataError)
    def _stale(e):
        db.session.rollback()
        return error_response(409)

    @app.errorhandler(HTTPException)
    def _http_error(e):
        db.session.rollback()
        return error_response(e.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(e):
        db.session.rollback()
        if app.testing:
            raise e  # a test must see the traceback of what would be a 500
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500)

    app.jinja_env.filters["vn_date"] = numbers.fmt_date
    app.jinja_env.filters["vn_int"] = numbers.fmt_int
    # A long title or summary cut for display: at a word boundary, with "…" (core/text.py).
    app.jinja_env.filters["shorten"] = shorten
    app.jinja_env.globals["has_permission"] = lambda perm: has_permission(current_user, perm)
    # the user may open the record's page (core/access.may_open: its units are in reach)
    app.jinja_env.globals["opens"] = lambda record: may_open(current_user, record)
    # The denouncer rule (core/confidentiality.py), asked by every template that shows a
    # person or the free text of a petition, visit or case.
    app.jinja_env.globals["sees"] = _sees
    app.jinja_env.globals["sees_denouncers"] = lambda: confidentiality.role_allows(current_user)
    app.jinja_env.globals["masked"] = confidentiality.masked
    app.jinja_env.globals["protected"] = confidentiality.is_protected
    app.jinja_env.filters["person"] = _person
    app.jinja_env.filters["confidential"] = _confidential
    app.jinja_env.globals["Role"] = Role


def _sees(record, case_file: bool = False) -> bool:
    """May the user see who sent this record (petition, visit, case)?"""
    return confidentiality.reader().sees(record, case_file=case_file)


def _person(value, record, case_file: bool = False):
    """A name, paper, phone or address of the record, or the masked text."""
    if confidentiality.reader().sees(record, case_file=case_file):
        return value
    return confidentiality.masked()


def _confidential(text, record, case_file: bool = False) -> str:
    """Free text of the record, stripped of the denouncer's identity for who may not see it
    (the masked text in the page's language)."""
    shown = confidentiality.reader().text(record, text, case_file=case_file)
    mask = str(confidentiality.MASK)
    return shown.replace(mask, confidentiality.MASK.translated()) if mask in shown else shown


# Where each role's day starts, in order: a user with several roles lands on the first of
# theirs. The one place that decides it; login goes to "/" (web.home), which follows it.
LANDING: tuple[tuple[Role, str], ...] = (
    (Role.leader, "dashboard.index"),
    (Role.reception_officer, "reception.sessions"),
    (Role.case_handler, "cases.mine"),  # the verifier: "Vụ việc của tôi"
    (Role.petition_handler, "petitions.register"),
    (Role.report_maker, "reports.index"),
    (Role.admin, "admin.units"),
)


def landing_endpoint(user) -> str | None:
    """The page the user's day starts on (LANDING), None for a user without a role."""
    return next((endpoint for role, endpoint in LANDING if user.has_role(role)), None)


@bp.get("/")
@login_required
def home():
    """Each role lands where its day starts."""
    endpoint = landing_endpoint(current_user)
    if endpoint is None:
        return render_template("home.html")
    return redirect(url_for(endpoint))
