"""The denouncer rule of core/confidentiality.py, against the leaks an outside tester found.

1. A visit recorded as a complaint whose petition was registered as a denunciation: its page,
   receipt, session page, the reception log, the register export (.csv, .xlsx) and the API
   showed the denouncer to a report maker.
2. A complaint accepted as a case, whose petition was reclassified as a denunciation: the case
   stayed a complaint, so the acceptance notice (page and .docx) showed the denouncer to a
   verifier and the case search found the case by the denouncer's number, name or address.
3. A denouncer's name or number typed into free text (summary, case title, processing note)
   was shown as typed to verifiers and report makers.

Each is checked on the page, the export, the API, the Word file and the search, for the roles
that may not see (nothing of the denouncer) and for those that may (shown, and recorded).
"""

from __future__ import annotations

import html
import io
import json
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa

from complaints.cases import operations as case_ops
from complaints.cases.models import Case, CaseEvent, CaseState, Deadline
from complaints.core import confidentiality
from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.text import fold
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.petitions import operations as pops
from complaints.petitions.models import Petition
from complaints.petitions.processing import ProcessingInput, process
from complaints.reception.models import VisitOutcome

from . import factories
from . import factories_petitions as fp
from .api_v1_support import Api, open_case, token_for
from .conftest import WebUser
from .factories_cases import petition as make_petition
from .factories_reception import SessionFactory, VisitFactory

pytestmark = pytest.mark.usefixtures("today")

DENOUNCER = {
    "full_name": "Lê Thị Tốgiác",
    "identity_no": "031190007777",
    "address": "Số 77 ngõ Kín, phường Lê Chân",
    "phone": "0977111222",
}
SENDER = (DENOUNCER["full_name"], DENOUNCER["address"], DENOUNCER["identity_no"])
MAY_NOT = (Role.case_handler, Role.report_maker)
MAY = (Role.reception_officer, Role.petition_handler, Role.leader)


def variants() -> list[str]:
    """Every way the denouncer could show: as typed, upper case, without diacritics."""
    out = set()
    for key in ("full_name", "identity_no", "address", "phone"):
        value = DENOUNCER[key]
        out |= {value, value.upper(), fold(value), fold(value).upper()}
    out.add("031-190-007-777")
    return sorted(out)


def text_of(resp) -> str:
    data = resp.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(
                z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
            )
    return resp.get_data(as_text=True)


def leaks(resp) -> list[str]:
    raw = text_of(resp)
    if resp.mimetype == "application/json":  # Flask writes "ê" as \u00ea: read the values
        raw = json.dumps(resp.get_json(), ensure_ascii=False)
    text = html.unescape(raw)
    folded = fold(text)
    return [v for v in variants() if v in text or fold(v) in folded]


def viewed() -> list[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "identity.viewed").order_by(AuditEvent.seq)
    ).all()


@pytest.fixture()
def people(db, province):
    hp, lc = province["province"], province["commune"]
    staff = {role: factories.UserFactory(unit=hp, roles=[role]) for role in Role}
    staff["handler"] = factories.UserFactory(
        unit=lc, roles=[Role.petition_handler, Role.reception_officer]
    )
    return staff


def as_(app, user) -> WebUser:
    web = WebUser(app.test_client())
    web.login(user)
    return web


def api_as(app, user) -> Api:
    return Api(app.test_client(), token_for(user))


# --- 1. a complaint visit whose petition is a denunciation ------------------------------------


@pytest.fixture()
def visit_leak(db, province, people):
    """A visit recorded as a complaint; its petition registered as a denunciation."""
    lc = province["commune"]
    session = SessionFactory(unit=lc, session_date=date(2026, 3, 2))
    visit = VisitFactory(
        session=session,
        kind=PetitionKind.complaint,
        content="Trình bày việc cán bộ địa chính thu tiền",
        outcome=VisitOutcome.petition_received,
        documents_received="Đơn tố cáo (01 bản)",
        persons=[DENOUNCER],
    )
    data = pops.PetitionData(
        received_date=date(2026, 3, 2),
        source="reception",
        kind="denunciation",
        field="land",
        summary="Tố cáo cán bộ địa chính thu tiền trái phép.",
        senders=[pops.SenderData(**DENOUNCER)],
        unit=lc,
        visit=visit,
    )
    petition = pops.register_petition(people["handler"], data)
    db.session.flush()
    return visit, petition


