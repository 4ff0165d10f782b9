"""Opening balances from a file (kê khai đầu kỳ từ tệp): one row per unit, date and kind of
petition, read from .xlsx or .csv as the register files are (reader.py), checked row by row
through the rules of the page (balances.refusals, balances.amount_refusals), then saved all or
nothing, each declaration through balances.save as the page saves it.

The page (registers/views.py) and the command (`flask import-balances`, balance_cli.py) both
call read() then, unless it is a dry run, save(). The format is in docs/register-format.md
("Số liệu kỳ trước chuyển sang"); COLUMNS below is its table, the template's header and what
the headers are matched against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_int
from complaints.core.sheets import print_setup
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.registers import balances
from complaints.registers import layout as L
from complaints.registers import reader as R
from complaints.registers.balances import FIELDS, Amounts
from complaints.registers.rows import Cells, shown
from complaints.units.models import Unit

MAX_ROWS = 5000  # rows of one file: a province's units, three kinds, a few dates
MAX_SHOWN = 500  # problems listed on the page (the command prints them all)
_INTEGER = "Số nguyên từ 0; ô trống là 0."
DASHES = ("-", "–", "—")  # a printed table's "none"
_GROUPED = re.compile(r"\d{1,3}(?:[., ]\d{3})+")  # 1.234 or 1,234 or 1 234

COLUMNS: tuple[L.Column, ...] = (
    L.Column(
        "unit_code",
        "Mã đơn vị",
        "Đơn vị kê khai (mã như trong trang Đơn vị)",
        "Bỏ trống khi chọn đơn vị khi nhập (trên trang, hoặc --unit ở dòng lệnh).",
        ("Đơn vị", "Mã ĐV", "Mã cơ quan"),
    ),
    L.Column(
        "as_of",
        "Ngày kê khai",
        "Ngày đầu kỳ báo cáo đầu tiên trên hệ thống",
        "dd/mm/yyyy, d/m/yy, yyyy-mm-dd hoặc ô ngày của Excel; không sau hôm nay, không trước "
        "năm 2000.",
        ("Ngày", "Tại ngày", "Ngày đầu kỳ", "Ngày chuyển sang"),
        True,
    ),
    L.Column(
        "kind",
        "Loại đơn",
        "Loại đơn của các số liệu trên dòng",
        "Khiếu nại (KN), Tố cáo (TC), Kiến nghị, phản ánh (KNPA, PA).",
        ("Loại", "Phân loại đơn"),
        True,
    ),
    L.Column(
        "petitions",
        "Số đơn",
        "Đơn chưa xử lý xong (kỳ trước chuyển sang)",
        _INTEGER,
        (
            "Đơn chưa xử lý xong (kỳ trước chuyển sang)",
            "Đơn chưa xử lý xong",
            "Đơn kỳ trước chuyển sang",
            "Số đơn kỳ trước chuyển sang",
        ),
        True,
    ),
    L.Column(
        "cases",
        "Số vụ việc",
        "Vụ việc thuộc thẩm quyền chưa giải quyết xong",
        _INTEGER,
        (
            "Vụ việc thuộc thẩm quyền chưa giải quyết xong",
            "Vụ việc chưa giải quyết xong",
            "Vụ việc kỳ trước chuyển sang",
            "Số vụ việc kỳ trước chuyển sang",
            "Vụ việc",
        ),
        True,
    ),
    L.Column(
        "case_petitions",
        "Số đơn của các vụ việc",
        "Số đơn của các vụ việc đó",
        "Số nguyên, không ít hơn số vụ việc; ô trống là 0.",
        ("Số đơn của các vụ việc đó", "Đơn của các vụ việc"),
        True,
    ),
    L.Column(
        "note",
        "Ghi chú",
        "Ghi chú của kê khai",
        "Các dòng cùng đơn vị và ngày: các ghi chú khác nhau được nối bằng “; ”.",
    ),
)
REQUIRED = tuple(c.field for c in COLUMNS if c.required)


class BalanceFileError(OperationError):
    """A file with problems: nothing of it is saved; `plan` lists every problem."""

    def __init__(self, plan: Plan):
        super().__init__(
            f"Tệp có {fmt_int(len(plan.problems))} lỗi: không lưu kê khai nào. Sửa tệp rồi "
            "tải lên lại."
        )
        self.plan = plan


@dataclass
class Problem:
    line: int | None  # the file's row number; None: the file as a whole
    column: str  # the column as the file names it; "" for the whole row or file
    message: str

    def __str__(self) -> str:
        where = f"Dòng {self.line}" if self.line else "Tệp"
        column = f", cột “{self.column}”" if self.column else ""
        return f"{where}{column}: {self.message}"


@dataclass
class Planned:
    """A declaration the file makes: a unit's amounts per kind on a date."""

    unit: Unit
    as_of: date
    amounts: dict[PetitionKind, Amounts] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    before: balances.Declaration | None = None  # the saved declaration it corrects
    overlap: int = 0  # petitions in the app it would count twice (balances.overlap)

    @property
    def note(self) -> str:
        return "; ".join(self.notes)

    @property
    def full(self) -> dict[PetitionKind, Amounts]:
        """Every kind, as saved: a kind without a row is declared 0, as on the page."""
        return {k: self.amounts.get(k) or Amounts() for k in PetitionKind}

    @property
    def totals(self) -> Amounts:
        return balances.Declaration(self.unit, self.as_of, self.full).totals


