"""Reception pages: sessions and visits through the browser's forms, access, redaction."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.vocab import PetitionKind
from complaints.reception.models import (
    HostMode,
    ReceptionSession,
    SessionKind,
    SessionStatus,
    Visit,
    VisitOutcome,
    VisitPerson,
)
from complaints.reception.operations import VisitData, update_visit

from .conftest import csrf_from
from .factories_reception import SessionFactory, VisitFactory

DAY = date(2026, 1, 6)
SECRET = {
    "full_name": "Phạm Thị Kín",
    "address": "Ngõ 7 phố Hàng Kênh",
    "identity_no": "031190009999",
    "phone": "0987654321",
}


def counts(db) -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (ReceptionSession, Visit, VisitPerson, AuditEvent)
    )


def session_form(unit, **kw) -> dict:
    data = {
        "kind": "regular",
        "unit_id": str(unit.id),
        "session_date": "06/01/2026",
        "place": "Trụ sở tiếp công dân phường",
        "medium": "onsite",
        "host_mode": "",
        "host_name": "Nguyễn Thị Trực",
        "host_title": "Công chức",
        "status": "planned",
        "status_reason": "",
        "postponed_to": "",
        "published_on": "",
        "conclusion": "",
    }
    data.update(kw)
    return data


def visit_form(persons=None, **kw) -> dict:
    if persons is None:
        persons = [
            {
                "full_name": "Trần Văn Dân",
                "address": "Số 5 Lạch Tray",
                "identity_no": "031090001234",
                "phone": "0912345678",
            }
        ]
    data = {
        "people_count": "1",
        "visit_round": "first",
        "kind": "complaint",
        "content": "Khiếu nại việc bồi thường khi thu hồi đất",
        "previous_resolver": "",
        "competent": "",
        "outcome": "answered",
        "outcome_body": "",
        "outcome_doc_no": "",
        "refusal_ground": "",
        "refusal_detail": "",
        "documents_received": "",
        "follow_up": "",
        "note": "",
    }
    for i, p in enumerate(persons):
        for key, value in p.items():
            if key == "is_representative":
                if value:
                    data[f"persons-{i}-is_representative"] = "y"
            else:
                data[f"persons-{i}-{key}"] = value
    data.update(kw)
    return data


@pytest.fixture()
def officer(login_as):
    return login_as(Role.reception_officer)


@pytest.fixture()
def held(province, db):
    made = SessionFactory(unit=province["commune"], session_date=DAY)
    db.session.commit()  # a view that rolls back a refused form must not undo the test's data
    return made


# --- sessions -----------------------------------------------------------------------------


def test_officer_creates_a_regular_session(web, officer, province, db):
    resp = web.post_form("/reception/sessions/new", session_form(province["commune"]))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    created = db.session.scalars(sa.select(ReceptionSession)).one()
    assert created.session_date == DAY and created.unit_id == province["commune"].id
    assert created.created_by_id == officer.id
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Trụ sở tiếp công dân phường" in page and "Thêm lượt tiếp" in page


def test_leader_records_a_delegated_periodic_session_with_conclusion(web, login_as, province, db):
    login_as(Role.leader)
    resp = web.post_form(
        "/reception/sessions/new",
        session_form(
            province["province"],
            kind="periodic",
            host_mode="delegated",
            host_name="Lê Văn Phó",
            host_title="Phó Chủ tịch UBND thành phố",
            status="held",
            published_on="30/12/2025",
            conclusion="Giao Sở Nông nghiệp và Môi trường kiểm tra, trả lời trước 30/01/2026.",
        ),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    created = db.session.scalars(sa.select(ReceptionSession)).one()
    assert created.host_mode == HostMode.delegated and created.kind == SessionKind.periodic
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Người được ủy quyền tiếp" in page and "Thông báo kết luận" in page
    assert "công bố muộn" in page  # 30/12/2025 is only 4 working days before 06/01/2026


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "periodic"}, "chọn Thủ trưởng trực tiếp tiếp hay ủy quyền tiếp"),
        ({"status": "cancelled"}, "Ghi rõ lý do hủy buổi tiếp."),
        ({"session_date": "31/02/2026"}, "Ngày không hợp lệ"),
        ({"session_date": ""}, "Vui lòng nhập thông tin này."),
        ({"kind": "weekly"}, "Lựa chọn không hợp lệ"),
        ({"unit_id": "abc"}, "Lựa chọn không hợp lệ"),
        ({"place": ""}, "Nhập địa điểm tiếp công dân."),
        ({"published_on": "07/01/2026"}, "không được sau ngày tiếp"),
    ],
)
def test_session_form_errors_beside_fields_write_nothing(
    web, officer, province, db, changes, message
):
    before = counts(db)
    resp = web.post_form("/reception/sessions/new", session_form(province["commune"], **changes))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message in html
    assert "Biểu mẫu còn lỗi" in html
    assert counts(db) == before


def test_session_unit_of_another_tree_is_refused(web, login_as, province, db):
    login_as(Role.reception_officer, unit=province["commune"])
    before = counts(db)
    resp = web.post_form("/reception/sessions/new", session_form(province["commune2"]))
    assert resp.status_code == 200
    assert "Lựa chọn không hợp lệ" in resp.get_data(as_text=True)
    assert counts(db) == before


def test_session_edit_with_stale_version_is_refused(web, officer, province, db, held):
    url = f"/reception/sessions/{held.id}/edit"
    token = csrf_from(web.get(url).get_data(as_text=True))
    held.place = "Đổi bởi người khác"
    db.session.commit()
    assert held.version == 2
    resp = web.client.post(
        url,
        data={
            "csrf_token": token,
            **session_form(province["commune"], status="held", place="Bản của tôi"),
            "version": "1",
        },
    )
    assert resp.status_code == 409
    assert "vừa được người khác sửa" in resp.get_data(as_text=True)
    assert db.session.get(ReceptionSession, held.id).place == "Đổi bởi người khác"


def test_session_edit_saves_with_current_version(web, officer, province, db, held):
    resp = web.post_form(
        f"/reception/sessions/{held.id}/edit",
        session_form(province["commune"], status="held", place="Phòng tiếp mới", version="1"),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert db.session.get(ReceptionSession, held.id).place == "Phòng tiếp mới"


def test_session_edit_without_version_is_refused(web, officer, province, db, held):
    resp = web.post_form(
        f"/reception/sessions/{held.id}/edit",
        session_form(province["commune"], status="held", place="Phòng tiếp mới", version=""),
    )
    assert resp.status_code == 409
    assert db.session.get(ReceptionSession, held.id).place == "Trụ sở tiếp công dân"


def test_missing_csrf_token_is_refused(web, officer, province, db, held):
    before = counts(db)
    resp = web.client.post("/reception/sessions/new", data=session_form(province["commune"]))
    assert resp.status_code == 400 and "CSRF" in resp.get_data(as_text=True)
    resp = web.client.post(f"/reception/sessions/{held.id}/visits/new", data=visit_form())
    assert resp.status_code == 400
    assert counts(db) == before


def test_session_list_filters_and_counts(web, officer, province, db):
    a = SessionFactory(unit=province["commune"], session_date=date(2026, 1, 5), place="Nơi A")
    SessionFactory(
        unit=province["province"],
        kind=SessionKind.periodic,
        host_mode=HostMode.in_person,
        session_date=date(2026, 1, 20),
        place="Nơi B",
    )
    VisitFactory(session=a)
    VisitFactory(session=a)
    html = web.get("/reception/sessions").get_data(as_text=True)
    assert "Nơi A" in html and "Nơi B" in html
    html = web.get(
        "/reception/sessions?date_from=01/01/2026&date_to=10/01/2026&kind=&status=&unit_id="
        f"{province['province'].id}"
    ).get_data(as_text=True)
    assert "Nơi A" in html and "Nơi B" not in html
    html = web.get("/reception/sessions?kind=periodic").get_data(as_text=True)
    assert "Nơi A" not in html and "Nơi B" in html
    html = web.get(f"/reception/sessions?unit_id={province['province'].id}&only_unit=y").get_data(
        as_text=True
    )
    assert "Nơi A" not in html and "Nơi B" in html
    resp = web.get("/reception/sessions?date_from=10/01/2026&date_to=01/01/2026")
    assert resp.status_code == 200
    assert "phải sau hoặc bằng" in resp.get_data(as_text=True)
    resp = web.get("/reception/sessions?status=hacked&page=abc")
    assert resp.status_code == 200 and "Lựa chọn không hợp lệ" in resp.get_data(as_text=True)


def test_sessions_past_the_count_cap_say_so_newest_first(web, officer, province, app, monkeypatch):
    """A country's centre sees hundreds of thousands of sessions: the list is read newest
    first along its index and counted up to the register's cap, which it says."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    monkeypatch.setitem(app.config, "REGISTER_COUNT_CAP", 3)
    for day in (5, 6, 7, 8, 9):
        SessionFactory(
            unit=province["commune"], session_date=date(2026, 1, day), place=f"Nơi {day}"
        )
    html = web.get("/reception/sessions").get_data(as_text=True)
    assert "Nơi 9" in html and "Nơi 8" in html and "Nơi 7" not in html
    assert "Trang 1/2 · hơn 3 bản ghi" in html and "Có hơn 3 buổi tiếp" in html
    narrow = web.get("/reception/sessions?date_from=05/01/2026&date_to=06/01/2026").get_data(
        as_text=True
    )
    assert "2 bản ghi" in narrow and "hơn 3" not in narrow and "Có hơn" not in narrow


