"""Bringing an office's past registers in: a job that checks the whole file first (the dry run),
then writes it batch by batch, all or nothing.

How it stays out of other users' way (docs/register-format.md, "Nhập lớn"):
  * Nothing is held in a worker's memory: the job, its progress, the rows that passed the dry
    run (staged, normalised) and the problems found are rows of the database. Any process can
    show the progress bar, continue a job whose worker died, or undo it.
  * The dry run streams the file (openpyxl read-only, the csv module) and stages rows in
    batches, each its own short transaction; cross-row checks (duplicate numbers, cases whose
    petitions disagree, numbers already registered, unknown units) are SQL over the staged rows.
  * The import writes the staged rows REGISTER_IMPORT_BATCH at a time, each batch one
    transaction: SQLite's write lock (and PostgreSQL's audit-chain lock and register counters)
    are held for one batch, a second or so, never for the whole file; other users' writes
    queue between batches.
  * All or nothing: the dry run has already applied every rule to every row, so a batch fails
    only when the database changed meanwhile. Then the batch is rolled back and what the earlier
    batches committed is deleted (every record made is listed in register_import_record), the
    register counters are put back, and the job ends "failed" with the reason. While an import
    runs, pages show the batches already committed.
  * Importing a file twice adds nothing the second time: petitions are known by their register
    number, visits by a fingerprint of the facts in the row.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, joinedload, selectinload

from complaints.cases import deadlines as case_deadlines
from complaints.cases import imported as imported_cases
from complaints.cases import operations as case_ops
from complaints.cases.models import Case, CaseState, Outcome, TerminationReason
from complaints.core import audit, clock
from complaints.core.access import has_permission
from complaints.core.db import utcnow
from complaints.core.numbering import RunningNumber, raise_to
from complaints.core.numbers import fmt_int
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db
from complaints.petitions import operations as petition_ops
from complaints.petitions.models import (
    Petition,
    PetitionSource,
    PetitionStatus,
    ProcessingOutcome,
    RegisterCounter,
)
from complaints.reception import operations as reception_ops
from complaints.reception.models import (
    HostMode,
    ReceptionSession,
    RefusalGround,
    SessionKind,
    SessionStatus,
    Visit,
    VisitOutcome,
)
from complaints.registers import layout as L
from complaints.registers import petition_rows, record_cells, visit_rows
from complaints.registers import reader as R
from complaints.registers import rows as W
from complaints.registers.models import (
    ImportedCaseKey,
    ImportedRecord,
    ImportIssue,
    ImportRow,
    ImportStatus,
    RegisterImport,
    RegisterKind,
)
from complaints.units.models import Unit, UnitLevel
from complaints.units.operations import UnitError, create_unit

# Settings, all overridable in instance/config.py or as COMPLAINTS_<NAME>.
DEFAULTS = {
    "REGISTER_IMPORT_MAX_BYTES": 20 * 1024 * 1024,  # refused by size before anything is parsed
    "REGISTER_IMPORT_MAX_UNZIPPED": 400 * 1024 * 1024,  # an .xlsx is a zip: its unpacked size
    "REGISTER_IMPORT_BATCH": 200,  # rows per transaction
    "REGISTER_IMPORT_STALE_SECONDS": 120,  # a job silent this long may be continued by anyone
    "REGISTER_IMPORT_MAX_ISSUES": 5000,  # problems kept for the dry run's list (all are counted)
    "REGISTER_IMPORT_BACKGROUND": True,  # False: the page runs the job within its request
    "REGISTER_IMPORT_DIR": None,  # None: <instance>/imports (shared storage with several servers)
}
CHECK_SCALE = 1000  # the dry run's progress is a fraction of the file, in thousandths
_PG_LOCK_KEY = 72_410_077  # serialises starting imports on PostgreSQL
MAX_NEW_UNITS = 500
Progress = Callable[[RegisterImport], None]


class ImportProblem(ValueError):
    """A step on an import job the rules refuse; the message is for the user."""


def setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def import_dir() -> str:
    path = setting("REGISTER_IMPORT_DIR") or os.path.join(current_app.instance_path, "imports")
    os.makedirs(path, exist_ok=True)
    return path


def _file_info(job: RegisterImport) -> R.FileInfo:
    return R.FileInfo(
        job.file_format, job.encoding, job.delimiter, [job.sheet] if job.sheet else []
    )


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- creating a job and mapping its columns -------------------------------------------------


def create_job(
    actor,
    *,
    path: str,
    filename: str,
    uploaded: bool,
    kind: RegisterKind | str | None = None,
    default_unit: Unit | None = None,
    scope_unit: Unit | None = None,
) -> RegisterImport:
    """Recognise the file (size first, then content), find its header row and map its columns
    by name; raises reader.FileRefused with the reason when it is not a readable register."""
    info = R.inspect(
        path,
        max_bytes=int(setting("REGISTER_IMPORT_MAX_BYTES")),
        max_unzipped=int(setting("REGISTER_IMPORT_MAX_UNZIPPED")),
    )
    kind = RegisterKind(kind) if kind else None
    best: tuple[int, str, R.HeaderGuess] | None = None
    for sheet in info.sheets[:20] or [""]:
        with R.RowReader(path, info, sheet, scan=False) as rows:
            guess = R.guess_header(rows, kind)
        score = L.kind_score(guess.kind, guess.headers) if guess.kind else 0
        if best is None or score > best[0]:
            best = (score, sheet, guess)
    _, sheet, guess = best
    chosen = kind or guess.kind or RegisterKind.petitions
    job = RegisterImport(
        kind=chosen,
        status=ImportStatus.uploaded,
        filename=os.path.basename(filename or "tep")[:255],
        file_path=path,
        uploaded=uploaded,
        file_format=info.format,
        encoding=info.encoding,
        delimiter=info.delimiter,
        file_size=os.path.getsize(path),
        sha256=_sha256(path),
        sheet=sheet,
        sheets=info.sheets,
        header_row=guess.row,
        first_data_row=guess.first_data_row,
        headers=guess.headers,
        mapping=L.match_headers(chosen, guess.headers),
        default_unit_id=default_unit.id if default_unit else None,
        scope_unit_id=scope_unit.id if scope_unit else None,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(job)
    db.session.flush()
    return job


def sheets_of(job: RegisterImport) -> list[str]:
    """The sheet names of an .xlsx file, as found when it was uploaded."""
    return list(job.sheets or []) if job.file_format == "xlsx" else []


def read_headers(job: RegisterImport, sheet: str, header_row: int) -> tuple[list[str], int]:
    """The header cells of a chosen row, and the first data row after it (and after a row of
    column numbers, if the form prints one)."""
    headers: list[str] = []
    following = None
    with R.RowReader(job.file_path, _file_info(job), sheet, scan=False) as rows:
        for line, values in rows.rows():
            if line == header_row:
                headers = [R.header_text(v) for v in values]
            elif line == header_row + 1:
                following = values
                break
    while headers and not headers[-1]:
        headers.pop()
    first = header_row + 1 + (1 if following is not None and R.is_numbering_row(following) else 0)
    return headers, first


def missing_columns(job: RegisterImport, mapping: dict[str, int] | None = None) -> list[L.Column]:
    """Required columns the mapping does not find (the unit column is optional with a unit
    chosen for the whole file)."""
    mapping = job.mapping if mapping is None else mapping
    missing = [c for c in L.COLUMNS[job.kind] if c.required and c.field not in mapping]
    if "unit_code" not in mapping and job.default_unit_id is None:
        missing.insert(0, L.column(job.kind, "unit_code"))
    return missing


def set_mapping(
    actor,
    job: RegisterImport,
    *,
    kind: RegisterKind | str,
    sheet: str,
    header_row: int,
    mapping: dict[str, int],
    default_unit: Unit | None,
    create_units: bool,
) -> RegisterImport:
    """Record how the file's columns map onto the register's; the dry run may then start."""
    if job.status not in (ImportStatus.uploaded, ImportStatus.checked):
        raise ImportProblem("Không sửa được cách đối chiếu cột khi tệp đang hoặc đã được nhập.")
    if header_row < 1:
        raise ImportProblem("Dòng tiêu đề phải từ 1 trở lên.")
    if (sheet or "") != (job.sheet or "") or header_row != job.header_row:
        job.headers, job.first_data_row = read_headers(job, sheet, header_row)
        job.sheet, job.header_row = sheet, header_row
    width = len(job.headers)
    clean = {}
    for name, index in mapping.items():
        if index is None or index == "":
            continue
        index = int(index)
        if not 0 <= index < max(width, 1):
            raise ImportProblem("Cột được chọn không có trong tệp.")
        clean[name] = index
    if create_units and actor is not None and not has_permission(actor, "units.manage"):
        raise ImportProblem("Chỉ quản trị hệ thống được tạo đơn vị mới khi nhập sổ.")
    job.kind = RegisterKind(kind)
    job.mapping = clean
    job.default_unit_id = default_unit.id if default_unit else None
    job.create_units = bool(create_units)
    db.session.flush()
    missing = missing_columns(job)
    if missing:
        names = ", ".join(f"“{c.header}”" for c in missing)
        raise ImportProblem(f"Chưa chọn cột bắt buộc: {names}.")
    return job


# --- claiming a job: one runner at a time, and only one import writing at a time -------------


def is_stale(job: RegisterImport) -> bool:
    """An active job whose runner has not reported for a while (its worker may have died)."""
    if not job.is_active or job.heartbeat_at is None:
        return False
    return utcnow() - job.heartbeat_at > timedelta(
        seconds=int(setting("REGISTER_IMPORT_STALE_SECONDS"))
    )


def _claim(job: RegisterImport, to_status: ImportStatus, from_statuses) -> str:
    token = secrets.token_hex(8)
    now = utcnow()
    stale = now - timedelta(seconds=int(setting("REGISTER_IMPORT_STALE_SECONDS")))
    T = RegisterImport
    condition = T.status.in_(list(from_statuses)) | (
        (T.status == to_status) & (T.heartbeat_at < stale)
    )
    if to_status == ImportStatus.running:
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        other = aliased(RegisterImport)
        busy = (
            sa.select(other.id)
            .where(
                other.id != job.id,
                other.status == ImportStatus.running,
                other.heartbeat_at >= stale,
            )
            .exists()
        )
        if db.session.scalar(sa.select(busy)):
            raise ImportProblem(
                "Đang có một lượt nhập sổ khác chạy. Hãy đợi lượt đó xong rồi nhập tiếp."
            )
    values = {
        "status": to_status,
        "runner": token,
        "heartbeat_at": now,
        "phase_done": 0,
        "phase_total": None,
        "message": "",
    }
    if to_status == ImportStatus.running:
        values["started_at"] = now
    result = db.session.execute(
        sa.update(T).where(T.id == job.id, condition).values(**values),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        raise ImportProblem("Tệp này đang được xử lý hoặc đã xử lý xong.")
    db.session.expire(job)
    return token


def start_check(actor, job: RegisterImport) -> str:
    """Begin (or begin again) the dry run; returns the runner's token."""
    if missing_columns(job):
        raise ImportProblem("Chưa đối chiếu đủ các cột bắt buộc.")
    return _claim(job, ImportStatus.checking, (ImportStatus.uploaded, ImportStatus.checked))