@dataclass
class Plan:
    """What a file would save, or why it cannot be saved."""

    filename: str
    rows: int = 0  # data rows read (blank rows not counted)
    declarations: list[Planned] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.declarations)

    def problem(self, line: int | None, column: str, message: str) -> None:
        self.problems.append(Problem(line, column, message))

    @property
    def by_kind(self) -> dict[PetitionKind, Amounts]:
        """The file's totals per kind, over every declaration."""
        return {
            kind: Amounts(
                *(sum(getattr(d.full[kind], f) for d in self.declarations) for f in FIELDS)
            )
            for kind in PetitionKind
        }

    @property
    def totals(self) -> Amounts:
        return Amounts(*(sum(getattr(a, f) for a in self.by_kind.values()) for f in FIELDS))

    @property
    def corrected(self) -> int:
        return sum(1 for d in self.declarations if d.before is not None)

    @property
    def units(self) -> int:
        return len({d.unit.id for d in self.declarations})


# --- reading --------------------------------------------------------------------------------


def read(
    actor,
    path: str,
    *,
    filename: str,
    today: date,
    default_unit: Unit | None = None,
    scope: Unit | None = None,
) -> Plan:
    """Read and check a file of opening balances; writes nothing. `actor`: the user whose
    scope the units must be in (None: a command); `default_unit`: the unit of rows without a
    unit code; `scope`: a command's --unit, limiting the file to that unit and those below.
    A file that is no table at all raises reader.FileRefused."""
    from complaints.registers import importer

    info = R.inspect(
        path,
        max_bytes=int(importer.setting("REGISTER_IMPORT_MAX_BYTES")),
        max_unzipped=int(importer.setting("REGISTER_IMPORT_MAX_UNZIPPED")),
    )
    plan = Plan(filename)
    sheet, header_line, headers, mapping = _find_header(path, info)
    labels = {c.field: _label(c, headers, mapping) for c in COLUMNS}
    missing = [c for c in COLUMNS if c.required and c.field not in mapping]
    if "unit_code" not in mapping and default_unit is None:
        missing.insert(0, COLUMNS[0])
    if missing:
        found = ", ".join(f"“{h}”" for h in headers if h) or "(không có)"
        for col in missing:
            plan.problem(
                header_line,
                col.header,
                f"Không tìm thấy cột “{col.header}” (dòng tiêu đề {header_line}; các cột của "
                f"tệp: {found})."
                + (
                    " Hoặc chọn đơn vị cho các dòng không ghi mã."
                    if col.field == "unit_code"
                    else ""
                ),
            )
        return plan
    rows = []
    for line, cells, formulas in _rows(path, info, sheet, header_line, mapping):
        rows.append((line, cells))
        for name in formulas:
            plan.problem(
                line,
                labels[name],
                "Ô có công thức chưa có kết quả tính: mở tệp bằng Excel và lưu lại (hoặc dán "
                "giá trị: Paste Special → Values).",
            )
        if len(rows) > MAX_ROWS:
            plan.problem(
                None,
                "",
                f"Tệp có hơn {fmt_int(MAX_ROWS)} dòng kê khai: hãy tách thành nhiều tệp.",
            )
            return plan
    plan.rows = len(rows)
    if not rows:
        plan.problem(None, "", "Tệp không có dòng kê khai nào dưới dòng tiêu đề.")
        return plan
    _check(plan, rows, labels, actor, default_unit, scope, today)
    return plan


