"""Writing a register out (.xlsx or .csv) in the layout the import reads: streamed from the
database a few hundred records at a time (constant memory), written as it goes (csv module;
openpyxl write-only mode, which writes each row to disk as inline strings)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from complaints.core import confidentiality
from complaints.core.access import in_scope
from complaints.core.errors import OperationError
from complaints.core.sheets import print_setup
from complaints.extensions import db
from complaints.petitions.models import Petition, PetitionTransfer
from complaints.reception.models import Visit
from complaints.reception.scope import visits_of, visits_visible
from complaints.registers import layout as L
from complaints.registers import record_cells
from complaints.registers.models import RegisterKind
from complaints.registers.reader import escape_csv
from complaints.units.models import Unit

YIELD_PER = 500
FORMATS = ("csv", "xlsx")
SHEET_TITLES = {RegisterKind.petitions: "So don", RegisterKind.reception: "So tiep cong dan"}
COLUMN_WIDTHS = {"summary": 60, "content": 60, "persons": 40, "sender_name": 28}


class ExportError(OperationError):
    """An export that cannot be made as asked; the message is for the user."""


def format_of(filename: str) -> str:
    """csv or xlsx, from the file name's extension."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in FORMATS:
        raise ExportError("Tên tệp phải kết thúc bằng .xlsx hoặc .csv.")
    return suffix


def _unit_codes(root: Unit | None) -> dict[int, tuple[str, str, str]]:
    """Each unit's code, name and parent code; the parent is named only inside the exported
    tree, so that importing the file elsewhere rebuilds the same tree from its root."""
    query = sa.select(Unit.id, Unit.code, Unit.name, Unit.parent_id)
    if root is not None:
        query = query.where(Unit.path.startswith(root.path, autoescape=True))
    rows = db.session.execute(query).all()
    codes = {uid: code for uid, code, _, _ in rows}
    top = root.id if root is not None else None
    return {
        uid: (code, name, codes.get(parent, "") if uid != top else "")
        for uid, code, name, parent in rows
    }


def _petitions(
    start: date, end: date, root: Unit | None, user
) -> Iterator[tuple[Petition, date | None]]:
    """The petitions, each with the day its case's first petition was received (which may be
    before the period: the import needs it to read the case back)."""
    other = aliased(Petition)
    first_received = (
        sa.select(sa.func.min(other.received_date))
        .where(other.case_id == Petition.case_id)
        .scalar_subquery()
    )
    query = (
        sa.select(Petition, first_received)
        .join(Unit, Petition.unit_id == Unit.id)
        .where(Petition.received_date.between(start, end))
        .options(
            selectinload(Petition.senders),
            joinedload(Petition.case),
            joinedload(Petition.transfer_unit),
            joinedload(Petition.forwarded_from),
        )
        .order_by(
            Petition.received_date,
            Unit.code,
            Petition.register_year,
            Petition.register_seq,
            Petition.id,
        )
        .execution_options(yield_per=YIELD_PER)
    )
    if root is not None:
        query = query.where(Unit.path.startswith(root.path, autoescape=True))
    if user is not None:
        query = query.where(in_scope(user, Petition.unit_id))
    result = db.session.execute(query)
    try:
        yield from result.tuples()
    finally:
        result.close()


def _visits(start: date, end: date, root: Unit | None, user) -> Iterator[Visit]:
    query = (
        sa.select(Visit)
        .join(Unit, Visit.unit_id == Unit.id)
        .where(Visit.visit_date.between(start, end))
        .options(selectinload(Visit.persons), joinedload(Visit.session), joinedload(Visit.unit))
        .order_by(Visit.visit_date, Unit.code, Visit.id)
        .execution_options(yield_per=YIELD_PER)
    )
    # The reception log of a unit includes the sessions its officers recorded for the authority
    # they receive for, as the log page does (reception/scope.py).
    if root is not None:
        query = query.where(visits_of(root))
    if user is not None:
        query = query.where(visits_visible(user))
    result = db.session.scalars(query)
    try:
        yield from result
    finally:
        result.close()