def blocking_reason(job: RegisterImport, actor=None) -> str | None:
    """Why the checked file may not be imported yet (None: it may)."""
    if job.status != ImportStatus.checked:
        return "Tệp chưa được kiểm tra xong."
    if job.error_rows or job.issue_count:
        return (
            "Tệp còn lỗi: sửa các dòng được liệt kê rồi tải lên lại. Không dòng nào được nhập "
            "khi tệp còn lỗi."
        )
    if job.new_units and not job.create_units:
        codes = ", ".join(u["code"] for u in job.new_units)
        return f"Tệp có đơn vị chưa có trong hệ thống ({codes}): chọn tạo các đơn vị này."
    if job.new_units and actor is not None and not has_permission(actor, "units.manage"):
        return "Chỉ quản trị hệ thống được tạo đơn vị mới: nhờ quản trị nhập tệp này."
    if not job.valid_rows:
        return "Không có dòng mới nào để nhập (các dòng đều đã có trong sổ)."
    return None


def start_import(actor, job: RegisterImport) -> str:
    """Begin writing a checked file (after its dry run found nothing wrong)."""
    if job.status == ImportStatus.checked:
        reason = blocking_reason(job, actor)
        if reason:
            raise ImportProblem(reason)
    return _claim(job, ImportStatus.running, (ImportStatus.checked,))


def cancel(actor, job: RegisterImport) -> None:
    """Drop a job that has not started writing; its file and staged rows go."""
    if job.status not in (ImportStatus.uploaded, ImportStatus.checked):
        raise ImportProblem("Chỉ hủy được tệp chưa bắt đầu nhập.")
    job.status = ImportStatus.cancelled
    job.finished_at = utcnow()
    _cleanup(job)
    db.session.flush()


