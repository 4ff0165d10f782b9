"""What an import job's two phases share (the dry run, import_check.py; the import,
importer.py with import_batches.py): the settings, the refusal, the heartbeat that proves the
runner alive and the job still its own, and the words of its counts.

The heartbeat is where a phase's transactions end: each batch of the dry run and of the import
commits with the progress it reports, so a page (in any worker) shows what the database holds.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app

from complaints.core.db import utcnow
from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_int
from complaints.extensions import db
from complaints.registers import reader as R
from complaints.registers.models import ImportRow, RegisterImport

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
Progress = Callable[[RegisterImport], None]


class ImportProblem(OperationError):
    """A step on an import job the rules refuse; the message is for the user."""


def setting(name: str):
    """An import setting: the application's configuration, else its default."""
    return current_app.config.get(name, DEFAULTS[name])


def file_info(job: RegisterImport) -> R.FileInfo:
    """How to read the job's file again (format, encoding, delimiter, sheet)."""
    return R.FileInfo(
        job.file_format, job.encoding, job.delimiter, [job.sheet] if job.sheet else []
    )


class Superseded(Exception):
    """Another runner took the job over (this one was thought dead): stop quietly."""


def beat(job: RegisterImport, token: str, **values) -> None:
    """Report progress and commit the phase's work so far; stop when the job is no longer ours."""
    result = db.session.execute(
        sa.update(RegisterImport)
        .where(RegisterImport.id == job.id, RegisterImport.runner == token)
        .values(heartbeat_at=utcnow(), **values),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        raise Superseded
    db.session.commit()


def chunks(items: list, size: int = 500):
    """The items in slices small enough for an IN (...) list."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def staged_rows(job: RegisterImport, columns: tuple, *where):
    """The job's staged rows (the columns given, ImportRow.line among them) in the order of
    the file, read a batch (REGISTER_IMPORT_BATCH rows) at a time after the last line read:
    never the whole file in memory (a row's data is a few kilobytes: a year's 10,000 rows
    held at once were 50 MB), and no cursor left open while the caller reads or writes."""
    size = int(setting("REGISTER_IMPORT_BATCH"))
    at = next(i for i, column in enumerate(columns) if column is ImportRow.line)
    last_line = 0
    while True:
        rows = db.session.execute(
            sa.select(*columns)
            .where(ImportRow.import_id == job.id, ImportRow.line > last_line, *where)
            .order_by(ImportRow.line)
            .limit(size)
        ).all()
        yield from rows
        if len(rows) < size:
            return
        last_line = rows[-1][at]


def created_text(counts: dict) -> str:
    """What an import made, in words ("10 đơn, 5 vụ việc")."""
    names = {
        "petitions": "đơn",
        "cases": "vụ việc",
        "visits": "lượt tiếp",
        "sessions": "buổi tiếp",
        "transfers": "lượt chuyển đơn trong hệ thống",
    }
    parts = [f"{fmt_int(n)} {names[k]}" for k, n in counts.items() if n and k in names]
    return ", ".join(parts) or "không có bản ghi mới"
