"""The register pages: upload, column mapping, dry run, import and its progress, export,
opening balances; who may use them, within which units; and never a 500."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
import sqlalchemy as sa

from complaints.core.access import PERMISSIONS, Role
from complaints.core.audit import AuditEvent
from complaints.core.vocab import PetitionKind
from complaints.petitions.models import Petition
from complaints.registers.models import ImportStatus, RegisterImport
from complaints.reports.models import OpeningBalance
from complaints.units.models import Unit

from .conftest import csrf_from
from .test_registers_files import to_cp1258
from .test_registers_petitions import (  # noqa: F401  pinned_today: 30/06/2026, inline jobs
    HEADERS,
    build_history,
    pinned_today,
    row,
)


def csv_bytes(rows, headers=HEADERS) -> bytes:
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(headers)
    out.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def html(response) -> str:
    return response.get_data(as_text=True)


def defaults(page: str) -> dict:
    """The values a form shows: the selected option of each select, each input's value."""
    values = {}
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option (?:selected )?value="([^"]*)"(?: selected)?[^>]*>', options)
        chosen = re.search(r'<option selected value="([^"]*)"', options) or re.search(
            r'<option value="([^"]*)" selected', options
        )
        values[name] = unescape(chosen.group(1)) if chosen else ""
    for attrs in re.findall(r"<input([^>]*)>", page):
        name = re.search(r'name="([^"]+)"', attrs)
        if not name or 'type="file"' in attrs or 'type="checkbox"' in attrs:
            continue
        value = re.search(r'value="([^"]*)"', attrs)
        values[name.group(1)] = unescape(value.group(1)) if value else ""
    values.pop("csrf_token", None)
    return values


def upload(web, data: bytes, name="so.csv", **fields):
    form = {**defaults(html(web.get("/registers/import"))), **fields}
    form["file"] = (io.BytesIO(data), name)
    return web.post_form("/registers/import", form)


def check(web, job_id: int, **fields):
    """Submit the column mapping as the page proposes it (with some columns changed)."""
    page = html(web.get(f"/registers/import/{job_id}/columns"))
    form = {**defaults(page), "action": "check", **fields}
    return web.post_form(f"/registers/import/{job_id}/columns", form)


def last_job(db) -> RegisterImport:
    return db.session.scalar(sa.select(RegisterImport).order_by(RegisterImport.id.desc()))


# --- who may do what ------------------------------------------------------------------------


def test_every_register_page_requires_a_permission(app):
    rules = app.url_map.iter_rules()
    endpoints = [r.endpoint for r in rules if r.endpoint.startswith("registers.")]
    assert len(endpoints) >= 12
    for endpoint in endpoints:
        assert getattr(app.view_functions[endpoint], "permission", None), endpoint


@pytest.mark.parametrize("role", list(Role))
def test_permission_matrix(web, login_as, role):
    login_as(role)
    pages = {
        "/registers/": "register.import",
        "/registers/import": "register.import",
        "/registers/export": "register.export",
        "/registers/balances": "balance.manage",
    }
    for url, permission in pages.items():
        expected = 200 if role in PERMISSIONS[permission] else 403
        assert web.get(url).status_code == expected, (url, role)
    menu = html(web.get("/registers/export" if role in PERMISSIONS["register.export"] else "/"))
    if role in PERMISSIONS["register.import"]:
        assert "Nhập sổ cũ" in menu
    for path in ("/registers/import/1/confirm", "/registers/import/1/cancel"):
        if role not in PERMISSIONS["register.import"]:
            assert web.client.post(path).status_code in (400, 403)


def test_an_xlsx_register_uploads_through_the_page(web, login_as, province, db):
    """The upload is stored under a name of its own, without its .xlsx; the reader opens the
    workbook by its content (an .xlsx used to be refused as "tệp bị hỏng" on the page)."""
    from openpyxl import Workbook

    login_as(Role.report_maker)
    wb = Workbook()
    wb.active.append(list(HEADERS))
    for n in range(1, 4):
        wb.active.append(row(register_no=str(n), received_date=f"0{n}/03/2026"))
    data = io.BytesIO()
    wb.save(data)
    response = upload(web, data.getvalue(), name="so-don-2026.xlsx")
    assert response.status_code == 302, html(response)
    job = last_job(db)
    page = html(web.get(f"/registers/import/{job.id}/columns"))
    assert "Đối chiếu cột: so-don-2026.xlsx" in page and "A: Mã đơn vị" in page


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get("/registers/import")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the journey ----------------------------------------------------------------------------


