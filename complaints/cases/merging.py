"""One matter, one case: merging cases on the same matter, and splitting out the petitions
that are about another (TT 07/2014: petitions on one matter form one case)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from complaints.cases import deadlines as case_deadlines
from complaints.cases.models import Case, CaseState
from complaints.cases.operations import (
    CaseError,
    case_petitions,
    case_snapshot,
    check_acting,
    check_version,
    open_case,
    record_event,
    refresh_search_text,
)
from complaints.core import audit, clock
from complaints.core.translate import gettext as _
from complaints.extensions import db


def merge(actor, target: Case, sources: list[Case], on: date, *, expected_version=None) -> Case:
    """Merge cases on one matter: petitions and history move to the target."""
    from complaints.petitions.models import Petition

    check_version(target, expected_version)
    clock.not_after_today(on, "on")
    for c in (target, *sources):
        check_acting(actor, c)
    for src in sources:
        if src.id == target.id:
            raise CaseError(_("Không thể gộp vụ việc vào chính nó."))
        if src.kind != target.kind or src.unit_id != target.unit_id:
            raise CaseError(
                _(
                    "Vụ việc %(case_no)s khác loại hoặc khác đơn vị, không gộp được.",
                    case_no=src.case_no,
                )
            )
        if src.state == CaseState.merged:
            raise CaseError(_("Vụ việc %(case_no)s đã được gộp trước đó.", case_no=src.case_no))
    for src in sources:
        before = case_snapshot(src)
        db.session.execute(
            sa.update(Petition).where(Petition.case_id == src.id).values(case_id=target.id)
        )
        from_state = src.state
        src.state, src.merged_into_id, src.closed_on = CaseState.merged, target.id, on
        for d in src.deadlines:
            d.active = False
        src.next_due = None
        record_event(
            src,
            actor,
            "merge_out",
            None,
            from_state,
            CaseState.merged,
            on=on,
            note=f"Gộp vào vụ việc {target.case_no}",
            target=target.case_no,
        )
        record_event(
            target,
            actor,
            "merge_in",
            None,
            None,
            None,
            on=on,
            note=f"Gộp vụ việc {src.case_no} (trạng thái {from_state.label})",
            source=src.case_no,
        )
        db.session.flush()
        b, a = audit.diff(before, case_snapshot(src))
        audit.record(
            "case.merged",
            src,
            actor=actor,
            before=b,
            after=a,
            summary=f"Gộp {src.case_no} vào {target.case_no}",
        )
    refresh_search_text(target)
    db.session.flush()
    return target


def split(
    actor, case: Case, petitions: list, on: date, title: str, *, expected_version=None
) -> Case:
    """Split petitions on another matter out of a case into a new case (same stage)."""
    check_acting(actor, case)
    check_version(case, expected_version)
    clock.not_after_today(on, "on")
    if not petitions:
        raise CaseError(_("Chọn ít nhất một đơn để tách."), "petition_ids")
    remaining = [p for p in case_petitions(case) if p not in petitions]
    if not remaining:
        raise CaseError(_("Phải để lại ít nhất một đơn trong vụ việc gốc."), "petition_ids")
    if any(p.case_id != case.id for p in petitions):
        raise CaseError(_("Chỉ tách được các đơn thuộc vụ việc này."), "petition_ids")
    new = open_case(
        actor,
        unit=case.unit,
        kind=case.kind,
        field=case.field,
        title=title,
        received_on=min(p.received_date for p in petitions),
        round=case.round,
        received_unit=case.received_unit,
        authority_ground=case.authority_ground,
    )
    for attr in (
        "accepted_on",
        "accept_doc_no",
        "complexity",
        "complexity_criteria",
        "remote_area",
        "assigned_unit_id",
        "assignee_id",
    ):
        setattr(new, attr, getattr(case, attr))
    if case.state not in (CaseState.received, CaseState.suspended) and case.is_open:
        new.state = case.state if case.state != CaseState.dialogue else CaseState.verifying
    for p in petitions:
        p.case_id = new.id
    numbers = ", ".join(p.register_no for p in petitions)
    record_event(
        case,
        actor,
        "split_out",
        None,
        None,
        None,
        on=on,
        note=f"Tách đơn {numbers} sang vụ việc {new.case_no}",
        target=new.case_no,
    )
    record_event(
        new,
        actor,
        "split_in",
        None,
        None,
        None,
        on=on,
        note=f"Tách từ vụ việc {case.case_no}: đơn {numbers}",
        source=case.case_no,
    )
    db.session.flush()
    case_deadlines.recompute_case(new)
    refresh_search_text(case)
    refresh_search_text(new)
    audit.record(
        "case.split",
        case,
        actor=actor,
        after={"new_case": new.case_no, "petitions": [p.register_no for p in petitions]},
        summary=f"Tách {numbers} từ {case.case_no} sang {new.case_no}",
    )
    return new