def reception_urls(visit) -> list[str]:
    day = "02/03/2026"
    return [
        f"/reception/visits/{visit.id}",
        f"/reception/visits/{visit.id}/receipt",
        f"/reception/sessions/{visit.session_id}",
        f"/reception/log?date_from={day}&date_to={day}",
        f"/reception/log?date_from={day}&date_to={day}&all=1",
        f"/petitions/search?q={visit.content.split()[0]}",
    ]


def test_a_visit_is_protected_by_the_denunciation_taken_at_it(db, visit_leak):
    visit, petition = visit_leak
    assert visit.kind == PetitionKind.complaint
    assert confidentiality.is_protected(visit) and confidentiality.is_protected(petition)


@pytest.mark.parametrize("role", MAY_NOT)
def test_the_visit_of_a_denunciation_shows_no_denouncer(
    app, db, province, people, visit_leak, role
):
    visit, _ = visit_leak
    web = as_(app, people[role])
    for url in reception_urls(visit):
        resp = web.get(url)
        if resp.status_code == 403:
            continue  # the role does not see the reception pages at all
        assert resp.status_code == 200, url
        assert not leaks(resp), (url, leaks(resp))
    lc = province["commune"].id
    for fmt in ("csv", "xlsx"):
        url = (
            "/registers/export?kind=reception&date_from=01/03/2026&date_to=31/03/2026"
            f"&unit_id={lc}&fmt={fmt}"
        )
        resp = web.get(url)
        text = html.unescape(text_of(resp))
        resp.close()  # the export streams a file
        if resp.status_code == 200:
            assert not [v for v in variants() if v in text], fmt
            assert str(confidentiality.MASK) in text, fmt
    resp = api_as(app, people[role]).get(f"/visits/{visit.id}")
    if resp.status_code == 200:
        data = resp.get_json()
        assert data["identity_redacted"] is True and not leaks(resp)
    assert viewed() == []


def test_the_leader_sees_the_denouncer_of_the_visit_and_it_is_recorded(app, db, people, visit_leak):
    visit, _ = visit_leak
    web = as_(app, people[Role.leader])
    for url in reception_urls(visit)[:4]:
        resp = web.get(url)
        assert resp.status_code == 200 and DENOUNCER["full_name"] in text_of(resp), url
    data = api_as(app, people[Role.leader]).get(f"/visits/{visit.id}").get_json()
    assert data["persons"][0]["full_name"] == DENOUNCER["full_name"]
    events = viewed()
    assert len(events) == 5  # 4 pages and the API answer
    assert all(visit.id in e.after["visit_ids"] for e in events)
    assert {e.actor_id for e in events} == {people[Role.leader].id}


# --- 2. a complaint reclassified as a denunciation ----------------------------------------------


@pytest.fixture()
def reclassified(db, province, people):
    """A complaint accepted as a case, its petition then reclassified as a denunciation."""
    lc = province["commune"]
    handler = factories.UserFactory(unit=lc, roles=[Role.petition_handler, Role.case_handler])
    case, petition = open_case(handler, lc, senders=(SENDER,))
    assert case.kind == PetitionKind.complaint and case.state == CaseState.accepted
    data = pops.PetitionData(
        received_date=petition.received_date,
        source=petition.source,
        kind="denunciation",
        field=petition.field,
        summary=petition.summary,
        senders=[pops.SenderData(**DENOUNCER)],
    )
    pops.update_petition(handler, petition, data, expected_version=petition.version)
    db.session.flush()
    return case, petition