# --- visits -------------------------------------------------------------------------------


def test_officer_records_a_visit(web, officer, province, db, held):
    resp = web.post_form(
        f"/reception/sessions/{held.id}/visits/new",
        visit_form(
            documents_received="Đơn khiếu nại\nBản sao quyết định thu hồi đất",
            visit_date="01/01/2020",  # not a field: a visit's date is its session's
        ),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    visit = db.session.scalars(sa.select(Visit)).one()
    assert visit.visit_date == DAY and visit.persons[0].full_name == "Trần Văn Dân"
    assert visit.created_by_id == officer.id
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Trần Văn Dân" in page and "Giấy biên nhận" in page


def test_visit_form_renders_five_person_rows_without_js(web, officer, held):
    html = web.get(f"/reception/sessions/{held.id}/visits/new").get_data(as_text=True)
    for i in range(5):
        assert f'name="persons-{i}-full_name"' in html
    assert "<script src=" in html and "onclick" not in html and "style=" not in html


def test_delegation_of_twelve_with_extra_rows(web, officer, db, held):
    persons = [
        {
            "full_name": f"Người {i}",
            "identity_no": f"0310900000{i:02d}",
            "is_representative": i < 5,
        }
        for i in range(7)
    ]
    resp = web.post_form(
        f"/reception/sessions/{held.id}/visits/new",
        visit_form(persons=persons, people_count="12", is_delegation="y"),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    visit = db.session.scalars(sa.select(Visit)).one()
    assert visit.is_delegation and len(visit.persons) == 7 and len(visit.representatives) == 5


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            visit_form(persons=[{"full_name": "Trần Văn Dân", "identity_no": ""}]),
            "Nhập số CCCD/định danh cá nhân hoặc hộ chiếu của người được tiếp.",
        ),
        (visit_form(outcome="refused"), "Chọn căn cứ từ chối tiếp công dân."),
        (visit_form(outcome="guided"), "Nhập cơ quan, đơn vị hướng dẫn công dân đến."),
        (visit_form(outcome="transferred"), "Nhập cơ quan, đơn vị chuyển đơn đến."),
        (
            visit_form(
                persons=[
                    {"full_name": "A", "identity_no": "031090000001"},
                    {"full_name": "B", "identity_no": "031090000002"},
                ],
                people_count="1",
            ),
            "Số người (1) ít hơn số người đã ghi tên (2).",
        ),
        (
            visit_form(
                persons=[
                    {"full_name": f"R{i}", "identity_no": f"03109000000{i}", "is_representative": 1}
                    for i in range(3)
                ],
                people_count="6",
                is_delegation="y",
            ),
            "cử không quá 2 người đại diện",
        ),
        (
            visit_form(people_count="5", is_delegation="y"),
            "Đoàn đông người phải cử ít nhất 1 người đại diện",
        ),
        (visit_form(people_count="4", is_delegation="y"), "phải có từ 5 người trở lên"),
        (visit_form(people_count="abc"), "Nhập một số nguyên."),
        (visit_form(people_count="99999999999"), "Số người từ 1 đến"),
        (visit_form(kind="gossip"), "Lựa chọn không hợp lệ"),
        (visit_form(refusal_ground="nope"), "Lựa chọn không hợp lệ"),
        (visit_form(content=""), "Nhập nội dung tóm tắt."),
        (
            visit_form(persons=[{"full_name": "", "address": "Số 1"}]),
            "Nhập họ tên.",
        ),
    ],
)
def test_visit_form_errors_beside_fields_write_nothing(web, officer, db, held, form, message):
    before = counts(db)
    resp = web.post_form(f"/reception/sessions/{held.id}/visits/new", form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html
    assert message in html
    assert "Biểu mẫu còn lỗi" in html
    assert counts(db) == before


def test_person_row_error_stands_beside_its_row(web, officer, held):
    form = visit_form(
        persons=[
            {"full_name": "A", "identity_no": "031090000001"},
            {"full_name": "B", "identity_no": "1234"},
        ],
        people_count="2",
    )
    html = web.post_form(f"/reception/sessions/{held.id}/visits/new", form).get_data(as_text=True)
    row = html.split('name="persons-1-identity_no"', 1)[1].split('name="persons-1-phone"', 1)[0]
    assert "từ 6 đến 20 ký tự" in row


@pytest.mark.parametrize("status", ["cancelled", "postponed"])
def test_no_visit_into_a_cancelled_or_postponed_session(web, officer, province, db, status):
    closed = SessionFactory(
        unit=province["commune"], status=SessionStatus(status), status_reason="Mưa bão"
    )
    db.session.commit()
    url = f"/reception/sessions/{closed.id}/visits/new"
    resp = web.get(url)
    assert resp.status_code == 302
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "không thể ghi lượt tiếp" in page and "Thêm lượt tiếp" not in page
    before = counts(db)
    token = csrf_from(page)
    resp = web.client.post(url, data={"csrf_token": token, **visit_form()})
    assert resp.status_code == 200
    assert "không thể ghi lượt tiếp vào buổi này" in resp.get_data(as_text=True)
    assert counts(db) == before


def test_visit_edit_keeps_rows_and_saves(web, officer, db, held):
    visit = VisitFactory(session=held)
    html = web.get(f"/reception/visits/{visit.id}/edit").get_data(as_text=True)
    assert 'value="Trần Văn Dân"' in html and 'name="version"' in html
    resp = web.post_form(
        f"/reception/visits/{visit.id}/edit",
        visit_form(content="Nội dung đã sửa", version=str(visit.version)),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert db.session.get(Visit, visit.id).content == "Nội dung đã sửa"


def test_visit_edit_with_stale_version_is_refused(web, officer, db, held):
    visit = VisitFactory(session=held)
    db.session.commit()
    stale = visit.version
    url = f"/reception/visits/{visit.id}/edit"
    token = csrf_from(web.get(url).get_data(as_text=True))
    # Someone else saves the visit meanwhile.
    update_visit(
        officer,
        visit,
        _same_visit(visit, content="Sửa bởi người khác"),
        expected_version=visit.version,
    )
    db.session.commit()
    resp = web.client.post(
        url,
        data={"csrf_token": token, **visit_form(content="Bản của tôi", version=str(stale))},
    )
    assert resp.status_code == 409
    assert "vừa được người khác sửa" in resp.get_data(as_text=True)
    assert db.session.get(Visit, visit.id).content == "Sửa bởi người khác"


def _same_visit(visit, **changes) -> VisitData:
    from complaints.reception.operations import PersonData

    data = VisitData(
        kind=visit.kind,
        content=visit.content,
        outcome=visit.outcome,
        people_count=visit.people_count,
        persons=[
            PersonData(
                full_name=p.full_name,
                address=p.address,
                identity_no=p.identity_no,
                phone=p.phone,
                is_representative=p.is_representative,
            )
            for p in visit.persons
        ],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_petition_received_visit_links_to_the_register(web, officer, db, held):
    visit = VisitFactory(session=held, outcome=VisitOutcome.petition_received)
    html = web.get(f"/reception/visits/{visit.id}").get_data(as_text=True)
    assert f"/petitions/new?visit_id={visit.id}" in html and "Vào sổ đơn" in html
    other = VisitFactory(session=held, outcome=VisitOutcome.answered)
    html = web.get(f"/reception/visits/{other.id}").get_data(as_text=True)
    assert "visit_id=" not in html


def test_receipt_is_the_official_form(web, officer, db, held):
    visit = VisitFactory(
        session=held, documents_received="Đơn khiếu nại\nBản sao Quyết định 12/QĐ-UBND"
    )
    html = web.get(f"/reception/visits/{visit.id}/receipt").get_data(as_text=True)
    for text in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY BIÊN NHẬN",
        "Mẫu số 02/TCD",
        "UBND PHƯỜNG LÊ CHÂN",
        "Hải Phòng, ngày 06 tháng 01 năm 2026",
        "Trần Văn Dân",
        "<li>Bản sao Quyết định 12/QĐ-UBND</li>",
        "NGƯỜI NỘP",
        "NGƯỜI NHẬN",
        "data-print",
    ):
        assert text in html, text


# --- unit isolation -----------------------------------------------------------------------


def test_commune_user_cannot_see_another_commune(web, login_as, province, db):
    login_as(Role.reception_officer, unit=province["commune"])
    theirs = SessionFactory(unit=province["commune2"], place="Phòng tiếp Hải An")
    visit = VisitFactory(session=theirs, content="Nội dung của phường Hải An")
    for url in (
        f"/reception/sessions/{theirs.id}",
        f"/reception/sessions/{theirs.id}/edit",
        f"/reception/sessions/{theirs.id}/visits/new",
        f"/reception/visits/{visit.id}",
        f"/reception/visits/{visit.id}/edit",
        f"/reception/visits/{visit.id}/receipt",
        "/reception/visits/99999999999999",
        "/reception/sessions/99999999999999",
    ):
        assert web.get(url).status_code == 404, url
    assert "Phòng tiếp Hải An" not in web.get("/reception/sessions").get_data(as_text=True)
    html = web.get("/reception/sessions?unit_id=" + str(province["commune2"].id)).get_data(
        as_text=True
    )
    assert "Phòng tiếp Hải An" not in html and "Lựa chọn không hợp lệ" in html
    log = web.get("/reception/log?date_from=01/01/2026&date_to=31/01/2026").get_data(as_text=True)
    assert "Nội dung của phường Hải An" not in log


def test_posting_into_another_units_session_is_404(web, login_as, province, db):
    login_as(Role.reception_officer, unit=province["commune"])
    theirs = SessionFactory(unit=province["commune2"])
    mine = SessionFactory(unit=province["commune"])
    db.session.commit()
    token = csrf_from(web.get(f"/reception/sessions/{mine.id}/visits/new").get_data(as_text=True))
    before = counts(db)
    resp = web.client.post(
        f"/reception/sessions/{theirs.id}/visits/new", data={"csrf_token": token, **visit_form()}
    )
    assert resp.status_code == 404
    assert counts(db) == before


# --- denouncer protection -----------------------------------------------------------------


@pytest.fixture()
def denunciation(province, db):
    held = SessionFactory(unit=province["commune"], session_date=DAY)
    made = VisitFactory(
        session=held,
        kind=PetitionKind.denunciation,
        content="Tố cáo cán bộ địa chính nhận tiền",
        persons=[SECRET],
        documents_received="Đơn tố cáo",
    )
    db.session.commit()
    return made


def pages_of(web, visit) -> list[str]:
    return [
        web.get(url).get_data(as_text=True)
        for url in (
            f"/reception/visits/{visit.id}",
            f"/reception/visits/{visit.id}/receipt",
            f"/reception/sessions/{visit.session_id}",
            "/reception/log?date_from=01/01/2026&date_to=31/01/2026",
            "/reception/log?date_from=01/01/2026&date_to=31/01/2026&all=1",
        )
    ]


def test_denouncer_is_hidden_from_a_case_handler(web, login_as, denunciation):
    login_as(Role.case_handler)
    for html in pages_of(web, denunciation):
        for secret in SECRET.values():
            assert secret not in html
        assert "[Được bảo mật]" in html
    assert "Tố cáo cán bộ địa chính nhận tiền" in pages_of(web, denunciation)[0]


def test_denouncer_is_shown_to_a_reception_officer(web, login_as, denunciation):
    login_as(Role.reception_officer)
    for html in pages_of(web, denunciation):
        assert "Phạm Thị Kín" in html and "[Được bảo mật]" not in html
    visit_page = pages_of(web, denunciation)[0]
    for secret in SECRET.values():
        assert secret in visit_page


def test_complainant_is_not_hidden_from_a_case_handler(web, login_as, held):
    VisitFactory(session=held)
    login_as(Role.case_handler)
    html = web.get("/reception/log?date_from=01/01/2026&date_to=31/01/2026").get_data(as_text=True)
    assert "Trần Văn Dân" in html and "[Được bảo mật]" not in html


# --- permissions --------------------------------------------------------------------------

EDIT_ROLES = {Role.reception_officer, Role.leader}


@pytest.mark.parametrize("role", list(Role))
def test_permission_matrix(web, login_as, province, role):
    login_as(role)
    held = SessionFactory(unit=province["commune"], session_date=DAY)
    visit = VisitFactory(session=held)
    view = [
        "/reception/sessions",
        f"/reception/sessions/{held.id}",
        f"/reception/visits/{visit.id}",
        f"/reception/visits/{visit.id}/receipt",
        "/reception/log",
    ]
    edit = [
        "/reception/sessions/new",
        f"/reception/sessions/{held.id}/edit",
        f"/reception/sessions/{held.id}/visits/new",
        f"/reception/visits/{visit.id}/edit",
    ]
    for url in view:
        assert web.get(url).status_code == (403 if role == Role.admin else 200), url
    for url in edit:
        assert web.get(url).status_code == (200 if role in EDIT_ROLES else 403), url
    page = web.get(f"/reception/sessions/{held.id}").get_data(as_text=True)
    if role in EDIT_ROLES:
        assert "Thêm lượt tiếp" in page
    elif role != Role.admin:
        assert "Thêm lượt tiếp" not in page and "Sửa buổi tiếp" not in page


def test_anonymous_is_sent_to_login(client, province):
    resp = client.get("/reception/log")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_other_province_user_cannot_see_hai_phong(web, login_as, province, db):
    held = SessionFactory(unit=province["commune"])
    login_as(Role.leader, unit=province["other"])
    assert web.get(f"/reception/sessions/{held.id}").status_code == 404


def test_form_errors_and_rule_errors_come_in_one_round(web, officer, db, held):
    form = visit_form(content="", outcome="refused")
    before = counts(db)
    html = web.post_form(f"/reception/sessions/{held.id}/visits/new", form).get_data(as_text=True)
    assert "Nhập nội dung tóm tắt." in html and "Chọn căn cứ từ chối tiếp công dân." in html
    assert html.count("Nhập nội dung tóm tắt.") == 1
    assert counts(db) == before


def test_error_of_a_row_after_blank_rows_stands_beside_that_row(web, officer, held):
    form = visit_form(
        persons=[
            {"full_name": "A", "identity_no": "031090000001"},
            {"full_name": "", "identity_no": ""},  # a browser sends blank rows as empty strings
            {"full_name": "", "identity_no": ""},
            {"full_name": "D", "identity_no": "ABC"},
        ],
        people_count="2",
    )
    html = web.post_form(f"/reception/sessions/{held.id}/visits/new", form).get_data(as_text=True)
    row3 = html.split('name="persons-3-identity_no"', 1)[1].split('name="persons-3-phone"', 1)[0]
    assert "từ 6 đến 20 ký tự" in row3
    row1 = html.split('name="persons-1-identity_no"', 1)[1].split('name="persons-1-phone"', 1)[0]
    assert "error" not in row1


# --- the day of a session (issue 14, item 7) ------------------------------------------------


def test_a_session_in_the_future_cannot_be_held_nor_take_visits(
    web, officer, province, db, set_today
):
    set_today(date(2026, 6, 30))
    future = date(2026, 7, 2)
    before = counts(db)
    resp = web.post_form(
        "/reception/sessions/new",
        session_form(province["commune"], session_date="02/07/2026", status="held"),
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Biểu mẫu còn lỗi" in page
    assert "chưa diễn ra" in page and "Dự kiến" in page
    assert counts(db) == before
    # Planned, it is saved; a visit into it is refused until the day comes.
    resp = web.post_form(
        "/reception/sessions/new",
        session_form(province["commune"], session_date="02/07/2026", status="planned"),
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    planned = db.session.scalars(sa.select(ReceptionSession)).one()
    assert planned.session_date == future and planned.status == SessionStatus.planned
    url = f"/reception/sessions/{planned.id}/visits/new"
    page = web.get(f"/reception/sessions/{planned.id}").get_data(as_text=True)
    assert "chưa diễn ra" in page and "Thêm lượt tiếp" not in page  # said before any typing
    resp = web.get(url)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/{planned.id}")
    resp = web.post_form(url, visit_form(), form_url=f"/reception/sessions/{planned.id}")
    assert "chưa diễn ra" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    set_today(future)
    resp = web.post_form(url, visit_form())
    assert resp.status_code == 302, resp.get_data(as_text=True)


def test_a_session_on_a_day_off_is_saved_with_a_warning(web, officer, province, db):
    # 05/7/2026 is a Sunday; 02/9/2026 is the National Day.
    for typed, what in (("05/07/2026", "Chủ nhật"), ("02/09/2026", "ngày nghỉ")):
        resp = web.post_form(
            "/reception/sessions/new",
            session_form(province["commune"], session_date=typed, status="planned"),
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)
        page = web.get(resp.headers["Location"]).get_data(as_text=True)
        assert f"Ngày {typed} là {what}" in page and "kiểm tra lại ngày tiếp" in page
        assert page.count("kiểm tra lại ngày tiếp") == 1  # on the page, not flashed again
    working = web.post_form(
        "/reception/sessions/new",
        session_form(province["commune"], session_date="06/07/2026", status="planned"),
    )
    page = web.get(working.headers["Location"]).get_data(as_text=True)
    assert "không phải ngày làm việc" not in page
