"""Reading back a report form as .xlsx: the file the app exports (reports/xlsx.py) or a unit's
own copy of that layout with its figures typed in. The columns are found by their headers
(group and column heading, as the form prints them), so that a copy with rows added above the
table or columns moved still reads; the figures are those of the "Tổng cộng" row (or of the
only row when the table has one). Nothing here touches the database."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date

from complaints.core.errors import OperationError
from complaints.core.forms import parse_vn_date
from complaints.core.numbers import fmt_size
from complaints.core.translate import gettext as _
from complaints.reports.checking import RATE
from complaints.reports.layouts import LAYOUTS, Layout

MAX_BYTES = 2 * 1024 * 1024  # an exported form is ~10 KB; a unit's copy with a logo, < 1 MB
MAX_UNZIPPED = 30 * 1024 * 1024
MAX_SHEETS = 20
SCAN_ROWS = 300
SCAN_COLUMNS = 150
TOTAL_WORDS = {"tổng cộng", "tổng", "cộng", "tổng số", "tổng cộng toàn đơn vị"}
_FORM_CODE = re.compile(r"mẫu\s*(?:số)?\s*(\d{1,2})\s*/\s*([a-zđ]+)", re.IGNORECASE)
_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
_NUMBERING = re.compile(r"^\(?\d{1,3}\)?$")
_PLACES = re.compile(r"0\.(0+)")


class SentFileError(OperationError):
    """A file that cannot be read as the chosen form; the message says why, in Vietnamese."""


@dataclass
class SentFile:
    values: dict[str, object]  # figure id -> the cell's value (RATE#places: the rate's decimals)
    form_code: str | None  # the form the file names ("01-KQGQ"), when it names one
    period: tuple[date, date] | None  # the dates the title block states
    unit_name: str


def norm(text) -> str:
    """A heading as compared: NFC, lower case, single spaces."""
    if text is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def check_limit() -> int:
    """The size a sent report's file may have: REPORT_CHECK_MAX_BYTES (an installation may
    allow heavier copies, a unit's logo...), else MAX_BYTES."""
    from flask import current_app

    return int(current_app.config.get("REPORT_CHECK_MAX_BYTES", MAX_BYTES))


def read_sent(data: bytes, layout: Layout, *, max_bytes: int = MAX_BYTES) -> SentFile:
    """The total row's figures of `layout` from an .xlsx; SentFileError for anything else."""
    if not data:
        raise SentFileError(_("Tệp rỗng: không có số liệu nào."))
    if len(data) > max_bytes:
        raise SentFileError(
            _(
                "Tệp nặng %(size)s, vượt giới hạn %(max)s của một báo cáo: chưa đọc tệp.",
                size=fmt_size(len(data)),
                max=fmt_size(max_bytes),
            )
        )
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise SentFileError(
            _(
                "Đây là tệp Excel 97-2003 (.xls) hoặc tệp có mật khẩu: hãy mở bằng Excel, chọn "
                "Lưu thành (Save As) dạng .xlsx rồi tải lên lại."
            )
        )
    if not data.startswith(b"PK\x03\x04"):
        raise SentFileError(_("Tệp không phải bảng tính Excel (.xlsx)."))
    _check_zip(data)
    workbook = _open(data)
    try:
        return _read(workbook, layout)
    finally:
        workbook.close()


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unzipped = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SentFileError(_("Tệp bị hỏng: không mở được như một tệp Excel (.xlsx).")) from None
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise SentFileError(_("Đây là tệp Word (.docx), không phải bảng tính Excel (.xlsx)."))
        raise SentFileError(_("Tệp không phải bảng tính Excel (.xlsx)."))
    if unzipped > MAX_UNZIPPED:
        raise SentFileError(
            _(
                "Tệp Excel khi giải nén nặng %(size)s, vượt giới hạn %(max)s: chưa đọc tệp.",
                size=fmt_size(unzipped),
                max=fmt_size(MAX_UNZIPPED),
            )
        )


def _open(data: bytes):
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file: all mean the same here
        raise SentFileError(
            _("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx.")
        ) from None


def _cells(ws) -> list[list]:
    try:
        return [list(row) for row in ws.iter_rows(max_row=SCAN_ROWS, max_col=SCAN_COLUMNS)]
    except Exception:
        raise SentFileError(
            _("Không đọc được trang tính “%(sheet)s” của tệp Excel.", sheet=ws.title)
        ) from None


def _header_at(rows: list[list]) -> tuple[int, int] | None:
    """(row, column) of the 'STT' heading followed by 'Đơn vị'."""
    for r, row in enumerate(rows):
        texts = [norm(c.value) for c in row]
        for c in range(len(texts) - 1):
            if texts[c] == "stt" and texts[c + 1] == "đơn vị":
                return r, c
    return None


