"""The register (sổ đơn), a petition's page, its scans, corrections with optimistic locking,
unit isolation, denouncer redaction and the "identity.viewed" audit event."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.core import confidentiality
from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.petitions import operations as ops
from complaints.petitions.models import Attachment, Petition
from complaints.petitions.storage import IncomingFile

from . import factories_petitions as fp
from .test_petitions_register import form_data

pytestmark = pytest.mark.usefixtures("today")

REDACTED = str(confidentiality.MASK)  # the one masked text


def identity_events(db, **where):
    query = sa.select(AuditEvent).where(AuditEvent.kind == "identity.viewed")
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return db.session.scalars(query.order_by(AuditEvent.seq)).all()


@pytest.fixture()
def petitions(province, db):
    """A complaint and a denunciation of the inspectorate, and a petition of another province."""
    ttr = province["inspectorate"]
    complaint = fp.PetitionFactory(
        unit=ttr,
        received_date=date(2026, 3, 2),
        senders=[("Nguyễn Văn Khiếu", "031088000111", "Lê Chân")],
        summary="Khiếu nại quyết định thu hồi đất.",
    )
    denunciation = fp.PetitionFactory(
        unit=ttr,
        received_date=date(2026, 4, 6),
        kind="denunciation",
        field="corruption",
        senders=[("Trần Văn Tố", "031088000222", "Hải An")],
        summary="Tố cáo cán bộ nhận hối lộ khi cấp phép xây dựng.",
    )
    foreign = fp.PetitionFactory(unit=province["other"], senders=[("Lê Thị Ngoài", "001099000333")])
    return {"complaint": complaint, "denunciation": denunciation, "foreign": foreign}


def attach(petition, user, data=fp.PDF, name="don-to-cao-tran-van-to.pdf"):
    [row] = ops.add_attachments(user, petition, [IncomingFile(name, data)])
    return row


# --- the register -------------------------------------------------------------------------


def test_register_lists_the_units_petitions_newest_first(web, login_as, province, petitions):
    login_as(Role.petition_handler, unit=province["province"])
    html = web.get("/petitions/").get_data(as_text=True)
    d, c = petitions["denunciation"].register_no, petitions["complaint"].register_no
    assert d in html and c in html
    assert html.index(d) < html.index(c)  # 06/04 before 02/03
    assert petitions["foreign"].register_no not in html
    assert "Lê Thị Ngoài" not in html
    assert "Nguyễn Văn Khiếu" in html and "02/03/2026" in html
    assert "Khiếu nại" in html and "Đất đai" in html and "Qua bưu chính" in html


def test_register_of_a_sub_unit_user_hides_the_parents_petitions(web, login_as, province, db):
    fp.PetitionFactory(unit=province["province"], summary="Đơn gửi UBND thành phố")
    mine = fp.PetitionFactory(unit=province["commune"], summary="Đơn gửi phường")
    login_as(Role.petition_handler, unit=province["commune"])
    html = web.get("/petitions/").get_data(as_text=True)
    assert mine.register_no in html and "Đơn gửi UBND thành phố" not in html


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("kind=denunciation", {"denunciation"}),
        ("kind=complaint", {"complaint"}),
        ("field=corruption", {"denunciation"}),
        ("source=post", {"complaint", "denunciation"}),
        ("source=deputy", set()),
        ("date_from=01/04/2026", {"denunciation"}),
        ("date_to=31/03/2026", {"complaint"}),
        ("date_from=01/03/2026&date_to=31/03/2026", {"complaint"}),
        ("unit_id={ttr}", {"complaint", "denunciation"}),
        ("unit_id={lc}", set()),
    ],
)
def test_register_filters(web, login_as, province, petitions, query, finds):
    login_as(Role.petition_handler, unit=province["province"])
    url = "/petitions/?" + query.format(ttr=province["inspectorate"].id, lc=province["commune"].id)
    html = web.get(url).get_data(as_text=True)
    found = {name for name in ("complaint", "denunciation") if petitions[name].register_no in html}
    assert found == finds


@pytest.mark.parametrize(
    "query",
    [
        "kind=bogus",
        "unit_id=abc",
        "unit_id=999999999999",
        "date_from=31/02/2026",
        "date_from=05/05/2026&date_to=01/05/2026",
        "page=abc",
        "page=-3",
        "page=99999999999999999999",
        "field=%00",
    ],
)
def test_register_survives_bad_filters(web, login_as, province, petitions, query):
    login_as(Role.petition_handler, unit=province["province"])
    resp = web.get("/petitions/?" + query)
    # A NUL byte is refused with a message for the whole app (web.py); the rest are ignored.
    assert resp.status_code == (400 if "%00" in query else 200)


def test_register_filter_error_is_shown_and_ignored(web, login_as, province, petitions):
    login_as(Role.petition_handler, unit=province["province"])
    html = web.get(f"/petitions/?unit_id={province['other'].id}").get_data(as_text=True)
    assert "Lựa chọn không hợp lệ" in html
    assert petitions["foreign"].register_no not in html
    assert petitions["complaint"].register_no in html


def test_register_is_paginated(web, login_as, province, app, monkeypatch, db):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for day in range(1, 6):
        fp.PetitionFactory(unit=province["commune"], received_date=date(2026, 3, day))
    login_as(Role.petition_handler, unit=province["commune"])
    first = web.get("/petitions/?kind=complaint").get_data(as_text=True)
    assert "Trang 1/3" in first and "05/03/2026" in first and "01/03/2026" not in first
    assert "kind=complaint" in first and "page=2" in first
    last = web.get("/petitions/?kind=complaint&page=3").get_data(as_text=True)
    assert "01/03/2026" in last and "05/03/2026" not in last


def test_register_total_stops_at_the_cap_and_a_filter_gives_it_exactly(
    web, login_as, province, app, monkeypatch, db
):
    """A province's whole register is not counted for the pager (REGISTER_COUNT_CAP): the
    total says "more than", the pages go as far as the cap, a filter under it is exact."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    monkeypatch.setitem(app.config, "REGISTER_COUNT_CAP", 3)
    for day in range(1, 6):
        fp.PetitionFactory(unit=province["commune"], received_date=date(2026, 3, day))
    login_as(Role.petition_handler, unit=province["commune"])
    first = web.get("/petitions/").get_data(as_text=True)
    assert "Trang 1/2 · hơn 3 bản ghi" in first and "05/03/2026" in first
    assert "Lọc theo ngày nhận" in first
    beyond = web.get("/petitions/?page=9").get_data(as_text=True)
    assert "Trang 2/2" in beyond and "03/03/2026" in beyond  # no page past the cap
    narrow = web.get("/petitions/?date_from=01/03/2026&date_to=02/03/2026")
    html = narrow.get_data(as_text=True)
    assert "2 bản ghi" in html and "hơn" not in html and "01/03/2026" in html


