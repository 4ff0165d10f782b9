"""The seed's Hải Phòng nine months of 2019, rebuilt as records: the app must print the
published sentence with exactly its numbers (DOMAIN.md §9, worked example)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from complaints.cases.models import Case, CaseState, Outcome
from complaints.core.vocab import Field, PetitionKind
from complaints.petitions.models import Petition, PetitionSource, PetitionStatus, ProcessingOutcome
from complaints.reception.models import (
    HostMode,
    Medium,
    ReceptionSession,
    SessionKind,
    SessionStatus,
    Visit,
)
from complaints.reports import service
from complaints.reports.periods import standard_period
from complaints.units.models import UnitLevel

from . import factories
from .publications import CASE_BLANKS, VISIT_BLANKS

START = date(2018, 12, 15)  # 9 months of 2019 under TT 01/2024 cut-offs: 15/12/2018 - 14/9/2019
EXPECTED = (
    "9 tháng năm 2019, toàn thành phố đã tiếp 5.873 lượt với 10.626 người khiếu nại, tố cáo, "
    "kiến nghị, phản ánh; nhận và xử lý 7.698 đơn thư các loại; số vụ việc khiếu nại, tố cáo "
    "thuộc thẩm quyền UBND thành phố Hải Phòng là 364 đơn, 272 vụ việc, đã giải quyết 240 vụ "
    "việc, đạt tỷ lệ 88,24%, còn 32 vụ việc đang giải quyết."
)


def _day(i: int) -> date:
    return START + timedelta(days=i % 270)  # every day of the period (274 days)


def build_haiphong(db):
    hp = factories.UnitFactory(code="HP", name="UBND thành phố Hải Phòng", level=UnitLevel.province)
    subunits = [
        factories.UnitFactory(code=c, name=n, level=UnitLevel.district, parent=hp)
        for c, n in (
            ("HPLC", "UBND quận Lê Chân"),
            ("HPNQ", "UBND quận Ngô Quyền"),
            ("HPTN", "UBND huyện Thủy Nguyên"),
        )
    ]
    units = [hp, *subunits]
    s = db.session
    # Reception: one held session per unit and month, visits spread over them.
    sessions = []
    for u in units:
        for m in range(9):
            day = START + timedelta(days=30 * m + 3)
            sessions.append(
                dict(
                    unit_id=u.id,
                    kind=SessionKind.periodic if m % 2 else SessionKind.regular,
                    session_date=day,
                    place="Trụ sở",
                    host_mode=HostMode.in_person if m % 2 else None,
                    host_name="Lãnh đạo",
                    host_title="",
                    medium=Medium.onsite,
                    status=SessionStatus.held,
                    status_reason="",
                    conclusion="",
                    version=1,
                )
            )
    s.execute(sa.insert(ReceptionSession), sessions)
    session_rows = s.execute(
        sa.select(ReceptionSession.id, ReceptionSession.unit_id, ReceptionSession.session_date)
    ).all()
    # 5.873 visits, 10.626 people: 353 delegations of 14, 164 pairs, the rest alone.
    visits = []
    for i in range(5873):
        sid, uid, sdate = session_rows[i % len(session_rows)]
        people = 14 if i < 353 else (2 if i < 353 + 164 else 1)
        visits.append(
            dict(
                session_id=sid,
                unit_id=uid,
                visit_date=sdate,
                kind=PetitionKind.complaint,
                content="Khiếu nại",
                people_count=people,
                is_delegation=people >= 5,
                is_repeat=i % 7 == 0,
                **VISIT_BLANKS,
            )
        )
    s.execute(sa.insert(Visit), visits)
    # A visit outside the period must not count.
    s.execute(sa.insert(Visit), [{**visits[0], "visit_date": date(2019, 9, 15)}])

    # Cases of the city's own competence: 72 carried over, 200 new; 240 resolved.
    case_rows = []
    for i in range(272):
        carried = i < 72
        accepted = date(2018, 11, 20) if carried else _day(i)
        resolved = (i < 60) or (72 <= i < 72 + 180)
        decided = min(accepted + timedelta(days=25), date(2019, 9, 14)) if resolved else None
        if decided and decided < START:
            decided = START + timedelta(days=i)
        n = i + 1
        case_rows.append(
            dict(
                unit_id=hp.id,
                case_no=f"VV-HP-{n:05d}",
                kind=PetitionKind.denunciation if i % 4 == 0 else PetitionKind.complaint,
                round=1,
                field=Field.land,
                title="Vụ việc",
                summary="",
                state=CaseState.decided if resolved else CaseState.verifying,
                received_on=accepted - timedelta(days=5),
                accepted_on=accepted,
                accept_doc_no="TB",
                complexity="normal",
                complexity_criteria=[],
                remote_area=False,
                extensions=0,
                suspended_days=0,
                outcome=Outcome.rejected if resolved else None,
                decided_on=decided,
                decision_no="QĐ" if resolved else "",
                **CASE_BLANKS,
            )
        )
    # Noise that must not count: a feedback case, a case of a district, a case finished
    # before the period, and a case merged into another.
    noise = [
        {**case_rows[100], "case_no": "NOISE-1", "kind": PetitionKind.feedback},
        {**case_rows[100], "case_no": "NOISE-2", "unit_id": subunits[0].id},
        {**case_rows[0], "case_no": "NOISE-3", "decided_on": date(2018, 12, 1)},
        {**case_rows[150], "case_no": "NOISE-4", "state": CaseState.merged},
    ]
    s.execute(sa.insert(Case), case_rows + noise)
    cases = s.execute(
        sa.select(Case.id, Case.accepted_on)
        .where(Case.unit_id == hp.id, Case.case_no.like("VV-HP-%"))
        .order_by(Case.id)
    ).all()

    petitions, seq = [], 0

    def petition(unit_id, received, *, outcome_date=None, case_id=None, eligible=None):
        nonlocal seq
        seq += 1
        petitions.append(
            dict(
                unit_id=unit_id,
                register_year=received.year,
                register_seq=seq,
                register_no=f"P-{seq:06d}",
                received_date=received,
                source=PetitionSource.post,
                source_body="",
                source_doc_no="",
                kind=PetitionKind.complaint,
                field=Field.land,
                summary="Đơn",
                signatory_count=1,
                anonymous=False,
                status=PetitionStatus.processed if outcome_date else PetitionStatus.registered,
                search_text="",
                version=1,
                eligible=eligible,
                ineligible_reasons=[],
                competent=True if case_id else None,
                outcome=ProcessingOutcome.accept if case_id else None,
                outcome_body="",
                outcome_doc_no="",
                outcome_date=outcome_date,
                processing_note="",
                case_id=case_id,
            )
        )

    # 364 petitions formed the 272 cases: 92 for the carried-over ones (processed before the
    # period, so outside its petition count), 272 for the new ones.
    for idx, (cid, accepted) in enumerate(cases):
        copies = (1 + (idx < 20)) if idx < 72 else (1 + (idx < 72 + 72))
        for _ in range(copies):
            received = accepted - timedelta(days=5)
            petition(
                hp.id,
                max(received, START) if idx >= 72 else received,
                outcome_date=accepted,
                case_id=cid,
                eligible=True,
            )
    assert len(petitions) == 364
    # The rest of the 7.698 petitions of the whole city: 100 carried over unprocessed, the
    # others received in the period; plus one processed before the period (not counted).
    for i in range(100):
        petition(units[i % 4].id, date(2018, 12, 1))
    for i in range(7698 - 272 - 100):
        petition(
            units[i % 4].id,
            _day(i),
            outcome_date=_day(i) if i % 3 else None,
            eligible=True if i % 3 else None,
        )
    petition(hp.id, date(2018, 11, 1), outcome_date=date(2018, 11, 2))
    s.execute(sa.insert(Petition), petitions)
    s.flush()
    return hp


def test_the_seed_sentence_exactly(db):
    hp = build_haiphong(db)
    period = standard_period("9m", 2019)
    assert (period.start, period.end) == (START, date(2019, 9, 14))
    report = service.build("summary", hp, period)
    assert report.headline == EXPECTED
    figures = report.figures()
    assert figures["competent.resolution_rate"] == "88.24"
    assert (figures["reception.visits"], figures["reception.people"]) == (5873, 10626)


def test_kqgq_rows_add_up_and_identities_hold(db):
    hp = build_haiphong(db)
    period = standard_period("9m", 2019)
    kq = service.build("01-KQGQ", hp, period, with_subunits=True)
    td = service.build("03-KQGQ", hp, period, with_subunits=True)
    assert kq.total.values["competent.cases"] + td.total.values["competent.cases"] == 272 + 1
    assert (
        kq.total.values["competent.cases_carried_over"]
        + td.total.values["competent.cases_carried_over"]
        == 72
    )
    assert not kq.failing_checks and not td.failing_checks
    tcd = service.build("01-TCD", hp, period, with_subunits=True)
    assert tcd.total.values["reception.visits"] == 5873
    assert sum(r.values["reception.visits"] for r in tcd.rows) == 5873
    assert tcd.total.values["reception.delegations"] == 353
    assert (
        tcd.total.values["reception.regular.visits"] + tcd.total.values["reception.leader.visits"]
        == 5873
    )
