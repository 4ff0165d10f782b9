"""Opening balances (kê khai đầu kỳ) from a file: the format in .xlsx and .csv, every reason a
row is refused, all or nothing, the dry run, `flask import-balances`, the page's upload with a
user of limited scope, the template, and the figures taking imported balances as typed ones."""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.vocab import PetitionKind
from complaints.registers import balance_file, balances
from complaints.reports import service
from complaints.reports.models import OpeningBalance
from complaints.reports.periods import standard_period

from . import factories
from .conftest import prints_on_a4
from .test_registers_files import to_cp1258
from .test_registers_petitions import invoke, pinned_today  # noqa: F401  today: 30/06/2026

D = date
HEADERS = [c.header for c in balance_file.COLUMNS]
JULY = standard_period("month", 2026, 7)  # 15/06/2026 - 14/07/2026


def csv_text(rows, headers=HEADERS, delimiter=",") -> str:
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=delimiter)
    out.writerow(headers)
    out.writerows(rows)
    return buffer.getvalue()


def write_csv(path, rows, headers=HEADERS, encoding="utf-8-sig", delimiter=","):
    text = csv_text(rows, headers, delimiter)
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def write_xlsx(path, rows, headers=HEADERS, title_rows=(), merge=()):
    wb = Workbook()
    ws = wb.active
    for row in title_rows:
        ws.append(row)
    ws.append(headers)
    for row in rows:
        ws.append(row)
    for cells in merge:
        ws.merge_cells(cells)
    wb.create_sheet("Ghi chú").append(["Tệp kê khai của phường"])
    wb.save(path)
    return path


def amounts_of(db):
    rows = db.session.scalars(
        sa.select(OpeningBalance).order_by(OpeningBalance.unit_id, OpeningBalance.kind)
    ).all()
    return {(r.unit.code, r.as_of, r.kind.value): (r.petitions, r.cases, r.case_petitions)
            for r in rows}  # fmt: skip


def read(path, actor=None, **kw):
    kw.setdefault("today", D(2026, 6, 30))
    return balance_file.read(actor, str(path), filename=path.name, **kw)


GOOD = [
    ["HPLC", "15/06/2026", "Khiếu nại", 12, 4, 6, "Sổ giấy 2026"],
    ["HPLC", "15/06/2026", "TC", 3, 1, 1, ""],
    ["HPHA", "2026-06-15", "Kiến nghị, phản ánh", "1.234", "", "-", ""],
    ["HPLC", "01/01/2026", "KN", 5, 0, 0, "Đầu năm"],
]


# --- the format ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("utf-8", ";"), ("cp1258", ","), ("utf-16", "\t")],
)
def test_a_csv_file_in_every_accepted_encoding(db, province, tmp_path, encoding, delimiter):
    headers = ["mã đơn vị", "NGAY KE KHAI", "Loại", *HEADERS[3:]]  # matched as the registers'
    path = write_csv(tmp_path / "kk.csv", GOOD, headers, encoding, delimiter)
    plan = read(path)
    assert plan.problems == [] and plan.ok and plan.rows == 4
    got = [(d.unit.code, d.as_of, d.note, d.lines) for d in plan.declarations]
    assert got == [
        ("HPHA", D(2026, 6, 15), "", [4]),
        ("HPLC", D(2026, 1, 1), "Đầu năm", [5]),
        ("HPLC", D(2026, 6, 15), "Sổ giấy 2026", [2, 3]),
    ]
    hpha = plan.declarations[0].full
    assert hpha[PetitionKind.feedback] == balances.Amounts(1234, 0, 0)
    assert hpha[PetitionKind.complaint] == balances.Amounts(0, 0, 0)  # no row: declared 0
    assert plan.totals == balances.Amounts(12 + 3 + 1234 + 5, 5, 7)


