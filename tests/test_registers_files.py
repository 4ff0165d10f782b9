"""Files as offices have them: old encodings, merged cells, dates written four ways, empty rows,
formulas, title rows, other headers, too large, not a spreadsheet at all. Each gets a clear
report in Vietnamese and nothing is imported unless the whole file is right."""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from complaints.core.vocab import PetitionKind
from complaints.petitions.models import Petition
from complaints.reception.models import Visit
from complaints.registers import importer
from complaints.registers.layout import PETITION_COLUMNS, RECEPTION_COLUMNS
from complaints.registers.models import ImportStatus, RegisterKind
from complaints.registers.reader import FileRefused

from .test_registers_petitions import (  # noqa: F401  pinned_today: every test runs on 30/06/2026
    HEADERS,
    issues_of,
    pinned_today,
    row,
    run_import,
    write_csv,
    write_xlsx,
)

D = date


def to_cp1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: base letters with â ê ô ă ơ ư precomposed, the tone
    marks as separate combining characters."""
    modifiers = {"\u0302", "\u0306", "\u031b"}
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        core = unicodedata.normalize(
            "NFC", parts[0] + "".join(m for m in parts[1:] if m in modifiers)
        )
        tones = "".join(m for m in parts[1:] if m not in modifiers)
        out.append(core.encode("cp1258") + tones.encode("cp1258"))
    return b"".join(out)


def csv_text(rows, headers=HEADERS, delimiter=",") -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


def petitions():
    return db_session().scalars(sa.select(Petition).order_by(Petition.register_seq)).all()


def db_session():
    from complaints.extensions import db

    return db.session


# --- encodings ------------------------------------------------------------------------------


def test_windows_1258_csv_is_read_as_vietnamese(db, province, tmp_path):
    text = csv_text(
        [
            row(register_no="1", sender_name="Nguyễn Thị Hằng", summary="Khiếu nại việc bồi thường "
                "đất ở, đề nghị xem xét lại đơn giá"),
        ]
    )  # fmt: skip
    raw = to_cp1258(text)
    assert b"\xd0" not in raw[:0]  # (the bytes are not UTF-8)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    path = tmp_path / "so-cu.csv"
    path.write_bytes(raw)
    job = run_import(path)
    assert job.encoding == "cp1258"
    assert job.status == ImportStatus.done, issues_of(job)
    p = petitions()[0]
    assert p.senders[0].full_name == "Nguyễn Thị Hằng"  # composed again (NFC)
    assert p.summary.startswith("Khiếu nại việc bồi thường đất ở")
    assert p.kind == PetitionKind.complaint


def test_utf8_with_bom_semicolons_and_utf16_tabs(db, province, tmp_path):
    rows = [row(register_no="1", sender_name="Đặng Văn Ước")]
    semicolons = tmp_path / "a.csv"
    semicolons.write_bytes(b"\xef\xbb\xbf" + csv_text(rows, delimiter=";").encode("utf-8"))
    job = run_import(semicolons)
    assert (job.encoding, job.delimiter, job.status) == ("utf-8-sig", ";", ImportStatus.done)
    tabs = tmp_path / "b.txt"
    tabs.write_bytes(csv_text([row(register_no="2")], delimiter="\t").encode("utf-16"))
    job = run_import(tabs)
    assert (job.encoding, job.delimiter, job.status) == ("utf-16", "\t", ImportStatus.done)
    assert [p.register_no for p in petitions()] == ["HP-2026-00001", "HP-2026-00002"]
    assert petitions()[0].senders[0].full_name == "Đặng Văn Ước"


def test_a_broken_byte_after_the_first_megabyte_stops_everything(
    app, db, province, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_BATCH", 200)
    rows = [row(register_no=str(n), summary="Nội dung " + "x" * 3000) for n in range(1, 400)]
    raw = csv_text(rows).encode("utf-8")
    assert len(raw) > 1024 * 1024
    path = tmp_path / "hong.csv"
    path.write_bytes(raw + b"HP,,9999,05/01/2026,Qua b\xff\xfe,\r\n")
    job = run_import(path)
    assert job.status == ImportStatus.checked
    (_line, _column, message), *_ = [i for i in issues_of(job) if i[0] == 0]
    assert "không đúng bảng mã utf-8" in message
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0


# --- dates, empty rows, headers ------------------------------------------------------------


def test_dates_written_four_ways_and_as_excel_cells(db, province, tmp_path):
    path = write_xlsx(
        tmp_path / "ngay.xlsx",
        [
            row(register_no="1", received_date="05/01/2026"),
            row(register_no="2", received_date="5/1/26"),
            row(register_no="3", received_date="2026-01-05"),
            row(register_no="4", received_date=datetime(2026, 1, 5)),
            row(register_no="5", received_date=46027),  # the serial number Excel shows
            row(register_no="6", received_date="46027"),
        ],
    )
    job = run_import(path)
    assert job.status == ImportStatus.done, issues_of(job)
    assert {p.received_date for p in petitions()} == {D(2026, 1, 5)}
    assert len(petitions()) == 6


def test_empty_rows_title_rows_and_the_row_of_column_numbers(db, province, tmp_path):
    headers = [c.header for c in RECEPTION_COLUMNS]
    blank = [None] * len(headers)

    def visit(n, day):
        values = {c.field: "" for c in RECEPTION_COLUMNS}
        values.update(
            stt=n, visit_date=day, persons=f"Người Số {n}, Hải Phòng",
            identity=f"03108500{n:04d}", content=f"Nội dung {n}", kind="Khiếu nại",
        )  # fmt: skip
        return [values[c.field] for c in RECEPTION_COLUMNS]

    wb = Workbook()
    ws = wb.active
    ws.append(["Mẫu số 03/TCD"])
    ws.append(["SỔ TIẾP CÔNG DÂN"])
    ws.merge_cells("A2:M2")
    ws.append([])
    ws.append(headers)
    ws.append([f"({i})" for i in range(1, 14)])
    ws.append(visit(1, "02/03/2026"))
    ws.append(blank)
    ws.append([7] + [None] * (len(headers) - 1))  # a numbered line left empty
    ws.append(visit(2, date(2026, 3, 3)))
    path = tmp_path / "so-tiep.xlsx"
    wb.save(path)
    job = run_import(path, unit=province["province"])
    assert job.kind == RegisterKind.reception
    assert (job.header_row, job.first_data_row) == (4, 6)
    assert (job.total_rows, job.empty_rows) == (2, 2)
    assert job.status == ImportStatus.done, issues_of(job)
    visits = db.session.scalars(sa.select(Visit).order_by(Visit.visit_date)).all()
    assert [v.content for v in visits] == ["Nội dung 1", "Nội dung 2"]
    assert visits[0].persons[0].full_name == "Người Số 1"
    assert visits[0].session.kind.value == "regular"


def test_other_headers_are_matched_by_meaning_or_mapped_by_hand(db, province, tmp_path):
    headers = [
        "Số đơn", "Ngày nhận", "Nguồn", "Họ và tên", "Địa chỉ", "Loại", "Lĩnh vực",
        "Trích yếu", "Cột lạ",
    ]  # fmt: skip
    path = write_csv(
        tmp_path / "khac.csv",
        [["1", "05/01/2026", "Bưu điện", "Nguyễn Văn An", "Lê Chân", "KN", "Đất đai", "", "Nội"]],
        headers=headers,
    )
    job = importer.create_job(
        None, path=str(path), filename="khac.csv", uploaded=False,
        default_unit=province["province"],
    )  # fmt: skip
    assert job.kind == RegisterKind.petitions
    assert job.mapping == {
        "register_no": 0, "received_date": 1, "source": 2, "sender_name": 3,
        "sender_address": 4, "kind": 5, "field": 6, "summary": 7,
    }  # fmt: skip
    mapping = dict(job.mapping, summary=8)  # the summary is in the odd column after all
    importer.set_mapping(
        None, job, kind=job.kind, sheet="", header_row=1, mapping=mapping,
        default_unit=province["province"], create_units=False,
    )  # fmt: skip
    token = importer.start_check(None, job)
    job = importer.run(job.id, token, "check")
    assert job.valid_rows == 1
    with pytest.raises(importer.ImportProblem, match="Chưa chọn cột bắt buộc: “Lĩnh vực”"):
        importer.set_mapping(
            None, job, kind=job.kind, sheet="", header_row=1,
            mapping={k: v for k, v in mapping.items() if k != "field"},
            default_unit=province["province"], create_units=False,
        )  # fmt: skip


# --- merged cells and formulas --------------------------------------------------------------


def test_merged_cells_in_the_data_are_reported_row_by_row(db, province, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["SỔ THEO DÕI ĐƠN THƯ NĂM 2026"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=10)  # a title: fine
    ws.append(HEADERS)
    for n in range(1, 5):
        ws.append(row(register_no=str(n), received_date="05/01/2026"))
    column = HEADERS.index("Ngày nhận đơn") + 1
    ws.merge_cells(start_row=3, start_column=column, end_row=5, end_column=column)
    path = tmp_path / "gop.xlsx"
    wb.save(path)
    job = run_import(path)
    assert job.status == ImportStatus.checked
    found = issues_of(job)
    assert [(line, col) for line, col, _ in found] == [
        (3, "Ngày nhận đơn"), (4, "Ngày nhận đơn"), (5, "Ngày nhận đơn"),
    ]  # fmt: skip
    assert "Ô bị gộp (merge) trên dòng 3–5: hãy bỏ gộp ô" in found[0][2]
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0


def _with_cached_value(path, formula: str, value: str) -> None:
    """Give a formula cell the computed value Excel would have saved with it."""
    with zipfile.ZipFile(path) as src:
        items = {name: src.read(name) for name in src.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = items[sheet].decode()
    xml, n = re.subn(
        rf"<f>{re.escape(formula)}</f><v\s*/?>(</v>)?", f"<f>{formula}</f><v>{value}</v>", xml
    )
    assert n == 1, xml
    items[sheet] = xml.encode()
    with zipfile.ZipFile(path, "w") as out:
        for name, data in items.items():
            out.writestr(name, data)


def test_formulas_are_taken_by_their_value_or_reported_when_they_have_none(db, province, tmp_path):
    path = write_xlsx(
        tmp_path / "cong-thuc.xlsx",
        [
            row(register_no="1", received_date="=DATE(2026,1,5)"),
            row(register_no="2", received_date="=DATE(2026,1,6)", signatory_count="=1+1",
                sender_name="A\nB"),
        ],
    )  # fmt: skip
    _with_cached_value(path, "DATE(2026,1,5)", "46027")  # saved by Excel: it has its value
    job = run_import(path)
    assert job.status == ImportStatus.checked
    found = issues_of(job)
    assert [(line, col) for line, col, _ in found] == [
        (3, "Ngày nhận đơn"), (3, "Số người ký đơn"),
    ]  # fmt: skip
    assert all("Ô chứa công thức chưa được tính" in m for _, _, m in found)
    assert job.valid_rows == 1  # line 2, from its saved value: still nothing imported
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0


def test_formulas_in_a_csv_are_text_and_reported_where_a_value_is_needed(db, province, tmp_path):
    path = write_csv(
        tmp_path / "cong-thuc.csv",
        [row(register_no="1", received_date="=DATE(2026;1;5)", summary="=Tổng hợp nội dung")],
    )
    job = run_import(path)
    (line, column, message), *_ = issues_of(job)
    assert (line, column) == (2, "Ngày nhận đơn")
    assert "Ô chứa công thức: hãy dán giá trị" in message


# --- not a register at all ------------------------------------------------------------------


def _refused(tmp_path, name: str, data: bytes, **config) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(FileRefused) as caught:
        importer.create_job(None, path=str(path), filename=name, uploaded=False)
    return str(caught.value)


def test_files_that_are_not_spreadsheets_are_recognised_by_their_content(db, tmp_path):
    from tests.factories_petitions import PDF, png_bytes

    assert "PDF" in _refused(tmp_path, "so.xlsx", PDF)
    assert "PNG" in _refused(tmp_path, "so.csv", png_bytes())
    assert "Excel 97-2003 (.xls)" in _refused(
        tmp_path, "so.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    )
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    assert "tệp Word (.docx)" in _refused(tmp_path, "so.xlsx", docx.getvalue())
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("a.txt", "x")
    assert "tệp nén (zip)" in _refused(tmp_path, "so.xlsx", other.getvalue())
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("xl/workbook.xml", "<not really")
        z.writestr("[Content_Types].xml", "<x/>")
    assert "Không đọc được tệp Excel" in _refused(tmp_path, "so.xlsx", broken.getvalue())
    assert "tệp nén bị hỏng" in _refused(tmp_path, "so.xlsx", b"PK\x03\x04garbage").lower()
    letter = "Kính gửi UBND phường. Tôi tên là Nguyễn Văn An.\nXin cảm ơn.\n".encode()
    assert "không có các cột phân cách" in _refused(tmp_path, "so.csv", letter)
    assert "nhị phân" in _refused(tmp_path, "so.csv", os.urandom(2000) + b"\x00\x00")
    assert "rỗng" in _refused(tmp_path, "so.csv", b"")


def test_a_50_mb_file_is_refused_by_its_size_before_anything_reads_it(
    app, db, tmp_path, monkeypatch
):
    path = tmp_path / "lon.xlsx"
    with open(path, "wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: its size is all that is looked at
    reads = []
    real_open = open

    def spy(file, mode="r", *args, **kwargs):
        if str(file) == str(path):
            reads.append(mode)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    with pytest.raises(FileRefused, match="Tệp nặng 50 MB, vượt giới hạn 20 MB"):
        importer.create_job(None, path=str(path), filename="lon.xlsx", uploaded=False)
    assert reads == []
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_MAX_BYTES", 60 * 1024 * 1024)
    with pytest.raises(FileRefused, match="nhị phân"):  # now read, and not a spreadsheet
        importer.create_job(None, path=str(path), filename="lon.xlsx", uploaded=False)


def test_the_size_limit_is_configurable(app, db, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_MAX_BYTES", 100)
    path = write_csv(tmp_path / "so.csv", [row()])
    with pytest.raises(FileRefused, match="vượt giới hạn 100 byte"):
        importer.create_job(None, path=str(path), filename="so.csv", uploaded=False)


def test_identity_numbers_typed_as_numbers_get_their_leading_zero_back(db, province, tmp_path):
    path = write_xlsx(tmp_path / "so.xlsx", [row(register_no="1", sender_identity=31085001234)])
    job = run_import(path)
    assert job.status == ImportStatus.done, issues_of(job)
    assert petitions()[0].senders[0].identity_no == "031085001234"


def test_every_column_of_the_layout_has_a_distinct_header():
    for columns in (PETITION_COLUMNS, RECEPTION_COLUMNS):
        headers = [c.header for c in columns]
        assert len(headers) == len(set(headers))


def test_the_sheet_reader_gives_what_openpyxl_gives(tmp_path):
    """reader.RowReader reads the sheet's XML itself (lxml): every cell as openpyxl's read-only
    mode gives it (shared and inline strings, rich text, numbers, dates, booleans, a formula's
    cached value, rows left out), in the app's own export (write-only: inline strings, no
    <dimension>) and in a workbook as Excel saves it."""
    from openpyxl import load_workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    from complaints.registers import reader as R

    rows = [
        ["Mã", "Nguyễn Thị Hoa", 12, 3.5, True, datetime(2025, 3, 1), None, "031085001234"],
        [None, None, None],
        ["x", "Đông", -7, 1e-3, False, date(2024, 12, 31), "=1+1", ""],
    ]
    for write_only in (False, True):
        wb = Workbook(write_only=write_only)
        ws = wb.create_sheet("Sổ") if write_only else wb.active
        for values in rows:
            ws.append(values)
        if not write_only:
            ws.cell(6, 2, CellRichText("Lê ", TextBlock(InlineFont(b=True), "Văn A")))
        path = tmp_path / f"w{write_only}.xlsx"
        wb.save(path)
        info = R.inspect(str(path), max_bytes=10**7, max_unzipped=10**8)
        with R.RowReader(str(path), info, info.sheets[0]) as reader:
            ours = list(reader.rows())
        book = load_workbook(path, read_only=True, data_only=True)
        theirs = []
        for values in book.worksheets[0].iter_rows(values_only=True):
            values = [R.clean_text(v) if isinstance(v, str) else v for v in values]
            while values and values[-1] is None:
                values.pop()
            theirs.append(values)
        book.close()
        assert [values for _, values in ours] == theirs
        assert [line for line, _ in ours] == list(range(1, len(theirs) + 1))


def test_a_damaged_sheet_is_refused_with_the_reason(tmp_path):
    """A sheet whose XML is cut short or whose compressed bytes are damaged: refused in
    Vietnamese (never a system error), by the scan or by the rows."""
    from complaints.registers import reader as R

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sổ")
    for n in range(300):
        ws.append([f"Mã {n}", "Nguyễn Thị Hoa", n, datetime(2025, 3, 1)])
    good = tmp_path / "good.xlsx"
    wb.save(good)
    with zipfile.ZipFile(good) as z:
        members = [(i, z.read(i.filename)) for i in z.infolist()]
        sheet = next(i for i, _ in members if i.filename.startswith("xl/worksheets/"))
    cut = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(cut, "w", zipfile.ZIP_DEFLATED) as out:
        for i, data in members:
            out.writestr(i, data[: len(data) // 2] if i is sheet else data)
    damaged = tmp_path / "damaged.xlsx"
    raw = bytearray(good.read_bytes())
    start = sheet.header_offset + 30 + len(sheet.filename) + len(sheet.extra) + 500
    raw[start : start + 100] = bytes(b ^ 0x5A for b in raw[start : start + 100])
    damaged.write_bytes(raw)
    # A cell beyond Excel's last column (XFD): refused before a row that wide is built.
    with zipfile.ZipFile(good) as z:
        xml = z.read(sheet.filename).decode()
    wide = tmp_path / "wide.xlsx"
    with zipfile.ZipFile(wide, "w", zipfile.ZIP_DEFLATED) as out:
        for i, data in members:
            out.writestr(i, xml.replace('r="D2"', 'r="ZZZZZZ2"', 1) if i is sheet else data)
    assert 'r="ZZZZZZ2"' in zipfile.ZipFile(wide).read(sheet.filename).decode()
    for path in (cut, damaged, wide):
        info = R.inspect(str(path), max_bytes=10**7, max_unzipped=10**8)
        with (
            pytest.raises(FileRefused, match="tệp Excel bị hỏng"),
            R.RowReader(str(path), info, info.sheets[0]) as reader,
        ):
            list(reader.rows())