def _cleanup(job: RegisterImport) -> None:
    db.session.execute(sa.delete(ImportRow).where(ImportRow.import_id == job.id))
    if job.uploaded and job.file_path and os.path.isfile(job.file_path):
        os.remove(job.file_path)


# --- running a phase ---------------------------------------------------------------------


def run(job_id: int, token: str, phase: str, progress: Progress | None = None) -> RegisterImport:
    """Run the dry run ("check") or the import ("import") of a claimed job to its end.

    Never raises for the user's file: a problem ends as the job's status and message.
    """
    try:
        if phase == "check":
            _run_check(job_id, token, progress)
        else:
            _run_import(job_id, token, progress)
    except _Superseded:
        db.session.rollback()
    except Exception as e:
        db.session.rollback()
        current_app.logger.exception("register import %s failed", job_id)
        job = db.session.get(RegisterImport, job_id)
        if phase == "import":
            _undo(job)
        job.status = ImportStatus.failed
        job.message = (
            str(e)
            if isinstance(e, ImportProblem | R.FileRefused)
            else "Lỗi hệ thống khi nhập; không có gì được giữ lại. Hãy báo quản trị."
        )
        job.finished_at = utcnow()
        db.session.commit()
        if current_app.testing and not isinstance(e, ImportProblem | R.FileRefused):
            raise
    return db.session.get(RegisterImport, job_id)


def launch(job: RegisterImport, token: str, phase: str) -> None:
    """Run the phase in a thread of this process (its progress is in the database, so any
    worker serves the progress bar), or within the request when REGISTER_IMPORT_BACKGROUND is
    off (tests)."""
    if not setting("REGISTER_IMPORT_BACKGROUND"):
        run(job.id, token, phase)
        return
    app = current_app._get_current_object()
    job_id = job.id

    def work():
        with app.app_context():
            try:
                run(job_id, token, phase)
            finally:
                db.session.remove()

    threading.Thread(target=work, name=f"register-import-{job_id}", daemon=False).start()


class _Superseded(Exception):
    """Another runner took the job over (this one was thought dead): stop quietly."""


