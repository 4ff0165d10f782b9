"""Processing a registered petition (xử lý đơn): classify it, then accept, transfer, guide,
return, file or urge, under the rules of TT 07/2014 and the Law on Denunciations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from complaints.cases import operations as case_ops
from complaints.cases.deadlines import petition_deadline
from complaints.cases.models import Case, Deadline
from complaints.core import audit, clock
from complaints.core.access import has_permission, unit_in_scope
from complaints.core.errors import OperationError
from complaints.core.numbers import fmt_date
from complaints.core.text import shorten
from complaints.core.translate import gettext as _
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.petitions import transfers
from complaints.petitions.duplicates import similar_petitions
from complaints.petitions.models import (
    IneligibleReason,
    Petition,
    PetitionStatus,
    ProcessingOutcome,
)
from complaints.units import roles
from complaints.units.models import Unit

PROCESS_FIELDS = (
    "status",
    "eligible",
    "ineligible_reasons",
    "competent",
    "outcome",
    "outcome_body",
    "outcome_doc_no",
    "outcome_date",
    "processing_note",
    "case_id",
    "transfer_unit_id",
)
# Outcomes that send the matter to another body: its name is required.
NEEDS_BODY = frozenset(
    {
        ProcessingOutcome.transfer,
        ProcessingOutcome.guide,
        ProcessingOutcome.return_,
        ProcessingOutcome.urge,
    }
)
# Outcomes that only a competent unit can take; the others belong to a non-competent one.
COMPETENT_ONLY = frozenset({ProcessingOutcome.accept})
NOT_COMPETENT_OUTCOMES = frozenset(
    {ProcessingOutcome.transfer, ProcessingOutcome.guide, ProcessingOutcome.urge}
)


class ProcessingError(OperationError):
    """A processing step the rules refuse; `field` names the form field it belongs beside."""


@dataclass
class ProcessingInput:
    eligible: bool
    competent: bool
    outcome: str
    on: date
    reasons: tuple[str, ...] = ()
    doc_no: str = ""
    body: str = ""
    note: str = ""
    join_case: Case | None = None
    case_title: str = ""
    # The competent authority of a new case (None: the receiving unit's default) and why
    # another than the default (units/roles.py).
    authority: Unit | None = None
    authority_ground: str = ""
    # A transfer or urging to a unit of the same tree (petitions/transfers.py): the petition
    # lands in its register; `answer_due`: the result awaited by (None: the default).
    target: Unit | None = None
    answer_due: date | None = None


def allowed_outcomes(petition: Petition, eligible: bool | None, competent: bool | None):
    """The outcomes the classification leaves open, in the order a handler considers them."""
    if petition.anonymous and petition.kind != PetitionKind.denunciation:
        return [ProcessingOutcome.file]  # an anonymous complaint or feedback is filed
    if eligible is False:
        return [ProcessingOutcome.guide, ProcessingOutcome.return_, ProcessingOutcome.file]
    if competent:
        return [ProcessingOutcome.accept, ProcessingOutcome.file, ProcessingOutcome.return_]
    return [
        ProcessingOutcome.transfer,
        ProcessingOutcome.guide,
        ProcessingOutcome.urge,
        ProcessingOutcome.return_,
        ProcessingOutcome.file,
    ]


def _once_per_content(petition: Petition, outcome: ProcessingOutcome, actor) -> None:
    """A denunciation is transferred once per content; a sender is guided once per content."""
    if outcome == ProcessingOutcome.transfer and petition.kind != PetitionKind.denunciation:
        return
    if outcome not in (ProcessingOutcome.transfer, ProcessingOutcome.guide):
        return
    for match in similar_petitions(petition, None):
        earlier = match.petition
        if earlier.outcome == outcome and match.score >= 60:
            verb = _("chuyển") if outcome == ProcessingOutcome.transfer else _("hướng dẫn")
            when = (
                _(" ngày %(day)s", day=fmt_date(earlier.outcome_date))
                if earlier.outcome_date
                else ""
            )
            raise ProcessingError(
                _(
                    "Nội dung này đã được %(verb)s theo đơn %(register_no)s%(when)s (%(reasons)s). "
                    "Theo quy định chỉ %(verb)s một lần; đơn trùng nội dung được lưu.",
                    verb=verb,
                    register_no=earlier.register_no,
                    when=when,
                    reasons=", ".join(match.reasons),
                ),
                "outcome",
            )


def cannot_process(actor, petition: Petition) -> str:
    """Why the actor may not process the petition (Petition.can_process said no)."""
    if not has_permission(actor, "petition.process"):
        return _("Bạn không có quyền xử lý đơn.")
    if petition.unit.processor is petition.unit:
        return _("Đơn của %(unit)s, ngoài phạm vi đơn vị của bạn.", unit=petition.unit.name)
    return _(
        "Đơn tiếp nhận tại %(unit)s do %(processor)s xử lý; đơn vị bạn theo dõi kết quả.",
        unit=petition.unit.name,
        processor=petition.unit.processor.name,
    )


def process(actor, petition: Petition, data: ProcessingInput, *, expected_version=None) -> Petition:
    """Record the classification and outcome of a petition; accepting opens or joins a case."""
    if expected_version is not None and int(expected_version) != petition.version:
        raise ProcessingError(
            _("Đơn vừa được người khác cập nhật. Hãy tải lại trang để xem thay đổi rồi làm lại."),
            "version",
        )
    if actor is not None and not petition.can_process(actor):
        raise ProcessingError(cannot_process(actor, petition), "outcome")
    if petition.status == PetitionStatus.processed:
        raise ProcessingError(
            _("Đơn đã được xử lý (%(label)s); không xử lý lại.", label=petition.outcome.label),
            "outcome",
        )
    try:
        outcome = ProcessingOutcome(data.outcome)
        reasons = sorted({IneligibleReason(r).value for r in data.reasons})
    except ValueError:
        raise ProcessingError(_("Hướng xử lý hoặc lý do không hợp lệ."), "outcome") from None
    if data.on is None:
        raise ProcessingError(_("Nhập ngày xử lý."), "on")
    clock.not_after_today(data.on, "on")
    if data.on < petition.received_date:
        raise ProcessingError(
            _(
                "Ngày xử lý không được trước ngày nhận đơn (%(day)s).",
                day=fmt_date(petition.received_date),
            ),
            "on",
        )
    if not data.eligible and not reasons:
        raise ProcessingError(_("Đơn không đủ điều kiện: chọn ít nhất một lý do."), "reasons")
    allowed = allowed_outcomes(petition, data.eligible, data.competent)
    if outcome not in allowed:
        if petition.anonymous and petition.kind != PetitionKind.denunciation:
            why = _("Đơn khiếu nại, kiến nghị nặc danh được lưu, không xử lý.")
        elif not data.eligible:
            why = _("Đơn không đủ điều kiện xử lý không thể thụ lý hoặc chuyển.")
        elif data.competent:
            why = _("Đơn thuộc thẩm quyền: thụ lý, trả lại hoặc lưu đơn.")
        else:
            why = _("Đơn không thuộc thẩm quyền không thể thụ lý: chuyển, hướng dẫn hoặc đôn đốc.")
        raise ProcessingError(why, "outcome")
    if data.target is not None:
        if outcome not in transfers.HAND_OFF:
            raise ProcessingError(
                _("Chỉ chuyển đơn hoặc đôn đốc mới chọn đơn vị nhận trong hệ thống."), "target_id"
            )
        transfers.check_target(petition, data.target)
        if not data.doc_no:
            raise ProcessingError(_("Nhập số văn bản, phiếu chuyển đơn."), "doc_no")
        if data.answer_due is not None and data.answer_due <= data.on:
            raise ProcessingError(
                _("Hạn báo cáo kết quả phải sau ngày chuyển (%(day)s).", day=fmt_date(data.on)),
                "answer_due",
            )
        data.body = data.target.name  # the free text is for bodies outside the tree
    if outcome in NEEDS_BODY and not data.body:
        raise ProcessingError(
            _("Nhập tên cơ quan, đơn vị nhận (chuyển, hướng dẫn, đôn đốc)."), "body"
        )
    if outcome in (ProcessingOutcome.accept, ProcessingOutcome.transfer) and not data.doc_no:
        raise ProcessingError(_("Nhập số văn bản (thông báo thụ lý, phiếu chuyển)."), "doc_no")
    _once_per_content(petition, outcome, actor)
    # The processing deadline exists before it is met (a petition registered by an import or
    # before deadlines were kept may have none yet).
    if not db.session.scalar(
        sa.select(Deadline.id).where(Deadline.petition_id == petition.id).limit(1)
    ):
        petition_deadline(petition)

    if outcome == ProcessingOutcome.accept and data.join_case is None:
        # checked before anything changes: a refused authority leaves the petition as it was
        roles.check_authority(
            petition.unit, data.authority or petition.unit.authority, data.authority_ground
        )
    before = audit.snapshot(petition, PROCESS_FIELDS)
    petition.eligible, petition.ineligible_reasons = data.eligible, reasons
    petition.competent = data.competent
    petition.outcome, petition.outcome_body = outcome, data.body
    petition.outcome_doc_no, petition.outcome_date = data.doc_no, data.on
    petition.processing_note, petition.processed_by_id = data.note, getattr(actor, "id", None)
    petition.status = PetitionStatus.processed

    if outcome == ProcessingOutcome.accept:
        _accept(actor, petition, data)
    for d in db.session.scalars(sa.select(Deadline).where(Deadline.petition_id == petition.id)):
        if d.active and d.met_on is None:
            d.met_on = data.on
    db.session.flush()
    if data.target is not None:
        transfers.send(
            actor, petition, data.target, on=data.on, doc_no=data.doc_no, answer_due=data.answer_due
        )
    b, a = audit.diff(before, audit.snapshot(petition, PROCESS_FIELDS))
    audit.record(
        "petition.processed",
        petition,
        actor=actor,
        before=b,
        after=a,
        summary=f"Xử lý đơn {petition.register_no}: {outcome.label}",
    )
    return petition


def _accept(actor, petition: Petition, data: ProcessingInput) -> None:
    case = data.join_case
    if case is not None:
        if case.kind != petition.kind:
            raise ProcessingError(_("Vụ việc được chọn khác loại với đơn."), "join_case")
        if not case.is_open:
            raise ProcessingError(
                _(
                    "Vụ việc %(case_no)s đã kết thúc; mở vụ việc mới hoặc lưu đơn.",
                    case_no=case.case_no,
                ),
                "join_case",
            )
        petition.case_id = case.id
        case_ops.record_event(
            case,
            actor,
            "petition_joined",
            None,
            None,
            None,
            on=data.on,
            note=f"Nhập đơn {petition.register_no} vào vụ việc",
        )
        db.session.flush()
        case_ops.refresh_search_text(case)
        return
    title = data.case_title or shorten(petition.summary.split("\n")[0], 200)
    authority = data.authority or petition.unit.authority
    case = case_ops.open_case(
        actor,
        unit=authority,
        received_unit=petition.unit,
        authority_ground=data.authority_ground.strip()
        if authority != petition.unit.authority
        else "",
        kind=petition.kind,
        field=petition.field,
        title=title,
        received_on=petition.received_date,
        summary=petition.summary,
    )
    petition.case_id = case.id
    if actor is not None and not unit_in_scope(actor, authority):
        # The advisory unit that processed it (the Thanh tra for the chairman) keeps working
        # on the case it opened: assigned to it until the authority's leader assigns otherwise.
        case.assigned_unit_id = petition.unit.processor.id
    db.session.flush()
    case_ops.perform(
        actor,
        case,
        "accept",
        case_ops.StepInput(
            on=data.on, doc_no=data.doc_no, doc_type="Thông báo thụ lý", note=data.note
        ),
    )
    case_ops.refresh_search_text(case)


@dataclass
class RecordedProcessing:
    """How an old register says a petition was processed."""

    eligible: bool | None
    reasons: list[str]
    competent: bool | None
    outcome: ProcessingOutcome
    body: str
    doc_no: str
    on: date
    note: str


def record_processed(actor_id: int | None, petition: Petition, facts: RecordedProcessing) -> None:
    """A petition processed before the app (an old register brought in): its classification
    and outcome as the register records them. The register is the record: the rules a
    processing today checks were the body's then (the import checks each row's own)."""
    for name, value in processed_values(actor_id, facts).items():
        setattr(petition, name, value)


def processed_values(actor_id: int | None, facts: RecordedProcessing) -> dict:
    """The petition's column values record_processed sets (for a writer of many petitions
    that inserts them itself: the register import's batch)."""
    return {
        "eligible": facts.eligible,
        "ineligible_reasons": facts.reasons,
        "competent": facts.competent,
        "outcome": facts.outcome,
        "outcome_body": facts.body,
        "outcome_doc_no": facts.doc_no,
        "outcome_date": facts.on,
        "processing_note": facts.note,
        "processed_by_id": actor_id,
        "status": PetitionStatus.processed,
    }


def join_case(petition: Petition, case: Case) -> None:
    """The petition belongs to this case (one matter), its public search text stripped of
    the identities the case's other petitions bring."""
    petition.case_id = case.id