def test_register_needs_petition_view(web, login_as):
    login_as(Role.admin)
    assert web.get("/petitions/").status_code == 403


def test_register_redacts_denouncers_for_roles_that_may_not_see_them(
    web, login_as, province, petitions, db
):
    login_as(Role.case_handler, unit=province["province"])
    html = web.get("/petitions/").get_data(as_text=True)
    assert petitions["denunciation"].register_no in html
    assert "Trần Văn Tố" not in html and REDACTED in html
    assert "Nguyễn Văn Khiếu" in html  # a complainant is not protected
    assert identity_events(db) == []


def test_register_logs_the_denouncers_it_shows(web, login_as, province, petitions, db):
    user = login_as(Role.petition_handler, unit=province["province"])
    html = web.get("/petitions/").get_data(as_text=True)
    assert "Trần Văn Tố" in html
    [event] = identity_events(db)
    assert event.actor_id == user.id
    assert event.after["petition_ids"] == [petitions["denunciation"].id]


# --- a petition's page --------------------------------------------------------------------


def test_petition_page_shows_all_facts(web, login_as, province, db):
    visit = fp.VisitFactory(unit=province["inspectorate"], visit_date=date(2026, 3, 1))
    p = fp.PetitionFactory(
        unit=province["inspectorate"],
        source="deputy",
        source_body="Đoàn ĐBQH thành phố",
        source_doc_no="45/ĐĐBQH-DN",
        signatory_count=7,
        visit=visit,
        senders=[("Nguyễn Văn Khiếu", "031088000111", "12 Lạch Tray")],
    )
    login_as(Role.case_handler, unit=province["province"])
    html = web.get(f"/petitions/{p.id}").get_data(as_text=True)
    for text in (
        p.register_no,
        "02/03/2026",
        "Đại biểu Quốc hội chuyển đến",
        "Đoàn ĐBQH thành phố",
        "45/ĐĐBQH-DN",
        "Khiếu nại",
        "Đất đai",
        "đơn nhiều người cùng ký",
        "Nguyễn Văn Khiếu",
        "12 Lạch Tray",
        "031088000111",
        "Lượt tiếp ngày 01/03/2026",
        f"/reception/visits/{visit.id}",
        "HPTTR · Thanh tra thành phố",
    ):
        assert text in html, text
    assert "Sửa đơn" not in html  # case handlers do not edit the register