def _beat(job: RegisterImport, token: str, **values) -> None:
    """Report progress; stop when the job is no longer ours."""
    result = db.session.execute(
        sa.update(RegisterImport)
        .where(RegisterImport.id == job.id, RegisterImport.runner == token)
        .values(heartbeat_at=utcnow(), **values),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        raise _Superseded
    db.session.commit()


class _Issues:
    """Problems of the dry run, written in batches; all are counted, the first ones kept."""

    def __init__(self, job: RegisterImport):
        self.job, self.buffer, self.count = job, [], 0
        self.limit = int(setting("REGISTER_IMPORT_MAX_ISSUES"))

    def add(self, line: int, column: str, message: str) -> None:
        self.count += 1
        if self.count <= self.limit:
            self.buffer.append(
                {"import_id": self.job.id, "line": line, "column": column[:120], "message": message}
            )

    def flush(self) -> None:
        if self.buffer:
            db.session.execute(sa.insert(ImportIssue), self.buffer)
            self.buffer = []


def _label(job: RegisterImport, name: str) -> str:
    return W.field_label(job.kind, name, job.headers, job.mapping)


# --- the dry run ---------------------------------------------------------------------------


def _run_check(job_id: int, token: str, progress: Progress | None) -> None:
    job = db.session.get(RegisterImport, job_id)
    db.session.execute(sa.delete(ImportRow).where(ImportRow.import_id == job.id))
    db.session.execute(sa.delete(ImportIssue).where(ImportIssue.import_id == job.id))
    job.new_units = []
    _beat(job, token, phase_total=CHECK_SCALE, phase_done=0, total_rows=0)
    issues = _Issues(job)
    counts = Counter()
    try:
        _stage_rows(job, token, issues, counts, progress)
    except R.FileRefused as e:
        issues.add(0, "", str(e))
        counts["error"] += 1
    issues.flush()
    db.session.commit()
    if job.kind == RegisterKind.petitions:
        _check_petition_rows(job, issues)
    else:
        _check_visit_rows(job, issues)
    _check_units(job, issues)
    issues.flush()
    state = dict(
        db.session.execute(
            sa.select(ImportRow.state, sa.func.count())
            .where(ImportRow.import_id == job.id)
            .group_by(ImportRow.state)
        ).all()
    )
    job.total_rows = counts["rows"]
    job.empty_rows = counts["empty"]
    job.error_rows = counts["error"] + state.get("error", 0)
    job.valid_rows = state.get("ok", 0)
    job.skipped_rows = state.get("skip", 0)
    job.issue_count = issues.count
    job.status = ImportStatus.checked
    job.phase_done = job.phase_total = CHECK_SCALE
    job.finished_at = utcnow()
    _beat(job, token)
    if progress:
        progress(job)


def _stage_rows(job, token, issues: _Issues, counts: Counter, progress) -> None:
    parse = (
        petition_rows.parse_petition
        if job.kind == RegisterKind.petitions
        else visit_rows.parse_visit
    )
    default_unit = job.default_unit.code if job.default_unit else None
    on = clock.today()
    batch_size = int(setting("REGISTER_IMPORT_BATCH")) * 2
    mapped_columns = {index + 1: name for name, index in job.mapping.items()}
    staged: list[dict] = []
    with R.RowReader(job.file_path, _file_info(job), job.sheet) as reader:
        for line, values in reader.rows():
            if line < job.first_data_row:
                continue
            problems = _structure_problems(job, reader, line, mapped_columns)
            parsed = parse(line, W.Cells(values, job.mapping), default_unit=default_unit, today=on)
            if parsed.empty and not problems:
                counts["empty"] += 1
                continue
            counts["rows"] += 1
            # A merged or unevaluated cell explains the emptiness its column is blamed for.
            explained = {column for column, _ in problems}
            errors = problems + [
                (_label(job, n), m) for n, m in parsed.errors if _label(job, n) not in explained
            ]
            if parsed.empty:
                errors.append(("", "Dòng chỉ có ô gộp hoặc công thức, không có dữ liệu."))
            if errors:
                counts["error"] += 1
                for column, message in errors:
                    issues.add(line, column, message)
            else:
                staged.append(_staged(job, parsed))
            if len(staged) + len(issues.buffer) >= batch_size:
                _write_stage(job, token, staged, issues, counts, reader, line, progress)
                staged = []
        _write_stage(job, token, staged, issues, counts, reader, None, progress)
        if reader.formulas_more:
            issues.add(0, "", "Tệp còn nhiều ô công thức chưa được tính khác (chỉ liệt kê 500 ô).")


def _write_stage(job, token, staged, issues, counts, reader, line, progress) -> None:
    if staged:
        db.session.execute(sa.insert(ImportRow), staged)
    issues.flush()
    fraction = reader.fraction(line) if line else 1.0
    if fraction is None:  # an .xlsx without its size: the bar shows work, not a share
        _beat(job, token, phase_total=None, phase_done=0, total_rows=counts["rows"])
    else:
        done = min(int(fraction * CHECK_SCALE), CHECK_SCALE - 1)
        _beat(job, token, phase_total=CHECK_SCALE, phase_done=done, total_rows=counts["rows"])
    if progress:
        db.session.refresh(job)
        progress(job)


def _staged(job: RegisterImport, parsed: W.ParsedRow) -> dict:
    day = parsed.data.get("received") or parsed.data.get("visit_date")
    return {
        "import_id": job.id,
        "line": parsed.line,
        "state": "ok",
        "key": parsed.key,
        "occurrence": 1,
        "unit_code": parsed.unit_code,
        "day": date.fromisoformat(day) if day else None,
        "case_key": parsed.case_key,
        "case_sig": parsed.case_sig,
        "data": parsed.data,
    }


def _structure_problems(job, reader: R.RowReader, line: int, mapped: dict[int, str]) -> list:
    """Merged cells and formulas without a value on this line, in the columns that matter."""
    problems = []
    for r1, c1, r2, c2 in reader.merged:
        if r1 <= line <= r2 and r2 >= job.first_data_row:
            names = [mapped[c] for c in range(c1, c2 + 1) if c in mapped]
            if names:
                span = f"dòng {r1}–{r2}" if r2 > r1 else f"dòng {r1}"
                problems.append(
                    (
                        _label(job, names[0]),
                        f"Ô bị gộp (merge) trên {span}: hãy bỏ gộp ô và ghi giá trị vào từng "
                        "dòng, từng cột.",
                    )
                )
    for column in reader.formulas.get(line, ()):
        if column in mapped:
            problems.append(
                (
                    _label(job, mapped[column]),
                    "Ô chứa công thức chưa được tính (tệp chưa được mở, lưu bằng Excel): mở tệp "
                    "bằng Excel rồi lưu lại, hoặc dán giá trị (Paste Special → Values).",
                )
            )
    return problems


def _mark(job, ids: list[int], state: str) -> None:
    for chunk in _chunks(ids):
        db.session.execute(
            sa.update(ImportRow).where(ImportRow.id.in_(chunk)).values(state=state),
            execution_options={"synchronize_session": False},
        )


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _first_lines(job: RegisterImport, column) -> sa.Subquery:
    return (
        sa.select(column.label("k"), sa.func.min(ImportRow.line).label("first_line"))
        .where(ImportRow.import_id == job.id, column.isnot(None))
        .group_by(column)
        .subquery()
    )


def _check_petition_rows(job: RegisterImport, issues: _Issues) -> None:
    R_ = ImportRow
    # The same register number twice in the file: every later line is an error.
    first = _first_lines(job, R_.key)
    duplicates = db.session.execute(
        sa.select(R_.id, R_.line, R_.key, first.c.first_line)
        .join(first, first.c.k == R_.key)
        .where(R_.import_id == job.id, R_.line > first.c.first_line)
        .order_by(R_.line)
    ).all()
    for _, line, key, first_line in duplicates:
        issues.add(
            line, _label(job, "register_no"), f"Số vào sổ {key} trùng với dòng {first_line}."
        )
    _mark(job, [d.id for d in duplicates], "error")
    # Numbers already in the register: those rows are skipped (importing again adds nothing).
    existing = sa.select(Petition.register_no).where(Petition.register_no == R_.key).exists()
    db.session.execute(
        sa.update(R_)
        .where(R_.import_id == job.id, R_.state == "ok", existing)
        .values(state="skip"),
        execution_options={"synchronize_session": False},
    )
    # Petitions of one case must tell the same story about it.
    first = _first_lines(job, R_.case_key)
    head = aliased(ImportRow)
    mismatched = db.session.execute(
        sa.select(R_.id, R_.line, R_.case_key, first.c.first_line)
        .join(first, first.c.k == R_.case_key)
        .join(head, (head.import_id == job.id) & (head.line == first.c.first_line))
        .where(R_.import_id == job.id, R_.case_sig != head.case_sig)
        .order_by(R_.line)
    ).all()
    for _, line, key, first_line in mismatched:
        issues.add(
            line,
            _label(job, "case_key"),
            f"Vụ việc {key}: đơn vị, loại đơn hoặc thông tin vụ việc (ngày nhận vụ việc, ngày "
            f"thụ lý, trạng thái, quyết định...) khác với dòng {first_line}. Các đơn cùng một vụ "
            "việc phải ghi giống nhau.",
        )
    _mark(job, [m.id for m in mismatched], "error")
    groups = db.session.execute(
        sa.select(first.c.k, first.c.first_line, sa.func.min(R_.day))
        .join(R_, (R_.import_id == job.id) & (R_.case_key == first.c.k))
        .group_by(first.c.k, first.c.first_line)
        .execution_options(yield_per=500)
    ).all()
    for key, first_line, earliest in groups:
        head_row = db.session.scalar(
            sa.select(R_).where(R_.import_id == job.id, R_.line == first_line)
        )
        case = head_row.data["case"]
        accepted = date.fromisoformat(case["accepted_on"])
        stated = case.get("received_on")  # column "Ngày nhận vụ việc": checked on each row
        found = _existing_case(key, head_row.unit_code)
        # Without it, the case was received with its earliest petition in the file; a case
        # already in the system holds its earlier petitions, and the file's rows join it.
        if found is None and stated is None and earliest and earliest > accepted:
            column = _label(job, "case_received_on")
            issues.add(
                first_line,
                _label(job, "accepted_on"),
                f"Vụ việc {key}: ngày thụ lý {accepted:%d/%m/%Y} trước ngày nhận đơn sớm nhất "
                f"của vụ việc ({earliest:%d/%m/%Y}). Nếu vụ việc có đơn nhận trước đó (không có "
                f"trong tệp), ghi ngày nhận đơn đầu tiên vào cột “{column}”.",
            )
            _mark(job, [head_row.id], "error")
        if found is not None and found.kind.value != head_row.data["kind"]:
            issues.add(
                first_line,
                _label(job, "case_key"),
                f"Vụ việc {key} đã có trong hệ thống và là vụ việc {found.kind.label.lower()}, "
                "khác loại với đơn.",
            )
            _mark(job, [head_row.id], "error")


def _existing_case(key: str, unit_code: str) -> Case | None:
    case = db.session.scalar(sa.select(Case).where(Case.case_no == key))
    if case is not None:
        return case
    unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.code == unit_code))
    if unit_id is None:
        return None
    mapped = db.session.get(ImportedCaseKey, (unit_id, key))
    return db.session.get(Case, mapped.case_id) if mapped else None