def test_reclassifying_the_petition_reclassifies_its_case(db, reclassified):
    case, petition = reclassified
    assert case.kind == PetitionKind.denunciation
    event = db.session.scalars(
        sa.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "reclassify")
    ).one()
    assert petition.register_no in event.note
    steps = {
        d.step
        for d in db.session.scalars(
            sa.select(Deadline).where(Deadline.case_id == case.id, Deadline.active.is_(True))
        )
    }
    assert "notify_acceptance" in steps  # the denunciation's own duty, LTC Art 29(3)
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "case.reclassified")
    ).one()
    assert audit.before["kind"] == "complaint" and audit.after["kind"] == "denunciation"


def test_a_decided_case_refuses_the_reclassification_with_the_reason(db, province):
    lc = province["commune"]
    handler = factories.UserFactory(unit=lc, roles=[Role.petition_handler, Role.case_handler])
    case, petition = open_case(handler, lc, senders=(SENDER,))
    case.state = CaseState.dialogue  # a step only the complaint procedure has
    db.session.flush()
    data = pops.PetitionData(
        received_date=petition.received_date,
        source=petition.source,
        kind="denunciation",
        field=petition.field,
        summary=petition.summary,
        senders=[pops.SenderData(**DENOUNCER)],
    )
    with pytest.raises(pops.PetitionError, match="không đổi được sang đơn tố cáo") as refused:
        pops.update_petition(handler, petition, data, expected_version=petition.version)
    assert refused.value.field == "kind"
    assert case.kind == PetitionKind.complaint


def test_a_case_of_several_petitions_asks_for_a_split_first(db, province):
    lc = province["commune"]
    handler = factories.UserFactory(unit=lc, roles=[Role.petition_handler, Role.case_handler])
    case, first = open_case(handler, lc, senders=(SENDER,))
    second = open_case(handler, lc)[1]
    second.case_id = case.id
    db.session.flush()
    data = pops.PetitionData(
        received_date=first.received_date,
        source=first.source,
        kind="denunciation",
        field=first.field,
        summary=first.summary,
        senders=[pops.SenderData(**DENOUNCER)],
    )
    with pytest.raises(pops.PetitionError, match="tách"):
        pops.update_petition(handler, first, data, expected_version=first.version)


def test_the_edit_page_shows_the_refusal_beside_the_kind(app, db, province):
    lc = province["commune"]
    handler = factories.UserFactory(unit=lc, roles=[Role.petition_handler, Role.case_handler])
    case, petition = open_case(handler, lc, senders=(SENDER,))
    case.state = CaseState.dialogue
    db.session.flush()
    web = as_(app, handler)
    url = f"/petitions/{petition.id}/edit"
    page = web.get(url).get_data(as_text=True)
    from .test_petitions_register import form_data

    form = form_data(lc, kind="denunciation", summary=petition.summary)
    form.update(
        {
            "version": str(petition.version),
            "received_date": "02/03/2026",
            "senders-0-full_name": DENOUNCER["full_name"],
        }
    )
    resp = web.post_form(url, form)
    assert resp.status_code == 200 and "không đổi được sang đơn tố cáo" in resp.get_data(
        as_text=True
    )
    assert "csrf" in page
    assert db.session.get(Petition, petition.id).kind == PetitionKind.complaint


def test_a_case_holding_a_denunciation_is_protected_whatever_its_own_kind(db, province):
    """Data from before the rule (or an import): a complaint case with a denunciation in it."""
    lc = province["commune"]
    handler = factories.UserFactory(unit=lc, roles=[Role.petition_handler, Role.case_handler])
    case, petition = open_case(handler, lc, senders=(SENDER,))
    db.session.execute(
        sa.update(Petition).where(Petition.id == petition.id).values(kind="denunciation")
    )
    assert confidentiality.refresh_all(db.session.connection()) > 0  # as migration 0003 does
    # a second pass rewrites only the one record whose protection comes along a link (the
    # case, reset to its own mark, then spread again), not every row: a repair of a country's
    # millions writes what it mends
    assert confidentiality.refresh_all(db.session.connection()) == 1
    db.session.expire_all()
    assert case.kind == PetitionKind.complaint
    assert confidentiality.is_protected(case)
    verifier = factories.UserFactory(unit=lc, roles=[Role.case_handler])
    assert not confidentiality.may_see_identity(verifier, case)


