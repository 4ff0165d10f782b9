"""`flask import-register` and `flask export-register` through Click's test runner."""

from __future__ import annotations

import sqlalchemy as sa
from openpyxl import load_workbook

from complaints.petitions.models import Petition
from complaints.registers.models import RegisterImport
from complaints.units.models import Unit

from .conftest import prints_on_a4
from .test_registers_petitions import (  # noqa: F401  pinned_today: 30/06/2026
    build_history,
    invoke,
    pinned_today,
    row,
    write_csv,
    write_xlsx,
)


def test_dry_run_lists_bad_rows_and_imports_nothing(app, db, province, tmp_path):
    path = write_csv(
        tmp_path / "so.csv",
        [row(register_no="1"), row(register_no="2", received_date="2026-13-01"), row()],
    )
    result = invoke(app, "import-register", str(path), "--dry-run")
    assert result.exit_code == 1
    assert "Đã kiểm tra 3 dòng: 1 dòng mới, 0 dòng đã có, 2 dòng lỗi." in result.output
    assert "Dòng 3, cột “Ngày nhận đơn”: Ngày nhận đơn không hợp lệ: “2026-13-01”" in result.stderr
    assert "Dòng 4, cột “Số vào sổ”: Số vào sổ HP-2026-00001 trùng với dòng 2." in result.stderr
    assert "Không nhập gì (chạy thử)." in result.stderr
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(RegisterImport.id))) == 0  # left no job


def test_a_clean_dry_run_then_the_import_with_its_counter(app, db, province, tmp_path):
    path = write_csv(tmp_path / "so.csv", [row(register_no=str(n)) for n in range(1, 8)])
    result = invoke(app, "import-register", str(path), "--dry-run")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Chạy thử xong: tệp nhập được." in result.output
    result = invoke(app, "import-register", str(path))
    assert result.exit_code == 0, result.output + result.stderr
    lines = result.output.splitlines()
    assert "Đang nhập: 3/7 dòng (42%)" in lines
    assert "Đang nhập: 6/7 dòng (85%)" in lines
    assert lines[-1] == "Đã nhập: 7 đơn; bỏ qua 0 dòng đã có."
    result = invoke(app, "import-register", str(path))
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "Không có dòng mới nào để nhập."
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 7


def test_unit_option_fills_rows_without_a_unit_and_limits_the_file(app, db, province, tmp_path):
    path = write_csv(tmp_path / "so.csv", [row(unit_code=""), row(unit_code="HN", register_no="2")])
    result = invoke(app, "import-register", str(path), "--unit", "HPLC")
    assert result.exit_code == 1
    assert "Đơn vị HN nằm ngoài phạm vi" in result.stderr
    path = write_csv(tmp_path / "so2.csv", [row(unit_code="")])
    result = invoke(app, "import-register", str(path), "--unit", "HPLC")
    assert result.exit_code == 0, result.stderr
    assert db.session.scalar(sa.select(Petition.register_no)) == "HPLC-2026-00001"
    result = invoke(app, "import-register", str(path), "--unit", "KHONGCO")
    assert result.exit_code == 1 and "Không có đơn vị mã KHONGCO." in result.stderr


def test_units_are_created_only_on_request(app, db, province, tmp_path):
    path = write_csv(tmp_path / "so.csv", [row(unit_code="HPNEW", unit_name="Sở Mới")])
    result = invoke(app, "import-register", str(path))
    assert result.exit_code == 1
    assert "Đơn vị HPNEW “Sở Mới” (cấp trên: gốc): chưa có (thêm --create-units để tạo)." in (
        result.output
    )
    assert db.session.scalar(sa.select(Unit).where(Unit.code == "HPNEW")) is None
    result = invoke(app, "import-register", str(path), "--create-units", "--unit", "HP")
    assert result.exit_code == 0, result.output + result.stderr
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "HPNEW"))
    assert unit.parent.code == "HP" and unit.level.value == "department"


def test_headers_of_another_name_are_mapped_with_the_map_option(app, db, province, tmp_path):
    headers = ["Mã đơn vị", "Số TT", "Ngày nhận đơn", "Nguồn đơn", "Người viết đơn", "Loại đơn",
               "Lĩnh vực", "Tóm tắt nội dung"]  # fmt: skip
    values = ["HP", "5", "05/01/2026", "Bưu điện", "Nguyễn Văn An", "KN", "Đất đai", "Nội dung"]
    path = write_csv(tmp_path / "so.csv", [values], headers=headers)
    result = invoke(app, "import-register", str(path), "--kind", "petitions")
    assert result.exit_code == 1
    assert "Không tìm thấy cột bắt buộc “Số vào sổ”" in result.stderr
    result = invoke(
        app, "import-register", str(path), "--map", "Số vào sổ=Số TT",
        "--map", "Họ tên người gửi=Người viết đơn",
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    petition = db.session.scalar(sa.select(Petition))
    assert petition.register_no == "HP-2026-00005"
    assert petition.senders[0].full_name == "Nguyễn Văn An"


def test_files_the_import_cannot_read_are_refused_with_the_reason(app, db, tmp_path):
    path = tmp_path / "lon.csv"
    with open(path, "wb") as f:
        f.truncate(50 * 1024 * 1024)
    result = invoke(app, "import-register", str(path))
    assert result.exit_code == 1
    assert "Tệp nặng 50 MB, vượt giới hạn 20 MB cho một lần nhập. Chưa đọc tệp." in result.stderr
    path = tmp_path / "anh.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    result = invoke(app, "import-register", str(path))
    assert result.exit_code == 1 and "không phải bảng tính" in result.stderr


def test_export_writes_xlsx_or_csv_by_the_extension(app, db, province, tmp_path):
    build_history(province)
    target = tmp_path / "so.xlsx"
    result = invoke(
        app, "export-register", "--from", "2026-03-01", "--to", "2026-03-31", "--unit", "HPLC",
        str(target),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    assert result.output.strip() == f"Đã ghi 1 dòng vào {target}."
    wb = load_workbook(target, read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    assert rows[1][0:3] == ("HPLC", "UBND phường Lê Chân", "HPLC-2026-00001")
    assert rows[1][-1] in ("", None)  # the root of the export names no parent
    prints_on_a4(load_workbook(target).worksheets[0], landscape=True, title_rows="$1:$1")
    result = invoke(app, "export-register", "--from", "2026-01-01", "--to", "2026-01-31", "x.pdf")
    assert result.exit_code == 1 and "phải kết thúc bằng .xlsx hoặc .csv" in result.stderr
    result = invoke(app, "export-register", "--from", "2026-02-01", "--to", "2026-01-01", "x.csv")
    assert result.exit_code == 1 and "--to phải sau --from" in result.stderr
    result = invoke(app, "export-register", "--from", "01/02/2026", "--to", "2026-03-01", "x.csv")
    assert result.exit_code == 2 and "ngày không hợp lệ" in result.stderr


def test_xlsx_import_through_the_command(app, db, province, tmp_path):
    path = write_xlsx(
        tmp_path / "so.xlsx",
        [row(register_no="3")],
        title_rows=[["UBND THÀNH PHỐ HẢI PHÒNG"], ["SỔ THEO DÕI ĐƠN"], []],
    )
    result = invoke(app, "import-register", str(path))
    assert result.exit_code == 0, result.output + result.stderr
    assert "dòng tiêu đề 4" in result.output
    assert db.session.scalar(sa.select(Petition.register_no)) == "HP-2026-00003"
