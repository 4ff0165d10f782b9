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
    book = _Book(path)
    try:
        sheets = list(book.sheets)
    finally:
        book.close()
    if not sheets:
        raise FileRefused("Tệp Excel không có trang tính nào.")
    return FileInfo("xlsx", sheets=sheets)


class _Book:
    """An .xlsx workbook opened once: its worksheets, shared strings and date styles, read by
    openpyxl's own readers of those parts, and each sheet's rows streamed from its XML here.
    openpyxl's read-only worksheets are not used: each parses its whole sheet for its size
    when the file has no <dimension> (the app's own export has none, and the import opened
    the file three times), and its cell objects cost some 20 us a cell. Close it with close()."""

    def __init__(self, path: str):
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet

        # Uploads are stored under names of their own, and openpyxl refuses a path without
        # an Excel extension: the content was recognised by inspect, the handle is given.
        self._handle = open(path, "rb")  # noqa: SIM115  closed by close()
        try:
            reader = ExcelReader(self._handle, read_only=True, data_only=True)
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            self.archive = reader.archive
            self.strings = reader.shared_strings
            self.epoch = reader.wb.epoch
            self.date_styles = frozenset(getattr(reader.wb, "_date_formats", ()) or ())
            self.timedelta_styles = frozenset(getattr(reader.wb, "_timedelta_formats", ()) or ())
            self.sheets = {
                sheet.name: rel.target
                for sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in (rel.Type or "")
            }
        except Exception:
            self._handle.close()
            raise FileRefused(
                "Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng .xlsx. Hãy mở "
                "bằng Excel và lưu lại."
            ) from None

    def close(self) -> None:
        self.archive.close()
        self._handle.close()

    def rows(self, target: str) -> Iterator[tuple[int, list]]:
        """The sheet's rows as (row number, values), the rows the file leaves out as empty
        ones up to the sheet's <dimension> (as openpyxl gives them): values as openpyxl's
        read-only mode gives them with data_only (a formula's computed value)."""
        from lxml import etree
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        strings, dates, spans = self.strings, self.date_styles, self.timedelta_styles
        epoch = self.epoch
        row_tag, cell_tag, value_tag = f"{_NS}row", f"{_NS}c", f"{_NS}v"
        inline_tag, text_tag, run_tag = f"{_NS}is", f"{_NS}t", f"{_NS}r"
        dim_tag = f"{_NS}dimension"
        last_row = 0
        dimension = 0
        numbers: dict[str, int] = {}  # a column's number by its letters (at most Excel's 16,384)
        with self.archive.open(target) as source:
            # libxml2 through lxml: only the rows come back to Python (a tag filter in C);
            # no entity is expanded, nothing is fetched, no huge tree.
            events = etree.iterparse(
                source,
                events=("end",),
                tag=(row_tag, dim_tag),
                resolve_entities=False,
                no_network=True,
                huge_tree=False,
            )
            for _, element in events:
                if element.tag == dim_tag:
                    ref = _cell_ref(element.get("ref", "").rpartition(":")[2])
                    dimension = ref[0] if ref else 0
                    continue
                number = element.get("r")
                number = int(number) if number else last_row + 1
                while last_row + 1 < number:
                    last_row += 1
                    yield last_row, []
                values: list = []
                column = 0
                for cell in element.iterchildren(cell_tag):
                    ref = cell.get("r")
                    if ref:
                        letters = ref.rstrip("0123456789")
                        column = numbers.get(letters) or numbers.setdefault(
                            letters, _column_number(letters)
                        )
                    else:
                        column += 1
                    kind = cell.get("t", "n")
                    value = None
                    if kind == "inlineStr":  # its text, or its runs' (not their phonetics)
                        inline = cell.find(inline_tag)
                        if inline is None:
                            pass
                        elif len(inline) == 1 and inline[0].tag == text_tag:
                            value = inline[0].text or ""
                        else:
                            value = "".join(
                                part.text or ""
                                if part.tag == text_tag
                                else part.findtext(text_tag, "")
                                for part in inline
                                if part.tag in (text_tag, run_tag)
                            )
                    else:
                        text = cell.findtext(value_tag) or None
                        if text is not None:
                            if kind == "n":
                                value = (
                                    float(text)
                                    if "." in text or "E" in text or "e" in text
                                    else int(text)
                                )
                                style = cell.get("s")
                                if style and int(style) in dates:
                                    try:
                                        value = from_excel(
                                            value, epoch, timedelta=int(style) in spans
                                        )
                                    except (OverflowError, ValueError):
                                        value = "#VALUE!"
                            elif kind == "s":
                                value = strings[int(text)]
                            elif kind == "b":
                                value = bool(int(text))
                            elif kind == "d":
                                value = from_ISO8601(text)
                            else:  # str (a formula's text), e (an error)
                                value = text
                    if value is None:
                        continue
                    if column > len(values):
                        values.extend([None] * (column - len(values)))
                    values[column - 1] = value
                element.clear()  # the rows read are dropped: constant memory
                while element.getprevious() is not None:
                    del element.getparent()[0]
                last_row = number
                yield number, values
        while last_row < dimension:
            last_row += 1
            yield last_row, []


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


MAX_COLUMNS = 16_384  # Excel's last column, XFD