def test_an_xlsx_with_a_title_merged_cells_and_a_unit_chosen_for_the_file(db, province, tmp_path):
    rows = [
        ["", D(2026, 6, 15), "Khiếu nại", 2, 1, 1],
        [None, None, "Tố cáo", 1, 0, 0],
        [None, None, "Kiến nghị, phản ánh", 0, 0, 0],
        ["HPHA", 46188, "KN", 7.0, 2, 3],  # an Excel serial: 15/06/2026
    ]
    headers = [
        "Đơn vị",
        "Ngày kê khai",
        "Loại đơn",
        "Số đơn",
        "Số vụ việc",
        "Số đơn của các vụ việc",
    ]
    path = write_xlsx(
        tmp_path / "kk.xlsx",
        rows,
        headers,
        title_rows=[["SỐ LIỆU KỲ TRƯỚC CHUYỂN SANG"], []],
        merge=["A4:A6", "B4:B6"],  # the date written once for its three kinds
    )
    plan = read(path, default_unit=province["commune"])
    assert plan.problems == []
    assert [(d.unit.code, d.as_of, d.lines) for d in plan.declarations] == [
        ("HPHA", D(2026, 6, 15), [7]),
        ("HPLC", D(2026, 6, 15), [4, 5, 6]),
    ]
    assert plan.declarations[1].full[PetitionKind.denunciation] == balances.Amounts(1, 0, 0)


# --- every reason a row is refused -------------------------------------------------------------


def test_every_problem_is_named_by_row_column_and_reason(db, province, tmp_path):
    user = factories.UserFactory(unit=province["commune"], roles=[Role.report_maker])  # HPLC
    rows = [
        ["HPLC", "15/06/2026", "Khiếu nại", 1, 3, 2, ""],  # 2: cases above their petitions
        ["KHONGCO", "15/06/2026", "Khiếu nại", 1, 0, 0, ""],  # 3: unknown unit
        ["HP", "15/06/2026", "Khiếu nại", 1, 0, 0, ""],  # 4: outside the user's units
        ["HPLC", "01/07/2026", "Tố cáo", 1, 0, 0, ""],  # 5: after today
        ["HPLC", "31/02/2026", "Tố cáo", 1, 0, 0, ""],  # 6: no such day
        ["HPLC", "15/06/1999", "Tố cáo", 1, 0, 0, ""],  # 7: before 2000
        ["HPLC", "", "Tố cáo", 1, 0, 0, ""],  # 8: no date
        ["HPLC", "15/06/2026", "Khiếu kiện", 1, 0, 0, ""],  # 9: unknown kind
        ["HPLC", "15/06/2026", "", 1, 0, 0, ""],  # 10: no kind
        ["HPLC", "15/06/2026", "Tố cáo", "mười", -1, "2,5", ""],  # 11: not whole numbers
        ["HPLC", "16/06/2026", "Tố cáo", 20000000, 0, 0, ""],  # 12: too large
        ["HPLC", "15/06/2026", "Kiến nghị, phản ánh", 1, 0, 0, ""],  # 13: fine
        ["hplc", "15/6/26", "KNPA", 2, 0, 0, ""],  # 14: the same unit, date and kind as 13
    ]
    path = write_csv(tmp_path / "kk.csv", rows)
    plan = read(path, user)
    got = [(p.line, p.column, p.message) for p in plan.problems]
    assert got == [
        (2, "Số đơn của các vụ việc", "Số đơn của các vụ việc (2) không được ít hơn số vụ việc "
         "(3): mỗi vụ việc có ít nhất một đơn."),
        (3, "Mã đơn vị", "Không có đơn vị mã “KHONGCO” trong hệ thống."),
        (4, "Mã đơn vị", "Đơn vị HP nằm ngoài phạm vi của bạn."),
        (5, "Ngày kê khai", "Ngày kê khai không được sau hôm nay (30/06/2026)."),
        (6, "Ngày kê khai", "Ngày kê khai không hợp lệ: “31/02/2026” (viết dd/mm/yyyy, d/m/yy, "
         "yyyy-mm-dd hoặc dùng ô ngày của Excel)."),
        (7, "Ngày kê khai", "Ngày kê khai không hợp lệ: trước năm 2000."),
        (8, "Ngày kê khai", "Nhập ngày kê khai."),
        (9, "Loại đơn", "Không nhận ra loại đơn “Khiếu kiện”: ghi Khiếu nại, Tố cáo hoặc Kiến "
         "nghị, phản ánh."),
        (10, "Loại đơn", "Thiếu loại đơn."),
        (11, "Số đơn", "Số liệu phải là số nguyên từ 0 đến 10.000.000. (ô ghi “mười”)"),
        (11, "Số vụ việc", "Số liệu phải là số nguyên từ 0 đến 10.000.000. (ô ghi “-1”)"),
        (11, "Số đơn của các vụ việc", "Số liệu phải là số nguyên từ 0 đến 10.000.000. (ô ghi "
         "“2,5”)"),
        (12, "Số đơn", "Số liệu phải là số nguyên từ 0 đến 10.000.000. (ô ghi “20000000”)"),
        (14, "Loại đơn", "Trùng với dòng 13: cùng đơn vị HPLC, ngày kê khai 15/06/2026 và loại "
         "đơn “Kiến nghị, phản ánh”."),
    ]  # fmt: skip
    assert not plan.ok
    with pytest.raises(balance_file.BalanceFileError, match="Tệp có 14 lỗi"):
        balance_file.save(user, plan, today=D(2026, 6, 30))
    assert db.session.scalar(sa.select(sa.func.count(OpeningBalance.id))) == 0


