"""Register imports (nhập sổ cũ): the job, its staged rows, the problems found and what it made.

Everything an import knows lives in these tables, never in a worker's memory: any process may
show its progress, continue it or undo it.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from complaints.auth.models import User
from complaints.core.db import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from complaints.core.translate import N_
from complaints.extensions import db
from complaints.units.models import Unit


class RegisterKind(LabelledEnum):
    petitions = "petitions"
    reception = "reception"


RegisterKind.LABELS = {
    "petitions": N_("Sổ theo dõi đơn (sổ đơn)"),
    "reception": N_("Sổ tiếp công dân (Mẫu 03/TCD)"),
}


class ImportStatus(LabelledEnum):
    uploaded = "uploaded"  # file stored, columns to map
    checking = "checking"  # dry run under way
    checked = "checked"  # dry run done: issues listed, nothing written to the registers
    running = "running"  # import under way, batch by batch
    done = "done"
    failed = "failed"  # stopped; what earlier batches wrote was undone
    cancelled = "cancelled"


ImportStatus.LABELS = {
    "uploaded": N_("Đã tải tệp lên, chờ đối chiếu cột"),
    "checking": N_("Đang kiểm tra (chạy thử)"),
    "checked": N_("Đã kiểm tra, chờ xác nhận nhập"),
    "running": N_("Đang nhập"),
    "done": N_("Đã nhập xong"),
    "failed": N_("Không nhập được (đã hoàn tác)"),
    "cancelled": N_("Đã hủy"),
}
ACTIVE_STATUSES = frozenset({ImportStatus.checking, ImportStatus.running})


class RegisterImport(TimestampMixin, db.Model):
    """One file being brought in: where it is, how its columns map, how far the work got."""

    __tablename__ = "register_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RegisterKind] = enum_column(RegisterKind, "register_kind")
    status: Mapped[ImportStatus] = enum_column(
        ImportStatus, "import_status", default=ImportStatus.uploaded
    )
    filename: Mapped[str] = mapped_column(sa.String(255))
    # Uploaded files live under REGISTER_IMPORT_DIR (shared storage with several servers);
    # the command line reads the file where it is.
    file_path: Mapped[str] = mapped_column(sa.String(1000))
    uploaded: Mapped[bool] = mapped_column(default=True)  # the app owns the file: delete it
    file_format: Mapped[str] = mapped_column(sa.String(8))  # xlsx | csv
    encoding: Mapped[str] = mapped_column(sa.String(20), default="")
    delimiter: Mapped[str] = mapped_column(sa.String(2), default="")
    file_size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    sheet: Mapped[str] = mapped_column(sa.String(255), default="")
    sheets: Mapped[list] = mapped_column(sa.JSON, default=list)  # an .xlsx file's sheet names
    header_row: Mapped[int] = mapped_column(default=1)
    first_data_row: Mapped[int] = mapped_column(default=2)
    headers: Mapped[list] = mapped_column(sa.JSON, default=list)  # the file's header cells
    mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # field -> column index
    default_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    # The importing user's unit: every row must name a unit at or below it (None: command line).
    scope_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    create_units: Mapped[bool] = mapped_column(default=False)
    new_units: Mapped[list] = mapped_column(sa.JSON, default=list)  # [{code, name, parent}]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Progress, read by the page's progress bar and the command line counter.
    phase_total: Mapped[int | None]
    phase_done: Mapped[int] = mapped_column(default=0)
    total_rows: Mapped[int] = mapped_column(default=0)
    valid_rows: Mapped[int] = mapped_column(default=0)
    skipped_rows: Mapped[int] = mapped_column(default=0)
    error_rows: Mapped[int] = mapped_column(default=0)
    empty_rows: Mapped[int] = mapped_column(default=0)
    issue_count: Mapped[int] = mapped_column(default=0)
    imported_rows: Mapped[int] = mapped_column(default=0)
    created_counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # petitions, cases...
    counters_before: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # to undo numbering
    message: Mapped[str] = mapped_column(sa.Text, default="")
    runner: Mapped[str] = mapped_column(sa.String(40), default="")  # who holds the job now
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User | None] = relationship()
    default_unit: Mapped[Unit | None] = relationship(foreign_keys=[default_unit_id])
    scope_unit: Mapped[Unit | None] = relationship(foreign_keys=[scope_unit_id])

    __table_args__ = (
        sa.CheckConstraint("file_format IN ('xlsx', 'csv')", name="file_format"),
        sa.Index("ix_register_import_status", "status"),
    )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> int | None:
        """Progress of the current phase in whole percent (None while the total is unknown)."""
        if self.status in (ImportStatus.done, ImportStatus.checked):
            return 100
        if not self.phase_total:
            return None
        return max(0, min(100, int(self.phase_done * 100 / self.phase_total)))

    def scope_units(self) -> list[Unit]:
        """Users of the importing unit (and above it) see the job; the command line's jobs are
        seen from the top of the tree only."""
        return [u for u in (self.scope_unit, self.default_unit) if u is not None]


class ImportRow(db.Model):
    """A row of the file that passed the dry run, normalised, waiting to be written."""

    __tablename__ = "register_import_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(sa.ForeignKey("register_import.id", ondelete="CASCADE"))
    line: Mapped[int]
    state: Mapped[str] = mapped_column(sa.String(8), default="ok")  # ok | skip | error | done
    key: Mapped[str] = mapped_column(sa.String(80))  # register number, or a visit's fingerprint
    occurrence: Mapped[int] = mapped_column(default=1)  # identical visits in the same file
    unit_code: Mapped[str] = mapped_column(sa.String(20))
    day: Mapped[date | None]  # received (petitions) or visit date
    case_key: Mapped[str | None] = mapped_column(sa.String(60))
    case_sig: Mapped[str | None] = mapped_column(sa.String(40))
    data: Mapped[dict] = mapped_column(sa.JSON)

    __table_args__ = (
        sa.Index("ix_register_import_row_line", "import_id", "line"),
        sa.Index("ix_register_import_row_key", "import_id", "key"),
        sa.Index("ix_register_import_row_case", "import_id", "case_key", "line"),
    )


class ImportIssue(db.Model):
    """A problem the dry run found: its line in the file, the column, and why, in Vietnamese."""

    __tablename__ = "register_import_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        sa.ForeignKey("register_import.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int] = mapped_column(default=0)  # 0: the file as a whole
    column: Mapped[str] = mapped_column(sa.String(120), default="")
    message: Mapped[str] = mapped_column(sa.Text)


class ImportedRecord(db.Model):
    """A record an import created: what undoing a failed import removes."""

    __tablename__ = "register_import_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        sa.ForeignKey("register_import.id", ondelete="CASCADE"), index=True
    )
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int]


class ImportedCaseKey(db.Model):
    """The case a file's own case key (mã vụ việc) was given, so that a later file naming the
    same key joins the same case. Keys written as case numbers (VV-HP-2026-00012) are kept as
    the case's number and need no entry here."""

    __tablename__ = "register_case_key"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    case_key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case_file.id", ondelete="CASCADE"))