def test_upload_map_dry_run_import_and_progress(web, login_as, province, db):
    login_as(Role.report_maker)
    data = csv_bytes([row(register_no=str(n), received_date=f"0{n}/03/2026") for n in range(1, 6)])
    response = upload(web, data, name="so-don-2026.csv")
    assert response.status_code == 302
    job = last_job(db)
    assert response.headers["Location"].endswith(f"/registers/import/{job.id}/columns")
    page = html(web.get(f"/registers/import/{job.id}/columns"))
    assert "Đối chiếu cột: so-don-2026.csv" in page
    assert 'name="col_register_no"' in page and "A: Mã đơn vị" in page
    response = check(web, job.id)
    assert response.status_code == 302, html(response)
    page = html(web.get(f"/registers/import/{job.id}"))
    assert "Kết quả chạy thử" in page
    assert "5 dòng sẽ được nhập" in page and "0 dòng lỗi" in page
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0  # a dry run
    response = web.post_form(f"/registers/import/{job.id}/confirm", {},
                             form_url=f"/registers/import/{job.id}")  # fmt: skip
    assert response.status_code == 302
    page = html(web.get(f"/registers/import/{job.id}"))
    assert "Đã nhập xong: 5 đơn" in page and "Xem sổ đơn" in page
    progress = web.get(f"/registers/import/{job.id}/progress").get_json()
    assert progress["status"] == "done" and progress["percent"] == 100
    assert progress["active"] is False
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 5
    register = html(web.get("/petitions/"))
    assert "HP-2026-00005" in register


def test_a_dry_run_with_errors_lists_them_and_offers_no_import(web, login_as, province, db):
    login_as(Role.report_maker)
    upload(web, csv_bytes([row(), row(received_date="30/02/2026", kind="Khen")]))
    job = last_job(db)
    check(web, job.id)
    page = html(web.get(f"/registers/import/{job.id}"))
    assert "1 dòng lỗi" in page and "Các dòng lỗi" in page
    assert "Ngày nhận đơn không hợp lệ: “30/02/2026”" in page
    assert "Không nhận ra loại đơn “Khen”" in page
    assert "Nhập 1 dòng vào sổ" not in page
    assert "Tệp còn lỗi" in page
    response = web.post_form(f"/registers/import/{job.id}/confirm", {},
                             form_url=f"/registers/import/{job.id}")  # fmt: skip
    assert response.status_code == 302
    assert "Tệp còn lỗi" in html(web.get(f"/registers/import/{job.id}"))
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0


def test_a_file_that_is_not_a_spreadsheet_is_refused_on_upload(web, login_as, db):
    login_as(Role.admin)
    response = upload(web, b"%PDF-1.4\n%%EOF\n", name="so.xlsx")
    assert response.status_code == 422
    assert "Đây là tệp PDF" in html(response)
    assert db.session.scalar(sa.select(sa.func.count(RegisterImport.id))) == 0