def test_missing_columns_and_files_that_are_no_table(db, province, tmp_path):
    path = write_csv(
        tmp_path / "kk.csv", [["HPLC", "15/06/2026", 1]], ["Mã đơn vị", "Ngày", "Số đơn"]
    )
    plan = read(path)
    assert [p.column for p in plan.problems] == [
        "Loại đơn", "Số vụ việc", "Số đơn của các vụ việc",
    ]  # fmt: skip
    assert "các cột của tệp: “Mã đơn vị”, “Ngày”, “Số đơn”" in plan.problems[0].message
    no_unit = write_csv(tmp_path / "kk2.csv", [GOOD[0][1:]], HEADERS[1:])
    assert [p.column for p in read(no_unit).problems] == ["Mã đơn vị"]  # and no unit chosen
    assert read(no_unit, default_unit=province["commune"]).ok
    empty = write_csv(tmp_path / "kk3.csv", [])
    assert [p.message for p in read(empty).problems] == [
        "Tệp không có dòng kê khai nào dưới dòng tiêu đề."
    ]
    pdf = tmp_path / "kk.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"x" * 200)
    with pytest.raises(balance_file.R.FileRefused):
        read(pdf)


# --- the command -----------------------------------------------------------------------------


def test_the_command_dry_run_then_saves_all_or_nothing(app, db, province, tmp_path):
    bad = write_csv(tmp_path / "sai.csv", [*GOOD, ["HPLC", "15/06/2026", "KN", 1, 2, 1, ""]])
    result = invoke(app, "import-balances", str(bad))
    assert result.exit_code == 1
    assert "Dòng 6, cột “Loại đơn”: Trùng với dòng 2" in result.stderr
    assert "Dòng 6, cột “Số đơn của các vụ việc”: Số đơn của các vụ việc (1)" in result.stderr
    assert "Tệp có 2 lỗi: không lưu kê khai nào." in result.stderr  # and no other
    assert amounts_of(db) == {}  # the four good rows are not saved either
    good = write_csv(tmp_path / "kk.csv", GOOD)
    result = invoke(app, "import-balances", str(good), "--dry-run")
    assert result.exit_code == 0, result.output + result.stderr
    assert "HPLC tại 15/06/2026 (mới): Khiếu nại 12 đơn, 4 vụ việc, 6 đơn của các vụ việc; " \
        "Tố cáo 3 đơn, 1 vụ việc, 1 đơn của các vụ việc" in result.output  # fmt: skip
    assert result.output.splitlines()[-1] == (
        "Sẽ lưu 3 kê khai của 2 đơn vị (0 sửa kê khai đã có), từ 4 dòng: tổng 1.254 đơn, "
        "5 vụ việc, 7 đơn của các vụ việc. Chạy thử: chưa ghi gì."
    )
    assert amounts_of(db) == {}
    assert not db.session.scalar(
        sa.select(sa.func.count(AuditEvent.seq)).where(AuditEvent.kind.like("opening_balance%"))
    )
    result = invoke(app, "import-balances", str(good))
    assert result.exit_code == 0, result.stderr
    assert result.output.splitlines()[-1].startswith("Đã lưu 3 kê khai của 2 đơn vị")
    saved = amounts_of(db)
    assert len(saved) == 9  # three declarations of three kinds each
    assert saved[("HPLC", D(2026, 6, 15), "complaint")] == (12, 4, 6)
    assert saved[("HPHA", D(2026, 6, 15), "feedback")] == (1234, 0, 0)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "opening_balance.saved")
    ).all()
    assert len(events) == 3  # one each, as on the page
    result = invoke(app, "import-balances", str(good), "--dry-run")
    assert "(3 sửa kê khai đã có)" in result.output


