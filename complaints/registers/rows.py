"""A register row's cells, read both ways: cell values as plain text, numbers and dates, the
parsed row with every problem named in Vietnamese, the checks both registers share, and the
words the reception log writes and reads back.

Reading a row: petition_rows.py (the petition register), visit_rows.py (the reception log).
Writing a record as cells: record_cells.py. Reading and writing use the same layout (layout.py)
and words, so that a file the app exported reads back into the same records, and exporting
those again gives the same file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from complaints.core.text import shorten
from complaints.petitions import operations as petition_ops
from complaints.registers import layout as L
from complaints.registers.models import RegisterKind
from complaints.registers.reader import is_empty

LINE_BREAKS = re.compile(r"\r\n|\r")
# The words of the reception log's result and note columns (written, then read back).
REPRESENTATIVE = "(đại diện)"
ANSWERED_TEXT = "Trả lời, giải thích trực tiếp"
RECEIVED_TEXT = "Nhận đơn"
REFUSED_PREFIX = "Từ chối tiếp:"
REFUSAL_DETAIL_PREFIX = "Lý do từ chối:"
REPEAT_TEXT = "Tiếp nhiều lần"


# --- cell values --------------------------------------------------------------------------


def text(value) -> str:
    """A cell as text: numbers without a trailing .0, dates as dd/mm/yyyy, lines kept."""
    if value is None:
        return ""
    if isinstance(value, str):
        return LINE_BREAKS.sub("\n", value).strip()
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def lines(value) -> list[str]:
    """The lines of a cell (several senders in one cell), each trimmed; '' gives []."""
    content = text(value)
    return [x.strip() for x in content.split("\n")] if content else []


def identity_lines(value) -> list[str]:
    """Identity numbers; a number cell lost its leading zero in Excel (12-digit CCCD, 9-digit
    CMND), so it is given back."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = text(value)
        if len(digits) in (8, 11):
            digits = "0" + digits
        return [digits]
    return lines(value)


def iso(value: date | None) -> str | None:
    """A day as stored in a parsed row (ISO), or None."""
    return value.isoformat() if value else None


def signature(*parts) -> str:
    """A short stable digest of plain values (the same facts give the same digest)."""
    raw = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:40]


@dataclass
class ParsedRow:
    """A row read from a file: its plain data, or the problems found, by field."""

    line: int
    empty: bool = False
    data: dict = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message)
    key: str = ""
    unit_code: str = ""
    case_key: str | None = None
    case_sig: str | None = None

    def error(self, name: str, message: str | None) -> None:
        if message:
            self.errors.append((name, message))


class Cells:
    """The mapped cells of one row, by field name."""

    def __init__(self, values: list, mapping: dict[str, int]):
        self.values, self.mapping = values, mapping

    def raw(self, name: str):
        index = self.mapping.get(name)
        if index is None or index >= len(self.values):
            return None
        return self.values[index]

    def text(self, name: str) -> str:
        return text(self.raw(name))

    def is_blank(self, ignore: tuple[str, ...] = ()) -> bool:
        return all(is_empty(self.raw(n)) for n in self.mapping if n not in ignore)


# --- the checks every register's rows share -----------------------------------------------


def shown(value) -> str:
    """A cell as a message quotes it: on one line, cut at 60 characters."""
    flat = text(value).replace("\n", " ")
    return shorten(flat, 60)


def read_date(row: ParsedRow, cells: Cells, name: str, what: str, today: date) -> date | None:
    """A date cell, neither after today nor before 2000; a problem is noted on the row."""
    value = cells.raw(name)
    try:
        day = L.parse_date(value)
    except L.DateError:
        hint = ""
        if isinstance(value, str) and value.strip().startswith("="):
            hint = " Ô chứa công thức: hãy dán giá trị (Paste Special → Values)."
        row.error(
            name,
            f"{what} không hợp lệ: “{shown(value)}” (viết dd/mm/yyyy, d/m/yy, yyyy-mm-dd hoặc "
            f"dùng ô ngày của Excel).{hint}",
        )
        return None
    if day is not None and day > today:
        row.error(name, f"{what} {day:%d/%m/%Y} sau ngày hôm nay ({today:%d/%m/%Y}).")
        return None
    if day is not None and day < petition_ops.EARLIEST_RECEIVED:
        row.error(name, f"{what} {day:%d/%m/%Y} trước năm 2000: kiểm tra lại.")
        return None
    return day


def read_coded(row: ParsedRow, cells: Cells, name: str, vocab: str, what: str, required=False):
    """A cell naming a member of a vocabulary (by label or code), or None."""
    value = cells.text(name)
    if not value:
        if required:
            row.error(name, f"Thiếu {what}.")
        return None
    member = L.parse_coded(vocab, value)
    if member is None:
        accepted = sorted({m.label for m in L.VOCAB[vocab].values()})
        listed = "; ".join(accepted[:12])
        row.error(name, f"Không nhận ra {what} “{shown(value)}”. Giá trị hợp lệ: {listed}.")
    return member


def read_yes_no(row: ParsedRow, cells: Cells, name: str, what: str) -> bool | None:
    """A "Có"/"Không" cell; None when blank."""
    try:
        return L.parse_yes_no(cells.text(name))
    except ValueError:
        row.error(name, f"{what}: ghi “Có” hoặc “Không” (đang ghi “{shown(cells.raw(name))}”).")
        return None


def read_count(row: ParsedRow, cells: Cells, name: str, what: str) -> int | None:
    """A whole number cell; None when blank."""
    value = cells.raw(name)
    if is_empty(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    raw = text(value).replace(".", "")
    if raw.isdigit():
        return int(raw)
    hint = " Ô chứa công thức." if text(value).startswith("=") else ""
    row.error(name, f"{what} phải là số nguyên (đang ghi “{shown(value)}”).{hint}")
    return None


def read_unit(row: ParsedRow, cells: Cells, default_unit: str | None) -> None:
    """The row's unit code (or the unit chosen for the whole file), with its name and parent."""
    code = cells.text("unit_code").upper()
    if not code:
        if not default_unit:
            row.error("unit_code", "Thiếu mã đơn vị (hoặc chọn đơn vị khi nhập).")
            return
        code = default_unit
    if len(code) > 20 or not re.fullmatch(r"[A-Z0-9_.\-]+", code):
        row.error("unit_code", f"Mã đơn vị “{shown(code)}” không hợp lệ.")
        return
    row.unit_code = code
    row.data["unit_code"] = code
    row.data["unit_name"] = cells.text("unit_name")[:200]
    row.data["parent_code"] = cells.text("parent_code").upper()[:20]


def field_label(kind: RegisterKind, name: str, headers: list[str], mapping: dict) -> str:
    """How a problem names its column: the file's own header when the column was mapped."""
    index = mapping.get(name)
    standard = next((c.header for c in L.COLUMNS[kind] if c.field == name), name)
    if index is not None and index < len(headers) and headers[index]:
        return headers[index]
    return standard