def test_petition_of_another_unit_is_404(web, login_as, province, petitions):
    login_as(Role.petition_handler, unit=province["commune"])
    for name in ("complaint", "foreign"):
        assert web.get(f"/petitions/{petitions[name].id}").status_code == 404
    assert web.get("/petitions/99999999999").status_code == 404
    assert web.get("/petitions/0").status_code == 404


def test_denunciation_page_redacts_and_logs_nothing_for_a_case_handler(
    web, login_as, province, petitions, db
):
    p = petitions["denunciation"]
    attach(p, None)
    login_as(Role.case_handler, unit=province["province"])
    html = web.get(f"/petitions/{p.id}").get_data(as_text=True)
    assert REDACTED in html
    assert "Trần Văn Tố" not in html and "031088000222" not in html and "Hải An" not in html
    assert "don-to-cao-tran-van-to.pdf" not in html  # even the scan's name may tell
    assert "Tố cáo cán bộ nhận hối lộ" in html
    assert identity_events(db) == []


@pytest.mark.parametrize("role", [Role.petition_handler, Role.reception_officer, Role.leader])
def test_denunciation_page_shows_identity_to_allowed_roles_and_logs_it(
    web, login_as, province, petitions, db, role
):
    p = petitions["denunciation"]
    user = login_as(role, unit=province["province"])
    html = web.get(f"/petitions/{p.id}").get_data(as_text=True)
    assert "Trần Văn Tố" in html and "031088000222" in html
    [event] = identity_events(db)
    assert (event.entity_type, event.entity_id, event.actor_id) == ("petition", p.id, user.id)
    assert event.unit_id == p.unit_id
    web.get(f"/petitions/{p.id}")
    assert len(identity_events(db)) == 2  # every view is logged


def test_complaint_page_logs_no_identity_view(web, login_as, province, petitions, db):
    login_as(Role.petition_handler, unit=province["province"])
    assert web.get(f"/petitions/{petitions['complaint'].id}").status_code == 200
    assert identity_events(db) == []


# --- scans --------------------------------------------------------------------------------


def test_scan_download_is_an_attachment_with_the_detected_type(
    web, login_as, province, petitions, db
):
    p = petitions["complaint"]
    row = attach(p, None, fp.png_bytes(), "trang 1 đơn.png")
    login_as(Role.case_handler, unit=province["province"])
    page = web.get(f"/petitions/{p.id}").get_data(as_text=True)
    url = f"/petitions/{p.id}/attachments/{row.id}"
    assert url in page
    resp = web.get(url)
    assert resp.status_code == 200
    assert resp.data == fp.png_bytes()
    assert resp.mimetype == "image/png"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''trang%201%20%C4%91%C6%A1n.png" in disposition
    assert resp.headers["Cache-Control"] == "no-store, private"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_scan_of_another_unit_or_petition_is_404(web, login_as, province, petitions, db):
    foreign = attach(petitions["foreign"], None)
    mine = attach(petitions["complaint"], None)
    login_as(Role.petition_handler, unit=province["province"])
    foreign_p, complaint = petitions["foreign"].id, petitions["complaint"].id
    assert web.get(f"/petitions/{foreign_p}/attachments/{foreign.id}").status_code == 404
    assert web.get(f"/petitions/{complaint}/attachments/{foreign.id}").status_code == 404
    assert web.get(f"/petitions/{complaint}/attachments/{mine.id + 1000}").status_code == 404
    assert web.get(f"/petitions/{complaint}/attachments/{mine.id}").status_code == 200
    web.logout()
    login_as(Role.petition_handler, unit=province["commune"])
    assert web.get(f"/petitions/{complaint}/attachments/{mine.id}").status_code == 404