def test_files_too_large_are_refused_by_size(app, web, login_as, db, monkeypatch):
    login_as(Role.report_maker)
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_MAX_BYTES", 1024)
    response = upload(web, csv_bytes([row()] * 20))
    assert response.status_code == 422
    assert "vượt giới hạn 1 KB" in html(response)
    # 50 MB: larger than any request may be; refused before the body is read.
    monkeypatch.setitem(app.config, "REGISTER_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
    page = html(web.get("/registers/import"))
    boundary = "ranh-gioi"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f'{csrf_from(page)}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="so-lon.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + b"x" * (50 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = web.client.post(
        "/registers/import",
        data=body,  # bytes, not a spooled file the test client would leave open
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    page = html(response)
    assert "Dữ liệu gửi lên nặng 50,1 MB, vượt quá mức tối đa 25 MB của một lần gửi" in page
    assert "Tệp “so-lon.xlsx” nặng 50 MB." in page and "mỗi tệp tối đa 20 MB" in page
    assert db.session.scalar(sa.select(sa.func.count(RegisterImport.id))) == 0


def test_tampered_or_missing_columns_give_a_message_not_an_error(web, login_as, db):
    login_as(Role.report_maker)
    upload(web, csv_bytes([row()]))
    job = last_job(db)
    response = check(web, job.id, col_register_no="")
    assert response.status_code == 200
    assert "Chưa chọn cột bắt buộc: “Số vào sổ”" in html(response)
    response = check(web, job.id, col_summary="999")
    assert response.status_code == 200 and "Lựa chọn không hợp lệ" in html(response)
    assert web.get("/registers/import/99999999999").status_code == 404
    assert web.get("/registers/import/424242/progress").status_code == 404


def test_jobs_are_seen_within_the_importers_units_only(web, login_as, province, db):
    login_as(Role.report_maker)
    upload(web, csv_bytes([row()]))
    job = last_job(db)
    web.logout()
    login_as(Role.report_maker, unit=province["other"])
    assert web.get(f"/registers/import/{job.id}").status_code == 404
    assert web.get(f"/registers/import/{job.id}/progress").status_code == 404
    assert "so.csv" not in html(web.get("/registers/"))
    web.logout()
    login_as(Role.report_maker, unit=province["commune"])
    assert web.get(f"/registers/import/{job.id}").status_code == 404


def test_report_makers_list_new_units_and_administrators_create_them(web, login_as, db):
    login_as(Role.report_maker)
    upload(web, csv_bytes([row(unit_code="HPMOI", unit_name="UBND phường Mới", parent_code="HP")]))
    job = last_job(db)
    check(web, job.id)
    page = html(web.get(f"/registers/import/{job.id}"))
    assert "HPMOI" in page and "UBND phường Mới" in page
    assert "Tạo 1 đơn vị này" not in page  # not theirs to do
    assert web.post_form(f"/registers/import/{job.id}/units", {},
                         form_url=f"/registers/import/{job.id}").status_code == 403  # fmt: skip
    web.logout()
    login_as(Role.admin)
    page = html(web.get(f"/registers/import/{job.id}"))
    assert "Tạo 1 đơn vị này" in page
    response = web.post_form(f"/registers/import/{job.id}/units", {},
                             form_url=f"/registers/import/{job.id}")  # fmt: skip
    assert response.status_code == 302
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "HPMOI"))
    assert unit is not None and unit.level.value == "commune"
    check(web, job.id)
    web.post_form(f"/registers/import/{job.id}/confirm", {}, form_url=f"/registers/import/{job.id}")
    assert db.session.get(RegisterImport, job.id).status == ImportStatus.done


def test_cancel_removes_the_uploaded_file(web, login_as, db):
    import os

    login_as(Role.report_maker)
    upload(web, csv_bytes([row()]))
    job = last_job(db)
    path = job.file_path
    assert os.path.isfile(path)
    web.post_form(f"/registers/import/{job.id}/cancel", {}, form_url=f"/registers/import/{job.id}")
    assert db.session.get(RegisterImport, job.id).status == ImportStatus.cancelled
    assert not os.path.exists(path)


# --- export ---------------------------------------------------------------------------------


def test_export_hides_denouncers_from_who_may_not_see_them(web, login_as, province, db):
    build_history(province)
    login_as(Role.report_maker)
    url = "/registers/export?kind=petitions&fmt=csv&date_from=01/01/2026&date_to=30/06/2026"
    response = web.get(url + f"&unit_id={province['province'].id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data().decode("utf-8-sig")
    response.close()
    assert "Lê Văn Cường" not in text and "[Được bảo mật]" in text  # the denouncer
    assert "Nguyễn Văn An" in text  # a complainant
    web.logout()
    user = login_as(Role.petition_handler)
    response = web.get(url + f"&unit_id={province['province'].id}")
    text = response.get_data().decode("utf-8-sig")
    response.close()
    assert "Lê Văn Cường" in text
    viewed = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.kind == "identity.viewed", AuditEvent.actor_id == user.id
        )
    )
    assert viewed is not None and viewed.after["where"] == "xuất sổ"


