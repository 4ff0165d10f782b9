"""Processing petitions and working cases through the pages: lists, scope, steps, redaction."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from complaints.calendar.models import CalendarOverride
from complaints.cases import apology, workflow
from complaints.cases import operations as ops
from complaints.cases.models import (
    ApologyLetter,
    Case,
    CaseEvent,
    CaseState,
    Deadline,
    due_by_case,
    due_soon_case,
    overdue_case,
)
from complaints.core import audit
from complaints.core.access import Role
from complaints.core.calendar import WorkCalendar
from complaints.core.errors import OperationError
from complaints.core.text import fold
from complaints.core.vocab import PetitionKind
from complaints.petitions.models import PetitionStatus, ProcessingOutcome
from complaints.petitions.processing import ProcessingInput, process

from . import factories
from .conftest import WebUser, csrf_from
from .factories_cases import petition as make_petition

D = date
TODAY = D(2026, 4, 10)


@pytest.fixture(autouse=True)
def fixed_today(set_today):
    """Every page of these tests runs on 10/04/2026."""
    set_today(TODAY)


@pytest.fixture()
def handler(db, province):
    """The petition handler of the province who processes and works the cases."""
    return factories.UserFactory(unit=province["province"], roles=[Role.petition_handler])


def as_user(app, user) -> WebUser:
    """Another browser, logged in as the user."""
    web = WebUser(app.test_client())
    web.login(user)
    return web


def case_numbers(page: str) -> list[str]:
    """The case numbers listed (as links) on a page."""
    return re.findall(r">(VV-[A-Z]+-\d{4}-\d{5})</a>", page)


def accept(handler, p, on=D(2026, 3, 5), **kw):
    return process(
        handler,
        p,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=on, doc_no="01/TB-TTR", **kw
        ),
    )


def accepted_case(handler, unit, *, received=D(2026, 3, 2), on=D(2026, 3, 5), **kw) -> Case:
    p = make_petition(unit, received=received, **kw)
    accept(handler, p, on=on)
    return p.case


def verifying_case(handler, unit, **kw) -> Case:
    case = accepted_case(handler, unit, **kw)
    ops.perform(handler, case, "start_verification", ops.StepInput(on=D(2026, 3, 6)))
    return case


def html(resp) -> str:
    return resp.get_data(as_text=True)


def audit_count(db, kind=None) -> int:
    query = sa.select(sa.func.count()).select_from(audit.AuditEvent)
    if kind:
        query = query.where(audit.AuditEvent.kind == kind)
    return db.session.scalar(query)


# --- petitions waiting to be processed ----------------------------------------------------


def test_pending_list_sorted_by_due_date_with_overdue_and_45_days(
    app, db, web, province, login_as, monkeypatch
):
    hp = province["province"]
    old = make_petition(hp, received=D(2026, 2, 20), summary="Khiếu nại chậm giải quyết")
    complaint = make_petition(hp, received=D(2026, 4, 1), summary="Khiếu nại thu hồi đất")
    # Received later, but a denunciation has 7 working days: it falls due first.
    denunciation = make_petition(
        hp, kind=PetitionKind.denunciation, received=D(2026, 4, 3), summary="Tố cáo cán bộ"
    )
    make_petition(province["other"], summary="Đơn của tỉnh khác")
    done = make_petition(hp, summary="Đơn đã xử lý")
    done.status = PetitionStatus.processed
    login_as(Role.petition_handler)
    db.session.commit()

    page = html(web.get("/cases/process"))
    numbers = re.findall(r"<td>(T-[A-Z]+-\d{4}-\d{5})</td>", page)
    assert numbers == [old.register_no, denunciation.register_no, complaint.register_no]
    assert "Đơn của tỉnh khác" not in page and done.register_no not in page
    assert "14/04/2026" in page and "15/04/2026" in page  # 7 and 10 working days
    assert "Quá hạn" in page and "45 ngày chưa xử lý" in page
    assert "1 đơn quá hạn xử lý" in page and "1 đơn đã quá 45 ngày chưa xử lý" in page
    # Nothing was written by reading: the deadlines are computed for display only.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Deadline)) == 0

    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    second = html(web.get("/cases/process?page=2"))
    assert denunciation.register_no in second and old.register_no not in second
    only_late = html(web.get("/cases/process?overdue=y"))
    assert old.register_no in only_late and complaint.register_no not in only_late
    bad = web.get("/cases/process?kind=bogus&unit_id=abc&page=x")
    assert bad.status_code == 200 and "Lựa chọn không hợp lệ" in html(bad)


def test_overdue_page_gives_the_queue_to_whoever_may_read_it(app, db, province, login_as, web):
    """The report maker reads the queue (petition.queue, the dashboard's petition tiles):
    the overdue page gives him its counts too; a case handler, who may not, gets none."""
    make_petition(province["province"], received=D(2026, 2, 20), summary="Khiếu nại chậm")
    login_as(Role.report_maker)
    db.session.commit()
    page = html(web.get("/cases/overdue"))
    assert "1 đơn quá hạn xử lý" in page and "1 đơn quá 45 ngày chưa xử lý" in page
    web.logout()
    login_as(Role.case_handler)
    db.session.commit()
    assert "đơn quá hạn xử lý" not in html(web.get("/cases/overdue"))


def _processing(p, **data) -> dict:
    base = {
        "version": str(p.version),
        "eligible": "yes",
        "competent": "yes",
        "outcome": "accept",
        "doc_no": "05/TB-TTR",
        "on": "06/04/2026",
        "join": "new",
        "case_title": "Thu hồi đất tổ 5",
    }
    return {**base, **data}


def test_accepting_through_the_page_opens_a_visible_case(db, web, province, login_as):
    p = make_petition(province["province"], received=D(2026, 4, 1))
    login_as(Role.petition_handler)
    db.session.commit()
    page = html(web.get(f"/cases/process/{p.id}"))
    assert "Nguyễn Văn An" in page and "Mở vụ việc mới" in page

    resp = web.post_form(f"/cases/process/{p.id}", _processing(p))
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    assert p.status == PetitionStatus.processed and p.outcome == ProcessingOutcome.accept
    case = p.case
    assert resp.headers["Location"].endswith(f"/cases/{case.id}")
    assert case.state == CaseState.accepted and case.title == "Thu hồi đất tổ 5"
    # The processing deadline was stored with the processing and met by it.
    stored = db.session.scalars(sa.select(Deadline).where(Deadline.petition_id == p.id)).all()
    assert [(d.due, d.met_on) for d in stored] == [(D(2026, 4, 15), D(2026, 4, 6))]

    case_page = html(web.get(f"/cases/{case.id}"))
    assert case.case_no in case_page and "Thu hồi đất tổ 5" in case_page
    assert f"/notices/case/{case.id}/acceptance" in case_page
    assert f"/notices/case/{case.id}/acceptance?format=docx" in case_page
    # The deadlines give their legal basis; the rule's internal id is for the API only.
    deadlines = case_page.split('id="deadlines"', 1)[1].split("</section>", 1)[0]
    assert "Luật Khiếu nại" in deadlines
    assert not re.search(r">[^<]*complaint\.[a-z_]+\.", deadlines), deadlines
    assert case.case_no in html(web.get("/cases/"))
    assert p.register_no not in html(web.get("/cases/process"))
    again = web.post_form(f"/cases/process/{p.id}", _processing(p))
    assert again.status_code == 409 and "không xử lý lại" in html(again)


def test_transfer_through_the_page_links_its_notice(db, web, province, login_as):
    p = make_petition(
        province["province"],
        kind=PetitionKind.denunciation,
        received=D(2026, 4, 1),
        summary="Tố cáo trưởng thôn thu tiền trái phép",
    )
    login_as(Role.petition_handler)
    db.session.commit()
    resp = web.post_form(
        f"/cases/process/{p.id}",
        _processing(p, competent="no", outcome="transfer", body="Công an thành phố"),
    )
    assert resp.status_code == 302, html(resp)
    page = html(web.get(resp.headers["Location"]))
    assert "Công an thành phố" in page
    assert f"/notices/petition/{p.id}/transfer" in page
    db.session.expire_all()
    assert p.outcome == ProcessingOutcome.transfer and p.case_id is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (dict(outcome="transfer", competent="no"), "Nhập tên cơ quan"),
        (dict(competent="no"), "không thuộc thẩm quyền không thể thụ lý"),
        (dict(doc_no=""), "Nhập số văn bản"),
        (dict(on="31/02/2026"), "Ngày không hợp lệ"),
        (dict(on="11/04/2026"), "sau ngày hôm nay"),
        (dict(on="01/03/2026"), "trước ngày nhận đơn"),
        (dict(eligible="no", outcome="file"), "chọn ít nhất một lý do"),
        (dict(outcome="bogus"), "Lựa chọn không hợp lệ"),
        (dict(eligible=""), "Chọn một trong các phương án"),
        (dict(join="999999"), "Chọn một trong các phương án"),
        (dict(join_case_no="VV-XX-2026-00001"), "Không tìm thấy vụ việc"),
        (dict(version="abc"), "hãy tải lại trang"),
    ],
)
def test_processing_errors_stand_beside_fields_and_nothing_is_written(
    db, web, province, login_as, data, message
):
    p = make_petition(province["province"], received=D(2026, 3, 2))
    login_as(Role.petition_handler)
    db.session.commit()
    events = audit_count(db)
    resp = web.post_form(f"/cases/process/{p.id}", _processing(p, **data))
    page = html(resp)
    assert resp.status_code == 200, page
    assert message in page
    if "version" not in data:
        assert re.search(r'class="field[^"]*has-error', page), "the error stands beside a field"
    db.session.expire_all()
    assert p.status == PetitionStatus.registered and p.case_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Deadline)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    assert audit_count(db) == events


def test_stale_processing_is_refused(db, web, province, login_as):
    p = make_petition(province["province"], received=D(2026, 3, 2))
    login_as(Role.petition_handler)
    db.session.commit()
    resp = web.post_form(f"/cases/process/{p.id}", _processing(p, version=str(p.version - 1)))
    assert resp.status_code == 409 and "người khác cập nhật" in html(resp)


def test_a_petition_joins_the_suggested_case(db, web, province, login_as, handler):
    first = make_petition(province["province"])
    accept(handler, first)
    later = make_petition(
        province["province"],
        received=D(2026, 4, 1),
        summary="Tiếp tục khiếu nại quyết định thu hồi đất số 12/QĐ-UBND",
    )
    login_as(Role.petition_handler)
    db.session.commit()
    page = html(web.get(f"/cases/process/{later.id}"))
    assert first.case.case_no in page and "trùng số CCCD/giấy tờ" in page
    resp = web.post_form(f"/cases/process/{later.id}", _processing(later, join=str(first.case_id)))
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    assert later.case_id == first.case_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1
    # The same by typing the case number.
    third = make_petition(province["province"], received=D(2026, 4, 2), summary="Đơn thứ ba")
    db.session.commit()
    resp = web.post_form(
        f"/cases/process/{third.id}",
        _processing(third, join_case_no=first.case.case_no.lower()),
    )
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    assert third.case_id == first.case_id


def test_processing_needs_the_permission(web, login_as, province, db):
    p = make_petition(province["province"])
    login_as(Role.case_handler)
    db.session.commit()
    assert web.get("/cases/process").status_code == 403
    assert web.get(f"/cases/process/{p.id}").status_code == 403
    assert "Xử lý đơn" not in html(web.get("/cases/"))


# --- case lists ---------------------------------------------------------------------------


def test_lists_are_scoped_to_the_users_units(app, db, province, handler):
    hp_case = accepted_case(handler, province["province"], summary="Vụ việc cấp thành phố")
    lc_case = accepted_case(handler, province["commune"], summary="Vụ việc phường Lê Chân")
    hn_handler = factories.UserFactory(unit=province["other"], roles=[Role.petition_handler])
    hn_case = accepted_case(hn_handler, province["other"], summary="Vụ việc Hà Nội")
    lc_user = factories.UserFactory(unit=province["commune"], roles=[Role.case_handler])
    hp_user = factories.UserFactory(unit=province["province"], roles=[Role.leader])
    db.session.commit()

    lc = as_user(app, lc_user)
    page = html(lc.get("/cases/"))
    assert lc_case.case_no in page
    assert hp_case.case_no not in page and hn_case.case_no not in page
    assert lc.get(f"/cases/{hp_case.id}").status_code == 404
    assert lc.get(f"/cases/{hn_case.id}").status_code == 404
    assert lc.get(f"/cases/{lc_case.id}").status_code == 200
    assert lc.get(f"/cases/{hp_case.id}/action/start_verification").status_code == 404
    assert lc.get("/cases/99999999999").status_code == 404
    assert case_numbers(html(lc.get(f"/cases/?q={hp_case.case_no}&closed=y"))) == []
    assert hp_case.case_no not in case_numbers(html(lc.get("/cases/overdue?days=366")))

    hp = as_user(app, hp_user)
    page = html(hp.get("/cases/"))
    assert hp_case.case_no in page and lc_case.case_no in page and hn_case.case_no not in page
    only_lc = html(hp.get(f"/cases/?unit_id={province['commune'].id}"))
    assert lc_case.case_no in only_lc and hp_case.case_no not in only_lc
    foreign = hp.get(f"/cases/?unit_id={province['other'].id}")
    assert foreign.status_code == 200 and "Lựa chọn không hợp lệ" in html(foreign)
    assert hn_case.case_no not in html(foreign)


def test_list_filters(app, db, province, handler, monkeypatch):
    hp = province["province"]
    land = accepted_case(handler, hp, summary="Khiếu nại bồi thường đất nông nghiệp")
    denunciation = accepted_case(
        handler,
        hp,
        kind=PetitionKind.denunciation,
        summary="Tố cáo cán bộ địa chính",
        senders=(("Phạm Văn Tố", "Hải An", "031000000009"),),
    )
    received = ops.open_case(
        handler,
        unit=hp,
        kind=PetitionKind.feedback,
        field=land.field,
        title="Kiến nghị sửa đường",
        received_on=D(2026, 4, 8),
    )
    refused = ops.open_case(
        handler,
        unit=hp,
        kind=PetitionKind.complaint,
        field=land.field,
        title="Đơn không thụ lý",
        received_on=D(2026, 4, 1),
    )
    ops.perform(
        handler,
        refused,
        "refuse",
        ops.StepInput(on=D(2026, 4, 2), doc_no="9/TB", note="Hết thời hiệu"),
    )
    verifier = factories.UserFactory(unit=hp, roles=[Role.case_handler])
    ops.assign(handler, land, unit=hp, assignee=verifier, on=D(2026, 3, 6))
    leader = factories.UserFactory(unit=hp, roles=[Role.leader])
    db.session.commit()
    web = as_user(app, leader)

    def listed(query: str) -> set[str]:
        page = html(web.get(f"/cases/?{query}"))
        return {c.case_no for c in (land, denunciation, received, refused) if c.case_no in page}

    assert listed("") == {land.case_no, denunciation.case_no, received.case_no}
    assert listed("closed=y") == {
        land.case_no,
        denunciation.case_no,
        received.case_no,
        refused.case_no,
    }
    assert listed("state=not_accepted") == {refused.case_no}
    assert listed("kind=denunciation") == {denunciation.case_no}
    assert listed("kind=feedback") == {received.case_no}
    assert listed(f"assignee_id={verifier.id}") == {land.case_no}
    assert listed("assignee_id=-1") == {denunciation.case_no, received.case_no}
    assert listed("field=housing") == set()
    assert listed("q=boi thuong dat") == {land.case_no}
    assert listed("q=BỒI THƯỜNG") == {land.case_no}
    assert listed("q=100%25_") == set()
    # The accepted cases' resolve deadlines (06/04) are overdue on 10/04; the feedback's
    # processing deadline (22/04) falls due within 12 days, not within 5.
    assert listed("overdue=y") == {land.case_no, denunciation.case_no}
    assert listed("due_within=12") == {received.case_no}
    assert listed("due_within=5") == set()
    bad = web.get("/cases/?due_within=abc&state=bogus&assignee_id=x&page=-4")
    assert bad.status_code == 200 and listed("due_within=abc") == set()

    mine = as_user(app, verifier)
    page = html(mine.get("/cases/mine"))
    assert land.case_no in page and denunciation.case_no not in page

    # With the finished cases a centre's list holds hundreds of thousands: counted as a
    # register (REGISTER_COUNT_CAP), "more than"; the open ones are counted exactly anyway.
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    monkeypatch.setitem(app.config, "REGISTER_COUNT_CAP", 3)
    assert "Trang 1/2 · hơn 3 bản ghi" in html(web.get("/cases/?closed=y"))
    assert "Trang 2/2" in html(web.get("/cases/?closed=y&page=9"))  # no page past the cap
    assert "Trang 1/2 · 3 bản ghi" in html(web.get("/cases/"))
    monkeypatch.setitem(app.config, "REGISTER_COUNT_CAP", 4)
    assert "Trang 1/2 · 4 bản ghi" in html(web.get("/cases/?closed=y"))


def test_text_search_never_finds_a_denouncer_by_name_for_verifiers(app, db, province, handler):
    hp = province["province"]
    p = make_petition(
        hp,
        kind=PetitionKind.denunciation,
        summary="Tố cáo cán bộ địa chính nhận tiền",
        senders=(("Lương Thị Tố", "Hải An", "031000000077"),),
    )
    p.search_text = fold(f"{p.register_no} Lương Thị Tố 031000000077 {p.summary}")
    p.public_search_text = fold(f"{p.register_no} {p.summary}")
    accept(handler, p)
    verifier = factories.UserFactory(unit=hp, roles=[Role.case_handler])
    db.session.commit()
    case_no = p.case.case_no
    assert case_no in html(as_user(app, handler).get("/cases/?q=luong thi to"))
    web = as_user(app, verifier)
    assert case_no not in html(web.get("/cases/?q=luong thi to"))
    assert case_no not in html(web.get("/cases/?q=031000000077"))
    assert case_no in html(web.get("/cases/?q=nhan tien"))
    assert case_no in html(web.get(f"/cases/?q={case_no}"))


def test_list_pages_make_no_query_per_row(app, db, province, handler):
    hp = province["province"]
    leader = factories.UserFactory(unit=hp, roles=[Role.leader])
    verifier = factories.UserFactory(unit=hp, roles=[Role.case_handler])

    def add_cases(n: int) -> None:
        for i in range(n):
            c = accepted_case(handler, hp, summary=f"Vụ việc số {i}")
            ops.assign(handler, c, unit=hp, assignee=verifier, on=D(2026, 3, 6))
            make_petition(hp, received=D(2026, 4, 1 + i + n), summary=f"Đơn chờ {i}")
        db.session.commit()

    add_cases(2)
    web = as_user(app, leader)

    def queries(url: str) -> int:
        web.get(url)  # loads again what the test's commit expired
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        engine = db.session.get_bind().engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            assert web.get(url).status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    urls = ("/cases/", "/cases/mine", "/cases/overdue", "/cases/process")
    before = {u: queries(u) for u in urls}
    add_cases(4)
    assert {u: queries(u) for u in urls} == before


def test_overdue_and_due_soon_follow_the_configured_today(app, db, province, handler, monkeypatch):
    hp = province["province"]
    late = accepted_case(handler, hp, summary="Vụ việc quá hạn")  # resolve due 06/04/2026
    soon = accepted_case(
        handler, hp, received=D(2026, 3, 19), on=D(2026, 3, 20), summary="Vụ việc sắp đến hạn"
    )  # resolve due 19/04 (Sunday) -> 20/04/2026
    later = accepted_case(
        handler, hp, received=D(2026, 4, 6), on=D(2026, 4, 8), summary="Vụ việc còn xa hạn"
    )
    suspended = accepted_case(handler, hp, summary="Vụ việc tạm đình chỉ")
    ops.perform(handler, suspended, "suspend", ops.StepInput(on=D(2026, 3, 10), doc_no="3/QĐ"))
    leader = factories.UserFactory(unit=hp, roles=[Role.leader])
    db.session.commit()
    web = as_user(app, leader)

    page = html(web.get("/cases/overdue?days=10"))
    assert late.case_no in page and soon.case_no in page
    assert later.case_no not in page and suspended.case_no not in page
    assert "1 vụ việc quá hạn" in page and "1 vụ việc đến hạn trong 10 ngày tới" in page
    assert "Quá hạn 4 ngày" in page and "Còn 10 ngày" in page
    only = html(web.get("/cases/overdue?days=10&only_overdue=y"))
    assert late.case_no in only and soon.case_no not in only

    monkeypatch.setitem(app.config, "TODAY", "2026-03-20")
    page = html(web.get("/cases/overdue?days=7"))
    assert late.case_no not in page and soon.case_no not in page
    assert "0 vụ việc quá hạn" in page
    assert web.get("/cases/overdue?days=abc").status_code == 200


def test_overdue_or_due_soon_is_one_range(db, province, handler):
    """due_by_case, the overdue page's list and count when it shows both, selects exactly the
    cases overdue_case | due_soon_case select, whatever today and the horizon."""
    hp = province["province"]
    made = []
    for n, due in enumerate([None, *(D(2026, 3, 1) + timedelta(days=i) for i in range(0, 40, 3))]):
        case = ops.open_case(
            handler,
            unit=hp,
            kind=PetitionKind.complaint,
            field=factories_field(),
            title=f"Vụ việc {n}",
            received_on=D(2026, 2, 1),
        )
        made.append(case)
        case.next_due = due
    made[3].state, made[3].suspended_on = CaseState.suspended, D(2026, 3, 2)
    db.session.flush()
    ids = [c.id for c in made]

    def chosen(condition):
        return set(db.session.scalars(sa.select(Case.id).where(Case.id.in_(ids), condition)))

    for t in (D(2026, 3, 1), D(2026, 3, 14), D(2026, 4, 20)):
        for days in (0, 1, 7, 10, 45):
            horizon = t + timedelta(days=days)
            either = chosen(overdue_case(t) | due_soon_case(t, horizon))
            assert chosen(due_by_case(t, horizon)) == either, (t, days)
        # a horizon before today (no API or form gives one): the overdue cases alone
        assert chosen(due_by_case(t, t - timedelta(days=3))) == chosen(overdue_case(t))
    assert chosen(due_by_case(D(2026, 3, 14), D(2026, 3, 24)))  # not vacuous


def test_ageing_buckets_count_open_cases_by_age(app, db, province, handler):
    hp = province["province"]
    ages = {1: 9, 2: 30, 3: 31, 4: 60, 5: 90, 6: 91}
    for n, age in ages.items():
        ops.open_case(
            handler,
            unit=hp,
            kind=PetitionKind.complaint,
            field=factories_field(),
            title=f"Vụ việc {n}",
            received_on=date.fromordinal(TODAY.toordinal() - age),
        )
    closed = ops.open_case(
        handler,
        unit=hp,
        kind=PetitionKind.complaint,
        field=factories_field(),
        title="Đã không thụ lý",
        received_on=D(2026, 1, 2),
    )
    ops.perform(handler, closed, "refuse", ops.StepInput(on=D(2026, 1, 5), doc_no="1", note="x"))
    ops.open_case(
        handler,
        unit=province["other"],
        kind=PetitionKind.complaint,
        field=factories_field(),
        title="Tỉnh khác",
        received_on=D(2026, 1, 2),
    )
    leader = factories.UserFactory(unit=hp, roles=[Role.leader])
    db.session.commit()
    web = as_user(app, leader)

    def buckets(url):
        page = html(web.get(url))
        return dict(re.findall(r'data-bucket="(\w+)">(\d+)<', page))

    expected = {"le30": "2", "31_60": "2", "61_90": "1", "gt90": "1"}
    assert buckets("/cases/") == expected
    assert buckets("/cases/overdue") == expected
    page = html(web.get("/cases/?age=61_90"))
    assert "Vụ việc 5" in page and "Vụ việc 4" not in page and "Vụ việc 6" not in page


def factories_field():
    from complaints.core.vocab import Field

    return Field.land


# --- the case page and its steps ----------------------------------------------------------


def test_the_verifiers_step_is_named_as_the_verifier_takes_it(app, db, province, handler):
    """Issue 14, item 13: the leader assigns verification ("Giao xác minh"); the verifier who
    carries it out starts verifying ("Bắt đầu xác minh"): on the buttons, the step's page and
    the timeline (as whoever recorded it), and the API's timeline."""
    verifier_case = accepted_case(handler, province["province"])
    leader_case = accepted_case(handler, province["province"])
    verifier = factories.UserFactory(unit=province["province"], roles=[Role.case_handler])
    leader = factories.UserFactory(unit=province["province"], roles=[Role.leader])
    db.session.commit()
    as_verifier, as_leader = as_user(app, verifier), as_user(app, leader)

    def button(page: str, case: Case) -> str:
        found = re.search(rf'/cases/{case.id}/action/start_verification">([^<]*)<', page)
        assert found, page
        return found.group(1)

    assert button(html(as_verifier.get(f"/cases/{verifier_case.id}")), verifier_case) == (
        "Bắt đầu xác minh"
    )
    assert button(html(as_leader.get(f"/cases/{leader_case.id}")), leader_case) == "Giao xác minh"
    form = html(as_verifier.get(f"/cases/{verifier_case.id}/action/start_verification"))
    assert "<h1>Bắt đầu xác minh</h1>" in form and "Giao xác minh" not in form
    for web, case in ((as_verifier, verifier_case), (as_leader, leader_case)):
        resp = web.post_form(
            f"/cases/{case.id}/action/start_verification",
            {"version": str(case.version), "on": "06/03/2026", "doc_no": "12/QĐ-UBND"},
        )
        assert resp.status_code == 302, html(resp)
    # the timeline names the step as who took it, whoever reads it
    for case, label in ((verifier_case, "Bắt đầu xác minh"), (leader_case, "Giao xác minh")):
        page = html(as_leader.get(f"/cases/{case.id}"))
        timeline = page[page.index('id="timeline"') :]
        assert f"<td>{label}</td>" in timeline, timeline
    # the point of view is kept with the event: the verifier promoted to leader later does not
    # rename what they did as a verifier
    verifier.set_roles([Role.leader.value])
    db.session.commit()
    page = html(as_leader.get(f"/cases/{verifier_case.id}"))
    assert "<td>Bắt đầu xác minh</td>" in page[page.index('id="timeline"') :]
    [event] = [e for e in verifier_case.events if e.action == "start_verification"]
    assert event.data["as_worker"] is True and workflow.event_label(event) == "Bắt đầu xác minh"


def test_steps_through_the_page(app, db, province, handler):
    case = accepted_case(handler, province["province"])
    worker = factories.UserFactory(unit=province["province"], roles=[Role.case_handler])
    db.session.commit()
    web = as_user(app, worker)

    page = html(web.get(f"/cases/{case.id}"))
    assert f"/cases/{case.id}/action/start_verification" in page
    assert "/action/decide" not in page  # not allowed from "accepted"
    resp = web.post_form(
        f"/cases/{case.id}/action/start_verification",
        {"version": str(case.version), "on": "06/03/2026", "doc_no": "12/QĐ-TTR"},
    )
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    assert case.state == CaseState.verifying

    form = html(web.get(f"/cases/{case.id}/action/decide"))
    assert 'name="outcome"' in form and 'name="money_to_return"' in form
    assert 'name="reason"' not in form and 'name="round2_unit"' not in form
    missing = web.post_form(
        f"/cases/{case.id}/action/decide",
        {"version": str(case.version), "on": "02/04/2026", "outcome": "upheld"},
    )
    assert missing.status_code == 200 and "Nhập số văn bản" in html(missing)
    bad_money = web.post_form(
        f"/cases/{case.id}/action/decide",
        {
            "version": str(case.version),
            "on": "02/04/2026",
            "doc_no": "15/QĐ-UBND",
            "outcome": "partly_upheld",
            "money_to_return": "nhiều tiền",
        },
    )
    assert bad_money.status_code == 200 and "Nhập một số" in html(bad_money)
    too_big = web.post_form(
        f"/cases/{case.id}/action/decide",
        {
            "version": str(case.version),
            "on": "02/04/2026",
            "doc_no": "15/QĐ-UBND",
            "outcome": "upheld",
            "money_to_recover": "9" * 25,
            "people_to_discipline": "99999999999999999999",
        },
    )
    page = html(too_big)
    assert too_big.status_code == 200 and "Số quá lớn" in page and "Từ 0 đến 100.000" in page
    db.session.expire_all()
    assert case.state == CaseState.verifying and case.outcome is None

    resp = web.post_form(
        f"/cases/{case.id}/action/decide",
        {
            "version": str(case.version),
            "on": "02/04/2026",
            "doc_no": "15/QĐ-UBND",
            "outcome": "partly_upheld",
            "money_to_return": "120.000.000",
            "land_to_return_m2": "35,5",
            "note": "Trả lại một phần đất",
            "reason": "withdrawn",  # not a field of this step: ignored
        },
    )
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    assert case.state == CaseState.decided and case.money_to_return == 120_000_000
    assert case.termination_reason is None
    page = html(web.get(f"/cases/{case.id}"))
    assert "120.000.000" in page and "35,5" in page and "Đúng một phần" in page
    assert "15/QĐ-UBND" in page and "Đang xác minh → Đã ban hành quyết định" in page
    assert f"/notices/case/{case.id}/result" in page
    assert f"/notices/case/{case.id}/publication" not in page  # complaints are not published


def test_appeal_opens_round_two_and_termination_needs_its_reason(app, db, province, handler):
    hp = province["province"]
    case = verifying_case(handler, province["commune"])
    ops.perform(
        handler, case, "decide", ops.StepInput(on=D(2026, 4, 1), doc_no="7/QĐ", outcome="rejected")
    )
    ops.perform(handler, case, "send", ops.StepInput(on=D(2026, 4, 2)))
    other = verifying_case(handler, hp, summary="Khiếu nại khác")
    db.session.commit()
    web = as_user(app, handler)
    form = html(web.get(f"/cases/{case.id}/action/appeal"))
    assert 'name="round2_unit"' in form and 'name="outcome"' not in form
    resp = web.post_form(
        f"/cases/{case.id}/action/appeal",
        {"version": str(case.version), "on": "08/04/2026", "round2_unit": str(hp.id)},
    )
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    round2 = db.session.scalar(sa.select(Case).where(Case.parent_case_id == case.id))
    assert case.state == CaseState.appealed and (round2.round, round2.unit_id) == (2, hp.id)
    assert round2.case_no in html(web.get(f"/cases/{case.id}"))

    no_reason = web.post_form(
        f"/cases/{other.id}/action/terminate",
        {"version": str(other.version), "on": "08/04/2026", "doc_no": "20/QĐ"},
    )
    assert no_reason.status_code == 200 and "Chọn lý do đình chỉ" in html(no_reason)
    resp = web.post_form(
        f"/cases/{other.id}/action/terminate",
        {
            "version": str(other.version),
            "on": "08/04/2026",
            "doc_no": "20/QĐ",
            "reason": "withdrawn",
        },
    )
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    assert other.state == CaseState.terminated and not other.is_open
    assert other.case_no not in case_numbers(html(web.get("/cases/")))


def test_illegal_actions_are_refused_with_a_message(app, db, province, handler):
    case = verifying_case(handler, province["province"])
    worker = factories.UserFactory(unit=province["province"], roles=[Role.case_handler])
    db.session.commit()
    web = as_user(app, worker)
    unknown = web.get(f"/cases/{case.id}/action/bogus")
    assert unknown.status_code == 404 and "Thao tác không tồn tại" in html(unknown)
    wrong_state = web.get(f"/cases/{case.id}/action/send")
    assert wrong_state.status_code == 400 and "Không thể" in html(wrong_state)
    wrong_kind = web.get(f"/cases/{case.id}/action/answer")
    assert wrong_kind.status_code == 400 and "không áp dụng" in html(wrong_kind)
    posted = web.post_form(
        f"/cases/{case.id}/action/send",
        {"version": str(case.version), "on": "01/04/2026"},
        form_url=f"/cases/{case.id}",
    )
    assert posted.status_code == 400 and "Không thể" in html(posted)
    bogus_post = web.post_form(
        f"/cases/{case.id}/action/bogus", {"on": "01/04/2026"}, form_url=f"/cases/{case.id}"
    )
    assert bogus_post.status_code == 404
    db.session.expire_all()
    assert case.state == CaseState.verifying


def test_the_second_of_two_editors_gets_the_message(app, db, province, handler):
    case = verifying_case(handler, province["province"])
    worker = factories.UserFactory(unit=province["province"], roles=[Role.case_handler])
    db.session.commit()
    web = as_user(app, worker)
    page = html(web.get(f"/cases/{case.id}/action/hold_dialogue"))
    opened = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    # Someone else records a dialogue first.
    ops.perform(handler, case, "hold_dialogue", ops.StepInput(on=D(2026, 3, 20), note="Lần 1"))
    db.session.commit()
    events = len(case.events)
    resp = web.client.post(
        f"/cases/{case.id}/action/hold_dialogue",
        data={
            "csrf_token": csrf_from(page),
            "version": opened,
            "on": "21/03/2026",
            "note": "Biên bản của tôi",
        },
    )
    assert resp.status_code == 409 and "người khác cập nhật" in html(resp)
    db.session.expire_all()
    assert len(case.events) == events
    assert "Biên bản của tôi" not in html(web.get(f"/cases/{case.id}"))
    # A step that became impossible in the meantime gets the same message.
    page = html(web.get(f"/cases/{case.id}/action/decide"))
    ops.perform(
        handler,
        case,
        "decide",
        ops.StepInput(on=D(2026, 4, 1), doc_no="9/QĐ", outcome="rejected"),
    )
    db.session.commit()
    resp = web.client.post(
        f"/cases/{case.id}/action/decide",
        data={
            "csrf_token": csrf_from(page),
            "version": re.search(r'name="version"[^>]*value="(\d+)"', page).group(1),
            "on": "02/04/2026",
            "doc_no": "10/QĐ",
            "outcome": "upheld",
        },
    )
    assert resp.status_code == 409 and "người khác cập nhật" in html(resp)
    db.session.expire_all()
    assert case.decision_no == "9/QĐ"


def test_leader_assigns_and_flags_a_case_handler_may_not(app, db, province, handler):
    hp = province["province"]
    case = verifying_case(handler, hp)
    verifier = factories.UserFactory(
        unit=province["inspectorate"], roles=[Role.case_handler], full_name="Đỗ Xác Minh"
    )
    clerk = factories.UserFactory(unit=hp, roles=[Role.report_maker])
    leader = factories.UserFactory(unit=hp, roles=[Role.leader])
    db.session.commit()

    worker = as_user(app, verifier)
    assert worker.get(f"/cases/{case.id}").status_code == 404  # not its unit's case
    same_unit_worker = factories.UserFactory(unit=hp, roles=[Role.case_handler])
    db.session.commit()
    worker = as_user(app, same_unit_worker)
    page = html(worker.get(f"/cases/{case.id}"))
    assert "/assign" not in page and "/flags" not in page and "/merge" not in page
    assert worker.get(f"/cases/{case.id}/assign").status_code == 403
    assert worker.get(f"/cases/{case.id}/flags").status_code == 403
    refused = worker.client.post(
        f"/cases/{case.id}/flags",
        data={"csrf_token": csrf_from(page), "complexity": "complex", "on": "07/03/2026"},
    )
    assert refused.status_code == 403
    reader = as_user(app, clerk)
    page = html(reader.get(f"/cases/{case.id}"))
    assert "/action/" not in page and "Chuẩn bị thư xin lỗi" not in page
    assert reader.get(f"/cases/{case.id}/action/hold_dialogue").status_code == 403

    boss = as_user(app, leader)
    form = html(boss.get(f"/cases/{case.id}/assign"))
    assert "Đỗ Xác Minh" in form and f'data-unit-path="{province["inspectorate"].path}"' in form
    wrong = boss.post_form(
        f"/cases/{case.id}/assign",
        {
            "version": str(case.version),
            "unit_id": str(province["department"].id),
            "assignee_id": str(verifier.id),
            "on": "07/03/2026",
        },
    )
    assert wrong.status_code == 200 and "phải thuộc đơn vị được giao" in html(wrong)
    tampered = boss.post_form(
        f"/cases/{case.id}/assign",
        {"version": str(case.version), "unit_id": str(province["other"].id), "on": "07/03/2026"},
    )
    assert tampered.status_code == 200 and "Lựa chọn không hợp lệ" in html(tampered)
    resp = boss.post_form(
        f"/cases/{case.id}/assign",
        {
            "version": str(case.version),
            "unit_id": str(province["inspectorate"].id),
            "assignee_id": str(verifier.id),
            "on": "07/03/2026",
        },
    )
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    assert (case.assigned_unit_id, case.assignee_id) == (province["inspectorate"].id, verifier.id)
    # Once given to the inspectorate, its verifier opens the case and finds it in the lists;
    # a commune's officer still cannot tell the case exists.
    worker = as_user(app, verifier)
    assert worker.get(f"/cases/{case.id}").status_code == 200
    assert case.case_no in case_numbers(html(worker.get("/cases/")))
    assert case.case_no in html(worker.get("/cases/overdue?days=365"))
    outsider = factories.UserFactory(unit=province["commune"], roles=[Role.case_handler])
    db.session.commit()
    stranger = as_user(app, outsider)
    assert stranger.get(f"/cases/{case.id}").status_code == 404
    assert case.case_no not in html(stranger.get("/cases/"))

    too_few = boss.post_form(
        f"/cases/{case.id}/flags",
        {
            "version": str(case.version),
            "complexity": "complex",
            "on": "07/03/2026",
        },
    )
    assert too_few.status_code == 200 and "ít nhất một tiêu chí" in html(too_few)
    resp = boss.post_form(
        f"/cases/{case.id}/flags",
        {
            "version": str(case.version),
            "complexity": "complex",
            "criteria": ["several_places"],
            "remote_area": "y",
            "on": "07/03/2026",
        },
    )
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    resolve = [d for d in case.deadlines if d.active and d.step == "resolve"]
    assert case.remote_area and [d.days for d in resolve] == [60]
    page = html(boss.get(f"/cases/{case.id}"))
    assert "Phải xác minh ở từ 2 địa điểm trở lên" in page
    assert "Thời hạn không còn áp dụng" in page
    stale = boss.post_form(
        f"/cases/{case.id}/flags",
        {"version": "1", "complexity": "normal", "on": "07/03/2026"},
    )
    assert stale.status_code == 409 and "người khác cập nhật" in html(stale)


def test_denouncer_is_redacted_for_verifiers_and_each_view_is_logged(app, db, province, handler):
    hp = province["province"]
    p = make_petition(
        hp,
        kind=PetitionKind.denunciation,
        summary="Tố cáo chủ tịch phường nhận hối lộ",
        senders=(("Hoàng Thị Tố Giác", "Số 9 Lạch Tray", "031099000123"),),
    )
    accept(handler, p)
    verifier = factories.UserFactory(unit=hp, roles=[Role.case_handler])
    db.session.commit()
    case_id = p.case_id

    page = html(as_user(app, verifier).get(f"/cases/{case_id}"))
    assert "Hoàng Thị Tố Giác" not in page and "031099000123" not in page
    assert "Lạch Tray" not in page and "[Được bảo mật]" in page
    assert audit_count(db, "identity.viewed") == 0

    page = html(as_user(app, handler).get(f"/cases/{case_id}"))
    assert "Hoàng Thị Tố Giác" in page and "031099000123" in page
    events = db.session.scalars(
        sa.select(audit.AuditEvent).where(audit.AuditEvent.kind == "identity.viewed")
    ).all()
    assert [(e.entity_type, e.entity_id, e.actor_id) for e in events] == [
        ("petition", p.id, handler.id)
    ]
    assert audit.verify().ok

    # A complainant is not protected: the verifier sees who complains, nothing is logged.
    complaint = accepted_case(handler, hp, summary="Khiếu nại thu hồi đất nông nghiệp")
    db.session.commit()
    page = html(as_user(app, verifier).get(f"/cases/{complaint.id}"))
    assert "Nguyễn Văn An" in page
    assert audit_count(db, "identity.viewed") == 1


def test_processing_page_logs_the_view_of_a_denouncer(db, web, province, login_as):
    p = make_petition(
        province["province"],
        kind=PetitionKind.denunciation,
        summary="Tố cáo cán bộ thu tiền",
        senders=(("Vũ Văn Báo", "Kiến An", "031000000555"),),
    )
    user = login_as(Role.petition_handler)
    db.session.commit()
    assert "Vũ Văn Báo" in html(web.get(f"/cases/process/{p.id}"))
    event = db.session.scalar(
        sa.select(audit.AuditEvent).where(audit.AuditEvent.kind == "identity.viewed")
    )
    assert (event.entity_id, event.actor_id) == (p.id, user.id)


def test_apology_letter_through_the_page(app, db, province, handler):
    case = verifying_case(handler, province["province"])  # resolve due 06/04, today 10/04
    db.session.commit()
    web = as_user(app, handler)
    page = html(web.get(f"/cases/{case.id}"))
    assert "Chuẩn bị thư xin lỗi" in page
    deadline = apology.missed_deadlines_without_letter(case, TODAY)[0]
    resp = web.post_form(
        f"/cases/{case.id}/apology/{deadline.id}", {}, form_url=f"/cases/{case.id}"
    )
    assert resp.status_code == 302
    letter = db.session.scalar(sa.select(ApologyLetter).where(ApologyLetter.case_id == case.id))
    assert letter.prepared_on == TODAY
    page = html(web.get(f"/cases/{case.id}"))
    assert f"/notices/apology/{letter.id}" in page and "Đánh dấu đã gửi" in page
    assert "Chuẩn bị thư xin lỗi" not in page

    early = web.post_form(
        f"/cases/apology/{letter.id}/sent", {"on": "01/04/2026"}, form_url=f"/cases/{case.id}"
    )
    assert early.status_code == 200 and "không được trước ngày chuẩn bị" in html(early)
    bad = web.post_form(
        f"/cases/apology/{letter.id}/sent", {"on": "xx"}, form_url=f"/cases/{case.id}"
    )
    assert bad.status_code == 200 and "Ngày không hợp lệ" in html(bad)
    resp = web.post_form(
        f"/cases/apology/{letter.id}/sent", {"on": "10/04/2026"}, form_url=f"/cases/{case.id}"
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert letter.sent_on == TODAY
    other = web.post_form(f"/cases/{case.id}/apology/999999", {}, form_url=f"/cases/{case.id}")
    assert other.status_code == 404


def test_merge_and_split_through_the_pages(app, db, province, handler):
    hp = province["province"]
    a = make_petition(
        hp,
        senders=(("Lê Văn Cường", "Hải An", "031000000001"),),
        summary="Khiếu nại bồi thường giải phóng mặt bằng dự án đường 5",
    )
    b = make_petition(
        hp,
        senders=(("Phạm Thị Dung", "Lê Chân", "031000000002"),),
        summary="Khiếu nại về giá đất tái định cư",
    )
    accept(handler, a)
    accept(handler, b)
    denunciation = accepted_case(handler, hp, kind=PetitionKind.denunciation, summary="Tố cáo")
    db.session.commit()
    web = as_user(app, handler)

    form = html(web.get(f"/cases/{a.case_id}/merge"))
    assert b.case.case_no in form and denunciation.case_no not in form
    wrong = web.post_form(
        f"/cases/{a.case_id}/merge",
        {"version": str(a.case.version), "case_nos": denunciation.case_no, "on": "10/03/2026"},
    )
    assert wrong.status_code == 200 and "khác loại hoặc khác đơn vị" in html(wrong)
    missing = web.post_form(
        f"/cases/{a.case_id}/merge",
        {"version": str(a.case.version), "case_nos": "VV-HP-2026-99999", "on": "10/03/2026"},
    )
    assert "Không tìm thấy vụ việc số VV-HP-2026-99999" in html(missing)
    none = web.post_form(
        f"/cases/{a.case_id}/merge", {"version": str(a.case.version), "on": "10/03/2026"}
    )
    assert "Chọn ít nhất một vụ việc" in html(none)
    resp = web.post_form(
        f"/cases/{a.case_id}/merge",
        {"version": str(a.case.version), "case_ids": [str(b.case_id)], "on": "10/03/2026"},
    )
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    target = a.case
    assert b.case_id == target.id

    form = html(web.get(f"/cases/{target.id}/split"))
    assert a.register_no in form and b.register_no in form
    all_out = web.post_form(
        f"/cases/{target.id}/split",
        {
            "version": str(target.version),
            "petition_ids": [str(a.id), str(b.id)],
            "title": "x",
            "on": "12/03/2026",
        },
    )
    assert "ít nhất một đơn" in html(all_out)
    resp = web.post_form(
        f"/cases/{target.id}/split",
        {
            "version": str(target.version),
            "petition_ids": [str(b.id)],
            "title": "Giá đất tái định cư",
            "on": "12/03/2026",
        },
    )
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    assert b.case_id != target.id and b.case.title == "Giá đất tái định cư"
    timeline = html(web.get(f"/cases/{target.id}"))
    assert "Gộp vụ việc khác vào" in timeline and "Tách đơn sang vụ việc mới" in timeline
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.action.in_(["merge_in", "split_out"]))
        )
        == 2
    )