def rows_of(
    kind: RegisterKind, start: date, end: date, root: Unit | None = None, user=None
) -> Iterator[list]:
    """The register's rows (cells in layout order), oldest first. Given a user, only their
    units, and a denouncer's identity only if they may see it (LTC Art 47)."""
    codes = _unit_codes(root)
    if RegisterKind(kind) == RegisterKind.petitions:
        for batch in _batches(_petitions(start, end, root, user)):
            reader = _reader(user, [p for p, _ in batch])
            sent = _transfers_sent([p.id for p, _ in batch if p.transfer_unit_id])
            for p, first_received in batch:
                yield record_cells.petition_cells(
                    p, codes, reader=reader, case_received=first_received, transfer=sent.get(p.id)
                )
    else:
        number = 0
        for batch in _batches(_visits(start, end, root, user)):
            reader = _reader(user, batch)
            for v in batch:
                number += 1
                cells = record_cells.visit_cells(v, codes, reader=reader)
                cells[0] = number  # STT: the row's number in this log
                yield cells


def _transfers_sent(ids: list[int]) -> dict[int, PetitionTransfer]:
    """The hand-offs of a batch's petitions to units of the tree, by the sender's id."""
    if not ids:
        return {}
    found = db.session.scalars(
        sa.select(PetitionTransfer).where(PetitionTransfer.sender_petition_id.in_(ids))
    )
    return {t.sender_petition_id: t for t in found}


def _batches(rows: Iterator) -> Iterator[list]:
    """The stream in lists of YIELD_PER, so that what a user may read is learnt per batch."""
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) == YIELD_PER:
            yield batch
            batch = []
    if batch:
        yield batch


def _reader(user, records) -> confidentiality.Reader | None:
    """What the exporting user may read of a batch (none: an export that shows everything)."""
    return None if user is None else confidentiality.Reader(user, records)


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str):
        return escape_csv(value)
    return str(value)


def write(
    target,
    *,
    kind: RegisterKind,
    fmt: str,
    start: date,
    end: date,
    root: Unit | None = None,
    user=None,
    progress=None,
) -> int:
    """Write the register to a path or a binary file object; returns the number of rows."""
    kind = RegisterKind(kind)
    columns = L.COLUMNS[kind]
    rows = rows_of(kind, start, end, root, user)
    if fmt == "csv":
        return _write_csv(target, columns, rows, progress)
    if fmt == "xlsx":
        return _write_xlsx(target, kind, columns, rows, progress)
    raise ExportError("Định dạng phải là xlsx hoặc csv.")


def _write_csv(target, columns, rows, progress) -> int:
    # UTF-8 with a byte-order mark: Excel then opens Vietnamese text correctly.
    if isinstance(target, str):
        with open(target, "w", encoding="utf-8-sig", newline="") as f:
            return _csv_rows(f, columns, rows, progress)
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
    try:
        return _csv_rows(text, columns, rows, progress)
    finally:
        text.detach()


def _csv_rows(f, columns, rows, progress) -> int:
    out = csv.writer(f)
    out.writerow([c.header for c in columns])
    count = 0
    for cells in rows:
        out.writerow([_csv_text(v) for v in cells])
        count += 1
        if progress and count % YIELD_PER == 0:
            progress(count)
    return count


def _write_xlsx(target, kind, columns, rows, progress) -> int:
    # openpyxl (~10 MB) is imported when a workbook is written, not by every worker at start.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    def cell_of(value):
        if isinstance(value, date):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = "DD/MM/YYYY"
            return cell
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # never a formula, whatever the text starts with
            if "\n" in value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            return cell
        return WriteOnlyCell(ws, value=value)

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(SHEET_TITLES[kind])
    for i, c in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = COLUMN_WIDTHS.get(c.field, 16)
    ws.freeze_panes = "A2"
    # a register is wide: landscape, its header row on top of every printed page
    print_setup(ws, landscape=True, title_rows=(1, 1))
    bold = Font(bold=True)
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c.header)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    count = 0
    for cells in rows:
        ws.append([cell_of(v) for v in cells])
        count += 1
        if progress and count % YIELD_PER == 0:
            progress(count)
    workbook.save(target)
    return count