def _label(column: L.Column, headers: list[str], mapping: dict[str, int]) -> str:
    """How a problem names its column: the file's own header when it has the column."""
    index = mapping.get(column.field)
    if index is not None and index < len(headers) and headers[index]:
        return headers[index]
    return column.header


def _find_header(path: str, info: R.FileInfo) -> tuple[str, int, list[str], dict[str, int]]:
    """The sheet and row, among the first ones, whose headers match the most columns."""
    best: tuple[int, str, int, list[str], dict[str, int]] | None = None
    for sheet in info.sheets[:20] or [""]:
        with R.RowReader(path, info, sheet, scan=False) as reader:
            for line, values in reader.rows():
                if line > R.HEADER_SCAN_ROWS:
                    break
                headers = [R.header_text(v) for v in values]
                mapping = L.match_columns(COLUMNS, headers)
                score = sum(10 for f in REQUIRED if f in mapping) + len(mapping)
                if best is None or score > best[0]:
                    best = (score, sheet, line, headers, mapping)
    if best is None:
        raise R.FileRefused("Tệp không có dòng nào.")
    _score, sheet, line, headers, mapping = best
    while headers and not headers[-1]:
        headers.pop()
    return sheet, line, headers, mapping


def _rows(path: str, info: R.FileInfo, sheet: str, header_line: int, mapping: dict[str, int]):
    """(line, cells, columns holding unevaluated formulas) of each non-blank row below the
    header; a merged cell (a unit or a date written once for its three kinds) gives its value
    to every row it covers."""
    wanted = {i + 1 for i in mapping.values()}  # 1-based, as the merged ranges are
    with R.RowReader(path, info, sheet) as reader:
        merged = None
        held: dict[tuple[int, int, int, int], object] = {}
        for line, values in reader.rows():
            if merged is None:
                merged = [
                    m
                    for m in reader.merged
                    if m[2] > header_line and any(m[1] <= c <= m[3] for c in wanted)
                ]
            if line <= header_line:
                continue
            values = list(values)
            for m in merged:
                r1, c1, r2, c2 = m
                if line == r1:
                    held[m] = values[c1 - 1] if c1 - 1 < len(values) else None
                elif r1 < line <= r2:
                    if len(values) < c2:
                        values += [None] * (c2 - len(values))
                    for c in range(c1, c2 + 1):
                        values[c - 1] = held.get(m)
            if line == header_line + 1 and R.is_numbering_row(values):
                continue
            cells = Cells(values, mapping)
            if cells.is_blank():
                continue
            formulas = [
                name for name, i in mapping.items() if i + 1 in reader.formulas.get(line, ())
            ]
            yield line, cells, formulas


def amount(value):
    """A cell as a whole number: blank or a dash is 0; "1.234" (grouped digits) is 1234;
    anything else is given back as it is, for the rule of the page to refuse."""
    if R.is_empty(value) or (isinstance(value, str) and value.strip() in DASHES):
        return 0
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    text = str(value).strip().replace("\u00a0", " ")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("-").strip()
    if digits.isdigit() or _GROUPED.fullmatch(digits):
        return sign * int(re.sub(r"[., ]", "", digits))
    return value