def test_the_command_unit_option(app, db, province, tmp_path):
    path = write_csv(tmp_path / "kk.csv", [["", "15/06/2026", "KN", 1, 0, 0, ""],
                                           ["HP", "15/06/2026", "KN", 1, 0, 0, ""]])  # fmt: skip
    result = invoke(app, "import-balances", str(path), "--unit", "HPLC")
    assert result.exit_code == 1
    assert "Dòng 3, cột “Mã đơn vị”: Đơn vị HP nằm ngoài đơn vị đã chọn (HPLC)" in result.stderr
    path = write_csv(tmp_path / "kk2.csv", [["15/06/2026", "KN", 1, 0, 0]], HEADERS[1:6])
    result = invoke(app, "import-balances", str(path), "--unit", "hplc")
    assert result.exit_code == 0, result.stderr
    assert amounts_of(db)[("HPLC", D(2026, 6, 15), "complaint")] == (1, 0, 0)
    result = invoke(app, "import-balances", str(path), "--unit", "KHONGCO")
    assert result.exit_code == 1 and "Không có đơn vị mã KHONGCO." in result.stderr
    result = invoke(app, "import-balances", str(path))
    assert result.exit_code == 1 and "Không tìm thấy cột “Mã đơn vị”" in result.stderr


# --- the page ----------------------------------------------------------------------------------


def _upload(web, data: bytes, name="kk.csv", action="check", unit=None):
    """Post the page's upload form; `unit`: for the rows without a code (default: the page's
    own choice, the user's unit)."""
    page = web.get("/registers/balances").get_data(as_text=True)
    chosen = re.search(r'name="default_unit_id".*?<option selected value="(\d+)"', page, re.S)
    form = {"action": action, "balance_file": (io.BytesIO(data), name)}
    form["default_unit_id"] = unit.id if unit is not None else chosen.group(1)
    return web.post_form("/registers/balances/file", form, form_url="/registers/balances")


def test_the_page_checks_then_saves_a_file_within_the_users_units(web, login_as, province, db,
                                                                  app):  # fmt: skip
    lc = province["commune"]
    login_as(Role.report_maker, unit=lc)
    rows = [
        ["", "15/06/2026", "Khiếu nại", 12, 4, 6, "Sổ giấy"],
        ["HPLC", "15/06/2026", "TC", 1, 1, 1, ""],
    ]
    data = csv_text(rows).encode("utf-8")
    response = _upload(web, data, unit=lc)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Kiểm tra xong tệp kk.csv: chưa ghi gì" in page
    assert "Sẽ lưu 1 kê khai của 1 đơn vị từ 2 dòng" in page
    assert "HPLC · UBND phường Lê Chân" in page and "dòng 2, 3" in page
    assert amounts_of(db) == {}  # a dry run
    outside = csv_text([["HP", "15/06/2026", "KN", 1, 0, 0, ""], *rows]).encode("utf-8")
    response = _upload(web, outside, action="save", unit=lc)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tệp kk.csv có 1 lỗi: không lưu kê khai nào" in page
    assert "Đơn vị HP nằm ngoài phạm vi của bạn." in page
    assert amounts_of(db) == {}  # all or nothing
    response = _upload(web, data, action="save", unit=lc)
    assert response.status_code == 302
    page = web.get("/registers/balances").get_data(as_text=True)
    assert "Đã lưu 1 kê khai đầu kỳ của 1 đơn vị từ tệp kk.csv." in page
    assert amounts_of(db)[("HPLC", D(2026, 6, 15), "complaint")] == (12, 4, 6)
    assert os.listdir(app.config["REGISTER_IMPORT_DIR"]) == []  # no upload left behind
    # A unit outside the user's scope cannot even be chosen for the rows without a code.
    response = _upload(web, data, unit=province["province"])
    assert response.status_code in (404, 422)