def _column_number(letters: str) -> int:
    """The column of a cell reference's letters ("A" 1, "XFD" 16384); a reference beyond
    Excel's last column is a damaged file, refused before a row of that width is built."""
    number = 0
    for ch in letters[:4]:
        number = number * 26 + ord(ch) - 64
    if not 0 < number <= MAX_COLUMNS or len(letters) > 3:
        raise FileRefused(
            "Không đọc hết được trang tính: tệp Excel bị hỏng. Hãy mở bằng Excel và lưu lại."
        )
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
            self._workbook.close()
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
        self._workbook = book = _Book(self.path)
        if self.sheet and self.sheet not in book.sheets:
            raise FileRefused(f"Tệp không có trang tính “{self.sheet}”.")
        if not book.sheets:
            raise FileRefused("Tệp Excel không có trang tính nào.")
        target = book.sheets[self.sheet] if self.sheet else next(iter(book.sheets.values()))
        if self.scan:
            self._scan_sheet(book, target)
        try:
            for line, values in book.rows(target):
                yield line, [clean_text(v) if isinstance(v, str) else v for v in values]
        except FileRefused:
            raise
        except Exception:
            raise FileRefused(
                "Không đọc hết được trang tính: tệp Excel bị hỏng. Hãy mở bằng Excel và lưu lại."
            ) from None

    def _scan_sheet(self, book: _Book, target: str) -> None:
        """One streaming pass over the sheet's XML (expat, no tree) for merged ranges, formula
        cells that carry no computed value (neither shows in the values) and the last row (the
        progress bar's share)."""
        from xml.parsers import expat

        ns = _NS[1:]  # expat names an element "namespace}tag"
        cell_tag, formula_tag, value_tag = f"{ns}c", f"{ns}f", f"{ns}v"
        row_tag, merge_tag, dim_tag = f"{ns}row", f"{ns}mergeCell", f"{ns}dimension"
        state = {"ref": "", "formula": False, "value": False, "in_value": False, "count": 0}
        last = [0, 0]  # the last row seen, the dimension's

        def start(name, attrs):
            if name == cell_tag:
                state["ref"] = attrs.get("r", "")
                state["formula"] = state["value"] = False
            elif name == value_tag:
                state["in_value"] = True
            elif name == formula_tag:
                state["formula"] = True
            elif name == row_tag:
                number = attrs.get("r")
                last[0] = int(number) if number and number.isdigit() else last[0] + 1
            elif name == merge_tag:
                first, _, end = attrs.get("ref", "").partition(":")
                a, b = _cell_ref(first), _cell_ref(end or first)
                if a and b:
                    self.merged.append((a[0], a[1], b[0], b[1]))
            elif name == dim_tag:
                ref = _cell_ref(attrs.get("ref", "").rpartition(":")[2])
                last[1] = ref[0] if ref else 0

        def text(data):
            if state["in_value"] and data:
                state["value"] = True

        def end(name):
            if name == value_tag:
                state["in_value"] = False
            elif name == cell_tag and state["formula"] and not state["value"]:
                ref = _cell_ref(state["ref"])
                if ref and state["count"] < MAX_FORMULAS_REPORTED:
                    self.formulas.setdefault(ref[0], []).append(ref[1])
                    state["count"] += 1
                elif ref:
                    self.formulas_more = True

        try:
            holds = _may_hold_structure(book, target, last)
        except Exception:  # a damaged member of the archive (CRC, deflate stream)
            raise FileRefused(
                "Không đọc được trang tính: tệp Excel bị hỏng. Hãy mở bằng Excel và lưu lại."
            ) from None
        if not holds:
            self.total = max(last) or None
            return
        # expat >= 2.4.1 refuses entity bombs; no DTD or external entity is read.
        parser = expat.ParserCreate(namespace_separator="}")
        parser.StartElementHandler, parser.EndElementHandler = start, end
        parser.CharacterDataHandler = text
        parser.buffer_text = True
        try:
            with book.archive.open(target) as source:
                parser.ParseFile(source)
        except Exception:
            raise FileRefused(
                "Không đọc được trang tính: tệp Excel bị hỏng. Hãy mở bằng Excel và lưu lại."
            ) from None
        self.total = max(last) or None


_STRUCTURE = re.compile(rb"<(?:[\w.-]+:)?(?:f|mergeCell)[\s>/]")
_ROW = re.compile(rb"<(?:[\w.-]+:)?row[\s>]")
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s[^>]*ref="[A-Z]*\d*:?[A-Z]*(\d+)"')


def _may_hold_structure(book: _Book, target: str, last: list[int]) -> bool:
    """Whether the sheet's XML holds a formula or a merged range at all (a byte search, some
    50 times cheaper than parsing it): most registers hold neither, and then the scan is done.
    Counts the rows meanwhile (last[0]) and reads the <dimension> (last[1]), for the bar."""
    tail, found = b"", False
    with book.archive.open(target) as source:
        while chunk := source.read(1 << 20):
            text = tail + chunk
            cut = max(len(text) - 64, 0)
            found = found or _STRUCTURE.search(text) is not None
            last[0] += sum(1 for m in _ROW.finditer(text) if m.start() < cut)
            if not last[1] and (m := _DIMENSION.search(text)):
                last[1] = int(m[1])
            tail = text[cut:]
    last[0] += len(_ROW.findall(tail))
    return found


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