# --- administrator: the working-day calendar ----------------------------------------------


def test_calendar_override_moves_the_deadline_the_command_computes(app, db, web, login_as):
    runner = app.test_cli_runner()
    args = ["deadline", "--kind", "complaint", "--step", "process", "--start", "2026-08-03"]
    before = runner.invoke(args=args)
    assert before.exit_code == 0, before.output
    assert "hạn cuối 17/08/2026" in before.output

    login_as(Role.admin)
    assert web.get("/cases/calendar").status_code == 200
    resp = web.post_form(
        "/cases/calendar",
        {"day": "05/08/2026", "working": "off", "note": "Nghỉ bổ sung theo Quyết định 12/QĐ"},
    )
    assert resp.status_code == 302, html(resp)
    after = runner.invoke(args=args)
    assert "hạn cuối 18/08/2026" in after.output, after.output
    expected = WorkCalendar(extra_days_off={D(2026, 8, 5)}).add_working_days(D(2026, 8, 3), 10)
    assert expected == D(2026, 8, 18)
    assert audit_count(db, "calendar.override_added") == 1

    page = html(web.get("/cases/calendar"))
    assert "05/08/2026" in page and "Nghỉ bổ sung theo Quyết định 12/QĐ" in page
    twice = web.post_form(
        "/cases/calendar", {"day": "05/08/2026", "working": "working", "note": "Làm bù"}
    )
    assert twice.status_code == 200 and "đã được điều chỉnh" in html(twice)
    weekend_off = web.post_form(
        "/cases/calendar", {"day": "08/08/2026", "working": "off", "note": "Thứ bảy"}
    )
    assert "vốn đã là ngày nghỉ" in html(weekend_off)
    bad = web.post_form("/cases/calendar", {"day": "30/02/2026", "working": "x", "note": ""})
    page = html(bad)
    assert "Ngày không hợp lệ" in page and "Lựa chọn không hợp lệ" in page

    resp = web.post_form("/cases/calendar/2026-08-05/delete", {}, form_url="/cases/calendar")
    assert resp.status_code == 302
    assert db.session.get(CalendarOverride, D(2026, 8, 5)) is None
    assert "hạn cuối 17/08/2026" in runner.invoke(args=args).output
    gone = web.post_form("/cases/calendar/2026-13-45/delete", {}, form_url="/cases/calendar")
    assert gone.status_code == 404