def _check_visit_rows(job: RegisterImport, issues: _Issues) -> None:
    R_ = ImportRow
    # Identical rows are distinct visits (one person may come twice a day): number them.
    repeated = db.session.execute(
        sa.select(R_.key).where(R_.import_id == job.id).group_by(R_.key).having(sa.func.count() > 1)
    ).scalars()
    for key in list(repeated):
        ids = db.session.scalars(
            sa.select(R_.id).where(R_.import_id == job.id, R_.key == key).order_by(R_.line)
        ).all()
        for n, row_id in enumerate(ids, start=1):
            db.session.execute(
                sa.update(R_).where(R_.id == row_id).values(occurrence=n),
                execution_options={"synchronize_session": False},
            )
    # Visits already in the log of that unit and day are skipped.
    skip: list[int] = []
    group, known = None, Counter()
    rows = db.session.execute(
        sa.select(R_.id, R_.unit_code, R_.day, R_.key, R_.occurrence)
        .where(R_.import_id == job.id, R_.state == "ok")
        .order_by(R_.unit_code, R_.day, R_.line)
        .execution_options(yield_per=500)
    ).all()
    for row_id, unit_code, day, key, occurrence in rows:
        if (unit_code, day) != group:
            group, known = (unit_code, day), _logged_visits(unit_code, day)
        if known[key] >= occurrence:
            skip.append(row_id)
    _mark(job, skip, "skip")


def _logged_visits(unit_code: str, day: date) -> Counter:
    """Fingerprints of the visits a unit's log already has on a day (as the import reads rows)."""
    visits = db.session.scalars(
        sa.select(Visit)
        .join(Unit, Visit.unit_id == Unit.id)
        .where(Unit.code == unit_code, Visit.visit_date == day)
        .options(selectinload(Visit.persons), joinedload(Visit.session), joinedload(Visit.unit))
    ).all()
    counts: Counter = Counter()
    mapping = {c.field: i for i, c in enumerate(L.RECEPTION_COLUMNS)}
    for visit in visits:
        codes = {visit.unit_id: (unit_code, visit.unit.name, "")}
        cells = record_cells.visit_cells(visit, codes)
        parsed = visit_rows.parse_visit(
            0, W.Cells(cells, mapping), default_unit=unit_code, today=date.max
        )
        if not parsed.errors and not parsed.empty:
            counts[parsed.key] += 1
    return counts


def _scope_path(job: RegisterImport) -> str | None:
    unit = job.scope_unit or job.default_unit
    return unit.path if unit is not None else None


def _check_units(job: RegisterImport, issues: _Issues) -> None:
    """Units named in the file: known ones must be in the importer's scope; unknown ones are
    listed, to be created on request under their parent (or the importing unit)."""
    R_ = ImportRow
    scope = _scope_path(job)
    firsts = db.session.execute(
        sa.select(R_.unit_code, sa.func.min(R_.line))
        .where(R_.import_id == job.id)
        .group_by(R_.unit_code)
        .order_by(R_.unit_code)
    ).all()
    known = {
        u.code: u
        for u in db.session.scalars(
            sa.select(Unit).where(Unit.code.in_([code for code, _ in firsts]))
        )
    }
    new_units = []
    for code, first_line in firsts:
        unit = known.get(code)
        if unit is not None:
            if scope and not unit.path.startswith(scope):
                lines = db.session.execute(
                    sa.select(R_.id, R_.line).where(R_.import_id == job.id, R_.unit_code == code)
                ).all()
                for _, line in lines:
                    issues.add(
                        line,
                        _label(job, "unit_code"),
                        f"Đơn vị {code} nằm ngoài phạm vi của bạn (hoặc của đơn vị đã chọn).",
                    )
                _mark(job, [i for i, _ in lines], "error")
            continue
        data = db.session.scalar(
            sa.select(R_.data).where(R_.import_id == job.id, R_.line == first_line)
        )
        new_units.append(
            {
                "code": code,
                "name": (data.get("unit_name") or "").strip() or f"Đơn vị {code}",
                "parent": data.get("parent_code") or "",
                "line": first_line,
            }
        )
    if len(new_units) > MAX_NEW_UNITS:
        issues.add(0, "", f"Tệp có {len(new_units)} đơn vị chưa có: quá nhiều để tạo tự động.")
        new_units = []
    codes = {u["code"] for u in new_units}
    for entry in new_units:
        parent = entry["parent"]
        if not parent or parent in codes:
            continue
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == parent))
        if unit is None:
            issues.add(
                entry["line"],
                _label(job, "parent_code"),
                f"Đơn vị cấp trên {parent} của đơn vị mới {entry['code']} không có trong hệ "
                "thống và trong tệp.",
            )
        elif scope and not unit.path.startswith(scope):
            issues.add(
                entry["line"],
                _label(job, "parent_code"),
                f"Đơn vị cấp trên {parent} nằm ngoài phạm vi của bạn.",
            )
    job.new_units = new_units


# --- creating the units a file names --------------------------------------------------------


def guess_level(name: str, parent: Unit | None) -> UnitLevel:
    """The level of a unit created from a file, from its name; an administrator can correct it."""
    words = f" {L.norm(name)} "
    if any(w in words for w in (" phuong ", " xa ", " thi tran ", " dac khu ")):
        return UnitLevel.commune
    if any(w in words for w in (" quan ", " huyen ", " thi xa ")):
        return UnitLevel.district
    if parent is None:
        return UnitLevel.province
    if parent.level == UnitLevel.central:
        return UnitLevel.province
    if parent.level == UnitLevel.province:
        return UnitLevel.department
    return UnitLevel.commune


def create_new_units(actor, job: RegisterImport) -> list[Unit]:
    """Create the units the dry run found missing, parents first (each audited)."""
    if actor is not None and not has_permission(actor, "units.manage"):
        raise ImportProblem("Chỉ quản trị hệ thống được tạo đơn vị mới.")
    pending = list(job.new_units or [])
    base = job.default_unit or job.scope_unit
    created: list[Unit] = []
    while pending:
        progressed = False
        for entry in list(pending):
            code, parent_code = entry["code"], entry.get("parent") or ""
            if db.session.scalar(sa.select(Unit.id).where(Unit.code == code)):
                pending.remove(entry)  # created meanwhile
                progressed = True
                continue
            if parent_code:
                parent = db.session.scalar(sa.select(Unit).where(Unit.code == parent_code))
                if parent is None:
                    continue
            else:
                parent = base
            try:
                unit = create_unit(
                    actor,
                    code=code,
                    name=entry["name"],
                    level=guess_level(entry["name"], parent),
                    parent=parent,
                )
            except UnitError as e:
                raise ImportProblem(f"Không tạo được đơn vị {code}: {e}") from None
            created.append(unit)
            pending.remove(entry)
            progressed = True
        if not progressed:
            codes = ", ".join(e["code"] for e in pending)
            raise ImportProblem(f"Không tìm được đơn vị cấp trên của: {codes}.")
    job.new_units = []
    db.session.flush()
    return created