def test_denunciation_scan_is_refused_to_case_handlers_and_logged_for_others(
    web, login_as, province, petitions, db
):
    p = petitions["denunciation"]
    row = attach(p, None)
    url = f"/petitions/{p.id}/attachments/{row.id}"
    login_as(Role.case_handler, unit=province["province"])
    assert web.get(url).status_code == 403
    assert identity_events(db) == []
    web.logout()
    login_as(Role.leader, unit=province["province"])
    assert web.get(url).status_code == 200
    [event] = identity_events(db)
    assert event.entity_id == p.id and "tải tệp" in event.after["where"]


def test_missing_scan_file_is_404(web, login_as, province, petitions, db, app):
    row = attach(petitions["complaint"], None)
    from complaints.petitions.storage import path_for

    path_for(row.storage_key).unlink()
    login_as(Role.petition_handler, unit=province["province"])
    url = f"/petitions/{petitions['complaint'].id}/attachments/{row.id}"
    assert web.get(url).status_code == 404


# --- corrections --------------------------------------------------------------------------


def edit_data(petition, **over):
    data = form_data(
        petition.unit,
        received_date=petition.received_date.strftime("%d/%m/%Y"),
        summary="Khiếu nại quyết định thu hồi đất (bổ sung nội dung).",
        version=str(petition.version),
        **{"senders-0-full_name": "Nguyễn Văn Khiếu", "senders-0-identity_no": "031088000111"},
    )
    data.pop("unit_id")
    data.pop("register_no")
    data.update(over)
    return data


def test_edit_changes_facts_keeps_the_number_and_is_audited(web, login_as, province, petitions, db):
    p = petitions["complaint"]
    number, version = p.register_no, p.version
    user = login_as(Role.petition_handler, unit=province["province"])
    url = f"/petitions/{p.id}/edit"
    page = web.get(url).get_data(as_text=True)
    assert f'name="version" type="hidden" value="{version}"' in page
    assert 'value="Nguyễn Văn Khiếu"' in page
    data = edit_data(
        p,
        register_no="HPTTR-2026-99999",
        unit_id=str(province["commune"].id),
        **{"senders-1-full_name": "Phạm Thị Mới", "signatory_count": "2"},
    )
    resp = web.post_form(url, data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.expire_all()
    assert p.register_no == number and p.unit_id == province["inspectorate"].id
    assert p.summary.endswith("(bổ sung nội dung).")
    assert [s.full_name for s in p.senders] == ["Nguyễn Văn Khiếu", "Phạm Thị Mới"]
    assert p.version == version + 1
    assert "pham thi moi" in p.search_text
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "petition.updated")
    ).all()
    assert event.actor_id == user.id and event.entity_id == p.id
    assert event.before["summary"] == "Khiếu nại quyết định thu hồi đất."
    assert event.after["signatory_count"] == 2
    assert "register_no" not in event.after


def test_stale_edit_is_refused_and_overwrites_nothing(web, login_as, province, petitions, db):
    p = petitions["complaint"]
    login_as(Role.petition_handler, unit=province["province"])
    url = f"/petitions/{p.id}/edit"
    stale = edit_data(p, summary="Bản sửa của người thứ hai")
    # Someone else saves first.
    ops.update_petition(
        None,
        p,
        ops.PetitionData(
            received_date=p.received_date,
            source="post",
            kind="complaint",
            field="land",
            summary="Bản sửa của người thứ nhất",
            senders=[ops.SenderData("Nguyễn Văn Khiếu", identity_no="031088000111")],
        ),
        expected_version=p.version,
    )
    db.session.commit()
    resp = web.post_form(url, stale)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409  # a lost update, answered as on every edit page
    assert "vừa được người khác sửa" in html and "Chưa có gì được lưu" in html
    db.session.expire_all()
    assert p.summary == "Bản sửa của người thứ nhất"
    for bad in ("abc", ""):
        resp = web.post_form(url, edit_data(p, version=bad))
        assert "vừa được người khác sửa" in resp.get_data(as_text=True)


def test_edit_cannot_move_the_petition_to_another_year(web, login_as, province, petitions, db):
    p = petitions["complaint"]
    login_as(Role.petition_handler, unit=province["province"])
    resp = web.post_form(f"/petitions/{p.id}/edit", edit_data(p, received_date="31/12/2025"))
    assert "ngày nhận đơn phải trong năm 2026" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert p.received_date == date(2026, 3, 2)


