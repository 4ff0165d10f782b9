"""Register pages: upload an old register, map its columns, read the dry run, import it with a
progress bar; export a register; declare opening balances (kê khai đầu kỳ).

One commit per request (web/transaction.py): the pages never commit. Starting a phase of an
import job is the exception the job owns: importer.begin commits the claim (the runner, maybe
in another thread, reads it), and the phase then commits its own batches."""

from __future__ import annotations

import io
import os
import secrets
import tempfile
from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound

from complaints.core import clock, confidentiality
from complaints.core.access import has_permission, in_scope, require
from complaints.core.forms import pairs_choices
from complaints.core.translate import gettext as _
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.petitions.models import Petition
from complaints.reception.models import Visit
from complaints.registers import balance_file, balances, exporter, importer
from complaints.registers.forms import (
    BALANCE_LABELS,
    BalanceFileForm,
    BalanceForm,
    ColumnsForm,
    ExportForm,
    UploadForm,
)
from complaints.registers.layout import COLUMNS, match_headers
from complaints.registers.models import (
    ImportIssue,
    ImportStatus,
    RegisterImport,
    RegisterKind,
)
from complaints.registers.reader import fmt_size
from complaints.units.models import Unit
from complaints.web.helpers import load, offer_units, paginate
from complaints.web.transaction import attempt

bp = Blueprint("registers", __name__, url_prefix="/registers")

ISSUES_PER_PAGE = 100
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.context_processor
def _helpers():
    return {
        "ImportStatus": ImportStatus,
        "RegisterKind": RegisterKind,
        "fmt_size": fmt_size,
        "progress_text": importer.progress_text,
        "is_stale": importer.is_stale,
        "layouts": [(kind, COLUMNS[kind]) for kind in RegisterKind],
    }


def _upload_limit() -> int:
    return int(importer.setting("REGISTER_IMPORT_MAX_BYTES"))


# --- the list of imports ------------------------------------------------------------------


@bp.get("/")
@login_required
@require("register.import")
def index():
    query = (
        sa.select(RegisterImport)
        .where(
            sa.or_(
                in_scope(current_user, RegisterImport.scope_unit_id),
                in_scope(current_user, RegisterImport.default_unit_id),
            )
        )
        .order_by(RegisterImport.id.desc())
    )
    return render_template("registers/index.html", page=paginate(query))


# --- upload ---------------------------------------------------------------------------------


def _upload_page(form: UploadForm, status: int = 200):
    return (
        render_template("registers/upload.html", form=form, limit=fmt_size(_upload_limit())),
        status,
    )


@bp.route("/import", methods=["GET", "POST"])
@login_required
@require("register.import")
def upload():
    form = UploadForm()
    offer_units(form.unit_id)
    if not form.is_submitted():
        form.unit_id.data = current_user.unit_id
    if form.validate_on_submit():
        unit = load(Unit, form.unit_id.data)
        storage = form.file.data
        path = os.path.join(importer.import_dir(), secrets.token_hex(16))
        storage.save(path)
        with attempt(form, default="file") as saved:  # a FileRefused: beside the file field
            job = importer.create_job(
                current_user,
                path=path,
                filename=storage.filename or "tep",
                uploaded=True,
                kind=form.kind.data or None,
                default_unit=unit,
                scope_unit=current_user.unit,
            )
        if saved.ok:
            return redirect(url_for("registers.columns", job_id=job.id))
        os.remove(path)
        return _upload_page(form, 422)
    return _upload_page(form)


# --- columns --------------------------------------------------------------------------------