# --- the import ----------------------------------------------------------------------------


def _run_import(job_id: int, token: str, progress: Progress | None) -> None:
    job = db.session.get(RegisterImport, job_id)
    actor = job.created_by
    if job.new_units:
        if not job.create_units:
            raise ImportProblem("Tệp có đơn vị chưa có trong hệ thống; chưa chọn tạo đơn vị.")
        create_new_units(actor, job)
    total = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ImportRow)
        .where(ImportRow.import_id == job.id, ImportRow.state.in_(("ok", "done")))
    )
    done = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ImportRow)
        .where(ImportRow.import_id == job.id, ImportRow.state == "done")
    )
    if not done:
        audit.record(
            "register_import.started",
            job,
            actor=actor,
            unit_id=job.default_unit_id or job.scope_unit_id,
            after={"file": job.filename, "sha256": job.sha256, "rows": total, "kind": job.kind},
            summary=f"Bắt đầu nhập {job.kind.label.lower()} từ tệp {job.filename}: {total} dòng",
        )
    _reserve_numbers(job)
    _beat(job, token, phase_total=total, phase_done=done)
    writer = _Writer(job, actor)
    batch_size = int(setting("REGISTER_IMPORT_BATCH"))
    last_line = 0
    while True:
        batch = db.session.scalars(
            sa.select(ImportRow)
            .where(
                ImportRow.import_id == job.id, ImportRow.state == "ok", ImportRow.line > last_line
            )
            .order_by(ImportRow.line)
            .limit(batch_size)
        ).all()
        if not batch:
            break
        writer.write_batch(batch)
        last_line = batch[-1].line
        done += len(batch)
        _beat(job, token, phase_done=done, imported_rows=job.imported_rows)
        if progress:
            db.session.refresh(job)
            progress(job)
    job.status = ImportStatus.done
    job.finished_at = utcnow()
    audit.record(
        "register_import.finished",
        job,
        actor=actor,
        unit_id=job.default_unit_id or job.scope_unit_id,
        after={"created": job.created_counts, "skipped": job.skipped_rows},
        summary=f"Nhập xong tệp {job.filename}: {_created_text(job.created_counts)}",
    )
    _cleanup(job)
    _beat(job, token)
    if progress:
        progress(job)


def _created_text(counts: dict) -> str:
    names = {
        "petitions": "đơn",
        "cases": "vụ việc",
        "visits": "lượt tiếp",
        "sessions": "buổi tiếp",
    }
    parts = [f"{fmt_int(n)} {names[k]}" for k, n in counts.items() if n and k in names]
    return ", ".join(parts) or "không có bản ghi mới"