def test_edit_refuses_bad_input_with_messages(web, login_as, province, petitions, db):
    p = petitions["complaint"]
    version = p.version
    login_as(Role.petition_handler, unit=province["province"])
    resp = web.post_form(
        f"/petitions/{p.id}/edit",
        edit_data(p, source="deputy", signatory_count="0", received_date="30/02/2026"),
    )
    html = resp.get_data(as_text=True)
    assert "nhập tên cơ quan, tổ chức hoặc lãnh đạo đã chuyển đơn" in html
    assert "Số người ký đơn phải từ 1 trở lên." in html
    assert "Ngày không hợp lệ" in html
    db.session.expire_all()
    assert p.source.value == "post" and p.version == version


def test_edit_adds_a_scan_and_audits_it(web, login_as, province, petitions, db, app):
    p = petitions["complaint"]
    login_as(Role.reception_officer, unit=province["province"])
    data = edit_data(p, summary=p.summary, files=[fp.upload(fp.PDF, "bo-sung.pdf")])
    resp = web.post_form(f"/petitions/{p.id}/edit", data)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    [row] = db.session.scalars(sa.select(Attachment).where(Attachment.petition_id == p.id))
    assert row.filename == "bo-sung.pdf"
    assert db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.kind == "attachment.added", AuditEvent.entity_id == row.id
        )
    )


@pytest.mark.parametrize("role", [Role.case_handler, Role.leader, Role.report_maker])
def test_edit_needs_edit_or_register_permission(web, login_as, province, petitions, role):
    login_as(role, unit=province["province"])
    assert web.get(f"/petitions/{petitions['complaint'].id}/edit").status_code == 403


def test_edit_of_another_unit_is_404(web, login_as, province, petitions):
    login_as(Role.petition_handler, unit=province["commune"])
    assert web.get(f"/petitions/{petitions['complaint'].id}/edit").status_code == 404
    assert web.get(f"/petitions/{petitions['foreign'].id}/edit").status_code == 404


def test_opening_a_denunciation_for_edit_is_logged(web, login_as, province, petitions, db):
    p = petitions["denunciation"]
    login_as(Role.petition_handler, unit=province["province"])
    assert "Trần Văn Tố" in web.get(f"/petitions/{p.id}/edit").get_data(as_text=True)
    [event] = identity_events(db)
    assert event.entity_id == p.id and event.after["where"] == "sửa đơn"


def test_version_column_guards_the_update_itself(db, petitions):
    """A change committed after the page loaded the petition but before it wrote is refused
    by the UPDATE itself (StaleDataError, which the global handler answers with 409)."""
    from sqlalchemy.orm.exc import StaleDataError

    p = petitions["complaint"]
    ops.update_petition(
        None,
        p,
        ops.PetitionData(
            received_date=p.received_date,
            source="post",
            kind="complaint",
            field="land",
            summary="Một nội dung khác",
            senders=[ops.SenderData("Nguyễn Văn Khiếu")],
        ),
        expected_version=p.version,
    )
    db.session.flush()
    table = Petition.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == p.id).values(version=table.c.version + 1)
    )
    p.summary = "Ghi đè"
    with pytest.raises(StaleDataError):
        db.session.flush()


def count_queries(db, fn) -> int:
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_register_and_search_make_no_query_per_row(web, login_as, province, db):
    login_as(Role.case_handler, unit=province["province"])

    def add(n):
        for i in range(n):
            fp.PetitionFactory(
                unit=province["commune"] if i % 2 else province["inspectorate"],
                senders=[("Đặng Văn Hàng", f"0310900{i:05d}"), ("Bùi Thị Xóm", "031090099999")],
            )
            fp.VisitFactory(unit=province["commune"], persons=[("Đặng Văn Hàng", "031090011111")])

    add(2)
    small_list = count_queries(db, lambda: web.get("/petitions/"))
    small_search = count_queries(db, lambda: web.get("/petitions/search?q=dang+van+hang"))
    add(10)
    assert count_queries(db, lambda: web.get("/petitions/")) == small_list
    assert count_queries(db, lambda: web.get("/petitions/search?q=dang+van+hang")) == small_search
