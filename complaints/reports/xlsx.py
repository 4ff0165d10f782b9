"""Reports as .xlsx laid out like the official forms: title block, two header rows with
merged group cells, a row per sub-unit and the total; numbers stored as numbers. The summary:
its sentence, then its figures as a table (and each kind's apart). Every sheet prints on A4,
fitted to the width, its header rows repeated on each page (core/sheets.py)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from complaints.core.sheets import print_setup
from complaints.reports.convention import KIND_NAMES
from complaints.reports.figures import (
    LABELS,
    SUMMARY_KIND_FIGURES,
    SUMMARY_OWN_UNIT,
    summary_figures,
)
from complaints.reports.service import Report

RATE = "competent.resolution_rate"

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def to_xlsx(report: Report) -> bytes:
    """The report as an Excel workbook (bytes)."""
    wb = Workbook()
    ws = wb.active
    ws.title = report.layout.code if report.layout else "Tom tat"
    columns = report.columns
    width = len(columns) + 2
    last = get_column_letter(width)
    ws.merge_cells(f"A1:{get_column_letter(max(width // 2, 2))}1")
    ws["A1"] = report.unit.name.upper()
    ws["A1"].font = Font(bold=True)
    ws.merge_cells(f"A2:{last}2")
    ws["A2"] = (report.layout.official_code + " - " if report.layout else "") + (
        report.layout.title.upper() if report.layout else "BÁO CÁO TÓM TẮT"
    )
    ws["A2"].font = Font(bold=True, size=13)
    ws["A2"].alignment = CENTER
    ws.merge_cells(f"A3:{last}3")
    ws["A3"] = (
        f"Số liệu từ ngày {report.period.start:%d/%m/%Y} đến ngày {report.period.end:%d/%m/%Y}"
    )
    ws["A3"].alignment = CENTER
    if report.convention_text:  # the convention the rate is computed with
        ws.merge_cells(f"A4:{get_column_letter(max(width, 10))}4")
        ws["A4"] = report.convention_text
        ws["A4"].alignment = CENTER
        ws["A4"].font = Font(italic=True)
    if not report.layout:
        _summary(ws, report)
        return _save(wb)

    top, sub = 5, 6
    for col, title in ((1, "STT"), (2, "Đơn vị")):
        ws.cell(top, col, title)
        ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
    # Group headers merged across their columns; a column without group spans both rows.
    c = 3
    while c - 3 < len(columns):
        column = columns[c - 3]
        if not column.group:
            ws.cell(top, c, column.header)
            ws.merge_cells(start_row=top, start_column=c, end_row=sub, end_column=c)
            c += 1
            continue
        span = 1
        while c - 3 + span < len(columns) and columns[c - 3 + span].group == column.group:
            span += 1
        ws.cell(top, c, column.group)
        if span > 1:
            ws.merge_cells(start_row=top, start_column=c, end_row=top, end_column=c + span - 1)
        for k in range(span):
            ws.cell(sub, c + k, columns[c - 3 + k].header)
        c += span
    numbering = sub + 1  # the column numbers row, as official forms print (1), (2)...
    for col in range(1, width + 1):
        ws.cell(numbering, col, f"({col})")
    places = report.rate_places()
    rate_format = "0" if places == 0 else "0." + "0" * places
    data_rows = report.rows if report.with_subunits else []
    r = numbering + 1
    for i, row in enumerate([*data_rows, report.total], start=1):
        is_total = row.unit is None
        ws.cell(r, 1, "" if is_total else i)
        ws.cell(r, 2, row.label)
        for k, column in enumerate(columns):
            value = row.value(column.figure)
            cell = ws.cell(
                r,
                3 + k,
                float(value) if column.figure.endswith("rate") and value is not None else value,
            )
            if column.figure.endswith("rate"):
                cell.number_format = rate_format
            else:
                cell.number_format = "#,##0"
        if is_total:
            for col in range(1, width + 1):
                ws.cell(r, col).font = Font(bold=True)
        r += 1
    for row in ws.iter_rows(min_row=top, max_row=r - 1, max_col=width):
        for cell in row:
            cell.border = BOX
            if cell.row <= numbering:
                cell.alignment = CENTER
                cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 36
    for col in range(3, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 12
    # An official form is wide: landscape, its header rows (groups, headers, column numbers)
    # on top of every page.
    print_setup(ws, landscape=True, title_rows=(top, numbering))
    failing = report.failing_checks
    if failing:
        r += 1
        ws.cell(r, 1, "Cảnh báo: số liệu chưa khớp").font = Font(bold=True, color="B71C1C")
        for check in failing:
            r += 1
            ws.cell(
                r, 2, f"{check.row_label}: {check.identity.label} ({check.left} ≠ {check.right})"
            )
    return _save(wb)


def _number(cell, report: Report, figure_id: str, value, kind=None):
    """A figure stored as a number: a count with thousands, the rate with its decimals."""
    if figure_id == RATE:
        places = report.rate_places(kind)
        cell.value = float(value) if value is not None else None
        cell.number_format = "0" if places == 0 else "0." + "0" * places
    else:
        cell.value = value
        cell.number_format = "#,##0"
    cell.border = BOX
    return cell


def _header(ws, row: int, titles) -> None:
    for col, title in enumerate(titles, start=1):
        cell = ws.cell(row, col, title)
        cell.font = Font(bold=True)
        cell.alignment = CENTER
        cell.border = BOX


def _summary(ws, report: Report) -> None:
    """The summary: its sentence, then the table of its figures as the page shows them
    (figure, value, scope), and each kind's figures apart when asked."""
    ws["A5"] = report.headline
    ws["A5"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A5:C9")
    top = 11
    _header(ws, top, ("Chỉ tiêu", "Số liệu", "Phạm vi"))
    r = top
    for fid in summary_figures(report):
        r += 1
        ws.cell(r, 1, LABELS.get(fid, fid)).border = BOX
        _number(ws.cell(r, 2), report, fid, report.total.value(fid))
        scope = (
            f"Thuộc thẩm quyền của {report.unit.name}"
            if fid.startswith(SUMMARY_OWN_UNIT)
            else "Toàn bộ đơn vị và các đơn vị trực thuộc"
        )
        ws.cell(r, 3, scope).border = BOX
    if report.by_kind:
        r += 2
        ws.cell(r, 1, f"Thuộc thẩm quyền của {report.unit.name}, từng loại riêng").font = Font(
            italic=True
        )
        r += 1
        _header(ws, r, ("Chỉ tiêu", *(KIND_NAMES[k].capitalize() for k in report.by_kind)))
        for fid in SUMMARY_KIND_FIGURES:
            r += 1
            ws.cell(r, 1, LABELS.get(fid, fid)).border = BOX
            for k, (kind, row) in enumerate(report.by_kind.items(), start=2):
                _number(ws.cell(r, k), report, fid, row.value(fid), kind)
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 44
    for row in range(5, 10):  # the merged sentence does not grow its rows by itself
        ws.row_dimensions[row].height = 30
    print_setup(ws, landscape=False, title_rows=(top, top))


def _save(wb: Workbook) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