def test_nothing_an_export_writes_stays_on_the_server(web, login_as, province, db, app):
    """Issue 14, hole 1: every export left its file in the upload folder (after testing, 207
    files, 44 with a denouncer's CCCD). Gone before the answer starts, whether the response
    is read to its end, only begun, or never closed."""
    import os

    build_history(province)
    login_as(Role.petition_handler)  # sees the denouncers: the files that matter most
    folder = app.config["REGISTER_IMPORT_DIR"]
    for fmt in ("csv", "xlsx"):
        url = (
            f"/registers/export?kind=petitions&fmt={fmt}&date_from=01/01/2026"
            f"&date_to=30/06/2026&unit_id={province['province'].id}"
        )
        response = web.get(url)
        assert response.status_code == 200
        assert os.listdir(folder) == []  # not even while the answer is being sent
        assert len(response.get_data()) > 100  # and the answer is whole
        response.close()
    assert os.listdir(folder) == []


def test_export_form_errors_and_scope(web, login_as, province):
    login_as(Role.report_maker, unit=province["commune"])
    response = web.get("/registers/export?kind=petitions&fmt=csv&date_from=x&date_to=")
    assert response.status_code == 400 and "Ngày không hợp lệ" in html(response)
    other = province["province"].id
    url = "/registers/export?kind=reception&fmt=xlsx&date_from=01/01/2026&date_to=30/06/2026"
    assert web.get(url + f"&unit_id={other}").status_code in (400, 404)


# --- opening balances -----------------------------------------------------------------------


def _balance_form(unit, as_of="15/06/2026", **amounts):
    data = {"unit_id": unit.id, "as_of": as_of, "note": ""}
    for kind in PetitionKind:
        for name in ("petitions", "cases", "case_petitions"):
            data[f"{kind.value}-{name}"] = amounts.get(f"{kind.value}-{name}", 0)
    return data


def test_declaring_an_opening_balance(web, login_as, province, db):
    login_as(Role.report_maker)
    hp = province["province"]
    response = web.post_form(
        "/registers/balances",
        _balance_form(hp, **{"complaint-petitions": 12, "complaint-cases": 4,
                             "complaint-case_petitions": 6, "denunciation-cases": 1,
                             "denunciation-case_petitions": 1}),
    )  # fmt: skip
    assert response.status_code == 302
    page = html(web.get("/registers/balances"))
    assert "Đã lưu kê khai đầu kỳ của HP tại ngày 15/06/2026" in page
    rows = db.session.scalars(sa.select(OpeningBalance).order_by(OpeningBalance.kind)).all()
    assert [(r.kind.value, r.petitions, r.cases, r.case_petitions) for r in rows] == [
        ("complaint", 12, 4, 6), ("denunciation", 0, 1, 1), ("feedback", 0, 0, 0),
    ]  # fmt: skip
    response = web.post_form("/registers/balances", _balance_form(hp, **{"complaint-cases": 3}))
    assert response.status_code == 200
    assert "không được ít hơn số vụ việc" in html(response)
    response = web.post_form("/registers/balances", _balance_form(hp, as_of="01/07/2026"))
    assert "không được sau hôm nay (30/06/2026)" in html(response)
    response = web.post_form("/registers/balances", _balance_form(hp, **{"feedback-cases": -1}))
    assert "Nhập số nguyên không âm." in html(response)
    response = web.post_form(
        "/registers/balances/delete",
        {"unit_id": hp.id, "as_of": "2026-06-15"},
        form_url="/registers/balances",
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(OpeningBalance.id))) == 0


def test_balances_stay_within_the_users_units(web, login_as, province, db):
    login_as(Role.report_maker, unit=province["commune"])
    response = web.post_form("/registers/balances", _balance_form(province["province"]))
    assert response.status_code in (200, 404)
    assert db.session.scalar(sa.select(sa.func.count(OpeningBalance.id))) == 0
    assert "Lựa chọn không hợp lệ" in html(response) or response.status_code == 404


def test_the_import_page_never_answers_500(web, login_as, db, app):
    login_as(Role.admin)
    for data, name in (
        (b"", "rong.csv"),
        (b"\x00\x01\x02" * 100, "nhi-phan.csv"),
        (b"PK\x03\x04\x00\x00", "hong.xlsx"),
        (to_cp1258("STT;Ngày tiếp\n1;x\n"), "it-cot.csv"),
    ):
        response = upload(web, data, name=name)
        assert response.status_code in (302, 422), (name, response.status_code)
    job = last_job(db)
    if job is not None:
        response = check(web, job.id)
        assert response.status_code in (200, 302)
