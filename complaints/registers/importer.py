"""Bringing an office's past registers in: a job that checks the whole file first (the dry run),
then writes it batch by batch, all or nothing.

How it stays out of other users' way (docs/register-format.md, "Nhập lớn"):
  * Nothing is held in a worker's memory: the job, its progress, the rows that passed the dry
    run (staged, normalised) and the problems found are rows of the database. Any process can
    show the progress bar, continue a job whose worker died, or undo it.
  * The dry run streams the file (reader.py: the sheet's XML row by row, the csv module) and
    stages rows in batches, each its own short transaction; cross-row checks (duplicate
    numbers, cases whose petitions disagree, numbers already registered, unknown units) are SQL
    over the staged rows.
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

This module is the job: creating it and mapping its columns, claiming it for a phase, running
the phase and the import's batches, creating the units a file names. The rest is in:
  import_job.py        settings, the heartbeat (each batch commits with it), counts in words
  import_check.py      the dry run: staging the rows, the checks across rows
  import_batches.py    one batch of the import, the register and case counters
  import_petitions.py  a staged petition registered, processed, its case joined or brought in
  import_visits.py     a staged visit recorded in a session
  import_undo.py       deleting what a failed import's committed batches made
Every record is written through the features' public operations (petitions, reception, cases).
A phase's transactions are its own: one per batch, committed with the progress it reports.
A page or the command only claims the job (`begin` commits the claim) and starts it; they do
not commit the job's work.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from complaints.core import audit
from complaints.core.access import has_permission
from complaints.core.db import utcnow
from complaints.core.numbers import fmt_int
from complaints.extensions import db
from complaints.registers import layout as L
from complaints.registers import reader as R
from complaints.registers.import_batches import BatchWriter, reserve_numbers
from complaints.registers.import_check import run_check
from complaints.registers.import_job import (
    ImportProblem,
    Progress,
    Superseded,
    beat,
    chunks,
    created_text,
    file_info,
    setting,
)
from complaints.registers.import_petitions import link_transfers
from complaints.registers.import_undo import undo
from complaints.registers.models import (
    ImportedRecord,
    ImportRow,
    ImportStatus,
    RegisterImport,
    RegisterKind,
)
from complaints.units.models import Unit, UnitLevel
from complaints.units.operations import UnitError, create_unit

_PG_LOCK_KEY = 72_410_077  # serialises starting imports on PostgreSQL


def import_dir() -> str:
    """Where uploaded files wait for their job (shared storage when there are several servers)."""
    path = setting("REGISTER_IMPORT_DIR") or os.path.join(current_app.instance_path, "imports")
    os.makedirs(path, exist_ok=True)
    return path


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
    with R.RowReader(job.file_path, file_info(job), sheet, scan=False) as rows:
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
            run_check(job_id, token, progress)
        else:
            _run_import(job_id, token, progress)
    except Superseded:
        db.session.rollback()
    except Exception as e:
        db.session.rollback()
        current_app.logger.exception("register import %s failed", job_id)
        job = db.session.get(RegisterImport, job_id)
        if phase == "import":
            undo(job)
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


def begin(actor, job: RegisterImport, phase: str) -> str:
    """Claim the job for its dry run ("check") or its import ("import") and commit the claim
    (with the job's settings) in the job's own transaction: the runner, in a thread, the
    command or another worker taking over, works from what the database holds. Returns the
    runner's token, for `launch` or `run`."""
    token = start_check(actor, job) if phase == "check" else start_import(actor, job)
    db.session.commit()
    return token


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
    """Write the staged rows batch by batch, each batch committed with its progress."""
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
    reserve_numbers(job)
    beat(job, token, phase_total=total, phase_done=done)
    writer = BatchWriter(job, actor)
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
        writer.write(batch)
        last_line = batch[-1].line
        done += len(batch)
        beat(job, token, phase_done=done, imported_rows=job.imported_rows)
        if progress:
            db.session.refresh(job)
            progress(job)
    if job.kind == RegisterKind.petitions:
        _link_transfers(job, actor)
    job.status = ImportStatus.done
    job.finished_at = utcnow()
    audit.record(
        "register_import.finished",
        job,
        actor=actor,
        unit_id=job.default_unit_id or job.scope_unit_id,
        after={"created": job.created_counts, "skipped": job.skipped_rows},
        summary=f"Nhập xong tệp {job.filename}: {created_text(job.created_counts)}",
    )
    _cleanup(job)
    beat(job, token)
    if progress:
        progress(job)


def _link_transfers(job: RegisterImport, actor) -> None:
    """The copies of the file linked to their senders once every row is in (a sender may be
    on a later line than its copy): one transaction, listed for an undo like the batches'."""
    made: list[int] = []
    link_transfers(job, actor, lambda entity, record_id: made.append(record_id))
    if not made:
        return
    for chunk in chunks(made):
        db.session.execute(
            sa.insert(ImportedRecord),
            [{"import_id": job.id, "entity_type": "transfers", "entity_id": i} for i in chunk],
        )
    counts = dict(job.created_counts or {})
    counts["transfers"] = counts.get("transfers", 0) + len(made)
    job.created_counts = counts
    db.session.flush()


def progress_text(job: RegisterImport) -> str:
    """What the progress bar says, in words."""
    if job.status == ImportStatus.checking:
        return f"Đang kiểm tra: đã đọc {fmt_int(job.total_rows or 0)} dòng"
    if job.status == ImportStatus.running:
        return f"Đang nhập: {fmt_int(job.phase_done or 0)}/{fmt_int(job.phase_total or 0)} dòng"
    if job.status == ImportStatus.done:
        return f"Đã nhập xong: {created_text(job.created_counts or {})}"
    return job.status.label