@bp.route("/import/<int:job_id>/columns", methods=["GET", "POST"])
@login_required
@require("register.import")
def columns(job_id: int):
    job = load(RegisterImport, job_id)
    if job.status not in (ImportStatus.uploaded, ImportStatus.checked):
        return redirect(url_for("registers.job", job_id=job.id))
    form = ColumnsForm.for_kind(job.kind, job.headers)
    offer_units(form.unit_id)
    sheets = importer.sheets_of(job)
    form.sheet.choices = pairs_choices([(s, s) for s in sheets] or [("", "—")])
    if not form.is_submitted():
        form.kind.data = job.kind.value
        form.sheet.data = job.sheet
        form.header_row.data = job.header_row
        form.unit_id.data = job.default_unit_id or current_user.unit_id
        form.create_units.data = job.create_units
        for name, index in job.mapping.items():
            if f"col_{name}" in form:
                form[f"col_{name}"].data = str(index)
    elif form.validate_on_submit():
        unit = load(Unit, form.unit_id.data)
        if sheets and form.sheet.data not in sheets:
            form.sheet.errors = [_("Chọn trang tính trong danh sách.")]
        elif request.form.get("action") == "reload" or (
            form.kind.data != job.kind.value
            or form.sheet.data != (job.sheet or form.sheet.data)
            or form.header_row.data != job.header_row
        ):
            # Another register, sheet or header row: read the headers again and match them.
            with attempt() as read:
                headers, first = importer.read_headers(
                    job, form.sheet.data or "", form.header_row.data
                )
            if not read.ok:
                flash(str(read.error), "danger")
                return redirect(url_for("registers.columns", job_id=job.id))
            job.kind = RegisterKind(form.kind.data)
            job.sheet, job.header_row = form.sheet.data or "", form.header_row.data
            job.headers, job.first_data_row = headers, first
            job.mapping = match_headers(job.kind, headers)
            job.default_unit_id = unit.id
            flash(_("Đã đọc lại dòng tiêu đề và đối chiếu lại các cột."), "info")
            return redirect(url_for("registers.columns", job_id=job.id))
        else:
            with attempt() as saved:
                importer.set_mapping(
                    current_user,
                    job,
                    kind=job.kind,
                    sheet=job.sheet,
                    header_row=job.header_row,
                    mapping=form.mapping(job.kind),
                    default_unit=unit,
                    create_units=form.create_units.data,
                )
                token = importer.begin(current_user, job, "check")
            if saved.ok:
                importer.launch(job, token, "check")
                return redirect(url_for("registers.job", job_id=job_id))
            flash(str(saved.error), "danger")
    return render_template(
        "registers/columns.html",
        job=db.session.get(RegisterImport, job_id),
        form=form,
        columns=form.column_fields(job.kind),
        sheets=sheets,
        can_create_units=has_permission(current_user, "units.manage"),
    )


# --- the job: dry run, progress, import -----------------------------------------------------


@bp.get("/import/<int:job_id>")
@login_required
@require("register.import")
def job(job_id: int):
    job = load(RegisterImport, job_id)
    issues = paginate(
        sa.select(ImportIssue)
        .where(ImportIssue.import_id == job.id)
        .order_by(ImportIssue.line, ImportIssue.id),
        per_page=ISSUES_PER_PAGE,
    )
    return render_template(
        "registers/job.html",
        job=job,
        issues=issues,
        blocked=importer.blocking_reason(job, current_user),
        stale=importer.is_stale(job),
        can_create_units=has_permission(current_user, "units.manage"),
        register_url=_register_url(job),
    )


def _register_url(job: RegisterImport) -> str:
    if job.kind == RegisterKind.reception:
        return url_for("reception.log")
    return url_for("petitions.register")


@bp.get("/import/<int:job_id>/progress")
@login_required
@require("register.import")
def progress(job_id: int):
    """The progress bar's source: read from the database, so any worker can answer it."""
    job = load(RegisterImport, job_id)
    return jsonify(
        {
            "status": job.status.value,
            "status_label": job.status.label,
            "text": importer.progress_text(job),
            "percent": job.percent,
            "active": job.is_active,
            "stale": importer.is_stale(job),
            "done": job.phase_done,
            "total": job.phase_total,
        }
    )


def _post_action(job_id: int, action):
    """Run a step on a job of the user's units; a refusal is flashed, nothing kept."""
    job = load(RegisterImport, job_id)
    with attempt() as saved:
        result = action(job)
    if not saved.ok:
        flash(str(saved.error), "danger")
        return None, job
    return result, job


@bp.post("/import/<int:job_id>/confirm")
@login_required
@require("register.import")
def confirm(job_id: int):
    token, job = _post_action(job_id, lambda j: importer.begin(current_user, j, "import"))
    if token:
        importer.launch(job, token, "import")
    return redirect(url_for("registers.job", job_id=job_id))


@bp.post("/import/<int:job_id>/resume")
@login_required
@require("register.import")
def resume(job_id: int):
    """Continue a job whose worker stopped reporting (the server restarted mid-way)."""

    def again(job):
        if not importer.is_stale(job):
            raise importer.ImportProblem("Tệp vẫn đang được xử lý: chưa cần chạy lại.")
        phase = "check" if job.status == ImportStatus.checking else "import"
        return importer.begin(current_user, job, phase), phase

    result, job = _post_action(job_id, again)
    if result:
        importer.launch(job, *result)
    return redirect(url_for("registers.job", job_id=job_id))


@bp.post("/import/<int:job_id>/units")
@login_required
@require("register.import")
def create_units(job_id: int):
    if not has_permission(current_user, "units.manage"):
        abort(403)

    def make(job):
        if job.status != ImportStatus.checked:
            raise importer.ImportProblem("Chỉ tạo đơn vị sau khi đã kiểm tra tệp.")
        return importer.create_new_units(current_user, job)

    created, _job = _post_action(job_id, make)
    if created is not None:
        codes = ", ".join(u.code for u in created) or "—"
        flash(
            _("Đã tạo đơn vị: %(codes)s. Hãy kiểm tra lại tệp trước khi nhập.", codes=codes),
            "success",
        )
        return redirect(url_for("registers.columns", job_id=job_id))
    return redirect(url_for("registers.job", job_id=job_id))