def _check(plan: Plan, rows, labels, actor, default_unit, scope, today) -> None:
    """Every row through the page's rules, the file's own (units known, no row twice), then
    the rows grouped into declarations, with what they correct and overlap."""
    codes = {cells.text("unit_code").upper() for _line, cells in rows}
    codes.discard("")
    units = {
        u.code.upper(): u
        for u in db.session.scalars(sa.select(Unit).where(sa.func.upper(Unit.code).in_(codes)))
    }
    column_of = {"unit_id": labels["unit_code"], "as_of": labels["as_of"]}
    seen: dict[tuple[int, date, PetitionKind], int] = {}
    groups: dict[tuple[int, date], Planned] = {}
    failed: set[int] = {p.line for p in plan.problems if p.line}
    for line, cells in rows:
        before = len(plan.problems)
        unit = _unit(plan, line, cells, labels, units, default_unit, scope)
        as_of, dated = None, True
        try:
            as_of = L.parse_date(cells.raw("as_of"))
        except L.DateError:
            dated = False
            plan.problem(
                line,
                labels["as_of"],
                f"Ngày kê khai không hợp lệ: “{shown(cells.raw('as_of'))}” (viết dd/mm/yyyy, "
                "d/m/yy, yyyy-mm-dd hoặc dùng ô ngày của Excel).",
            )
        if dated:
            for name, message in balances.refusals(actor, unit, as_of, today=today):
                plan.problem(line, column_of[name], message)
        kind = _kind(plan, line, cells, labels)
        identified = len(plan.problems) == before and as_of is not None and kind is not None
        given = Amounts(*(amount(cells.raw(name)) for name in FIELDS))
        clean, refused = balances.amount_refusals(given)
        for name, message in refused:
            # A refused cell is saved as 0: quote what it holds (not for cases > petitions).
            quoted = getattr(given, name) != getattr(clean, name)
            found = f" (ô ghi “{shown(cells.raw(name))}”)" if quoted else ""
            plan.problem(line, labels[name], message[0].upper() + message[1:] + found)
        if identified:
            key = (unit.id, as_of, kind)
            if key in seen:
                plan.problem(
                    line,
                    labels["kind"],
                    f"Trùng với dòng {seen[key]}: cùng đơn vị {unit.code}, ngày kê khai "
                    f"{as_of:%d/%m/%Y} và loại đơn “{kind.label}”.",
                )
            else:
                seen[key] = line
        if len(plan.problems) > before or line in failed:
            continue
        planned = groups.setdefault((unit.id, as_of), Planned(unit, as_of))
        planned.amounts[kind] = clean
        planned.lines.append(line)
        note = cells.text("note")
        if note and note not in planned.notes:
            planned.notes.append(note)
    plan.problems.sort(key=lambda p: p.line or 0)
    plan.declarations = sorted(groups.values(), key=lambda d: (d.unit.code, d.as_of))
    pairs = list(groups)
    saved = balances.existing(pairs)
    counted = balances.overlaps(pairs)
    for key, planned in groups.items():
        planned.before = saved.get(key)
        planned.overlap = counted.get(key, 0)


def _unit(plan: Plan, line: int, cells: Cells, labels, units, default_unit, scope) -> Unit | None:
    code = cells.text("unit_code").upper()
    if not code:
        if default_unit is None:
            plan.problem(
                line,
                labels["unit_code"],
                "Thiếu mã đơn vị (hoặc chọn đơn vị cho các dòng không ghi mã).",
            )
        return default_unit
    unit = units.get(code)
    if unit is None:
        plan.problem(
            line, labels["unit_code"], f"Không có đơn vị mã “{shown(code)}” trong hệ thống."
        )
    elif scope is not None and not unit.path.startswith(scope.path):
        plan.problem(
            line,
            labels["unit_code"],
            f"Đơn vị {unit.code} nằm ngoài đơn vị đã chọn ({scope.code}) và các đơn vị trực thuộc.",
        )
    return unit


