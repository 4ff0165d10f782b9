"""Processing petitions into cases and carrying cases through the workflow, on the real DB."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.cases import apology, merging
from complaints.cases import operations as ops
from complaints.cases.models import CaseEvent, CaseState, Deadline
from complaints.core import audit
from complaints.core.access import Role
from complaints.core.vocab import PetitionKind
from complaints.petitions.models import ProcessingOutcome
from complaints.petitions.processing import ProcessingError, ProcessingInput, process

from . import factories
from .factories_cases import petition as make_petition

D = date


@pytest.fixture()
def handler(db, province):
    return factories.UserFactory(unit=province["province"], roles=[Role.petition_handler])


def accept(handler, p, on=D(2026, 3, 5), **kw):
    return process(
        handler,
        p,
        ProcessingInput(
            eligible=True, competent=True, outcome="accept", on=on, doc_no="01/TB-TTR", **kw
        ),
    )


def active(case, step):
    return [d for d in case.deadlines if d.active and d.step == step]


def test_accepting_a_petition_opens_a_case_with_its_deadlines(db, province, handler):
    p = make_petition(province["province"])
    accept(handler, p)
    case = p.case
    assert case.state == CaseState.accepted
    assert case.case_no == "VV-HP-2026-00001"
    assert case.accepted_on == D(2026, 3, 5)
    resolve = active(case, "resolve")[0]
    # 30 days from 05/03/2026 is Saturday 04/04 -> Monday 06/04 (Civil Code Art 148).
    assert (resolve.due, resolve.days, resolve.day_type) == (D(2026, 4, 6), 30, "calendar")
    assert "Luật Khiếu nại" in resolve.basis and resolve.rule
    assert [e.action for e in case.events] == ["open", "accept"]
    assert p.outcome == ProcessingOutcome.accept


def test_second_petition_joins_the_case_and_counts_once(db, province, handler):
    p1 = make_petition(province["province"])
    accept(handler, p1)
    p2 = make_petition(
        province["province"],
        received=D(2026, 3, 20),
        summary="Tiếp tục khiếu nại quyết định thu hồi đất số 12/QĐ-UBND",
    )
    from complaints.petitions.duplicates import suggest_cases

    suggestions = suggest_cases(p2, handler)
    assert suggestions and suggestions[0].case.id == p1.case_id
    assert "trùng số CCCD/giấy tờ" in suggestions[0].reasons
    accept(handler, p2, on=D(2026, 3, 21), join_case=p1.case)
    assert p2.case_id == p1.case_id
    cases = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(sa.text("case_id"))))
        .select_from(sa.text("petition"))
        .where(sa.text("case_id IS NOT NULL"))
    )
    assert cases == 1


def test_name_without_diacritics_and_swapped_order_is_suggested(db, province, handler):
    p1 = make_petition(province["province"], senders=(("Trần Thị Bình", "Tổ 3 phường Hải An", ""),))
    accept(handler, p1)
    p2 = make_petition(
        province["province"],
        senders=(("Binh Tran Thi", "to 3 phuong Hai An", ""),),
        summary="khieu nai quyet dinh thu hoi dat so 12/QD-UBND cua UBND phuong",
    )
    from complaints.petitions.duplicates import suggest_cases

    assert [s.case.id for s in suggest_cases(p2, handler)] == [p1.case_id]


def test_a_denunciation_is_transferred_only_once_per_content(db, province, handler):
    kw = dict(
        kind=PetitionKind.denunciation, summary="Tố cáo cán bộ địa chính nhận tiền khi cấp sổ đỏ"
    )
    first = make_petition(province["province"], **kw)
    process(
        handler,
        first,
        ProcessingInput(
            eligible=True,
            competent=False,
            outcome="transfer",
            on=D(2026, 3, 4),
            doc_no="05/PC",
            body="Công an TP",
        ),
    )
    again = make_petition(province["province"], received=D(2026, 3, 10), **kw)
    with pytest.raises(ProcessingError, match="chỉ chuyển một lần"):
        process(
            handler,
            again,
            ProcessingInput(
                eligible=True,
                competent=False,
                outcome="transfer",
                on=D(2026, 3, 11),
                doc_no="06/PC",
                body="Công an TP",
            ),
        )
    process(
        handler,
        again,
        ProcessingInput(eligible=True, competent=False, outcome="file", on=D(2026, 3, 11)),
    )


def test_a_sender_is_guided_only_once_per_content(db, province, handler):
    first = make_petition(province["province"], kind=PetitionKind.feedback)
    process(
        handler,
        first,
        ProcessingInput(
            eligible=True,
            competent=False,
            outcome="guide",
            on=D(2026, 3, 4),
            body="Tòa án nhân dân",
        ),
    )
    again = make_petition(province["province"], kind=PetitionKind.feedback, received=D(2026, 4, 1))
    with pytest.raises(ProcessingError, match="chỉ hướng dẫn một lần"):
        process(
            handler,
            again,
            ProcessingInput(
                eligible=True,
                competent=False,
                outcome="guide",
                on=D(2026, 4, 2),
                body="Tòa án nhân dân",
            ),
        )


def test_an_anonymous_complaint_is_filed(db, province, handler):
    p = make_petition(province["province"], anonymous=True, senders=())
    with pytest.raises(ProcessingError, match="nặc danh"):
        accept(handler, p)
    process(
        handler,
        p,
        ProcessingInput(
            eligible=False, competent=True, outcome="file", reasons=("anonymous",), on=D(2026, 3, 3)
        ),
    )
    assert p.outcome == ProcessingOutcome.file and p.case_id is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            dict(
                eligible=False,
                competent=True,
                outcome="accept",
                on=D(2026, 3, 3),
                reasons=("no_signature",),
            ),
            "không đủ điều kiện",
        ),
        (dict(eligible=False, competent=True, outcome="file", on=D(2026, 3, 3)), "lý do"),
        (dict(eligible=True, competent=False, outcome="accept", on=D(2026, 3, 3)), "không thuộc"),
        (dict(eligible=True, competent=False, outcome="transfer", on=D(2026, 3, 3)), "cơ quan"),
        (
            dict(eligible=True, competent=True, outcome="accept", on=D(2026, 3, 1), doc_no="1"),
            "trước ngày nhận đơn",
        ),
        (dict(eligible=True, competent=True, outcome="accept", on=D(2026, 3, 3)), "số văn bản"),
        (dict(eligible=True, competent=True, outcome="bogus", on=D(2026, 3, 3)), "không hợp lệ"),
    ],
)
def test_processing_refusals_write_nothing(db, province, handler, data, message):
    p = make_petition(province["province"])
    seq_before = db.session.scalar(sa.select(sa.func.count()).select_from(audit.AuditEvent))
    with pytest.raises(ProcessingError, match=message):
        process(handler, p, ProcessingInput(**data))
    assert p.outcome is None and p.case_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(audit.AuditEvent)) == seq_before


def _through_verification(handler, kind=PetitionKind.complaint, **kw):
    p = make_petition(kw.pop("unit"), kind=kind, **kw)
    accept(handler, p)
    case = p.case
    ops.perform(handler, case, "start_verification", ops.StepInput(on=D(2026, 3, 6)))
    return case


def test_complaint_round_one_to_enforcement(db, province, handler):
    case = _through_verification(handler, unit=province["province"])
    ops.perform(handler, case, "hold_dialogue", ops.StepInput(on=D(2026, 3, 20), note="Biên bản"))
    ops.perform(
        handler,
        case,
        "decide",
        ops.StepInput(
            on=D(2026, 4, 2),
            doc_no="15/QĐ-UBND",
            outcome="partly_upheld",
            money_to_return="120.000.000",
            land_to_return_m2="35,5",
        ),
    )
    assert case.money_to_return == 120_000_000 and float(case.land_to_return_m2) == 35.5
    assert active(case, "resolve")[0].met_on == D(2026, 4, 2)
    send = active(case, "send_decision")[0]
    assert (send.due, send.day_type) == (D(2026, 4, 7), "working")
    # The case's next duty is now sending the decision (the lists order and filter on it).
    assert case.next_due == D(2026, 4, 7)
    ops.perform(handler, case, "send", ops.StepInput(on=D(2026, 4, 6)))
    assert active(case, "lodge_round2")[0].due == D(2026, 5, 6)
    # The 30 days to lodge a second complaint run for the citizen: the unit owes nothing.
    assert case.next_due is None
    ops.perform(handler, case, "make_final", ops.StepInput(on=D(2026, 5, 7)))
    ops.perform(handler, case, "enforce", ops.StepInput(on=D(2026, 6, 1), money_recovered="0"))
    assert case.state == CaseState.enforced and not case.is_open
    assert audit.verify().ok


@pytest.mark.parametrize(
    ("action", "step", "message"),
    [
        ("decide", dict(on=D(2026, 4, 1), doc_no="1/QĐ"), "Chọn kết quả"),
        ("decide", dict(on=D(2026, 3, 4), doc_no="1/QĐ", outcome="upheld"), "trước ngày thụ lý"),
        ("decide", dict(on=D(2026, 4, 1), outcome="upheld"), "số văn bản"),
        ("send", dict(on=D(2026, 4, 1)), "Không thể"),
        ("answer", dict(on=D(2026, 4, 1), note="x"), "không áp dụng"),
        (
            "decide",
            dict(on=D(2026, 4, 1), doc_no="1", outcome="upheld", money_to_return="abc"),
            "phải là một số",
        ),
    ],
)
def test_illegal_or_incomplete_steps_are_refused(db, province, handler, action, step, message):
    case = _through_verification(handler, unit=province["province"])
    events = len(case.events)
    with pytest.raises(ops.CaseError, match=message):
        ops.perform(handler, case, action, ops.StepInput(**step))
    assert len(case.events) == events


def test_round_two_requires_a_dialogue(db, province, handler):
    case = _through_verification(handler, unit=province["province"])
    ops.perform(
        handler, case, "decide", ops.StepInput(on=D(2026, 4, 1), doc_no="1", outcome="rejected")
    )
    ops.perform(handler, case, "send", ops.StepInput(on=D(2026, 4, 2)))
    ops.perform(
        handler, case, "appeal", ops.StepInput(on=D(2026, 4, 20), round2_unit=province["province"])
    )
    round2 = db.session.scalar(sa.select(type(case)).where(type(case).parent_case_id == case.id))
    assert round2.round == 2 and case.state == CaseState.appealed
    ops.perform(handler, round2, "accept", ops.StepInput(on=D(2026, 4, 22), doc_no="2/TB"))
    assert active(round2, "resolve")[0].days == 45
    ops.perform(handler, round2, "start_verification", ops.StepInput(on=D(2026, 4, 23)))
    with pytest.raises(ops.CaseError, match="đối thoại"):
        ops.perform(
            handler,
            round2,
            "decide",
            ops.StepInput(on=D(2026, 5, 20), doc_no="3", outcome="rejected"),
        )
    ops.perform(
        handler, round2, "hold_dialogue", ops.StepInput(on=D(2026, 5, 15), note="Đối thoại")
    )
    ops.perform(
        handler, round2, "decide", ops.StepInput(on=D(2026, 5, 20), doc_no="3", outcome="rejected")
    )
    sending = active(round2, "send_decision")[0]
    # LKN Art 40: the round-2 decision is sent within 7 working days (20/5 → 29/5/2026).
    assert (sending.days, sending.day_type, sending.due) == (7, "working", D(2026, 5, 29))
    assert "Điều 40" in sending.basis
    ops.perform(handler, round2, "send", ops.StepInput(on=D(2026, 5, 22)))
    assert round2.state == CaseState.sent


def test_partial_then_repeated_withdrawal_and_termination(db, province, handler):
    case = _through_verification(handler, unit=province["province"])
    ops.perform(
        handler,
        case,
        "withdraw_partial",
        ops.StepInput(on=D(2026, 3, 10), contents="Yêu cầu bồi thường cây trồng"),
    )
    with pytest.raises(ops.CaseError, match="đã được rút"):
        ops.perform(
            handler,
            case,
            "withdraw_partial",
            ops.StepInput(on=D(2026, 3, 11), contents="yeu cau boi thuong cay trong"),
        )
    ops.perform(
        handler,
        case,
        "terminate",
        ops.StepInput(on=D(2026, 3, 12), doc_no="9/QĐ", reason="withdrawn"),
    )
    with pytest.raises(ops.CaseError, match="Không thể"):
        ops.perform(
            handler,
            case,
            "terminate",
            ops.StepInput(on=D(2026, 3, 13), doc_no="10/QĐ", reason="withdrawn"),
        )


def test_suspension_stops_the_clock_before_july_2026(db, province, handler):
    case = _through_verification(handler, unit=province["province"])
    assert active(case, "resolve")[0].due == D(2026, 4, 6)
    ops.perform(handler, case, "suspend", ops.StepInput(on=D(2026, 3, 10), doc_no="3/QĐ"))
    ops.perform(handler, case, "resume", ops.StepInput(on=D(2026, 3, 20), doc_no="4/QĐ"))
    assert case.state == CaseState.verifying and case.suspended_days == 10
    # 30 + 10 days from 05/03 = 14/04/2026 (Tuesday).
    assert active(case, "resolve")[0].due == D(2026, 4, 14)


def test_resumption_from_july_2026_restarts_the_period(db, province, handler):
    p = make_petition(province["province"], received=D(2026, 6, 1))
    accept(handler, p, on=D(2026, 6, 5))
    case = p.case
    ops.perform(handler, case, "suspend", ops.StepInput(on=D(2026, 6, 20), doc_no="3/QĐ"))
    ops.perform(handler, case, "resume", ops.StepInput(on=D(2026, 7, 6), doc_no="4/QĐ"))
    assert active(case, "resolve")[0].due == D(2026, 8, 5)


def test_denunciation_extensions_follow_complexity(db, province, handler):
    case = _through_verification(
        handler,
        kind=PetitionKind.denunciation,
        unit=province["province"],
        summary="Tố cáo chủ tịch xã chiếm dụng quỹ",
    )
    with pytest.raises(ops.CaseError, match="gia hạn"):
        ops.perform(handler, case, "extend", ops.StepInput(on=D(2026, 3, 30), doc_no="5/QĐ"))
    with pytest.raises(ops.CaseError, match="hai tiêu chí"):
        ops.set_flags(
            handler,
            case,
            complexity="especially_complex",
            criteria=["many_people"],
            remote_area=False,
            on=D(2026, 3, 20),
        )
    ops.set_flags(
        handler,
        case,
        complexity="complex",
        criteria=["several_places"],
        remote_area=False,
        on=D(2026, 3, 20),
    )
    ops.perform(handler, case, "extend", ops.StepInput(on=D(2026, 3, 30), doc_no="5/QĐ"))
    assert active(case, "resolve")[0].days == 60
    with pytest.raises(ops.CaseError, match="gia hạn"):
        ops.perform(handler, case, "extend", ops.StepInput(on=D(2026, 4, 30), doc_no="6/QĐ"))


def test_complexity_and_remote_area_move_the_complaint_deadline(db, province, handler):
    case = _through_verification(handler, unit=province["province"])
    ops.set_flags(
        handler,
        case,
        complexity="complex",
        criteria=["several_contents"],
        remote_area=True,
        on=D(2026, 3, 7),
    )
    resolve = active(case, "resolve")
    assert len(resolve) == 1 and resolve[0].days == 60
    retired = db.session.scalars(
        sa.select(Deadline).where(
            Deadline.case_id == case.id, Deadline.step == "resolve", Deadline.active.is_(False)
        )
    ).all()
    assert [d.days for d in retired] == [30]


def test_stale_version_is_refused(db, province, handler):
    case = _through_verification(handler, unit=province["province"])
    with pytest.raises(ops.CaseError, match="người khác"):
        ops.perform(
            handler,
            case,
            "hold_dialogue",
            ops.StepInput(on=D(2026, 3, 9), note="x"),
            expected_version=case.version - 1,
        )


def test_merge_and_split_keep_history(db, province, handler):
    a = make_petition(
        province["province"],
        senders=(("Lê Văn Cường", "Hải An", "031000000001"),),
        summary="Khiếu nại về bồi thường giải phóng mặt bằng dự án đường 5",
    )
    b = make_petition(
        province["province"],
        senders=(("Phạm Thị Dung", "Lê Chân", "031000000002"),),
        summary="Khiếu nại về giá đất tái định cư",
    )
    accept(handler, a)
    accept(handler, b)
    source = b.case
    assert source.next_due == D(2026, 4, 6)  # its resolution deadline
    merging.merge(handler, a.case, [b.case], D(2026, 3, 10))
    target = a.case
    assert source.next_due is None and target.next_due == D(2026, 4, 6)
    assert b.case_id == target.id
    assert {e.action for e in target.events} >= {"merge_in"}
    new = merging.split(handler, target, [b], D(2026, 3, 12), "Giá đất tái định cư")
    assert b.case_id == new.id and new.state == CaseState.accepted
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.action.in_(["split_out", "split_in"]))
        )
        == 2
    )


def test_missed_deadline_prepares_an_apology_letter(db, province, handler):
    case = _through_verification(handler, unit=province["province"])
    assert apology.missed_deadlines_without_letter(case, D(2026, 4, 6)) == []
    missed = apology.missed_deadlines_without_letter(case, D(2026, 4, 7))
    assert [d.step for d in missed] == ["resolve"]
    letter = apology.prepare_apology(handler, case, missed[0], D(2026, 4, 7))
    assert apology.missed_deadlines_without_letter(case, D(2026, 4, 8)) == []
    apology.mark_apology_sent(handler, letter, D(2026, 4, 9))
    with pytest.raises(ops.CaseError, match="đã gửi"):
        apology.mark_apology_sent(handler, letter, D(2026, 4, 10))