@bp.post("/import/<int:job_id>/cancel")
@login_required
@require("register.import")
def cancel(job_id: int):
    result, _job = _post_action(job_id, lambda j: importer.cancel(current_user, j) or True)
    if result:
        flash(_("Đã hủy: tệp đã tải lên được xóa, không có gì được nhập."), "info")
    return redirect(url_for("registers.job", job_id=job_id))


# --- export ---------------------------------------------------------------------------------


@bp.get("/export")
@login_required
@require("register.export")
def export():
    form = ExportForm(formdata=request.args if request.args else None)
    offer_units(form.unit_id)
    if not request.args:
        form.unit_id.data = current_user.unit_id
        return render_template("registers/export.html", form=form)
    if not form.validate():
        return render_template("registers/export.html", form=form), 400
    unit = load(Unit, form.unit_id.data)
    kind = RegisterKind(form.kind.data)
    start, end = form.date_from.data, form.date_to.data
    fmt = form.fmt.data
    handle, path = tempfile.mkstemp(suffix=f".{fmt}", dir=importer.import_dir())
    os.close(handle)
    try:
        rows = exporter.write(
            path, kind=kind, fmt=fmt, start=start, end=end, root=unit, user=current_user
        )
    except Exception:
        os.remove(path)
        raise
    _log_export(kind, unit, start, end, rows)
    name = "so-don" if kind == RegisterKind.petitions else "so-tiep-cong-dan"
    # The file leaves the disk before the answer starts: the open handle is all that is sent,
    # so nothing of it (denouncers' numbers included) outlives the response, whether the
    # download ends, the client goes away or the response is never closed.
    sent = open(path, "rb")  # noqa: SIM115  closed by the response
    os.remove(path)
    response = send_file(
        sent,
        mimetype=XLSX_MIME if fmt == "xlsx" else "text/csv; charset=utf-8",
        as_attachment=True,
        download_name=f"{name}_{unit.code}_{start:%Y%m%d}-{end:%Y%m%d}.{fmt}",
        max_age=0,
        etag=False,
        conditional=False,
    )
    response.headers["Cache-Control"] = "no-store, private"
    return response


def _log_export(kind: RegisterKind, unit: Unit, start: date, end: date, rows: int) -> None:
    """An export showing denouncers' identities is a view of them: one audited event."""
    if not confidentiality.role_allows(current_user):
        return
    model = Petition if kind == RegisterKind.petitions else Visit
    date_column = Petition.received_date if model is Petition else Visit.visit_date
    shown = db.session.scalar(
        sa.select(sa.func.count(model.id))
        .join(Unit, model.unit_id == Unit.id)
        .where(
            Unit.path.startswith(unit.path, autoescape=True),
            in_scope(current_user, model.unit_id),
            date_column.between(start, end),
            confidentiality.protected_clause(model),
        )
    )
    if shown:
        confidentiality.record_view(
            current_user,
            where="xuất sổ",
            on=(model.__tablename__, None, unit.id),
            **{"from": start, "to": end, "count": shown, "rows": rows},
        )


# --- opening balances -----------------------------------------------------------------------


@bp.route("/balances", methods=["GET", "POST"])
@login_required
@require("balance.manage")
def balance_page():
    form = _balance_form()
    status = 200
    if form.validate_on_submit():
        unit = load(Unit, form.unit_id.data)
        amounts = {
            kind: balances.Amounts(*(f.data for _name, f in fields))
            for kind, fields in form.amounts_fields()
        }
        with attempt(form, place=_beside_field_or_flashed) as saved:
            balances.save(
                current_user,
                unit,
                form.as_of.data,
                amounts,
                today=clock.today(),
                note=form.note.data or "",
            )
            overlap = balances.overlap(unit, form.as_of.data)
        if saved.ok:
            flash(
                _(
                    "Đã lưu kê khai đầu kỳ của %(unit)s tại ngày %(day)s.",
                    unit=unit.code,
                    day=f"{form.as_of.data:%d/%m/%Y}",
                ),
                "success",
            )
            if overlap:
                flash(
                    _(
                        "Lưu ý: hệ thống đã có %(n)s đơn của %(unit)s nhận trước ngày kê khai và "
                        "chưa xử lý tại ngày đó; các đơn này đã được tính là kỳ trước chuyển "
                        "sang. Đừng kê khai chúng thêm một lần nữa.",
                        n=overlap,
                        unit=unit.code,
                    ),
                    "warning",
                )
            return redirect(url_for("registers.balance_page"))
        status = saved.status
    return _balances_page(form, _balance_file_form(formdata=None), status=status)