def test_only_administrators_manage_the_calendar(web, login_as):
    login_as(Role.leader)
    assert web.get("/cases/calendar").status_code == 403
    assert "Lịch ngày nghỉ" not in html(web.get("/cases/"))


def test_administrators_do_not_see_cases(web, login_as):
    login_as(Role.admin)
    assert web.get("/cases/").status_code == 403
    assert web.get("/cases/overdue").status_code == 403


# --- who may open what --------------------------------------------------------------------


def test_every_case_page_requires_a_permission(app):
    pages = ("cases.", "processing.", "calendar.")  # the case work, processing, the calendar
    endpoints = [r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith(pages)]
    assert len(endpoints) >= 14
    for endpoint in endpoints:
        assert getattr(app.view_functions[endpoint], "permission", None), endpoint


@pytest.mark.parametrize("role", list(Role))
def test_permission_matrix(app, db, province, handler, role):
    from complaints.core.access import PERMISSIONS

    hp = province["province"]
    case = accepted_case(handler, hp)
    waiting = make_petition(hp, received=D(2026, 4, 1))
    user = factories.UserFactory(unit=hp, roles=[role])
    db.session.commit()
    web = as_user(app, user)
    pages = {
        "/cases/process": "petition.queue",
        f"/cases/process/{waiting.id}": "petition.process",
        "/cases/": "case.view",
        "/cases/mine": "case.view",
        "/cases/overdue": "case.view",
        f"/cases/{case.id}": "case.view",
        f"/cases/{case.id}/action/start_verification": "case.work",
        f"/cases/{case.id}/assign": "case.assign",
        f"/cases/{case.id}/flags": "case.assign",
        f"/cases/{case.id}/merge": "case.merge",
        f"/cases/{case.id}/split": "case.merge",
        "/cases/calendar": "calendar.manage",
    }
    for url, permission in pages.items():
        expected = 200 if role in PERMISSIONS[permission] else 403
        assert web.get(url).status_code == expected, (url, role)
    if role in PERMISSIONS["case.view"]:
        page = html(web.get(f"/cases/{case.id}"))
        assert ("/action/start_verification" in page) == (role in PERMISSIONS["case.work"])
        assert (f"/cases/{case.id}/assign" in page) == (role in PERMISSIONS["case.assign"])
        assert (f"/cases/{case.id}/merge" in page) == (role in PERMISSIONS["case.merge"])