class _Writer:
    """Writes staged rows through the registration rules, one batch per transaction."""

    def __init__(self, job: RegisterImport, actor):
        self.job, self.actor = job, actor
        self.actor_id = getattr(actor, "id", None)
        self.on = clock.today()
        self.calendar = case_deadlines.work_calendar()
        self.units: dict[str, int] = {}

    def unit(self, code: str) -> Unit:
        if code not in self.units:
            unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.code == code))
            if unit_id is None:
                raise ImportProblem(f"Đơn vị {code} không có trong hệ thống.")
            self.units[code] = unit_id
        return db.session.get(Unit, self.units[code])

    def write_batch(self, batch: list[ImportRow]) -> None:
        self.made: dict[str, list[int]] = {}
        self.seqs: dict[tuple[int, int], int] = {}
        self.case_seqs: dict[tuple[int, int], int] = {}
        self.touched_cases: set[int] = set()
        self.numbers: list[str] = []
        self.sessions: dict[tuple, ReceptionSession] = {}
        self.visit_keys: dict[tuple, Counter] = {}
        skipped = 0
        for row in batch:
            try:
                written = (
                    self.petition(row)
                    if self.job.kind == RegisterKind.petitions
                    else self.visit(row)
                )
            except (
                petition_ops.PetitionError,
                reception_ops.ReceptionError,
                case_ops.CaseError,
            ) as e:
                raise ImportProblem(f"Dòng {row.line}: {e} Không có dòng nào được nhập.") from None
            row.state = "done" if written else "skip"
            skipped += 0 if written else 1
        for case_id in self.touched_cases:
            case_ops.refresh_search_text(db.session.get(Case, case_id))
        self._bump_counters()
        counts = dict(self.job.created_counts or {})
        for entity, ids in self.made.items():
            counts[entity] = counts.get(entity, 0) + len(ids)
            db.session.execute(
                sa.insert(ImportedRecord),
                [{"import_id": self.job.id, "entity_type": entity, "entity_id": i} for i in ids],
            )
        self.job.created_counts = counts
        self.job.imported_rows = (self.job.imported_rows or 0) + len(batch) - skipped
        self.job.skipped_rows = (self.job.skipped_rows or 0) + skipped
        audit.record(
            "register_import.batch",
            self.job,
            actor=self.actor,
            unit_id=self.job.default_unit_id or self.job.scope_unit_id,
            after={
                "lines": [batch[0].line, batch[-1].line],
                "created": {k: len(v) for k, v in self.made.items()},
                "register_nos": self.numbers,
            },
            summary=(
                f"Nhập tệp {self.job.filename}, dòng {batch[0].line}–{batch[-1].line}: "
                f"{_created_text({k: len(v) for k, v in self.made.items()})}"
            ),
        )

    def _made(self, entity: str, record_id: int) -> None:
        self.made.setdefault(entity, []).append(record_id)

    # -- petitions --

    def petition(self, row: ImportRow) -> bool:
        d = row.data
        if db.session.scalar(
            sa.select(Petition.id).where(Petition.register_no == d["register_no"])
        ):
            return False  # registered meanwhile: nothing to add
        unit = self.unit(d["unit_code"])
        data = petition_ops.PetitionData(
            received_date=date.fromisoformat(d["received"]),
            source=PetitionSource(d["source"]),
            kind=PetitionKind(d["kind"]),
            field=Field(d["field"]),
            summary=d["summary"],
            signatory_count=d["signatories"],
            anonymous=d["anonymous"],
            senders=[petition_ops.SenderData(*s) for s in d["senders"]],
            source_body=d["source_body"],
            source_doc_no=d["source_doc_no"],
            unit=unit,
            register_no=d["register_no"],
        )
        petition = petition_ops.register_petition(self.actor, data, today=self.on)
        self._made("petitions", petition.id)
        self.numbers.append(petition.register_no)
        key = (unit.id, petition.register_year)
        self.seqs[key] = max(self.seqs.get(key, 0), petition.register_seq)
        if d.get("processed"):
            petition.eligible = d["eligible"]
            petition.ineligible_reasons = d["reasons"]
            petition.competent = d["competent"]
            petition.outcome = ProcessingOutcome(d["outcome"])
            petition.outcome_body = d["outcome_body"]
            petition.outcome_doc_no = d["outcome_doc_no"]
            petition.outcome_date = date.fromisoformat(d["outcome_date"])
            petition.processing_note = d["note"]
            petition.processed_by_id = self.actor_id
            petition.status = PetitionStatus.processed
            if d.get("case"):
                case = self.case_for(row, petition, unit)
                petition.case_id = case.id
                self.touched_cases.add(case.id)
        db.session.flush()
        return True

    def case_for(self, row: ImportRow, petition: Petition, unit: Unit) -> Case:
        c = row.data["case"]
        key = c.get("key")
        if key:
            found = _existing_case(key, unit.code)
            if found is not None:
                if found.kind != petition.kind:
                    raise ImportProblem(f"Dòng {row.line}: vụ việc {key} khác loại với đơn.")
                case_ops.record_event(
                    found,
                    self.actor,
                    "petition_joined",
                    None,
                    None,
                    None,
                    on=petition.outcome_date,
                    note=f"Nhập đơn {petition.register_no} vào vụ việc (từ sổ cũ)",
                )
                return found
        return self.new_case(row, petition, unit, c, key)

    def new_case(self, row: ImportRow, petition: Petition, unit: Unit, c: dict, key) -> Case:
        received = petition.received_date
        if key:
            earliest = db.session.scalar(
                sa.select(sa.func.min(ImportRow.day)).where(
                    ImportRow.import_id == self.job.id, ImportRow.case_key == key
                )
            )
            received = min(received, earliest or received)
        if c.get("received_on"):  # its first petition may be in an earlier register
            received = min(received, date.fromisoformat(c["received_on"]))
        case_no = None
        if key and (m := _CASE_NO.match(key)):
            case_no = key  # the register's number is kept; the counter goes past it
            owner = db.session.scalar(sa.select(Unit.id).where(Unit.code == m[1]))
            if owner is not None:
                slot = (owner, int(m[2]))
                self.case_seqs[slot] = max(self.case_seqs.get(slot, 0), int(m[3]))
        day = lambda name: date.fromisoformat(c[name]) if c.get(name) else None  # noqa: E731
        facts = imported_cases.RegisteredCase(
            case_no=case_no,
            kind=petition.kind,
            round=c["round"],
            field=petition.field,
            title=petition.summary.split("\n")[0],
            summary=petition.summary,
            state=CaseState(c["state"]),
            received_on=received,
            accepted_on=day("accepted_on"),
            accept_doc_no=petition.outcome_doc_no,
            outcome=Outcome(c["result"]) if c.get("result") else None,
            decided_on=day("decided_on"),
            decision_no=c.get("decision_no") or "",
            sent_on=day("sent_on"),
            suspended_on=day("suspended_on"),
            closed_on=day("closed_on"),
            termination_reason=TerminationReason(c["termination"])
            if c.get("termination")
            else None,
        )
        case = imported_cases.import_case(
            self.actor,
            unit,
            facts,
            filename=self.job.filename,
            event_data={"import_id": self.job.id, "register_no": petition.register_no},
            calendar=self.calendar,
        )
        if key and not case_no:
            db.session.add(ImportedCaseKey(unit_id=unit.id, case_key=key, case_id=case.id))
            db.session.flush()
        self._made("cases", case.id)
        return case

    # -- visits --

    def visit(self, row: ImportRow) -> bool:
        d = row.data
        unit = self.unit(d["unit_code"])
        day = date.fromisoformat(d["visit_date"])
        group = (d["unit_code"], day)
        if group not in self.visit_keys:
            self.visit_keys[group] = _logged_visits(d["unit_code"], day)
        if self.visit_keys[group][row.key] >= row.occurrence:
            return False
        session = self.session_for(unit, day, SessionKind(d["session_kind"]))
        data = reception_ops.VisitData(
            kind=PetitionKind(d["kind"]),
            content=d["content"],
            outcome=VisitOutcome(d["outcome"]),
            persons=[
                reception_ops.PersonData(
                    full_name=name, address=address, identity_no=identity, is_representative=rep
                )
                for name, address, identity, rep in d["persons"]
            ],
            people_count=d["people_count"],
            is_delegation=d["is_delegation"],
            is_repeat=d["is_repeat"],
            previous_resolver=d["previous_resolver"],
            competent=d["competent"],
            outcome_body=d["outcome_body"],
            outcome_doc_no=d["outcome_doc_no"],
            refusal_ground=RefusalGround(d["refusal_ground"]) if d["refusal_ground"] else None,
            refusal_detail=d["refusal_detail"],
            follow_up=d["follow_up"],
            note=d["note"],
        )
        problems = reception_ops.visit_problems(data)
        if problems:
            raise ImportProblem(f"Dòng {row.line}: {problems[0][1]} Không có dòng nào được nhập.")
        visit = Visit(
            session=session,
            unit_id=unit.id,
            unit=unit,
            visit_date=day,
            created_by_id=self.actor_id,
        )
        # The reception feature's own normalisation (identity numbers, search text...).
        reception_ops.apply_visit(visit, data, reception_ops.clean_persons(data.persons))
        db.session.add(visit)
        db.session.flush()
        self._made("visits", visit.id)
        self.visit_keys[group][row.key] += 1
        return True

    def session_for(self, unit: Unit, day: date, kind: SessionKind) -> ReceptionSession:
        key = (unit.id, day, kind)
        if key not in self.sessions:
            session = db.session.scalar(
                sa.select(ReceptionSession)
                .where(
                    ReceptionSession.unit_id == unit.id,
                    ReceptionSession.session_date == day,
                    ReceptionSession.kind == kind,
                    ReceptionSession.status.in_((SessionStatus.held, SessionStatus.planned)),
                )
                .order_by(ReceptionSession.id)
                .limit(1)
            )
            if session is None:
                leader = kind != SessionKind.regular
                session = ReceptionSession(
                    unit_id=unit.id,
                    kind=kind,
                    session_date=day,
                    place="Theo sổ tiếp công dân",
                    host_mode=HostMode.in_person if leader else None,
                    host_name="Lãnh đạo (theo sổ cũ)" if leader else "Theo sổ tiếp công dân",
                    status=SessionStatus.held,
                    created_by_id=self.actor_id,
                )
                db.session.add(session)
                db.session.flush()
                self._made("sessions", session.id)
            elif session.status == SessionStatus.planned:
                session.status = SessionStatus.held
            self.sessions[key] = session
        return self.sessions[key]

    # -- numbering --

    def _bump_counters(self) -> None:
        """New registrations continue after the highest imported number of each unit and year."""
        before = dict(self.job.counters_before or {})
        counters = (
            ("register", RegisterCounter.__table__, "last_seq", self.seqs, {}),
            ("case", RunningNumber.__table__, "last_value", self.case_seqs, {"series": "case"}),
        )
        for series, table, column, seqs, fixed in counters:
            for (unit_id, year), seq in seqs.items():
                key = {**fixed, "unit_id": unit_id, "year": year}
                held = raise_to(table, key, column, seq)
                before.setdefault(f"{series}:{unit_id}:{year}", held)
        self.job.counters_before = before
        db.session.flush()


