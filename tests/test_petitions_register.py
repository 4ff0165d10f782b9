"""Registering a petition through the form: every source, scans, prefill from a visit, and
every bad input refused with its message and nothing written (rows and files)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.petitions.models import (
    FORWARDED_SOURCES,
    Attachment,
    Petition,
    PetitionSender,
    PetitionSource,
    RegisterCounter,
)

from . import factories_petitions as fp

pytestmark = pytest.mark.usefixtures("today")

NEW = "/petitions/new"


def form_data(unit, **over):
    data = {
        "unit_id": str(unit.id),
        "received_date": "02/03/2026",
        "source": "post",
        "source_body": "",
        "source_doc_no": "",
        "kind": "complaint",
        "field": "land",
        "summary": "Khiếu nại việc thu hồi đất ở phường Lê Chân không bồi thường.",
        "senders-0-full_name": "Nguyễn Văn A",
        "senders-0-address": "12 Trần Nguyên Hãn, Lê Chân, Hải Phòng",
        "senders-0-identity_no": "031088012345",
        "senders-0-phone": "0912 345 678",
        "signatory_count": "1",
        "register_no": "",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def files_on_disk(app) -> list[Path]:
    root = Path(app.config["ATTACHMENT_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def snapshot(db, app):
    """Everything a registration writes: rows of each table and files on disk."""
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    counters = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(RegisterCounter.last_seq), 0))
    )
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    return {
        "petitions": count(Petition),
        "senders": count(PetitionSender),
        "attachments": count(Attachment),
        "counter": counters,
        "events": events,
        "files": len(files_on_disk(app)),
    }


@pytest.fixture()
def officer(login_as, province):
    return login_as(Role.petition_handler, unit=province["inspectorate"])


def assert_refused(resp, message, before, db, app):
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[:500]
    assert message in html, html
    assert "Chưa có gì được lưu" in html
    assert snapshot(db, app) == before


# --- happy paths --------------------------------------------------------------------------


@pytest.mark.parametrize("source", list(PetitionSource))
def test_registration_for_every_source(web, officer, province, db, source):
    extra = {}
    if source in FORWARDED_SOURCES:
        extra = {"source_body": "Đoàn ĐBQH thành phố Hải Phòng", "source_doc_no": "123/ĐĐBQH"}
    resp = web.post_form(NEW, form_data(province["inspectorate"], source=source.value, **extra))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    petition = db.session.scalar(sa.select(Petition))
    assert resp.headers["Location"].endswith(f"/petitions/{petition.id}")
    assert petition.register_no == "HPTTR-2026-00001"
    assert petition.source == source
    assert petition.received_date.isoformat() == "2026-03-02"
    assert [s.full_name for s in petition.senders] == ["Nguyễn Văn A"]
    assert petition.senders[0].identity_no == "031088012345"
    assert petition.created_by_id == officer.id
    if source in FORWARDED_SOURCES:
        assert petition.source_body == "Đoàn ĐBQH thành phố Hải Phòng"
        assert petition.source_doc_no == "123/ĐĐBQH"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.kind == "petition.registered"))
    assert event.entity_id == petition.id and event.actor_id == officer.id
    assert event.after["register_no"] == "HPTTR-2026-00001"
    page = web.get(resp.headers["Location"])
    assert "HPTTR-2026-00001" in page.get_data(as_text=True)


def test_non_forwarded_source_drops_forwarding_fields(web, officer, province, db):
    resp = web.post_form(
        NEW, form_data(province["inspectorate"], source_body="Thừa", source_doc_no="1/X")
    )
    assert resp.status_code == 302
    petition = db.session.scalar(sa.select(Petition))
    assert petition.source_body == "" and petition.source_doc_no == ""


def test_anonymous_petition_needs_no_sender(web, officer, province, db):
    data = form_data(
        province["inspectorate"],
        anonymous="y",
        kind="denunciation",
        **{f"senders-0-{k}": "" for k in ("full_name", "address", "identity_no", "phone")},
    )
    resp = web.post_form(NEW, data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    petition = db.session.scalar(sa.select(Petition))
    assert petition.anonymous and petition.senders == []


def test_group_petition_with_several_senders(web, officer, province, db):
    data = form_data(
        province["inspectorate"],
        signatory_count="12",
        **{"senders-1-full_name": "Trần Thị B", "senders-3-full_name": "Lê Văn C"},
    )
    resp = web.post_form(NEW, data)
    assert resp.status_code == 302
    petition = db.session.scalar(sa.select(Petition))
    assert [s.full_name for s in petition.senders] == ["Nguyễn Văn A", "Trần Thị B", "Lê Văn C"]
    assert [s.position for s in petition.senders] == [0, 1, 2]
    assert petition.signatory_count == 12 and petition.is_group


def test_form_page_has_five_sender_rows_and_works_without_js(web, officer):
    html = web.get(NEW).get_data(as_text=True)
    for i in range(5):
        assert f'name="senders-{i}-full_name"' in html
    assert 'name="senders-5-full_name"' not in html
    assert 'enctype="multipart/form-data"' in html
    assert "<script>" not in html and "style=" not in html


def test_unit_defaults_to_users_unit_and_lists_only_its_tree(web, officer, province):
    html = web.get(NEW).get_data(as_text=True)
    assert f'<option selected value="{province["inspectorate"].id}"' in html or (
        f'value="{province["inspectorate"].id}" selected' in html
    )
    assert f'value="{province["commune"].id}"' not in html  # a sibling, not below HPTTR
    assert f'value="{province["other"].id}"' not in html


def test_scans_are_stored_under_random_keys(web, officer, province, db, app):
    before = files_on_disk(app)
    data = form_data(
        province["inspectorate"],
        files=[
            fp.upload(fp.PDF, "don-khieu-nai.pdf"),
            fp.upload(fp.png_bytes(), "trang 2.PNG"),
            fp.upload(fp.JPG, "anh.jpeg"),
            fp.upload(fp.TIF, "scan.tif"),
            fp.upload(fp.PDF, "../../etc/passwd"),
        ],
    )
    resp = web.post_form(NEW, data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    petition = db.session.scalar(sa.select(Petition))
    rows = petition.attachments
    assert [(a.filename, a.file_type, a.mime_type) for a in rows] == [
        ("don-khieu-nai.pdf", "pdf", "application/pdf"),
        ("trang 2.PNG", "png", "image/png"),
        ("anh.jpeg", "jpg", "image/jpeg"),
        ("scan.tif", "tif", "image/tiff"),
        ("passwd.pdf", "pdf", "application/pdf"),
    ]
    new_files = sorted(set(files_on_disk(app)) - set(before))
    assert len(new_files) == 5
    keys = {a.storage_key for a in rows}
    assert {p.name for p in new_files} == keys
    for path in new_files:
        assert "don" not in path.name and "passwd" not in path.name
        assert Path(app.config["ATTACHMENT_DIR"]) in path.parents
    assert new_files[0].read_bytes() in {fp.PDF, fp.png_bytes(), fp.JPG, fp.TIF}
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "attachment.added")
    ).all()
    assert len(events) == 5 and {e.after["petition_id"] for e in events} == {petition.id}


def test_prefill_from_a_visit_and_link_it(web, officer, province, db):
    visit = fp.VisitFactory(
        unit=province["inspectorate"],
        kind="denunciation",
        visit_date=date(2026, 5, 4),
        content="Tố cáo cán bộ địa chính nhận tiền khi cấp sổ đỏ.",
        people_count=2,
        persons=[("Phạm Văn Dũng", "031077000123"), ("Vũ Thị Em", "031080000456")],
    )
    page = web.get(f"{NEW}?visit_id={visit.id}").get_data(as_text=True)
    assert 'value="Phạm Văn Dũng"' in page and 'value="031080000456"' in page
    assert "Tố cáo cán bộ địa chính nhận tiền" in page
    assert 'value="04/05/2026"' in page
    assert '<option selected value="reception">' in page or 'value="reception" selected' in page
    data = form_data(
        province["inspectorate"],
        source="reception",
        kind="denunciation",
        received_date="04/05/2026",
        signatory_count="2",
        **{"senders-1-full_name": "Vũ Thị Em", "senders-1-identity_no": "031080000456"},
    )
    resp = web.post_form(f"{NEW}?visit_id={visit.id}", data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    petition = db.session.scalar(sa.select(Petition))
    assert petition.visit_id == visit.id and petition.kind.value == "denunciation"


def test_visit_link_requires_reception_source(web, officer, province, db, app):
    visit = fp.VisitFactory(unit=province["inspectorate"])
    before = snapshot(db, app)
    resp = web.post_form(f"{NEW}?visit_id={visit.id}", form_data(province["inspectorate"]))
    assert_refused(resp, "nguồn đơn phải là", before, db, app)


@pytest.mark.parametrize("visit_id", ["abc", "99999999999999", "-1"])
def test_bad_visit_id_is_404(web, officer, visit_id):
    assert web.get(f"{NEW}?visit_id={visit_id}").status_code == 404


def test_visit_of_another_unit_is_404(web, officer, province):
    other = fp.VisitFactory(unit=province["other"])
    sibling = fp.VisitFactory(unit=province["commune"])
    assert web.get(f"{NEW}?visit_id={other.id}").status_code == 404
    assert web.get(f"{NEW}?visit_id={sibling.id}").status_code == 404


@pytest.mark.parametrize("role", [Role.case_handler, Role.leader, Role.report_maker, Role.admin])
def test_roles_without_register_permission_are_refused(web, login_as, role):
    login_as(role)
    assert web.get(NEW).status_code == 403


def test_reception_officer_may_register(web, login_as, province, db):
    login_as(Role.reception_officer, unit=province["commune"])
    resp = web.post_form(NEW, form_data(province["commune"]))
    assert resp.status_code == 302
    assert db.session.scalar(sa.select(Petition.register_no)) == "HPLC-2026-00001"


# --- bad input: a message beside the field, and nothing written ----------------------------


BAD_INPUTS = {
    "impossible date": (
        {"received_date": "31/02/2026"},
        "Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy",
    ),
    "not a date": ({"received_date": "hôm qua"}, "Ngày không hợp lệ"),
    "future date": ({"received_date": "01/07/2026"}, "không được sau ngày hôm nay (30/06/2026)"),
    "ancient date": ({"received_date": "01/01/1890"}, "Ngày nhận đơn không hợp lệ: trước"),
    "missing date": ({"received_date": ""}, "Vui lòng nhập thông tin này."),
    "forwarded without body": (
        {"source": "deputy", "source_doc_no": "12/CV"},
        "nhập tên cơ quan, tổ chức hoặc lãnh đạo đã chuyển đơn",
    ),
    "forwarded without letter number": (
        {"source": "press", "source_body": "Báo Hải Phòng"},
        "nhập số văn bản hoặc phiếu chuyển đơn",
    ),
    "no sender, not anonymous": (
        {f"senders-0-{k}": "" for k in ("full_name", "address", "identity_no", "phone")},
        "Nhập ít nhất một người gửi đơn, hoặc đánh dấu đây là đơn nặc danh.",
    ),
    "signatories fewer than senders": (
        {
            "senders-1-full_name": "Trần Thị B",
            "senders-2-full_name": "Lê C",
            "signatory_count": "2",
        },
        "Số người ký đơn (2) không được ít hơn số người gửi đã nhập (3).",
    ),
    "zero signatories": ({"signatory_count": "0"}, "Số người ký đơn phải từ 1 trở lên."),
    "signatories not a number": ({"signatory_count": "hai"}, "Nhập một số nguyên, ví dụ 1."),
    "absurd signatories": ({"signatory_count": "99999999999"}, "Số người ký đơn quá lớn"),
    "sender row without a name": (
        {"senders-1-phone": "0912000111"},
        "Nhập họ tên người gửi của dòng này",
    ),
    "bad identity number": ({"senders-0-identity_no": "12-AB"}, "từ 6 đến 20 ký tự"),
    "ten-digit identity number": (
        {"senders-0-identity_no": "031-088-0123"},
        "Số CCCD, số định danh cá nhân gồm 12 chữ số (CMND cũ: 9 chữ số).",
    ),
    "bad phone": ({"senders-0-phone": "gọi tôi"}, "Số điện thoại chỉ gồm chữ số"),
    "empty summary": ({"summary": "   "}, "Vui lòng nhập thông tin này."),
    "tampered kind": ({"kind": "bogus"}, "Lựa chọn không hợp lệ"),
    "tampered source": ({"source": "telepathy"}, "Lựa chọn không hợp lệ"),
    "tampered field": ({"field": "'; DROP TABLE petition; --"}, "Lựa chọn không hợp lệ"),
    "unit not an int": ({"unit_id": "HP"}, "Lựa chọn không hợp lệ"),
    "missing kind": ({"kind": ""}, "Vui lòng nhập thông tin này."),
    "manual number of another unit": (
        {"register_no": "HP-2026-00005"},
        "Số vào sổ phải có dạng HPTTR-2026-00042",
    ),
    "manual number of another year": (
        {"register_no": "HPTTR-2025-00005"},
        "Số vào sổ phải có dạng HPTTR-2026-00042",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_and_nothing_written(web, officer, province, db, app, case):
    changes, message = BAD_INPUTS[case]
    before = snapshot(db, app)
    resp = web.post_form(NEW, form_data(province["inspectorate"], **changes))
    assert_refused(resp, message, before, db, app)


def test_unit_outside_the_users_tree_is_refused(web, officer, province, db, app):
    before = snapshot(db, app)
    for unit in (province["other"], province["commune"], province["province"]):
        resp = web.post_form(NEW, form_data(province["inspectorate"], unit_id=str(unit.id)))
        assert_refused(resp, "Lựa chọn không hợp lệ", before, db, app)


def test_missing_csrf_is_refused(client, officer, province, db, app):
    before = snapshot(db, app)
    resp = client.post(NEW, data=form_data(province["inspectorate"]))
    assert resp.status_code == 400
    assert "CSRF" in resp.get_data(as_text=True)
    assert snapshot(db, app) == before


BAD_FILES = {
    "png content named .pdf": (fp.png_bytes(), "don.pdf", "có đuôi .pdf nhưng nội dung là PNG"),
    "text named .pdf": (fp.TEXT, "don.pdf", "nội dung không phải ảnh quét hay PDF"),
    "text named .png": (b"hello", "anh.png", "nội dung không phải ảnh quét hay PDF"),
    "gif image": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anh.gif", "nội dung là tệp GIF"),
    "zip archive": (b"PK\x03\x04" + b"\x00" * 40, "ho-so.zip", "nội dung là tệp ZIP"),
    "empty file": (b"", "rong.pdf", "rỗng (0 byte)"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_wrong_file_type_is_refused_and_nothing_written(web, officer, province, db, app, case):
    content, name, message = BAD_FILES[case]
    before = snapshot(db, app)
    data = form_data(
        province["inspectorate"],
        files=[fp.upload(fp.PDF, "tot.pdf"), fp.upload(content, name)],
    )
    resp = web.post_form(NEW, data)
    assert_refused(resp, message, before, db, app)
    assert "Chỉ nhận bản quét dạng PDF, JPG, PNG, TIF" in resp.get_data(as_text=True) or (
        "không khớp" in resp.get_data(as_text=True) or "rỗng" in resp.get_data(as_text=True)
    )


def test_oversized_file_is_refused_and_nothing_written(
    web, officer, province, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 2048)
    before = snapshot(db, app)
    data = form_data(
        province["inspectorate"],
        files=[fp.upload(fp.png_bytes(), "nho.png"), fp.upload(fp.png_bytes(5000), "to.png")],
    )
    resp = web.post_form(NEW, data)
    assert_refused(resp, "vượt quá mức tối đa 2 KB cho mỗi tệp", before, db, app)
    assert "Tệp “to.png”" in resp.get_data(as_text=True)


def test_each_bad_file_is_named(web, officer, province, db, app):
    data = form_data(
        province["inspectorate"],
        files=[fp.upload(fp.TEXT, "mot.pdf"), fp.upload(fp.TEXT, "hai.jpg")],
    )
    html = web.post_form(NEW, data).get_data(as_text=True)
    assert "Tệp “mot.pdf”" in html and "Tệp “hai.jpg”" in html


def test_whole_request_over_the_limit_is_413_not_500(web, officer, province, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    data = form_data(province["inspectorate"], files=[fp.upload(fp.png_bytes(10_000), "a.png")])
    resp = web.post_form(NEW, data)
    assert resp.status_code == 413


def test_duplicate_manual_number_gets_a_clear_message(web, officer, province, db, app):
    first = web.post_form(NEW, form_data(province["inspectorate"]))
    assert first.status_code == 302
    before = snapshot(db, app)
    resp = web.post_form(NEW, form_data(province["inspectorate"], register_no="hpttr-2026-1"))
    assert_refused(resp, "Số vào sổ HPTTR-2026-00001 đã có trong sổ đơn.", before, db, app)


def test_files_are_removed_when_the_transaction_fails(web, officer, province, db, app, monkeypatch):
    """A failure after the files were written (here: the audit log) leaves no file behind."""
    from complaints.core import audit

    real = audit.record

    def failing(kind, *args, **kwargs):
        if kind == "attachment.added":
            raise RuntimeError("disk full")
        return real(kind, *args, **kwargs)

    monkeypatch.setattr(audit, "record", failing)
    before_files = files_on_disk(app)
    data = form_data(province["inspectorate"], files=[fp.upload(fp.PDF, "don.pdf")])
    with pytest.raises(RuntimeError):  # TESTING re-raises what would be a 500
        web.post_form(NEW, data)
    assert files_on_disk(app) == before_files
    assert db.session.scalar(sa.select(sa.func.count(Petition.id))) == 0
