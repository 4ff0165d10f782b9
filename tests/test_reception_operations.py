"""Reception use cases: sessions and visits, the rules of the Law on Citizen Reception."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.vocab import PetitionKind
from complaints.reception.models import (
    HostMode,
    ReceptionSession,
    RefusalGround,
    SessionKind,
    SessionStatus,
    Visit,
    VisitOutcome,
    VisitPerson,
)
from complaints.reception.operations import (
    PersonData,
    ReceptionError,
    SessionData,
    StaleEditError,
    VisitData,
    create_session,
    create_visit,
    publication_notice,
    update_session,
    update_visit,
)

from . import factories
from .factories_reception import SessionFactory, VisitFactory

DAY = date(2026, 1, 6)


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def snapshot_counts(db) -> tuple[int, ...]:
    return tuple(count(db, m) for m in (ReceptionSession, Visit, VisitPerson, AuditEvent))


@pytest.fixture()
def officer(province):
    return factories.UserFactory(unit=province["province"], roles=[Role.reception_officer])


@pytest.fixture()
def session(province):
    return SessionFactory(unit=province["commune"], session_date=DAY)


def person(n: int = 0, rep: bool = False, identity: str | None = None) -> PersonData:
    return PersonData(
        full_name=f"Người dân {n}",
        address=f"Số {n} đường Trần Nguyên Hãn, Hải Phòng",
        identity_no=identity if identity is not None else f"0310900{n:05d}",
        phone="0912 345 678",
        is_representative=rep,
    )


def visit_data(**kw) -> VisitData:
    values = {
        "kind": PetitionKind.complaint,
        "content": "Khiếu nại việc bồi thường khi thu hồi đất",
        "outcome": VisitOutcome.answered,
        "persons": [person()],
        "people_count": 1,
    }
    values.update(kw)
    return VisitData(**values)


def session_data(unit, **kw) -> SessionData:
    values = {
        "unit": unit,
        "kind": SessionKind.regular,
        "session_date": DAY,
        "place": "Trụ sở tiếp công dân phường",
        "host_name": "Nguyễn Thị Trực",
        "host_title": "Công chức",
        "status": SessionStatus.planned,
    }
    values.update(kw)
    return SessionData(**values)


def messages(excinfo) -> dict:
    return {field: msg for field, msg in excinfo.value.errors}


# --- sessions -----------------------------------------------------------------------------


def test_create_regular_session_writes_row_and_audit(db, officer, province):
    created = create_session(officer, session_data(province["commune"]))
    assert created.id and created.host_mode is None and created.version == 1
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "reception_session")
    ).one()
    assert event.kind == "reception_session.created" and event.actor_id == officer.id
    assert event.after["session_date"] == "2026-01-06"


def test_periodic_session_keeps_delegate_as_host(db, officer, province):
    created = create_session(
        officer,
        session_data(
            province["province"],
            kind=SessionKind.periodic,
            host_mode=HostMode.delegated,
            host_name="Lê Văn Phó",
            host_title="Phó Chủ tịch UBND thành phố",
            published_on=date(2025, 12, 26),
        ),
    )
    assert created.host_mode == HostMode.delegated and created.host_name == "Lê Văn Phó"


def test_publication_notice_follows_the_rule_of_publishing_on_time(db, officer, province):
    # LTCD Art 24 via obligations/rules.published_on_time: five working days ahead.
    def notice(**kw):
        data = session_data(
            province["province"],
            kind=SessionKind.periodic,
            host_mode=HostMode.in_person,
            host_name="Nguyễn Văn Chủ",
            host_title="Chủ tịch UBND thành phố",
            **kw,
        )
        return publication_notice(create_session(officer, data))

    assert notice(published_on=date(2025, 12, 26)) is None
    late = notice(published_on=date(2026, 1, 5))
    assert late.startswith("Lịch tiếp công bố muộn: 1 ngày làm việc") and "ít nhất 5" in late
    assert notice(published_on=None) == "Chưa ghi ngày công bố lịch tiếp định kỳ."
    # postponed before its schedule was published: none is owed (as on the obligations page)
    assert (
        notice(
            published_on=None,
            session_date=date(2026, 1, 13),
            status=SessionStatus.postponed,
            status_reason="Lãnh đạo đi công tác",
            postponed_to=date(2026, 1, 20),
        )
        is None
    )
    assert publication_notice(create_session(officer, session_data(province["commune"]))) is None


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"kind": SessionKind.periodic}, "host_mode", "ủy quyền"),
        ({"status": SessionStatus.cancelled}, "status_reason", "lý do hủy"),
        ({"status": SessionStatus.postponed}, "status_reason", "lý do hoãn"),
        (
            {
                "status": SessionStatus.postponed,
                "status_reason": "Lãnh đạo đi công tác",
                "postponed_to": date(2026, 1, 5),
            },
            "postponed_to",
            "phải sau",
        ),
        ({"postponed_to": date(2026, 1, 9)}, "postponed_to", "khi buổi tiếp bị hoãn"),
        ({"published_on": date(2026, 1, 7)}, "published_on", "không được sau"),
        ({"conclusion": "Giao phòng Tài nguyên"}, "conclusion", "Thủ trưởng"),
        (
            {
                "kind": SessionKind.adhoc,
                "host_mode": HostMode.in_person,
                "conclusion": "Giao phòng Tài nguyên",
            },
            "conclusion",
            "đã diễn ra",
        ),
        ({"host_name": " "}, "host_name", "cán bộ trực tiếp"),
        ({"place": ""}, "place", "địa điểm"),
        ({"session_date": date(2025, 6, 30)}, "unit_id", "không hoạt động"),
        (
            {
                "kind": SessionKind.periodic,
                "host_mode": HostMode.delegated,
                "session_date": date(2026, 7, 7),
            },
            "host_mode",
            "không được ủy quyền",
        ),
    ],
)
def test_session_rules_refuse_and_write_nothing(db, officer, province, changes, field, fragment):
    before = snapshot_counts(db)
    with pytest.raises(ReceptionError) as excinfo:
        create_session(officer, session_data(province["commune"], **changes))
    assert fragment in messages(excinfo)[field]
    assert snapshot_counts(db) == before


def test_commune_chair_may_delegate_before_july_2026(db, officer, province):
    created = create_session(
        officer,
        session_data(
            province["commune"],
            kind=SessionKind.periodic,
            host_mode=HostMode.delegated,
            session_date=date(2026, 6, 30),
        ),
    )
    assert created.host_mode == HostMode.delegated


def test_session_outside_the_actor_tree_is_refused(db, province):
    commune_officer = factories.UserFactory(unit=province["commune"])
    before = snapshot_counts(db)
    with pytest.raises(ReceptionError) as excinfo:
        create_session(commune_officer, session_data(province["commune2"]))
    assert "phạm vi" in str(excinfo.value)
    assert snapshot_counts(db) == before


def test_case_handler_cannot_record_sessions(db, province):
    handler = factories.UserFactory(unit=province["province"], roles=[Role.case_handler])
    with pytest.raises(ReceptionError, match="không có quyền"):
        create_session(handler, session_data(province["commune"]))


def test_update_session_moves_its_visits_to_the_new_date(db, officer, province, session):
    visit = VisitFactory(session=session)
    update_session(
        officer,
        session,
        session_data(province["commune"], session_date=date(2026, 1, 8)),
        expected_version=session.version,
    )
    assert visit.visit_date == date(2026, 1, 8)
    assert session.version == 2
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "reception_session.updated")
    ).one()
    assert event.before["session_date"] == "2026-01-06"
    assert event.after["session_date"] == "2026-01-08"
    assert "unit_id" not in event.after  # only what changed


def test_session_with_visits_cannot_be_cancelled(db, officer, province, session):
    VisitFactory(session=session)
    with pytest.raises(ReceptionError) as excinfo:
        update_session(
            officer,
            session,
            session_data(
                province["commune"], status=SessionStatus.cancelled, status_reason="Mưa bão"
            ),
            expected_version=session.version,
        )
    assert "đã có 1 lượt tiếp" in messages(excinfo)["status"]


def test_stale_session_edit_is_refused(db, officer, province, session):
    with pytest.raises(StaleEditError):
        update_session(
            officer,
            session,
            session_data(province["commune"], place="Nơi khác"),
            expected_version=session.version - 1 if session.version > 1 else 99,
        )
    assert session.place == "Trụ sở tiếp công dân"


# --- visits -------------------------------------------------------------------------------


def test_create_visit_takes_date_from_session_and_is_audited(db, officer, province):
    planned = SessionFactory(
        unit=province["commune"], session_date=DAY, status=SessionStatus.planned
    )
    visit = create_visit(
        officer,
        planned,
        visit_data(
            persons=[person(1, identity="031 090 000 001")],
            documents_received="Đơn khiếu nại\n\n  Bản sao quyết định  ",
        ),
    )
    assert visit.visit_date == DAY and visit.unit_id == province["commune"].id
    assert visit.persons[0].identity_no == "031090000001"
    assert visit.persons[0].phone == "0912345678"
    assert visit.documents_received == "Đơn khiếu nại\nBản sao quyết định"
    assert "nguoi dan 1" in visit.search_text and "031090000001" in visit.search_text
    assert "tran nguyen han" in visit.search_text and "boi thuong" in visit.search_text
    assert planned.status == SessionStatus.held  # receiving someone holds the session
    kinds = db.session.scalars(sa.select(AuditEvent.kind).order_by(AuditEvent.seq)).all()
    assert kinds == ["reception_session.updated", "visit.created"]


@pytest.mark.parametrize("status", [SessionStatus.cancelled, SessionStatus.postponed])
def test_no_visit_into_cancelled_or_postponed_session(db, officer, province, status):
    closed = SessionFactory(unit=province["commune"], status=status, status_reason="Mưa bão")
    before = snapshot_counts(db)
    with pytest.raises(ReceptionError, match="không thể ghi lượt tiếp"):
        create_visit(officer, closed, visit_data())
    assert snapshot_counts(db) == before


def delegation(people: int, reps: int, listed: int | None = None, **kw) -> VisitData:
    listed = max(reps, 1) if listed is None else listed
    persons = [person(i, rep=i < reps) for i in range(listed)]
    return visit_data(persons=persons, people_count=people, is_delegation=people >= 5, **kw)


@pytest.mark.parametrize(
    ("people", "reps", "ok"),
    [
        (5, 1, True),
        (5, 2, True),
        (5, 3, False),
        (10, 2, True),
        (10, 3, False),
        (11, 5, True),
        (11, 6, False),
        (5, 0, False),
        (11, 0, False),
    ],
)
def test_delegation_representative_limits(db, officer, session, people, reps, ok):
    data = delegation(people, reps)
    if ok:
        visit = create_visit(officer, session, data)
        assert visit.is_delegation and len(visit.representatives) == reps
        return
    before = snapshot_counts(db)
    with pytest.raises(ReceptionError) as excinfo:
        create_visit(officer, session, data)
    assert "đại diện" in messages(excinfo)["persons"]
    assert snapshot_counts(db) == before


def test_four_people_are_not_a_delegation(db, officer, session):
    group = [person(i) for i in range(4)]
    visit = create_visit(officer, session, visit_data(persons=group, people_count=4))
    assert not visit.is_delegation
    with pytest.raises(ReceptionError) as excinfo:
        create_visit(
            officer, session, visit_data(persons=group, people_count=4, is_delegation=True)
        )
    assert "từ 5 người trở lên" in messages(excinfo)["is_delegation"]


def test_five_people_must_be_marked_a_delegation(db, officer, session):
    data = delegation(5, 1)
    data.is_delegation = False
    with pytest.raises(ReceptionError) as excinfo:
        create_visit(officer, session, data)
    assert "đoàn đông người" in messages(excinfo)["is_delegation"]


def test_delegation_members_need_no_identity_but_representatives_do(db, officer, session):
    data = delegation(8, 1, listed=3)
    data.persons[1].identity_no = data.persons[2].identity_no = ""
    assert create_visit(officer, session, data).people_count == 8
    data = delegation(8, 1, listed=2)
    data.persons[0].identity_no = ""
    with pytest.raises(ReceptionError) as excinfo:
        create_visit(officer, session, data)
    assert "người đại diện" in messages(excinfo)["persons.0.identity_no"]


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"persons": [person(1, identity="")]}, "persons.0.identity_no", "CCCD"),
        ({"persons": [person(1, identity="12345")]}, "persons.0.identity_no", "6 đến 20"),
        ({"persons": [person(1, identity="1234567890")]}, "persons.0.identity_no", "12 chữ số"),
        (
            {"persons": [person(1), person(1)], "people_count": 2},
            "persons.1.identity_no",
            "trùng",
        ),
        ({"persons": []}, "persons.0.full_name", "ít nhất một người"),
        (
            {"persons": [person(1), PersonData(full_name="", identity_no="031090000009")]},
            "persons.1.full_name",
            "họ tên",
        ),
        ({"persons": [person(1), person(2)], "people_count": 1}, "people_count", "ít hơn"),
        ({"outcome": VisitOutcome.refused}, "refusal_ground", "căn cứ"),
        (
            {"outcome": VisitOutcome.refused, "refusal_ground": RefusalGround.other},
            "refusal_detail",
            "lý do",
        ),
        ({"outcome": VisitOutcome.guided}, "outcome_body", "hướng dẫn"),
        ({"outcome": VisitOutcome.transferred}, "outcome_body", "chuyển đơn"),
        ({"content": "  "}, "content", "nội dung"),
        (
            {"persons": [PersonData(full_name="A", identity_no="031090000001", phone="12")]},
            "persons.0.phone",
            "điện thoại",
        ),
    ],
)
def test_visit_rules_refuse_and_write_nothing(db, officer, session, changes, field, fragment):
    before = snapshot_counts(db)
    with pytest.raises(ReceptionError) as excinfo:
        create_visit(officer, session, visit_data(**changes))
    assert fragment in messages(excinfo)[field].lower() or fragment in messages(excinfo)[field]
    assert snapshot_counts(db) == before


def test_refused_visit_needs_no_identity(db, officer, session):
    visit = create_visit(
        officer,
        session,
        visit_data(
            persons=[person(1, identity="")],
            outcome=VisitOutcome.refused,
            refusal_ground=RefusalGround.disorderly,
            outcome_body="ignored",
        ),
    )
    assert visit.refusal_ground == RefusalGround.disorderly
    assert visit.outcome_body == ""  # only guided and transferred keep a body


def test_fields_of_other_outcomes_are_dropped(db, officer, session):
    visit = create_visit(
        officer,
        session,
        visit_data(
            outcome=VisitOutcome.transferred,
            outcome_body="Sở Nông nghiệp và Môi trường",
            outcome_doc_no="15/CV-TCD",
            refusal_ground=RefusalGround.other,
            refusal_detail="x",
        ),
    )
    assert visit.refusal_ground is None and visit.refusal_detail == ""
    assert visit.outcome_doc_no == "15/CV-TCD"


def test_update_visit_replaces_persons_and_bumps_version(db, officer, session):
    visit = create_visit(
        officer, session, visit_data(persons=[person(1), person(2)], people_count=2)
    )
    ids = [p.id for p in visit.persons]
    update_visit(
        officer,
        visit,
        visit_data(persons=[person(3)], people_count=1),
        expected_version=1,
    )
    db.session.flush()
    assert [p.full_name for p in visit.persons] == ["Người dân 3"]
    assert visit.persons[0].id == ids[0]
    assert count(db, VisitPerson) == 1
    assert visit.version == 2
    assert "nguoi dan 3" in visit.search_text and "nguoi dan 2" not in visit.search_text
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.kind == "visit.updated")
    ).one()
    assert event.before["persons"][0]["full_name"] == "Người dân 1"


def test_stale_visit_edit_is_refused_without_overwriting(db, officer, session):
    visit = create_visit(officer, session, visit_data())
    update_visit(officer, visit, visit_data(content="Sửa lần một"), expected_version=1)
    with pytest.raises(StaleEditError, match="người khác sửa"):
        update_visit(officer, visit, visit_data(content="Sửa từ bản cũ"), expected_version=1)
    assert visit.content == "Sửa lần một" and visit.version == 2


def test_denouncer_identity_stays_out_of_the_audit_log(db, officer, session):
    visit = create_visit(
        officer,
        session,
        visit_data(kind=PetitionKind.denunciation, persons=[person(7)]),
    )
    update_visit(
        officer,
        visit,
        visit_data(kind=PetitionKind.denunciation, persons=[person(8)]),
        expected_version=1,
    )
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "visit"))
    text = json.dumps([[e.before, e.after, e.summary] for e in events], ensure_ascii=False)
    for secret in ("Người dân 7", "Người dân 8", "031090000007", "Trần Nguyên Hãn"):
        assert secret not in text
    assert "bảo mật" in text


def test_visit_outside_the_actor_tree_is_refused(db, province):
    other = SessionFactory(unit=province["commune2"])
    commune_officer = factories.UserFactory(unit=province["commune"])
    with pytest.raises(ReceptionError, match="phạm vi"):
        create_visit(commune_officer, other, visit_data())
