"""Notices issued in the competent authority's name (NĐ 30/2020/NĐ-CP): headed by the
authority, numbered in its register of documents issued, signed by its head or a deputy on the
head's behalf, the drafting unit in "Lưu: VT, ...": in the printed page and the .docx alike."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.cases import operations as ops
from complaints.core import audit
from complaints.core.access import Role
from complaints.core.errors import OperationError
from complaints.core.vocab import Field, PetitionKind
from complaints.notices import issuing, registry, render
from complaints.notices.issuing import IssuingError
from complaints.notices.models import IssuedDocument
from complaints.petitions.processing import ProcessingInput, process
from complaints.units.models import UnitLevel
from complaints.units.operations import create_unit, save_leader

from . import factories
from .factories_cases import petition as make_petition
from .test_notices import docx_text, get_docx, html_text

D = date


@pytest.fixture()
def city(db, province):
    """UBND thành phố with its Ban TCD (whose petitions the Thanh tra processes) and its
    Thanh tra, both advising it; a ward; each with its leaders."""
    admin = factories.UserFactory(unit=province["province"], roles=[Role.admin])
    ubnd = create_unit(
        admin,
        code="HPG",
        name="UBND thành phố Hải Phòng",
        level=UnitLevel.province,
        parent=None,
        doc_symbol="UBND",
    )
    ttr = create_unit(
        admin,
        code="HPGTTR",
        name="Thanh tra thành phố",
        level=UnitLevel.department,
        parent=ubnd,
        advises=ubnd,
        doc_symbol="TTr",
    )
    tcd = create_unit(
        admin,
        code="HPGTCD",
        name="Ban Tiếp công dân thành phố",
        level=UnitLevel.department,
        parent=ubnd,
        advises=ubnd,
        processing_unit=ttr,
        doc_symbol="BTCD",
    )
    ward = create_unit(
        admin,
        code="HPGLC",
        name="UBND phường Lê Chân",
        level=UnitLevel.commune,
        parent=ubnd,
        doc_symbol="UBND",
    )
    people = {
        "chair": save_leader(
            admin, ubnd, None, full_name="Trần Quang Vinh", title="Chủ tịch", is_head=True
        ),
        "vice": save_leader(
            admin,
            ubnd,
            None,
            full_name="Nguyễn Đức Thọ",
            title="Phó Chủ tịch",
            is_head=False,
            position=1,
        ),
        "chief_inspector": save_leader(
            admin, ttr, None, full_name="Phạm Thị Tra", title="Chánh Thanh tra", is_head=True
        ),
        "deputy_inspector": save_leader(
            admin,
            ttr,
            None,
            full_name="Đỗ Văn Phó",
            title="Phó Chánh Thanh tra",
            is_head=False,
        ),
        "ward_chair": save_leader(
            admin, ward, None, full_name="Lê Văn Phường", title="Chủ tịch", is_head=True
        ),
    }
    # The city's handler: processes, and issues in any unit of the city.
    handler = factories.UserFactory(unit=ubnd, roles=[Role.petition_handler, Role.case_handler])
    return {"ubnd": ubnd, "ttr": ttr, "tcd": tcd, "ward": ward, "handler": handler, **people}


def accepted_case(received_at, handler, *, on=D(2026, 3, 5), assign_to=None):
    """A complaint received at `received_at`, accepted (its authority: the default one), the
    number of its acceptance notice typed by the handler as before."""
    p = make_petition(received_at, kind=PetitionKind.complaint)
    data = ProcessingInput(
        eligible=True, competent=True, outcome="accept", on=on, doc_no="15/TB-TTr"
    )
    process(handler, p, data)
    case = p.case
    if assign_to is not None:
        ops.assign(handler, case, unit=assign_to, assignee=None, on=on)
    return case


def issued_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(IssuedDocument))


def notice_url(case, key="acceptance") -> str:
    return f"/notices/case/{case.id}/{key}"


# --- the heading and the draft -------------------------------------------------------------------


def test_a_case_received_at_the_ban_tcd_is_headed_by_its_authority(db, city):
    case = accepted_case(city["tcd"], city["handler"], assign_to=city["ttr"])
    assert case.unit is city["ubnd"] and case.received_unit is city["tcd"]
    notice = registry.CASE["acceptance"].build(case, city["handler"])
    assert notice.issuer_parent == ""
    assert notice.issuer == "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG"
    assert notice.unit_id == city["ubnd"].id
    # Not issued: the number typed at the step, its head's title, no name; the verifying
    # unit drafts.
    assert notice.number_line == "Số: 15/TB-TTr"
    assert (notice.signer.authority, notice.signer.title, notice.signer.name) == (
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "",
    )
    assert notice.recipients[-1] == "Lưu: VT, TTr."
    assert notice.issued is None


def refused_case(handler, unit):
    case = ops.open_case(
        handler,
        unit=unit,
        kind=PetitionKind.complaint,
        field=Field.land,
        title="Khiếu nại việc bồi thường khi thu hồi đất",
        received_on=D(2026, 3, 9),
    )
    step = ops.StepInput(on=D(2026, 3, 12), doc_no="03/TB-TTr", note="Hết thời hiệu")
    ops.perform(handler, case, "refuse", step)
    return case


def test_a_ward_is_headed_under_the_city_committee(db, city):
    case = refused_case(city["handler"], city["ward"])
    notice = registry.CASE["refusal"].build(case, city["handler"])
    assert notice.issuer_parent == "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG"
    assert notice.issuer == "ỦY BAN NHÂN DÂN PHƯỜNG LÊ CHÂN"
    # Not issued: its recorded head's title, no name; a notice with no number typed at its
    # step shows a blank number with the authority's symbol.
    assert render.number_line("", "TB", case.unit) == "Số: ……/TB-UBND"
    assert (notice.signer.authority, notice.signer.title, notice.signer.name) == (
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "",
    )


# --- numbering -----------------------------------------------------------------------------------


def test_numbers_run_per_authority_and_year(db, city, set_today):
    set_today(D(2026, 6, 30))
    h = city["handler"]
    cases = [accepted_case(city["tcd"], h) for _ in range(3)]
    numbers = [issuing.issue(h, c, "acceptance", signer=city["chair"]).number for c in cases]
    assert numbers == ["01/TB-UBND", "02/TB-UBND", "03/TB-UBND"]
    # A decision of the same authority continues the same series, with its own kind.
    refused = refused_case(h, city["ubnd"])
    refusal = issuing.issue(h, refused, "refusal", signer=city["vice"])
    assert refusal.number == "04/TB-UBND"
    # Another authority has its own series.
    ward_case = accepted_case(city["ward"], h)
    ward_doc = issuing.issue(h, ward_case, "acceptance", signer=city["ward_chair"])
    assert (ward_doc.number, ward_doc.unit_id, ward_doc.seq) == ("01/TB-UBND", city["ward"].id, 1)
    # A new year starts again at 1.
    set_today(D(2027, 1, 4))
    later = accepted_case(city["tcd"], h, on=D(2027, 1, 4))
    doc = issuing.issue(h, later, "acceptance", signer=city["chair"])
    assert (doc.number, doc.year, doc.seq) == ("01/TB-UBND", 2027, 1)
    assert issued_count(db) == 6


def test_issuing_is_audited_and_prints_the_number(db, city, set_today):
    set_today(D(2026, 6, 30))
    case = accepted_case(city["tcd"], city["handler"], assign_to=city["ttr"])
    doc = issuing.issue(city["handler"], case, "acceptance", signer=city["vice"])
    event = db.session.scalars(
        sa.select(audit.AuditEvent).where(audit.AuditEvent.kind == "notice.issued")
    ).one()
    assert event.entity_type == "issued_document" and event.entity_id == doc.id
    assert event.unit_id == city["ubnd"].id and event.after["number"] == "01/TB-UBND"
    assert (doc.signing_mode, doc.drafting_unit_id, doc.issued_on) == (
        "deputy",
        city["ttr"].id,
        D(2026, 6, 30),
    )
    notice = registry.CASE["acceptance"].build(case, city["handler"])
    assert notice.number_line == "Số: 01/TB-UBND"  # the register's, not the typed one
    assert notice.issued == doc


def test_an_inspectorate_signs_in_its_head_s_title(db, city, set_today):
    """A unit that is not a committee: the head signs in his title, a deputy "KT."."""
    set_today(D(2026, 6, 30))
    h = city["handler"]
    p = make_petition(city["ttr"])
    process(
        h,
        p,
        ProcessingInput(
            eligible=True,
            competent=True,
            outcome="accept",
            on=D(2026, 3, 5),
            authority=city["ttr"],
            authority_ground="Khiếu nại hành vi của cán bộ Thanh tra",
            doc_no="15/TB-TTr",
        ),
    )
    case = p.case
    assert case.unit is city["ttr"]
    inspector = factories.UserFactory(unit=city["ttr"], roles=[Role.case_handler])
    issuing.issue(inspector, case, "acceptance", signer=city["deputy_inspector"])
    notice = registry.CASE["acceptance"].build(case, h)
    s = notice.signer
    assert (s.authority, s.on_behalf, s.title, s.name) == (
        "",
        "KT. CHÁNH THANH TRA",
        "PHÓ CHÁNH THANH TRA",
        "Đỗ Văn Phó",
    )
    assert notice.number_line == "Số: 01/TB-TTr"
    assert notice.recipients[-1] == "Lưu: VT, TTr."


# --- the page, the .docx ----------------------------------------------------------------------


def _issue_on_page(web, case, signer_id, key="acceptance"):
    return web.post_form(
        f"{notice_url(case, key)}/issue",
        {"signer_id": str(signer_id)},
        form_url=notice_url(case, key),
    )


@pytest.mark.parametrize(
    ("who", "lines"),
    [
        ("chair", ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Trần Quang Vinh"]),
        ("vice", ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Đức Thọ"]),
    ],
)
def test_issued_on_the_page_head_or_deputy(db, web, city, set_today, who, lines):
    set_today(D(2026, 6, 30))
    case = accepted_case(city["tcd"], city["handler"], assign_to=city["ttr"])
    leader = factories.UserFactory(unit=city["ttr"], roles=[Role.leader])
    web.login(leader)
    page = web.get(notice_url(case)).get_data(as_text=True)
    assert "Cấp số và ký ban hành" in page
    assert "Trần Quang Vinh — Chủ tịch (ký thay mặt)" in page
    assert "Nguyễn Đức Thọ — Phó Chủ tịch (ký thay)" in page
    assert page.index("Trần Quang Vinh") < page.index("Nguyễn Đức Thọ")

    resp = _issue_on_page(web, case, city[who].id)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(notice_url(case))
    resp = web.get(notice_url(case))
    text_html = html_text(resp)
    text_docx = docx_text(get_docx(web, notice_url(case)))
    expected = ["ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG", "Số: 01/TB-UBND", "Lưu: VT, TTr.", *lines]
    for line in expected:
        assert line in text_html, line
        assert line in text_docx, line
    assert "Đã cấp số 01/TB-UBND ngày 30/06/2026" in text_html
    assert 'action="' + notice_url(case) + '/issue"' not in resp.get_data(as_text=True)
    if who == "chair":
        assert "KT. CHỦ TỊCH" not in text_html and "KT. CHỦ TỊCH" not in text_docx
    # The case page lists the notice with its number.
    case_page = web.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "số 01/TB-UBND" in case_page


def _refused(web, db, case, signer_id, message):
    before_docs, before_audit = issued_count(db), audit_len(db)
    resp = _issue_on_page(web, case, signer_id)
    assert resp.status_code == 200
    assert message in html_text(resp)
    assert issued_count(db) == before_docs and audit_len(db) == before_audit


def audit_len(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(audit.AuditEvent))


def test_refusals_are_shown_in_the_form_and_write_nothing(db, web, city, set_today):
    set_today(D(2026, 6, 30))
    case = accepted_case(city["tcd"], city["handler"], assign_to=city["ttr"])
    web.login(factories.UserFactory(unit=city["ttr"], roles=[Role.case_handler]))
    _refused(
        web,
        db,
        case,
        city["ward_chair"].id,
        "Lê Văn Phường không phải lãnh đạo của UBND thành phố Hải Phòng",
    )
    _refused(web, db, case, 2_000_000, "Chọn lãnh đạo ký ban hành văn bản.")
    _refused(web, db, case, "abc", "Chọn lãnh đạo ký ban hành văn bản.")
    _refused(web, db, case, "", "Chọn lãnh đạo ký ban hành văn bản.")
    token = _token(web, notice_url(case))
    assert _issue_on_page(web, case, city["chair"].id).status_code == 302
    # A second issue (a page opened before the first): refused, its number said.
    resp = web.client.post(
        f"{notice_url(case)}/issue", data={"signer_id": str(city["vice"].id), "csrf_token": token}
    )
    assert resp.status_code == 200
    assert "Văn bản đã được cấp số 01/TB-UBND ngày 30/06/2026 (Trần Quang Vinh ký)" in (
        html_text(resp)
    )
    assert issued_count(db) == 1


def _token(web, url):
    from .conftest import csrf_from

    return csrf_from(web.get(url).get_data(as_text=True))


def test_an_inactive_leader_or_an_unavailable_notice_is_refused(db, city, set_today):
    set_today(D(2026, 6, 30))
    h = city["handler"]
    case = accepted_case(city["tcd"], h)
    city["vice"].active = False
    with pytest.raises(IssuingError, match="không còn giữ chức vụ lãnh đạo"):
        issuing.issue(h, case, "acceptance", signer=city["vice"])
    with pytest.raises(OperationError, match="chưa có quyết định giải quyết khiếu nại"):
        issuing.issue(h, case, "result", signer=city["chair"])
    assert issued_count(db) == 0


def test_a_unit_that_only_follows_the_case_may_not_issue(db, web, city, set_today):
    set_today(D(2026, 6, 30))
    case = accepted_case(city["tcd"], city["handler"], assign_to=city["ttr"])
    follower = factories.UserFactory(unit=city["tcd"], roles=[Role.case_handler])
    assert case.follows_only(follower)
    web.login(follower)
    # it follows the case on the case page; its notices are the acting units' (403)
    assert web.get(f"/cases/{case.id}").status_code == 200
    assert web.get(notice_url(case)).status_code == 403
    token = _token(web, f"/cases/{case.id}")
    before = issued_count(db)
    resp = web.client.post(
        f"{notice_url(case)}/issue", data={"csrf_token": token, "signer_id": city["chair"].id}
    )
    assert resp.status_code == 403 and issued_count(db) == before
    with pytest.raises(OperationError):
        issuing.issue(follower, case, "acceptance", signer=city["chair"])


def test_a_role_without_the_permission_gets_403(db, web, city, set_today):
    set_today(D(2026, 6, 30))
    case = accepted_case(city["tcd"], city["handler"], assign_to=city["ttr"])
    web.login(factories.UserFactory(unit=city["ttr"], roles=[Role.reception_officer]))
    page = web.get(notice_url(case))
    assert page.status_code == 200 and "/issue" not in page.get_data(as_text=True)
    resp = _issue_on_page(web, case, city["chair"].id)
    assert resp.status_code == 403
    assert issued_count(db) == 0