def _read(workbook, layout: Layout) -> SentFile:
    sheets = workbook.worksheets[:MAX_SHEETS]
    for ws in sheets:
        rows = _cells(ws)
        found = _header_at(rows)
        if found is not None:
            return _read_table(rows, *found, layout)
    raise SentFileError(
        _(
            "Không tìm thấy bảng số liệu theo mẫu trong tệp: cần dòng tiêu đề có cột “STT” và "
            "cột “Đơn vị”, như tệp .xlsx tải từ trang Báo cáo."
        )
    )


def _title_block(rows: list[list], header: int) -> tuple[str | None, tuple | None, str]:
    code = period = None
    unit_name = ""
    for row in rows[:header]:
        for cell in row:
            text = norm(cell.value)
            if not text:
                continue
            unit_name = unit_name or str(cell.value).strip()
            match = _FORM_CODE.search(text)
            if match and code is None:
                code = f"{int(match.group(1)):02d}-{match.group(2).upper()}"
            dates = _DATE.findall(text)
            if len(dates) >= 2 and period is None:
                try:
                    period = (parse_vn_date(dates[0]), parse_vn_date(dates[1]))
                except ValueError:
                    period = None
    return code, period, unit_name


def _read_table(rows: list[list], header: int, first: int, layout: Layout) -> SentFile:
    code, period, unit_name = _title_block(rows, header)
    if code is not None and code != layout.code:
        named = LAYOUTS[code].official_code if code in LAYOUTS else code.replace("-", "/")
        raise SentFileError(
            _(
                "Tệp là %(found)s, không phải %(chosen)s đã chọn: chọn lại mẫu báo cáo hoặc "
                "tải lên đúng tệp.",
                found=named,
                chosen=layout.official_code,
            )
        )
    top = rows[header]
    sub = rows[header + 1] if header + 1 < len(rows) else []
    columns: dict[tuple[str, str], int] = {}
    by_header: dict[str, list[int]] = {}
    group = ""
    for c in range(first + 2, len(top)):
        top_text = norm(top[c].value)
        sub_text = norm(sub[c].value) if c < len(sub) else ""
        if sub_text and not _NUMBERING.match(sub_text):
            group = top_text or group
            key = (group, sub_text)
        elif top_text:
            group = ""
            key = ("", top_text)
        else:
            continue
        columns.setdefault(key, c)
        by_header.setdefault(key[1], []).append(c)
    mapping: dict[str, int] = {}
    missing = []
    for column in layout.columns:
        at = columns.get((norm(column.group), norm(column.header)))
        if at is None and len(by_header.get(norm(column.header), [])) == 1:
            at = by_header[norm(column.header)][0]
        if at is None:
            missing.append(f"{column.group} / {column.header}" if column.group else column.header)
        else:
            mapping[column.figure] = at
    if missing:
        shown = "; ".join(missing[:5]) + ("…" if len(missing) > 5 else "")
        raise SentFileError(
            _(
                "Tệp không theo %(form)s: thiếu %(n)s cột (%(columns)s). Hãy dùng tệp .xlsx "
                "của mẫu này tải từ trang Báo cáo.",
                form=layout.official_code,
                n=len(missing),
                columns=shown,
            )
        )
    row = _total_row(rows, header, first, mapping)
    values: dict[str, object] = {}
    for figure, c in mapping.items():
        cell = row[c] if c < len(row) else None
        value = cell.value if cell is not None else None
        if figure == RATE and isinstance(value, int | float) and not isinstance(value, bool):
            fmt = str(getattr(cell, "number_format", "") or "")
            if "%" in fmt:
                value = value * 100
            places = _PLACES.search(fmt)
            values[f"{RATE}#places"] = len(places.group(1)) if places else None
            if "%" not in fmt and fmt.strip() in ("0", "#,##0"):
                values[f"{RATE}#places"] = 0
        values[figure] = value
    return SentFile(values, code, period, unit_name)


def _total_row(rows: list[list], header: int, first: int, mapping: dict[str, int]) -> list:
    """The 'Tổng cộng' row, or the table's only row of figures."""
    data = []
    for row in rows[header + 1 :]:
        label = norm(row[first + 1].value) if first + 1 < len(row) else ""
        if label in TOTAL_WORDS:
            return row
        cells = [row[c].value for c in mapping.values() if c < len(row)]
        texts = [norm(v) for v in cells if v is not None and norm(v)]
        if texts and all(_NUMBERING.match(t) for t in texts):
            continue  # the column numbers row: (1), (2)...
        stt = norm(row[first].value) if first < len(row) else ""
        if label.startswith("cảnh báo") or stt.startswith("cảnh báo"):
            break  # the export's warnings below the table
        if texts:
            data.append(row)
    if len(data) == 1:
        return data[0]
    if not data:
        raise SentFileError(_("Bảng trong tệp không có dòng số liệu nào."))
    raise SentFileError(
        _(
            "Không tìm thấy dòng “Tổng cộng” trong bảng (có %(n)s dòng số liệu): hãy ghi "
            "“Tổng cộng” ở cột “Đơn vị” của dòng tổng.",
            n=len(data),
        )
    )