def _kind(plan: Plan, line: int, cells: Cells, labels) -> PetitionKind | None:
    text = cells.text("kind")
    if not text:
        plan.problem(line, labels["kind"], "Thiếu loại đơn.")
        return None
    kind = L.parse_coded("kind", text)
    if kind is None:
        plan.problem(
            line,
            labels["kind"],
            f"Không nhận ra loại đơn “{shown(text)}”: ghi Khiếu nại, Tố cáo hoặc Kiến nghị, "
            "phản ánh.",
        )
    return kind


# --- saving ---------------------------------------------------------------------------------


def save(actor, plan: Plan, *, today: date) -> list[Planned]:
    """Save every declaration of a checked file, each as the page saves it (one audited event
    each); a file with any problem saves nothing. The caller's transaction commits."""
    if plan.problems:
        raise BalanceFileError(plan)
    if not plan.declarations:
        raise balances.BalanceError("Tệp không có kê khai nào để lưu.")
    for planned in plan.declarations:
        balances.save(
            actor, planned.unit, planned.as_of, planned.full, today=today, note=planned.note
        )
    return plan.declarations


# --- the template ---------------------------------------------------------------------------


def write_template(target) -> None:
    """An empty file in the format, with a sheet of instructions and an example."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "Kê khai đầu kỳ"
    ws.append([c.header for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (12, 14, 20, 10, 12, 22, 40), strict=True):
        ws.column_dimensions[letter].width = width
    print_setup(ws, landscape=True, title_rows=(1, 1))  # 130 characters wide
    kinds = DataValidation(
        type="list",
        formula1='"' + ",".join(k.label.replace(",", "") for k in PetitionKind) + '"',
        allow_blank=True,
    )
    ws.add_data_validation(kinds)
    kinds.add(f"C2:C{MAX_ROWS + 1}")
    help_sheet = wb.create_sheet("Hướng dẫn")
    help_sheet.column_dimensions["A"].width = 110
    for text in HELP:
        help_sheet.append([text])
    print_setup(help_sheet, landscape=False)
    wb.save(target)


HELP = (
    "Số liệu kỳ trước chuyển sang (kê khai đầu kỳ): mỗi dòng một đơn vị, một ngày kê khai, một "
    "loại đơn.",
    "Mã đơn vị: như trong trang Đơn vị; bỏ trống thì dùng đơn vị chọn khi nhập.",
    "Ngày kê khai: ngày đầu kỳ báo cáo đầu tiên trên hệ thống (ví dụ 15/06/2026), không sau hôm "
    "nay.",
    "Loại đơn: Khiếu nại, Tố cáo, hoặc Kiến nghị phản ánh (KN, TC, KNPA cũng được).",
    "Số đơn: đơn chưa xử lý xong (kỳ trước chuyển sang); Số vụ việc: vụ việc thuộc thẩm quyền "
    "chưa giải quyết xong; Số đơn của các vụ việc: không ít hơn số vụ việc. Ô trống là 0.",
    "Loại đơn không có dòng được kê khai bằng 0 (như trên trang). Kê khai đã có cùng đơn vị và "
    "ngày được sửa theo tệp.",
    "Tệp có lỗi thì không lưu gì: hãy bấm “Kiểm tra trước (không ghi)” trước khi lưu.",
    "",
    "Ví dụ (trang tính “Kê khai đầu kỳ”):",
    "HPLC | 15/06/2026 | Khiếu nại | 12 | 4 | 6 | Sổ đơn giấy 2026",
    "HPLC | 15/06/2026 | Tố cáo | 3 | 1 | 1 |",
    "HPHA | 15/06/2026 | Kiến nghị, phản ánh | 5 | 0 | 0 |",
)