def test_a_calendar_override_moves_the_running_deadlines_it_falls_in(app, db, web, login_as):
    admin = login_as(Role.admin)
    handler = factories.UserFactory(unit=admin.unit, roles=[Role.petition_handler])
    case = accepted_case(handler, admin.unit, received=D(2026, 3, 2), on=D(2026, 3, 5))
    verifying = accepted_case(handler, admin.unit, received=D(2026, 3, 2), on=D(2026, 3, 5))
    ops.perform(handler, verifying, "start_verification", ops.StepInput(on=D(2026, 3, 6)))
    db.session.commit()

    def due(owner, step):
        return db.session.scalar(
            sa.select(Deadline.due).where(
                Deadline.case_id == owner.id, Deadline.step == step, Deadline.active.is_(True)
            )
        )

    # (Pending petitions' processing dates are computed from the calendar on each page.)
    assert due(case, "resolve") == D(2026, 4, 6)  # 30 days end on Saturday 04/04 → Monday
    assert due(verifying, "resolve") == D(2026, 4, 6)

    resp = web.post_form(
        "/cases/calendar", {"day": "10/03/2026", "working": "off", "note": "Nghỉ bổ sung"}
    )
    assert resp.status_code == 302, html(resp)
    db.session.expire_all()
    assert due(case, "resolve") == D(2026, 4, 6)  # a calendar-day period does not move
    resp = web.post_form(
        "/cases/calendar", {"day": "06/04/2026", "working": "off", "note": "Nghỉ bù"}
    )
    db.session.expire_all()
    assert due(case, "resolve") == D(2026, 4, 7)  # its last day is now a day off
    assert due(verifying, "resolve") == D(2026, 4, 7)
    # The lists' order and overdue filter follow: the cases' next_due moved with them.
    assert (case.next_due, verifying.next_due) == (D(2026, 4, 7), D(2026, 4, 7))
    summary = db.session.scalar(
        sa.select(audit.AuditEvent.summary)
        .where(audit.AuditEvent.kind == "calendar.override_added")
        .order_by(audit.AuditEvent.seq.desc())
    )
    assert "tính lại thời hạn của 2 hồ sơ" in summary

    web.post_form("/cases/calendar/2026-04-06/delete", {}, form_url="/cases/calendar")
    db.session.expire_all()
    assert due(case, "resolve") == D(2026, 4, 6)
    assert case.next_due == D(2026, 4, 6)


def test_a_dissolved_unit_is_neither_offered_nor_assigned(
    app, db, province, handler, set_today, login_as, web
):
    """Issue 14, item 11: districts dissolved on 01/7/2025 were still offered for new work."""
    set_today(D(2026, 6, 30))
    hp = province["province"]
    old = factories.UnitFactory(
        code="HPQLC",
        name="UBND quận Lê Chân",
        level="district",
        parent=hp,
        active_from=D(2020, 1, 1),
        active_to=D(2025, 6, 30),
    )
    case = accepted_case(handler, hp)
    with pytest.raises(OperationError) as refused:
        ops.assign(handler, case, unit=old, assignee=None, on=D(2026, 6, 30))
    assert "HPQLC không hoạt động vào ngày 30/06/2026" in str(refused.value)
    login_as(Role.leader)
    db.session.commit()
    page = html(web.get(f"/cases/{case.id}/assign"))
    assert "HPLC" in page and "HPQLC" not in page