@pytest.mark.parametrize("notice", ["acceptance"])
def test_the_verifier_reads_no_denouncer_in_the_notice(app, db, people, reclassified, notice):
    case, _ = reclassified
    web = as_(app, people[Role.case_handler])
    for url in (
        f"/notices/case/{case.id}/{notice}",
        f"/notices/case/{case.id}/{notice}?format=docx",
    ):
        resp = web.get(url)
        assert resp.status_code == 200, url
        assert not leaks(resp), (url, leaks(resp))
    assert viewed() == []
    leader = as_(app, people[Role.leader])
    resp = leader.get(f"/notices/case/{case.id}/{notice}")
    assert DENOUNCER["full_name"] in text_of(resp)
    assert len(viewed()) == 1


@pytest.mark.parametrize("key", ["identity_no", "full_name", "address"])
def test_the_case_search_never_finds_the_case_by_its_denouncer(app, db, people, reclassified, key):
    case, _ = reclassified
    term = DENOUNCER[key].split(",")[0]
    verifier = people[Role.case_handler]
    page = as_(app, verifier).get(f"/cases/?q={term}&closed=y").get_data(as_text=True)
    assert case.case_no not in page
    data = api_as(app, verifier).get("/cases", q=term).get_json()
    assert case.id not in [c["id"] for c in data["items"]]
    # who may see the denouncer finds it
    leader = people[Role.leader]
    page = as_(app, leader).get(f"/cases/?q={term}&closed=y").get_data(as_text=True)
    assert case.case_no in page


# --- 3. the denouncer typed into free text ------------------------------------------------------


@pytest.fixture()
def pasted(db, province):
    """A denunciation whose summary, case title and processing note quote the denouncer."""
    lc = province["commune"]
    handler = factories.UserFactory(unit=lc, roles=[Role.petition_handler, Role.case_handler])
    case, petition = open_case(handler, lc, kind=PetitionKind.denunciation, senders=(SENDER,))
    petition.summary = (
        f"Bà {DENOUNCER['full_name'].upper()} (CCCD 031-190-007-777, ĐT 0977 111 222) tố cáo "
        "cán bộ địa chính thu tiền; liên hệ bà le thi togiac tại số 77 ngõ Kín."
    )
    petition.processing_note = f"Đã gọi điện cho bà {DENOUNCER['full_name']} xác nhận."
    case.title = f"Tố cáo của bà {DENOUNCER['full_name']} về cán bộ địa chính"
    case.summary = petition.summary
    pops.refresh_search_text(petition)
    db.session.flush()
    return case, petition


def test_strip_masks_every_form_of_a_known_value():
    pattern = confidentiality.pattern_for(DENOUNCER.values())
    text = (
        "Ông LÊ THỊ TỐGIÁC, le thi togiac, Lê Thị Tốgiác; CCCD 031 190 007 777 hay 031190007777; "
        "ĐT +84 977 111 222, 0977.111.222; ở Số 77 ngõ Kín."
    )
    stripped = confidentiality.strip(text, pattern)
    assert not [v for v in variants() if fold(v) in fold(stripped)], stripped
    assert stripped.count(str(confidentiality.MASK)) == 8
    other = "Ông Lê Thị Tốgiácson thì không."  # another word: left as it is
    assert confidentiality.strip(other, pattern) == other