_CASE_NO = re.compile(r"^VV-([A-Z0-9]+)-(\d{4})-(\d{1,6})$")


def _reserve_numbers(job: RegisterImport) -> None:
    """Raise the register counters (and case counters) past the file's numbers before the first
    batch: a petition registered by someone while the import runs takes a number after them."""
    if job.kind != RegisterKind.petitions:
        return
    writer = _Writer(job, job.created_by)
    writer.seqs, writer.case_seqs = {}, {}
    units: dict[str, int | None] = {}

    def reserve(target: dict, code: str, year: int, seq: int) -> None:
        if code not in units:
            units[code] = db.session.scalar(sa.select(Unit.id).where(Unit.code == code))
        if units[code] is not None:
            slot = (units[code], year)
            target[slot] = max(target.get(slot, 0), seq)

    rows = db.session.execute(
        sa.select(ImportRow.unit_code, ImportRow.data, ImportRow.case_key)
        .where(ImportRow.import_id == job.id, ImportRow.state == "ok")
        .execution_options(yield_per=500)
    )
    for unit_code, data, case_key in rows:
        reserve(writer.seqs, unit_code, data["year"], data["seq"])
        if case_key and (m := _CASE_NO.match(case_key)):
            reserve(writer.case_seqs, m[1], int(m[2]), int(m[3]))
    writer._bump_counters()


# --- undoing a failed import ----------------------------------------------------------------


def _undo(job: RegisterImport) -> None:
    """Delete what the committed batches of a failed import made; give the numbers back."""
    made = ImportedRecord
    order = (
        ("petitions", Petition),
        ("cases", Case),
        ("visits", Visit),
        ("sessions", ReceptionSession),
    )
    try:
        for entity, model in order:
            ids = db.session.scalars(
                sa.select(made.entity_id).where(
                    made.import_id == job.id, made.entity_type == entity
                )
            ).all()
            for chunk in _chunks(list(ids)):
                if model is Case:
                    db.session.execute(
                        sa.delete(ImportedCaseKey).where(ImportedCaseKey.case_id.in_(chunk))
                    )
                    db.session.execute(
                        sa.update(Case)
                        .where(Case.parent_case_id.in_(chunk))
                        .values(parent_case_id=None)
                    )
                if model is ReceptionSession:
                    # Only sessions left without visits: others' visits may have joined them.
                    empty = (
                        ~sa.select(Visit.id).where(Visit.session_id == ReceptionSession.id).exists()
                    )
                    db.session.execute(
                        sa.delete(model).where(model.id.in_(chunk), empty),
                        execution_options={"synchronize_session": False},
                    )
                    continue
                db.session.execute(
                    sa.delete(model).where(model.id.in_(chunk)),
                    execution_options={"synchronize_session": False},
                )
        _restore_counters(job)
        db.session.execute(sa.delete(made).where(made.import_id == job.id))
        db.session.execute(
            sa.update(ImportRow)
            .where(ImportRow.import_id == job.id, ImportRow.state == "done")
            .values(state="ok"),
            execution_options={"synchronize_session": False},
        )
        job.imported_rows, job.created_counts = 0, {}
        audit.record(
            "register_import.undone",
            job,
            actor=job.created_by,
            unit_id=job.default_unit_id or job.scope_unit_id,
            summary=f"Hoàn tác lượt nhập tệp {job.filename}: không giữ lại bản ghi nào",
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("register import %s: undo failed", job.id)
        job = db.session.get(RegisterImport, job.id)
        job.message = "Không hoàn tác được hết các bản ghi đã nhập: hãy báo quản trị."
        db.session.commit()


def _restore_counters(job: RegisterImport) -> None:
    for slot, before in (job.counters_before or {}).items():
        series, unit_id, year = slot.split(":")
        unit_id, year = int(unit_id), int(year)
        if series == "register":
            highest = db.session.scalar(
                sa.select(sa.func.max(Petition.register_seq)).where(
                    Petition.unit_id == unit_id, Petition.register_year == year
                )
            )
            row = db.session.get(RegisterCounter, (unit_id, year))
            if row is not None:
                row.last_seq = max(before or 0, highest or 0)
        else:
            prefix = db.session.scalar(sa.select(Unit.code).where(Unit.id == unit_id))
            numbers = db.session.scalars(
                sa.select(Case.case_no).where(Case.case_no.like(f"VV-{prefix}-{year}-%"))
            ).all()
            highest = max(
                (int(n.rsplit("-", 1)[1]) for n in numbers if n.rsplit("-", 1)[1].isdigit()),
                default=0,
            )
            row = db.session.get(RunningNumber, ("case", unit_id, year))
            if row is not None:
                row.last_value = max(before or 0, highest)
    job.counters_before = {}


def progress_text(job: RegisterImport) -> str:
    """What the progress bar says, in words."""
    if job.status == ImportStatus.checking:
        return f"Đang kiểm tra: đã đọc {fmt_int(job.total_rows or 0)} dòng"
    if job.status == ImportStatus.running:
        return f"Đang nhập: {fmt_int(job.phase_done or 0)}/{fmt_int(job.phase_total or 0)} dòng"
    if job.status == ImportStatus.done:
        return f"Đã nhập xong: {_created_text(job.created_counts or {})}"
    return job.status.label