def _balance_form(**kwargs) -> BalanceForm:
    form = BalanceForm(**kwargs)
    offer_units(form.unit_id)
    if not form.is_submitted() or form.unit_id.data is None:
        form.unit_id.data = current_user.unit_id
    return form


def _balance_file_form(**kwargs) -> BalanceFileForm:
    form = BalanceFileForm(**kwargs)
    offer_units(form.default_unit_id)
    if form.default_unit_id.data is None:
        form.default_unit_id.data = current_user.unit_id
    return form


def _balances_page(form, file_form, *, plan=None, saving=False, status=200):
    shown = plan.problems[: balance_file.MAX_SHOWN] if plan is not None else []
    return render_template(
        "registers/balances.html",
        form=form,
        file_form=file_form,
        plan=plan,
        saving=saving,
        problems=shown,
        limit=fmt_size(_upload_limit()),
        declarations=balances.declarations(current_user),
        labels=BALANCE_LABELS,
        kinds=list(PetitionKind),
    ), status


@bp.post("/balances/file")
@login_required
@require("balance.manage")
def balance_file_upload():
    """A file of opening balances: checked and shown (the dry run, button "check"), or saved
    all or nothing (button "save"). The upload is read from a temporary file removed before
    the answer; to save after a dry run the user chooses the file again."""
    file_form = _balance_file_form()
    saving = request.form.get("action") == "save"
    if not file_form.validate_on_submit():
        return _balances_page(_balance_form(formdata=None), file_form, status=422)
    unit = load(Unit, file_form.default_unit_id.data)
    storage = file_form.balance_file.data
    handle, path = tempfile.mkstemp(suffix=".upload", dir=importer.import_dir())
    os.close(handle)
    plan = None
    try:
        storage.save(path)
        with attempt(file_form, default="balance_file") as done:
            plan = balance_file.read(
                current_user,
                path,
                filename=storage.filename or "tep",
                today=clock.today(),
                default_unit=unit,
            )
            if saving and plan.ok:
                balance_file.save(current_user, plan, today=clock.today())
    finally:
        os.remove(path)
    if not done.ok:
        return _balances_page(_balance_form(formdata=None), file_form, status=422)
    if not saving or not plan.ok:
        status = 422 if plan.problems else 200
        return _balances_page(
            _balance_form(formdata=None), file_form, plan=plan, saving=saving, status=status
        )
    flash(
        _(
            "Đã lưu %(n)s kê khai đầu kỳ của %(units)s đơn vị từ tệp %(file)s.",
            n=len(plan.declarations),
            units=plan.units,
            file=plan.filename,
        ),
        "success",
    )
    overlapping = [d for d in plan.declarations if d.overlap]
    if overlapping:
        flash(
            _(
                "Lưu ý: hệ thống đã có đơn nhận trước ngày kê khai và chưa xử lý tại ngày đó "
                "(%(list)s); các đơn này đã được tính là kỳ trước chuyển sang. Đừng kê khai "
                "chúng thêm một lần nữa.",
                list=", ".join(
                    f"{d.unit.code} {d.as_of:%d/%m/%Y}: {d.overlap}" for d in overlapping[:20]
                ),
            ),
            "warning",
        )
    return redirect(url_for("registers.balance_page"))


@bp.get("/balances/template.xlsx")
@login_required
@require("balance.manage")
def balance_template():
    """The empty file of opening balances, with its instructions."""
    data = io.BytesIO()
    balance_file.write_template(data)
    data.seek(0)
    return send_file(
        data,
        mimetype=XLSX_MIME,
        as_attachment=True,
        download_name="mau-ke-khai-dau-ky.xlsx",
        max_age=0,
    )


def _beside_field_or_flashed(form, error: balances.BalanceError) -> None:
    """A refused declaration: each message beside the field it names, else flashed."""
    for name, message in error.errors:
        target = form[name] if name and name in form else None
        if target is not None:
            target.errors = [*target.errors, message]
        else:
            flash(message, "danger")


@bp.post("/balances/delete")
@login_required
@require("balance.manage")
def balance_delete():
    try:  # CSRF checked app-wide
        unit = load(Unit, request.form.get("unit_id"))
    except NotFound:
        unit = None  # not one of the user's units: a malformed request, as before
    try:
        as_of = date.fromisoformat(request.form.get("as_of", ""))
    except ValueError:
        as_of = None
    if unit is None or as_of is None:
        abort(400)
    with attempt() as saved:
        balances.delete(current_user, unit, as_of)
    if not saved.ok:
        flash(str(saved.error), "danger")
    else:
        flash(
            _(
                "Đã xóa kê khai đầu kỳ của %(unit)s tại ngày %(day)s.",
                unit=unit.code,
                day=f"{as_of:%d/%m/%Y}",
            ),
            "success",
        )
    return redirect(url_for("registers.balance_page"))