@pytest.mark.parametrize("role", MAY_NOT)
def test_free_text_is_stripped_for_who_may_not_see(app, db, people, pasted, role):
    case, petition = pasted
    user = people[role]
    web = as_(app, user)
    urls = [f"/petitions/{petition.id}", "/petitions/", f"/cases/{case.id}", "/cases/?closed=y"]
    for url in urls:
        resp = web.get(url)
        if resp.status_code == 403:
            continue
        assert resp.status_code == 200, url
        assert not leaks(resp), (url, leaks(resp))
        assert "cán bộ địa chính" in resp.get_data(as_text=True), url  # the rest stays
    api = api_as(app, user)
    for path in (f"/petitions/{petition.id}", f"/cases/{case.id}", f"/cases/{case.id}/events"):
        resp = api.get(path)
        if resp.status_code == 200:
            assert not leaks(resp), (path, leaks(resp))


@pytest.mark.parametrize("role", MAY_NOT)
def test_search_never_matches_the_pasted_name(app, db, people, pasted, role):
    case, petition = pasted
    web = as_(app, people[role])
    for term in ("togiac", "Tốgiác", "031190007777", "ngõ Kín"):
        page = web.get(f"/petitions/search?q={term}").get_data(as_text=True)
        assert petition.register_no not in page, term
        page = web.get(f"/cases/?q={term}&closed=y").get_data(as_text=True)
        assert case.case_no not in page, term
    # the content itself is still found
    page = web.get("/cases/?q=địa chính&closed=y").get_data(as_text=True)
    assert case.case_no in page


