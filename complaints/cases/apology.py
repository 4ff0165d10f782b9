"""Apology letters (thư xin lỗi): for each deadline owed to the citizen that was missed, a
letter prepared from the case and the day it was sent."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from complaints.cases.models import ApologyLetter, Case, Deadline
from complaints.cases.operations import CaseError, check_acting
from complaints.core import audit, clock
from complaints.core.translate import gettext as _
from complaints.extensions import db


def missed_deadlines_without_letter(case: Case, today: date) -> list[Deadline]:
    """Deadlines owed to the citizen that were missed and have no apology letter yet."""
    have = set(
        db.session.scalars(
            sa.select(ApologyLetter.deadline_id).where(ApologyLetter.case_id == case.id)
        )
    )
    return [
        d
        for d in case.deadlines
        if d.active and d.towards_citizen and d.is_overdue(today) and d.id not in have
    ]


def prepare_apology(actor, case: Case, deadline: Deadline, today: date) -> ApologyLetter:
    """Prepare the apology letter (thư xin lỗi) for a missed deadline toward the citizen."""
    check_acting(actor, case)
    if deadline.case_id != case.id or not deadline.is_overdue(today):
        raise CaseError(_("Thời hạn này chưa bị trễ, không cần thư xin lỗi."))
    existing = db.session.scalar(
        sa.select(ApologyLetter).where(ApologyLetter.deadline_id == deadline.id)
    )
    if existing:
        return existing
    letter = ApologyLetter(
        case_id=case.id, deadline_id=deadline.id, unit_id=case.unit_id, prepared_on=today
    )
    db.session.add(letter)
    db.session.flush()
    audit.record(
        "apology.prepared",
        letter,
        actor=actor,
        unit_id=case.unit_id,
        after={"deadline": deadline.step, "due": deadline.due},
        summary=f"Chuẩn bị thư xin lỗi {case.case_no}",
    )
    return letter


def mark_apology_sent(actor, letter: ApologyLetter, on: date) -> ApologyLetter:
    check_acting(actor, db.session.get(Case, letter.case_id))
    if letter.sent_on is not None:
        raise CaseError(_("Thư xin lỗi này đã được ghi nhận là đã gửi."))
    clock.not_after_today(on, "on")
    if on < letter.prepared_on:
        raise CaseError(_("Ngày gửi không được trước ngày chuẩn bị thư."), "on")
    letter.sent_on, letter.sent_by_id = on, getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        "apology.sent",
        letter,
        actor=actor,
        unit_id=letter.unit_id,
        after={"sent_on": on},
        summary="Đã gửi thư xin lỗi",
    )
    return letter
