"""Reading a register file as it comes from an office: .xlsx or .csv recognised by content,
CSV in UTF-8 (with or without BOM), UTF-16 or Windows-1258, merged cells and unevaluated
formulas found before any row is read, rows streamed one at a time (constant memory).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import iterparse

import filetype

from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_size
from complaints.registers.layout import COLUMNS, kind_score
from complaints.registers.models import RegisterKind

SAMPLE_BYTES = 1024 * 1024  # read to recognise the encoding and the delimiter
HEADER_SCAN_ROWS = 30  # the header row is looked for among the first rows
MAX_MERGED_REPORTED = 200
MAX_FORMULAS_REPORTED = 500
DELIMITERS = (",", ";", "\t")
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REF = re.compile(r"^([A-Z]+)(\d+)$")
_NUMBERING = re.compile(r"^\(?\d{1,2}\)?$")
# CSV cells written by the export with a protective quote (a value starting like a formula).
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")
csv.field_size_limit(1024 * 1024)


class FileRefused(OperationError):
    """The file cannot be read as a register; the message tells the user why, in Vietnamese."""


@dataclass
class FileInfo:
    format: str  # xlsx | csv
    encoding: str = ""
    delimiter: str = ""
    sheets: list[str] = field(default_factory=list)


# --- what the file is -----------------------------------------------------------------------


def inspect(path: str, *, max_bytes: int, max_unzipped: int) -> FileInfo:
    """Check the size first, then recognise the file by its content, never by its name."""
    size = os.path.getsize(path)
    if size > max_bytes:
        raise FileRefused(
            f"Tệp nặng {fmt_size(size)}, vượt giới hạn {fmt_size(max_bytes)} cho một lần nhập. "
            "Chưa đọc tệp. Hãy tách sổ thành nhiều tệp (ví dụ theo năm hoặc theo quý)."
        )
    if size == 0:
        raise FileRefused("Tệp rỗng: không có dữ liệu nào để nhập.")
    with open(path, "rb") as f:
        head = f.read(SAMPLE_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return _inspect_zip(path, max_unzipped)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise FileRefused(
            "Đây là tệp Excel 97-2003 (.xls) hoặc tệp Office có mật khẩu: chưa đọc được. Mở tệp "
            "bằng Excel, bỏ mật khẩu nếu có, chọn Lưu thành (Save As) dạng .xlsx hoặc .csv rồi "
            "tải lên lại."
        )
    guessed = filetype.guess(head[:8192])
    if guessed is not None and guessed.extension not in ("xlsx", "zip"):
        raise FileRefused(
            f"Đây là tệp {guessed.extension.upper()} ({guessed.mime}), không phải bảng tính. "
            "Chỉ nhập được tệp Excel (.xlsx) hoặc CSV."
        )
    encoding = detect_encoding(head, complete=size <= SAMPLE_BYTES)
    text = _decode_sample(head, encoding)
    delimiter = detect_delimiter(text)
    return FileInfo("csv", encoding=encoding, delimiter=delimiter)


def _inspect_zip(path: str, max_unzipped: int) -> FileInfo:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            unzipped = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise FileRefused("Tệp nén bị hỏng: không mở được như một tệp Excel (.xlsx).") from None
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise FileRefused("Đây là tệp Word (.docx), không phải bảng tính Excel.")
        if "content.xml" in names:
            raise FileRefused(
                "Đây là tệp OpenDocument (.ods/.odt): hãy lưu lại dạng .xlsx hoặc .csv rồi tải lên."
            )
        raise FileRefused("Đây là một tệp nén (zip), không phải bảng tính Excel (.xlsx).")
    if unzipped > max_unzipped:
        raise FileRefused(
            f"Tệp Excel khi giải nén nặng {fmt_size(unzipped)}, vượt giới hạn "
            f"{fmt_size(max_unzipped)}: hãy tách sổ thành nhiều tệp."
        )
    try:
        workbook = _open_workbook(path)
    except FileRefused:
        raise
    try:
        sheets = [ws.title for ws in workbook.worksheets]
    finally:
        _close_workbook(workbook)
    if not sheets:
        raise FileRefused("Tệp Excel không có trang tính nào.")
    return FileInfo("xlsx", sheets=sheets)


def _open_workbook(path: str):
    """The workbook of the file at `path`, whatever the file is called: uploads are stored
    under names of their own, and openpyxl refuses a path without an Excel extension (the
    content was recognised by inspect). Close it with _close_workbook."""
    from openpyxl import load_workbook

    handle = open(path, "rb")  # noqa: SIM115  closed by _close_workbook
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception:
        handle.close()
        raise FileRefused(
            "Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx. Hãy mở bằng "
            "Excel và lưu lại."
        ) from None
    workbook._complaints_handle = handle
    return workbook


def _close_workbook(workbook) -> None:
    workbook.close()
    handle = getattr(workbook, "_complaints_handle", None)
    if handle is not None:
        handle.close()


def detect_encoding(sample: bytes, *, complete: bool) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1258 (the old Vietnamese
    code page); anything with NUL bytes or control characters is not a text table."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise FileRefused("Tệp không phải bảng tính: có dữ liệu nhị phân (không phải văn bản).")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1258")
    except UnicodeDecodeError:
        raise FileRefused(
            "Không nhận ra bảng mã của tệp CSV (không phải UTF-8 hay Windows-1258). Hãy lưu lại "
            "từ Excel dạng “CSV UTF-8”."
        ) from None
    return "cp1258"


def _decode_sample(sample: bytes, encoding: str) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
    if controls > max(3, len(text) // 200):
        raise FileRefused(
            "Tệp không phải bảng tính: có nhiều ký tự điều khiển, không phải văn bản."
        )
    return text


def detect_delimiter(text: str) -> str:
    """The delimiter giving the most columns over the first records (comma first on ties)."""
    best, best_width = "", 1
    for delimiter in DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(text), delimiter=delimiter)
            width = max((len(r) for _, r in zip(range(40), reader, strict=False)), default=0)
        except csv.Error:
            continue
        if width > best_width:
            best, best_width = delimiter, width
    if not best:
        raise FileRefused(
            "Không nhận ra bảng tính: tệp văn bản không có các cột phân cách bằng dấu phẩy, "
            "dấu chấm phẩy hoặc tab. Chỉ nhập được tệp Excel (.xlsx) hoặc CSV."
        )
    return best


# --- rows ----------------------------------------------------------------------------------


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _cell_ref(ref: str) -> tuple[int, int] | None:
    m = _REF.match(ref or "")
    return (int(m[2]), _column_number(m[1])) if m else None


def clean_text(value: str) -> str:
    """Composed Unicode (Windows-1258 text arrives with separate tone marks)."""
    return unicodedata.normalize("NFC", value)


class RowReader:
    """The rows of one sheet (or of the CSV) as (row number, values), one at a time.

    Before the rows, an .xlsx sheet is scanned once for merged cells and for formulas without a
    computed value (a file written by a program and never opened in Excel): both would silently
    become empty cells, so the dry run reports them instead.
    """

    def __init__(self, path: str, info: FileInfo, sheet: str = "", *, scan: bool = True):
        self.path, self.info, self.sheet, self.scan = path, info, sheet, scan
        self.merged: list[tuple[int, int, int, int]] = []  # min_row, min_col, max_row, max_col
        self.formulas: dict[int, list[int]] = {}  # row -> columns holding unevaluated formulas
        self.formulas_more = False
        self.total: int | None = None
        self._bytes_read = 0
        self._size = os.path.getsize(path)
        self._workbook = None
        self._file = None

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._workbook is not None:
            _close_workbook(self._workbook)
            self._workbook = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def fraction(self, row: int) -> float | None:
        """How far through the file the reader is (None when it cannot tell)."""
        if self.info.format == "csv":
            return min(1.0, self._bytes_read / self._size) if self._size else None
        return min(1.0, row / self.total) if self.total else None

    def rows(self) -> Iterator[tuple[int, list]]:
        if self.info.format == "xlsx":
            yield from self._xlsx_rows()
        else:
            yield from self._csv_rows()

    def _csv_rows(self) -> Iterator[tuple[int, list]]:
        reader = self

        class Counting(io.RawIOBase):
            def __init__(self, raw):
                self.raw = raw

            def readable(self):
                return True

            def readinto(self, buffer):
                n = self.raw.readinto(buffer)
                reader._bytes_read += n or 0
                return n

        self._file = open(self.path, "rb")  # noqa: SIM115  closed by close()
        text = io.TextIOWrapper(
            io.BufferedReader(Counting(self._file)), encoding=self.info.encoding, newline=""
        )
        records = csv.reader(text, delimiter=self.info.delimiter or ",")
        line = 0
        try:
            for record in records:
                line += 1
                yield line, [_unescape(clean_text(v)) for v in record]
        except UnicodeDecodeError:
            raise FileRefused(
                f"Tệp CSV không đúng bảng mã {self.info.encoding} từ khoảng dòng {line + 1}: "
                "có ký tự không đọc được. Hãy lưu lại từ Excel dạng “CSV UTF-8”."
            ) from None
        except csv.Error as e:
            raise FileRefused(f"Tệp CSV hỏng ở dòng {line + 1}: {e}.") from None

    def _xlsx_rows(self) -> Iterator[tuple[int, list]]:
        self._workbook = workbook = _open_workbook(self.path)
        names = [ws.title for ws in workbook.worksheets]
        if self.sheet and self.sheet not in names:
            raise FileRefused(f"Tệp không có trang tính “{self.sheet}”.")
        ws = workbook[self.sheet] if self.sheet else workbook.worksheets[0]
        if self.scan:
            self._scan_sheet(workbook, ws)
        self.total = ws.max_row
        try:
            for line, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
                yield line, [clean_text(v) if isinstance(v, str) else v for v in values]
        except FileRefused:
            raise
        except Exception:
            raise FileRefused(
                "Không đọc hết được trang tính: tệp Excel bị hỏng. Hãy mở bằng Excel và lưu lại."
            ) from None

    def _scan_sheet(self, workbook, ws) -> None:
        """One streaming pass over the sheet's XML for merged ranges and formula cells that
        carry no computed value (openpyxl's read-only mode shows neither)."""
        path = getattr(ws, "_worksheet_path", None)
        archive = getattr(workbook, "_archive", None)
        if not path or archive is None:
            return
        formulas = 0
        try:
            with archive.open(path) as source:
                # The stdlib parser openpyxl itself uses; expat >= 2.4.1 refuses entity bombs.
                for _, element in iterparse(source, events=("end",)):  # noqa: S314
                    tag = element.tag
                    if tag == f"{_NS}c":
                        formula = element.find(f"{_NS}f")
                        value = element.find(f"{_NS}v")
                        if formula is not None and (value is None or not (value.text or "")):
                            ref = _cell_ref(element.get("r", ""))
                            if ref and formulas < MAX_FORMULAS_REPORTED:
                                self.formulas.setdefault(ref[0], []).append(ref[1])
                                formulas += 1
                            elif ref:
                                self.formulas_more = True
                        element.clear()
                    elif tag == f"{_NS}row":
                        element.clear()
                    elif tag == f"{_NS}mergeCell":
                        first, _, last = element.get("ref", "").partition(":")
                        a, b = _cell_ref(first), _cell_ref(last or first)
                        if a and b:
                            self.merged.append((a[0], a[1], b[0], b[1]))
        except Exception:
            raise FileRefused(
                "Không đọc được trang tính: tệp Excel bị hỏng. Hãy mở bằng Excel và lưu lại."
            ) from None


def _unescape(value: str) -> str:
    """Undo the export's protective quote: "'=x" was written for "=x" ("''=x" for "'=x")."""
    return value[1:] if _ESCAPED.match(value) else value


def escape_csv(value: str) -> str:
    """A text that a spreadsheet would take for a formula gets a protective quote."""
    return "'" + value if _ESCAPED.match("'" + value) else value


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- the header row -----------------------------------------------------------------------


@dataclass
class HeaderGuess:
    row: int
    headers: list[str]
    kind: RegisterKind | None
    first_data_row: int


def header_text(value) -> str:
    if is_empty(value):
        return ""
    return " ".join(str(value).split())


def guess_header(reader: RowReader, kind: RegisterKind | None = None) -> HeaderGuess:
    """The row among the first ones that looks most like a register's header."""
    scanned: list[tuple[int, list]] = []
    for line, values in reader.rows():
        scanned.append((line, values))
        if len(scanned) >= HEADER_SCAN_ROWS:
            break
    kinds = [RegisterKind(kind)] if kind else list(COLUMNS)
    best: tuple[int, int, RegisterKind | None] = (0, 0, None)
    for line, values in scanned:
        headers = [header_text(v) for v in values]
        for k in kinds:
            score = kind_score(k, headers)
            if score > best[0]:
                best = (score, line, k)
    score, line, found = best
    if score < 20:  # fewer than two required columns recognised: let the user say
        line = next((n for n, v in scanned if any(not is_empty(x) for x in v)), 1)
        found = RegisterKind(kind) if kind else None
    values = next((v for n, v in scanned if n == line), [])
    headers = [header_text(v) for v in values]
    while headers and not headers[-1]:
        headers.pop()
    first_data = line + 1
    following = next((v for n, v in scanned if n == line + 1), None)
    if following is not None and is_numbering_row(following):
        first_data += 1
    return HeaderGuess(line, headers, found, first_data)


def is_numbering_row(values) -> bool:
    """The row of column numbers printed under an official form's header: (1) (2) (3)..."""
    cells = [header_text(v) for v in values if not is_empty(v)]
    return len(cells) >= 3 and all(_NUMBERING.match(c) for c in cells)