def test_the_leader_hands_on_a_stripped_content_to_the_verifier(app, db, province, people, pasted):
    case, _ = pasted
    leader = people[Role.leader]
    web = as_(app, leader)
    form = web.get(f"/cases/{case.id}/assign").get_data(as_text=True)
    assert "Nội dung giao xác minh" in form
    assert DENOUNCER["identity_no"] not in form and "031-190-007-777" not in form
    verifier = factories.UserFactory(unit=province["province"], roles=[Role.case_handler])
    handed = f"Xác minh việc thu tiền; người tố cáo là bà {DENOUNCER['full_name']}."
    resp = web.post_form(
        f"/cases/{case.id}/assign",
        {
            "version": str(case.version),
            "unit_id": str(province["province"].id),
            "assignee_id": str(verifier.id),
            "on": "30/06/2026",
            "note": "",
            "verifier_summary": handed,
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    stored = db.session.get(Case, case.id).verifier_summary
    assert stored.startswith("Xác minh việc thu tiền") and DENOUNCER["full_name"] not in stored
    page = as_(app, verifier).get(f"/cases/{case.id}")
    body = page.get_data(as_text=True)
    assert "Xác minh việc thu tiền" in body and not leaks(page)


# --- what a trial of the app found next ----------------------------------------------------------


def test_a_second_petition_taken_at_the_visit_of_a_denunciation_is_protected(
    app, db, province, people, visit_leak
):
    """A citizen hands in a complaint and a denunciation at one visit: both are protected."""
    visit, _ = visit_leak
    second = pops.register_petition(
        people["handler"],
        pops.PetitionData(
            received_date=date(2026, 3, 2),
            source="reception",
            kind="complaint",
            field="land",
            summary="Khiếu nại việc cấp giấy chứng nhận.",
            senders=[pops.SenderData(**DENOUNCER)],
            unit=province["commune"],
            visit=visit,
        ),
    )
    assert confidentiality.is_protected(second)
    maker = people[Role.report_maker]
    for url in (f"/petitions/{second.id}", "/petitions/"):
        resp = as_(app, maker).get(url)
        assert resp.status_code == 200 and not leaks(resp), url
    found = as_(app, maker).get(f"/petitions/search?q={DENOUNCER['identity_no']}")
    assert second.register_no not in found.get_data(as_text=True)  # the page echoes the term
    resp = api_as(app, maker).get(f"/petitions/{second.id}")
    assert resp.get_json()["identity_redacted"] is True and not leaks(resp)


def test_a_repeat_visit_of_a_denouncer_is_protected_a_new_matter_is_not(
    app, db, province, people, visit_leak
):
    lc = province["commune"]
    session = SessionFactory(unit=lc, session_date=date(2026, 3, 9))
    again = VisitFactory(
        session=session,
        kind=PetitionKind.feedback,
        is_repeat=True,
        content="Hỏi tiến độ giải quyết đơn tố cáo đã nộp",
        persons=[DENOUNCER],
    )
    other = VisitFactory(
        session=session,
        kind=PetitionKind.complaint,
        is_repeat=False,
        content="Khiếu nại về tiền bồi thường đất nông nghiệp",
        persons=[DENOUNCER],
    )
    db.session.flush()
    assert confidentiality.is_protected(again)
    assert not confidentiality.is_protected(other)  # its verifier needs the complainant
    maker = as_(app, people[Role.report_maker])
    resp = maker.get(f"/reception/visits/{again.id}")
    assert resp.status_code == 200 and not leaks(resp)
    resp = maker.get(f"/reception/sessions/{session.id}")
    assert DENOUNCER["identity_no"] not in text_of(resp).split("Khiếu nại về tiền bồi")[0]


def test_a_denunciation_reclassified_as_a_complaint_stays_protected(app, db, province, people):
    lc = province["commune"]
    handler = factories.UserFactory(unit=lc, roles=[Role.petition_handler, Role.case_handler])
    case, petition = open_case(handler, lc, kind=PetitionKind.denunciation, senders=(SENDER,))
    pops.update_petition(
        handler,
        petition,
        pops.PetitionData(
            received_date=petition.received_date,
            source=petition.source,
            kind="complaint",
            field=petition.field,
            summary=petition.summary,
            senders=[pops.SenderData(**DENOUNCER)],
        ),
        expected_version=petition.version,
    )
    db.session.flush()
    assert case.kind == PetitionKind.complaint and petition.denounced
    assert confidentiality.is_protected(case) and confidentiality.is_protected(petition)
    verifier = people[Role.case_handler]
    for url in (f"/cases/{case.id}", f"/notices/case/{case.id}/acceptance"):
        resp = as_(app, verifier).get(url)
        assert resp.status_code in (200, 404) and not leaks(resp), url
    page = as_(app, verifier).get(f"/cases/?q={DENOUNCER['identity_no']}&closed=y")
    assert case.case_no not in page.get_data(as_text=True)


# --- what a review of the change found -----------------------------------------------------------


def test_an_unrelated_denunciation_protects_nothing_else(db, province, people):
    """The rule follows a matter's own links: a denunciation taken at one visit and accepted
    protects its own matter, not every other visit and case."""
    lc = province["commune"]
    made = {}
    for n, kind in enumerate(("complaint", "denunciation")):
        session = SessionFactory(unit=lc, session_date=date(2026, 3, 2))
        person = {**DENOUNCER, "full_name": f"Người {kind}", "identity_no": f"03119000{n}111"}
        visit = VisitFactory(
            session=session,
            kind=PetitionKind(kind),
            content=f"Việc {kind}",
            outcome=VisitOutcome.petition_received,
            persons=[person],
        )
        p = pops.register_petition(
            people["handler"],
            pops.PetitionData(
                received_date=date(2026, 3, 2),
                source="reception",
                kind=kind,
                field="land",
                summary=f"Đơn {kind}.",
                senders=[pops.SenderData(full_name=person["full_name"])],
                unit=lc,
                visit=visit,
            ),
        )
        process(
            people["handler"],
            p,
            ProcessingInput(
                eligible=True,
                competent=True,
                outcome="accept",
                on=date(2026, 3, 5),
                doc_no=f"{n}/TB",
            ),
        )
        db.session.flush()
        made[kind] = (visit, p, p.case)
    assert [confidentiality.is_protected(r) for r in made["complaint"]] == [False] * 3
    assert [confidentiality.is_protected(r) for r in made["denunciation"]] == [True] * 3


def test_a_transfer_slip_of_a_protected_complaint_names_nobody(app, db, province, people):
    """A complaint taken at a denunciation's visit, transferred to another body: the slip
    addressed to that body names no sender."""
    lc = province["commune"]
    visit = VisitFactory(
        session=SessionFactory(unit=lc, session_date=date(2026, 3, 2)),
        kind=PetitionKind.denunciation,
        content="Tố cáo cán bộ địa chính thu tiền",
        outcome=VisitOutcome.petition_received,
        persons=[DENOUNCER],
    )
    petition = pops.register_petition(
        people["handler"],
        pops.PetitionData(
            received_date=date(2026, 3, 2),
            source="reception",
            kind="complaint",
            field="land",
            summary="Việc cán bộ địa chính thu tiền.",
            senders=[pops.SenderData(**DENOUNCER)],
            unit=lc,
            visit=visit,
        ),
    )
    process(
        people["handler"],
        petition,
        ProcessingInput(
            eligible=True,
            competent=False,
            outcome="transfer",
            on=date(2026, 3, 5),
            doc_no="05/PC",
            body="Thanh tra tỉnh",
        ),
    )
    db.session.flush()
    web = as_(app, people["handler"])  # may see denouncers, prints the slip for another body
    for url in (
        f"/notices/petition/{petition.id}/transfer",
        f"/notices/petition/{petition.id}/transfer?format=docx",
    ):
        resp = web.get(url)
        assert resp.status_code == 200 and not leaks(resp), url


def test_the_api_strips_event_contents_and_session_conclusions(app, db, people, pasted, visit_leak):
    case, _ = pasted
    case_ops.perform(
        people["handler"],
        case,
        "withdraw_partial",
        case_ops.StepInput(
            on=date(2026, 6, 1), contents=f"Nội dung bà {DENOUNCER['full_name']} tố cáo"
        ),
    )
    visit, _ = visit_leak
    visit.session.conclusion = f"Kết luận: bà {DENOUNCER['full_name']} được hướng dẫn."
    db.session.flush()
    verifier, maker = api_as(app, people[Role.case_handler]), api_as(app, people[Role.report_maker])
    resp = verifier.get(f"/cases/{case.id}/events")
    assert resp.status_code == 200 and not leaks(resp)
    for path in (f"/sessions/{visit.session_id}", "/sessions"):
        resp = maker.get(path)
        assert resp.status_code == 200 and not leaks(resp), path


def test_a_verifier_with_a_second_role_reads_no_denouncer_in_the_case_notice(
    app, db, province, reclassified
):
    case, _ = reclassified
    user = factories.UserFactory(unit=province["province"], roles=[Role.leader, Role.case_handler])
    web = as_(app, user)
    for url in (f"/cases/{case.id}", f"/notices/case/{case.id}/acceptance"):
        resp = web.get(url)
        assert resp.status_code == 200 and not leaks(resp), url


@pytest.mark.parametrize(
    "roles", [(Role.petition_handler, Role.case_handler), (Role.leader, Role.case_handler)]
)
def test_the_case_list_of_a_handler_who_also_verifies_needs_no_query_per_row(
    app, db, province, roles
):
    lc = province["commune"]
    opener = factories.UserFactory(unit=lc, roles=[Role.petition_handler])
    user = factories.UserFactory(unit=lc, roles=list(roles))
    web = as_(app, user)

    def queries() -> int:
        seen: list = []
        listen = lambda *args: seen.append(args[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listen)
        try:
            assert web.get("/cases/?closed=y").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listen)
        return len(seen)

    def add(n: int) -> None:
        for i in range(n):
            identity = f"0311900{len(opened):02d}{i:03d}"
            opened.append(
                open_case(
                    opener,
                    lc,
                    kind=PetitionKind.denunciation,
                    senders=((f"Người {i} Tố", "Số 1", identity),),
                )
            )
        db.session.commit()

    opened: list = []
    add(3)
    queries()  # the first page after a commit also reloads the user
    few = queries()
    add(9)
    queries()
    assert queries() == few, "a query per row"


def test_the_search_texts_written_before_are_rebuilt_by_the_maintenance(app, db, people, pasted):
    """Rows written before the public search text was stripped match the denouncer's name
    until `flask maintenance` (run by `make migrate` after migration 0003) rebuilds them."""
    from complaints.core import maintenance

    _, petition = pasted
    petition.public_search_text = fold(" | ".join([petition.register_no, petition.summary]))
    db.session.flush()
    maintenance.TASKS["refresh_search_texts"]()
    web = as_(app, people[Role.case_handler])
    page = web.get("/petitions/search?q=togiac").get_data(as_text=True)
    assert petition.register_no not in page


def test_forms_that_show_a_denouncer_record_the_view(app, db, people, visit_leak):
    visit, _ = visit_leak
    web = as_(app, people[Role.reception_officer])
    for url in (f"/reception/visits/{visit.id}/edit", f"/petitions/new?visit_id={visit.id}"):
        resp = web.get(url)
        assert resp.status_code == 200 and DENOUNCER["identity_no"] in text_of(resp), url
    assert len(viewed()) == 2


def test_a_sender_corrected_on_one_petition_is_stripped_from_its_siblings(
    app, db, province, people
):
    lc = province["commune"]
    handler = people["handler"]
    case, first = open_case(
        handler,
        lc,
        kind=PetitionKind.denunciation,
        senders=(("Lê Văn Cũ", "Số 1", "031190001111"),),
    )
    second = make_petition(
        lc,
        kind=PetitionKind.denunciation,
        summary="Bổ sung: ông Trần Văn Mới cung cấp thêm chứng cứ thu tiền.",
        received=date(2026, 3, 3),
    )
    pops.refresh_search_text(second)
    process(
        handler,
        second,
        ProcessingInput(
            eligible=True,
            competent=True,
            outcome="accept",
            on=date(2026, 3, 6),
            doc_no="02/TB",
            join_case=case,
        ),
    )
    pops.update_petition(
        handler,
        first,
        pops.PetitionData(
            received_date=first.received_date,
            source=first.source,
            kind="denunciation",
            field=first.field,
            summary=first.summary,
            senders=[
                pops.SenderData(
                    full_name="Trần Văn Mới", address="Số 1", identity_no="031190001111"
                )
            ],
        ),
        expected_version=first.version,
    )
    db.session.flush()
    page = as_(app, people[Role.case_handler]).get("/petitions/search?q=tran van moi")
    assert second.register_no not in page.get_data(as_text=True)


@pytest.mark.parametrize("denounced", ["original", "copy"])
def test_a_repair_protects_a_transferred_copy_of_a_denunciation_as_the_matter_does(
    db, province, denounced
):
    """refresh_all (a repair, the benchmark) and refresh (every operation) find the same
    matters: a copy transferred from a denunciation is its original's matter, both ways (the
    original of a copy registered as a denunciation is protected too)."""
    lc = province["commune"]
    kinds = {"original": PetitionKind.complaint, "copy": PetitionKind.complaint}
    kinds[denounced] = PetitionKind.denunciation
    original = fp.PetitionFactory(unit=lc, kind=kinds["original"])
    copy = fp.PetitionFactory(unit=lc, kind=kinds["copy"])
    db.session.flush()
    db.session.execute(
        sa.update(Petition).where(Petition.id == copy.id).values(forwarded_from_id=original.id)
    )
    conn = db.session.connection()
    confidentiality.refresh(conn, petitions=[original.id, copy.id])
    by_matter = dict(conn.execute(sa.select(Petition.id, Petition.protected)).all())
    assert by_matter[copy.id] is True and by_matter[original.id] is True
    conn.execute(sa.update(Petition).values(protected=False))  # as a repair finds them
    confidentiality.refresh_all(conn)
    assert dict(conn.execute(sa.select(Petition.id, Petition.protected)).all()) == by_matter