def test_the_page_refuses_what_is_no_table_and_answers_without_500(web, login_as, province, db):
    login_as(Role.admin)
    for data, name in ((b"", "rong.csv"), (b"PK\x03\x04\x00", "hong.xlsx"),
                       (b"%PDF-1.4" + b"x" * 100, "a.pdf")):  # fmt: skip
        response = _upload(web, data, name=name)
        assert response.status_code == 422, name
        page = response.get_data(as_text=True)
        assert re.search(r'<div class="error" role="alert">(Tệp rỗng|Tệp nén|Đây là tệp PDF)', page)
    response = web.post_form("/registers/balances/file", {"action": "check"},
                             form_url="/registers/balances")  # fmt: skip
    assert response.status_code == 422 and "Chọn tệp kê khai cần nhập." in response.get_data(
        as_text=True
    )


def test_the_template_reads_back(web, login_as, province, db, tmp_path):
    login_as(Role.report_maker)
    response = web.get("/registers/balances/template.xlsx")
    assert response.status_code == 200
    assert "mau-ke-khai-dau-ky.xlsx" in response.headers["Content-Disposition"]
    path = tmp_path / "mau.xlsx"
    path.write_bytes(response.data)
    wb = load_workbook(path)
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS
    assert wb.sheetnames == ["Kê khai đầu kỳ", "Hướng dẫn"]
    prints_on_a4(wb.worksheets[0], landscape=True, title_rows="$1:$1")
    prints_on_a4(wb.worksheets[1], landscape=False, title_rows=None)
    wb.worksheets[0].append(["HPLC", D(2026, 6, 15), "Kiến nghị phản ánh", 4, 1, 2])
    wb.save(path)
    plan = read(path)
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.declarations[0].full[PetitionKind.feedback] == balances.Amounts(4, 1, 2)
    # The filled template through the page, as an office uploads it (the upload is stored
    # under a name of its own, without the .xlsx the file had).
    response = _upload(web, path.read_bytes(), name="mau.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Kiểm tra xong tệp mau.xlsx: chưa ghi gì" in page
    web.logout()
    login_as(Role.reception_officer)
    assert web.get("/registers/balances/template.xlsx").status_code == 403


# --- the figures -------------------------------------------------------------------------------


def test_figures_take_an_imported_declaration_exactly_as_a_typed_one(db, province, tmp_path):
    maker = factories.UserFactory(unit=province["province"], roles=[Role.report_maker])
    hp = province["province"]

    def figures():
        values = {}
        for form in ("01-XLD", "01-KQGQ", "03-KQGQ", "summary"):
            report = service.build(form, hp, JULY, with_subunits=True)
            values[form] = [(r.unit.code if r.unit else "", r.values) for r in
                            [*report.rows, report.total]]  # fmt: skip
        return values

    typed = {
        "HPLC": {PetitionKind.complaint: balances.Amounts(12, 4, 6),
                 PetitionKind.denunciation: balances.Amounts(3, 1, 1)},
        "HPHA": {PetitionKind.feedback: balances.Amounts(5, 2, 2)},
    }  # fmt: skip
    units = {"HPLC": province["commune"], "HPHA": province["commune2"]}
    before = figures()
    for code, amounts in typed.items():
        balances.save(maker, units[code], D(2026, 6, 15), amounts, today=D(2026, 6, 30))
    by_page = figures()
    assert by_page != before
    db.session.execute(sa.delete(OpeningBalance))
    assert figures() == before
    path = write_csv(tmp_path / "kk.csv", [
        ["HPLC", "15/06/2026", "KN", 12, 4, 6, ""], ["HPLC", "15/06/2026", "TC", 3, 1, 1, ""],
        ["HPHA", "15/06/2026", "KNPA", 5, 2, 2, ""],
    ])  # fmt: skip
    plan = read(path, maker)
    balance_file.save(maker, plan, today=D(2026, 6, 30))
    assert figures() == by_page


def test_the_page_keeps_the_upload_limits(web, login_as, province, db, app, monkeypatch):
    login_as(Role.report_maker)
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_MAX_BYTES", 100)
    data = csv_text(GOOD).encode("utf-8")  # more than 100 bytes
    response = _upload(web, data)
    assert response.status_code == 422
    assert "vượt giới hạn 100 byte" in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = _upload(web, data + b"," * 5000)  # the whole request refused before reading
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "vượt quá mức tối đa 2 KB của một lần gửi: chưa nhận tệp nào" in page
    assert "mỗi tệp tối đa 100 byte" in page
    assert "Nhập kê khai từ tệp" in page
    assert amounts_of(db) == {}
    assert os.listdir(app.config["REGISTER_IMPORT_DIR"]) == []
