"""What a citizen is told about a petition, built here into plain strings.

The citizen's page never receives a petition, a case or a person: only the CitizenStatus made
here, from an allow-list of facts (states, dates, outcomes, unit names). Names of people,
addresses, identity numbers, summaries, notes, document numbers and contents never enter it,
and for a denunciation nothing is said about the denouncer or the person denounced (LTC Art 47:
no termination reason, no withdrawn contents, no titles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa

from complaints.cases.models import CLOSED_STATES, Case, CaseEvent, CaseState, Deadline
from complaints.cases.models import CaseState as S
from complaints.citizen import codes
from complaints.core.numbers import fmt_date
from complaints.core.translate import N_
from complaints.core.translate import gettext as _
from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.petitions.models import (
    IneligibleReason,
    Petition,
    PetitionStatus,
    ProcessingOutcome,
)

COMPLAINT, DENUNCIATION, FEEDBACK = "complaint", "denunciation", "feedback"

# The state of a case in the words a citizen uses; per kind where the law's words differ.
_STATE_TEXT: dict[S, str | dict[str, str]] = {
    S.received: N_("Đã tiếp nhận, đang xem xét việc thụ lý"),
    S.accepted: {
        COMPLAINT: N_("Đã thụ lý, đang chuẩn bị xác minh"),
        DENUNCIATION: N_("Đã thụ lý, đang chuẩn bị xác minh"),
        FEEDBACK: N_("Đã thụ lý, đang xem xét để trả lời"),
    },
    S.not_accepted: N_("Không thụ lý giải quyết"),
    S.transferred: N_("Đã chuyển đến cơ quan có thẩm quyền giải quyết"),
    S.verifying: N_("Đã thụ lý, đang xác minh"),
    S.dialogue: N_("Đã thụ lý, đang tổ chức đối thoại"),
    S.decided: {
        COMPLAINT: N_("Đã có quyết định giải quyết khiếu nại"),
        DENUNCIATION: N_("Đã có kết luận nội dung tố cáo"),
    },
    S.sent: {
        COMPLAINT: N_("Đã gửi quyết định giải quyết khiếu nại"),
        DENUNCIATION: N_("Đã thông báo kết luận nội dung tố cáo"),
    },
    S.published: N_("Đã công khai kết luận nội dung tố cáo"),
    S.final: N_("Quyết định giải quyết khiếu nại đã có hiệu lực pháp luật"),
    S.appealed: N_("Đã khiếu nại lần hai hoặc khởi kiện"),
    S.enforced: {
        COMPLAINT: N_("Đã tổ chức thực hiện quyết định giải quyết khiếu nại"),
        DENUNCIATION: N_("Đã xử lý theo kết luận nội dung tố cáo"),
    },
    S.answered: N_("Đã trả lời kiến nghị, phản ánh"),
    S.suspended: N_("Tạm đình chỉ việc giải quyết"),
    S.terminated: N_("Đình chỉ việc giải quyết"),
    S.merged: N_("Đã gộp với vụ việc cùng nội dung"),
}

_PETITION_TEXT = {
    ProcessingOutcome.accept: N_("Đã thụ lý giải quyết"),
    ProcessingOutcome.transfer: N_("Đã chuyển đơn đến cơ quan có thẩm quyền giải quyết"),
    ProcessingOutcome.guide: N_("Đã hướng dẫn gửi đơn đến cơ quan có thẩm quyền"),
    ProcessingOutcome.return_: N_("Đã trả lại đơn cho cơ quan đã chuyển đến"),
    ProcessingOutcome.file: N_("Đơn được lưu, không xử lý"),
    ProcessingOutcome.urge: N_("Đã đôn đốc cơ quan có thẩm quyền giải quyết"),
}
_BODY_LABEL = {
    ProcessingOutcome.transfer: N_("Cơ quan nhận đơn chuyển đến"),
    ProcessingOutcome.guide: N_("Cơ quan có thẩm quyền (được hướng dẫn)"),
    ProcessingOutcome.return_: N_("Trả lại cho"),
    ProcessingOutcome.urge: N_("Cơ quan được đôn đốc"),
}
_OUTCOME_TEXT = {
    COMPLAINT: {
        "upheld": N_("Khiếu nại đúng"),
        "partly_upheld": N_("Khiếu nại đúng một phần"),
        "rejected": N_("Khiếu nại sai"),
    },
    DENUNCIATION: {
        "upheld": N_("Tố cáo đúng"),
        "partly_upheld": N_("Tố cáo đúng một phần"),
        "rejected": N_("Tố cáo sai"),
    },
}
_DECIDED_LABEL = {
    COMPLAINT: N_("Ngày ban hành quyết định giải quyết"),
    DENUNCIATION: N_("Ngày ban hành kết luận"),
    FEEDBACK: N_("Ngày trả lời"),
}
_SENT_LABEL = {COMPLAINT: N_("Ngày gửi quyết định"), DENUNCIATION: N_("Ngày thông báo kết luận")}
# What the next deadline owed to the citizen is for.
_STEP_TEXT: dict[str, str | dict[str, str]] = {
    "process": N_("Xử lý đơn"),
    "accept": {
        COMPLAINT: N_("Thụ lý hoặc thông báo không thụ lý"),
        DENUNCIATION: N_("Xử lý ban đầu, quyết định thụ lý tố cáo"),
        FEEDBACK: N_("Xử lý đơn"),
    },
    "notify_acceptance": N_("Thông báo việc thụ lý tố cáo"),
    "resolve": {
        COMPLAINT: N_("Giải quyết khiếu nại"),
        DENUNCIATION: N_("Giải quyết tố cáo"),
        FEEDBACK: N_("Trả lời kiến nghị, phản ánh"),
    },
    "send_decision": N_("Gửi quyết định giải quyết khiếu nại"),
    "send_conclusion": N_("Thông báo kết luận nội dung tố cáo"),
    "reply_after_reception": N_("Trả lời sau buổi tiếp công dân"),
    "transfer": N_("Chuyển đơn đến cơ quan có thẩm quyền"),
}
# Cases done from the citizen's side: closed, or the decision / conclusion sent to them (a
# round-1 decision becomes final only 30 days later, when an officer records it).
FINISHED_STATES = (CLOSED_STATES - {S.merged}) | {S.sent, S.published}
MAX_MERGE_HOPS = 20


def _per_kind(table: dict, key, kind: str, default: str = "") -> str:
    text = table.get(key, default)
    if isinstance(text, dict):
        return text.get(kind, default)
    return text


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass
class Section:
    """One stage of the matter as the citizen follows it (the petition; a second round)."""

    title: str
    headline: str
    facts: list[Fact] = field(default_factory=list)
    deadline: Fact | None = None
    overdue: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class CitizenStatus:
    code: str
    kind: str
    received_on: str
    sections: list[Section]
    finished: bool


def effective_case(petition: Petition) -> Case | None:
    """The case the petition now belongs to (a merged case points to the one it joined)."""
    case = petition.case
    for _hop in range(MAX_MERGE_HOPS):
        if case is None or case.state != S.merged or not case.merged_into_id:
            break
        case = db.session.get(Case, case.merged_into_id)
    return case


def is_finished(petition: Petition) -> bool:
    """True when the body has given its answer: the citizen may then rate the service."""
    case = effective_case(petition)
    if case is not None:
        return case.state in FINISHED_STATES
    return (
        petition.status == PetitionStatus.processed
        and petition.outcome is not None
        and petition.outcome != ProcessingOutcome.accept
    )


def rated_unit_id(petition: Petition) -> int:
    """The unit whose service a rating of this petition is about."""
    case = effective_case(petition)
    return case.unit_id if case is not None else petition.unit_id


def _next_deadline(rows: list, kind: str, today: date) -> tuple[Fact | None, bool]:
    owed = [d for d in rows if d.active and d.met_on is None and d.towards_citizen]
    if not owed:
        return None, False
    d = min(owed, key=lambda r: r.due)
    overdue = d.due < today
    what = _per_kind(_STEP_TEXT, d.step, kind, N_("Bước tiếp theo"))
    value = _("%(what)s: chậm nhất ngày %(due)s", what=_(what), due=fmt_date(d.due)) + (
        _(" (đã quá hạn)") if overdue else ""
    )
    return Fact(N_("Thời hạn tiếp theo"), value), overdue


def _petition_deadline(petition: Petition, today: date) -> tuple[Fact | None, bool]:
    rows = list(db.session.scalars(sa.select(Deadline).where(Deadline.petition_id == petition.id)))
    if not rows:
        # Not stored yet: the engine's processing period for the kind, from the date received.
        from complaints.calendar.operations import work_calendar
        from complaints.cases.deadlines import processing_due

        due = processing_due(petition.kind.value, petition.received_date, work_calendar())
        if due is None:
            return None, False
        rows = [
            SimpleNamespace(step="process", due=due, active=True, met_on=None, towards_citizen=True)
        ]
    return _next_deadline(rows, petition.kind.value, today)


def _transfer_body(case: Case) -> str:
    event = db.session.scalars(
        sa.select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == "transfer")
        .order_by(CaseEvent.id.desc())
    ).first()
    body = (event.data or {}).get("body", "") if event is not None else ""
    return str(body)[:255]


def _case_section(case: Case, today: date, title: str) -> Section:
    kind = case.kind.value
    state = case.state
    section = Section(title, _per_kind(_STATE_TEXT, state, kind, state.label))
    facts = section.facts
    facts.append(Fact(N_("Cơ quan có thẩm quyền giải quyết"), case.unit.name))
    if case.assigned_unit is not None and case.assigned_unit_id != case.unit_id:
        facts.append(Fact(N_("Cơ quan được giao xác minh"), case.assigned_unit.name))
    if kind == COMPLAINT and case.round == 2:
        facts.append(Fact(N_("Lần giải quyết"), N_("Khiếu nại lần hai")))
    if case.accepted_on:
        facts.append(Fact(N_("Ngày thụ lý"), fmt_date(case.accepted_on)))
    if state == S.not_accepted and case.closed_on:
        facts.append(Fact(N_("Ngày thông báo không thụ lý"), fmt_date(case.closed_on)))
    if state == S.transferred:
        body = _transfer_body(case)
        if body:
            facts.append(Fact(N_("Cơ quan nhận đơn chuyển đến"), body))
        if case.closed_on:
            facts.append(Fact(N_("Ngày chuyển"), fmt_date(case.closed_on)))
    if case.decided_on and state != S.terminated:
        facts.append(Fact(_DECIDED_LABEL[kind], fmt_date(case.decided_on)))
    if case.outcome is not None and kind in _OUTCOME_TEXT:
        facts.append(Fact(N_("Kết quả giải quyết"), _OUTCOME_TEXT[kind][case.outcome.value]))
    if case.sent_on and kind in _SENT_LABEL:
        facts.append(Fact(_SENT_LABEL[kind], fmt_date(case.sent_on)))
    if case.published_on:
        facts.append(Fact(N_("Ngày công khai kết luận"), fmt_date(case.published_on)))
    if state == S.suspended:
        if case.suspended_on:
            facts.append(Fact(N_("Tạm đình chỉ từ ngày"), fmt_date(case.suspended_on)))
        section.notes.append(
            N_(
                "Thời hạn giải quyết tạm dừng trong thời gian tạm đình chỉ và được tính tiếp khi "
                "có quyết định tiếp tục giải quyết."
            )
        )
    if state == S.terminated:
        if case.closed_on:
            facts.append(Fact(N_("Ngày đình chỉ"), fmt_date(case.closed_on)))
        # The reason of a denunciation's termination may concern the person denounced
        # ("người bị tố cáo chết"): said only for a complaint.
        if kind == COMPLAINT and case.termination_reason is not None:
            facts.append(Fact(N_("Lý do"), case.termination_reason.label))
    if state != S.suspended and case.is_open:
        section.deadline, section.overdue = _next_deadline(case.deadlines, kind, today)
    if state == S.sent and kind == COMPLAINT and case.round == 1:
        lodge = [d for d in case.deadlines if d.active and d.step == "lodge_round2"]
        if lodge:
            section.notes.append(
                _(
                    "Nếu không đồng ý với quyết định, ông/bà có quyền khiếu nại lần hai hoặc "
                    "khởi kiện; thời hạn khiếu nại lần hai đến hết ngày %(lodge)s.",
                    lodge=fmt_date(lodge[0].due),
                )
            )
    return section


def _petition_section(petition: Petition, today: date) -> Section:
    if petition.status != PetitionStatus.processed or petition.outcome is None:
        section = Section(N_("Xử lý đơn"), N_("Đã vào sổ, đang phân loại và xử lý đơn"))
        section.facts.append(Fact(N_("Cơ quan tiếp nhận đơn"), petition.unit.name))
        section.deadline, section.overdue = _petition_deadline(petition, today)
        return section
    outcome = petition.outcome
    section = Section(N_("Xử lý đơn"), _PETITION_TEXT[outcome])
    section.facts.append(Fact(N_("Cơ quan xử lý đơn"), petition.unit.name))
    if petition.outcome_date:
        section.facts.append(Fact(N_("Ngày xử lý đơn"), fmt_date(petition.outcome_date)))
    if outcome in _BODY_LABEL and petition.outcome_body:
        section.facts.append(Fact(_BODY_LABEL[outcome], petition.outcome_body))
    if outcome == ProcessingOutcome.file and petition.ineligible_reasons:
        reasons = []
        for value in petition.ineligible_reasons:
            try:
                reasons.append(IneligibleReason(value).label.translated())
            except ValueError:
                continue
        if reasons:
            section.facts.append(Fact(N_("Lý do"), "; ".join(reasons)))
    return section


def round2_case(case: Case) -> Case | None:
    """The second-round case opened on a round-1 complaint decision, if any."""
    return db.session.scalars(
        sa.select(Case).where(Case.parent_case_id == case.id).order_by(Case.id.desc())
    ).first()


def build(petition: Petition, today: date) -> CitizenStatus:
    """Everything the citizen's page shows about the petition, as plain strings."""
    case = effective_case(petition)
    sections = []
    if case is None:
        sections.append(_petition_section(petition, today))
    else:
        title = N_("Giải quyết khiếu nại lần hai") if case.round == 2 else N_("Giải quyết")
        if petition.kind == PetitionKind.feedback:
            title = N_("Giải quyết kiến nghị, phản ánh")
        sections.append(_case_section(case, today, title))
        if case.kind.value == COMPLAINT and case.round == 1 and case.state == S.appealed:
            child = round2_case(case)
            if child is not None:
                sections.append(_case_section(child, today, N_("Giải quyết khiếu nại lần hai")))
    return CitizenStatus(
        code=codes.display(petition.receipt_code),
        kind=petition.kind.label,
        received_on=fmt_date(petition.received_date),
        sections=sections,
        finished=is_finished(petition),
    )


def state_texts() -> dict[tuple[str, str], str]:
    """Every (kind, state) headline, for the tests: each state has words for the citizen."""
    return {
        (kind.value, state.value): _per_kind(_STATE_TEXT, state, kind.value)
        for kind in PetitionKind
        for state in CaseState
    }
