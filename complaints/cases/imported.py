"""Cases brought in from an office's old register (complaints/registers): each is created in the
state the register records, with the decision, the timeline that state implies (each step on the
date the register gives, or the acceptance date) and its deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from complaints.cases import deadlines as case_deadlines
from complaints.cases.models import Case, CaseState, Outcome, TerminationReason
from complaints.cases.operations import CASE_FIELDS, StepInput, case_number, record_event
from complaints.core import audit
from complaints.core import db as core_db
from complaints.core.calendar import WorkCalendar
from complaints.core.text import shorten
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db

# States in which a case has been verified (the register does not say when verification began).
VERIFIED = frozenset(
    {
        CaseState.verifying,
        CaseState.dialogue,
        CaseState.decided,
        CaseState.sent,
        CaseState.published,
        CaseState.final,
        CaseState.appealed,
        CaseState.enforced,
    }
)
# States in which a conclusion has been published (on the day it was sent).
PUBLISHED = frozenset({CaseState.published, CaseState.enforced})


@dataclass
class RegisteredCase:
    """A case as an old register records it."""

    kind: PetitionKind
    field: Field
    title: str
    summary: str
    state: CaseState
    received_on: date
    accepted_on: date | None
    accept_doc_no: str = ""
    round: int = 1
    case_no: str | None = None  # the register's own number, kept; None: the unit's next one
    outcome: Outcome | None = None
    decided_on: date | None = None
    decision_no: str = ""
    sent_on: date | None = None
    suspended_on: date | None = None
    closed_on: date | None = None
    termination_reason: TerminationReason | None = None


def import_case(
    actor,
    unit,
    facts: RegisteredCase,
    *,
    filename: str,
    event_data: dict,
    calendar: WorkCalendar | None = None,
    authority=None,
    case_id: int | None = None,
) -> Case:
    """Create a case from an old register in its recorded state, with timeline and deadlines.
    `unit` received it; `authority` is competent (None: the authority `unit` advises, else
    `unit` itself, the rule of README "Who receives, who is competent, who verifies").
    `case_id` (core/db.IdBlock, within a deferred_inserts() block): the case is not flushed
    here but with its writer's batch, its timeline and deadlines inserted after it."""
    state = facts.state
    authority = authority or unit.authority
    case = Case(
        unit_id=authority.id,
        received_unit_id=unit.id,
        case_no=facts.case_no or case_number(authority, facts.received_on.year),
        kind=facts.kind,
        round=facts.round,
        field=facts.field,
        title=shorten(facts.title, 255),
        summary=facts.summary,
        state=state,
        received_on=facts.received_on,
        accepted_on=facts.accepted_on,
        accept_doc_no=facts.accept_doc_no,
        outcome=facts.outcome,
        decided_on=facts.decided_on,
        decision_no=facts.decision_no or "",
        sent_on=facts.sent_on,
        published_on=facts.sent_on if state in PUBLISHED else None,
        closed_on=facts.closed_on,
        suspended_on=facts.suspended_on,
        state_before_suspension=CaseState.verifying if state == CaseState.suspended else None,
        termination_reason=facts.termination_reason,
        complexity_criteria=[],
        withdrawn_contents=[],
    )
    if case_id is not None and core_db.deferring():
        case.id = case_id
        core_db.apply_defaults(case)  # its deadlines are planned from it before its flush
        db.session.add(case)
    else:
        db.session.add(case)
        db.session.flush()
    _timeline(case, actor, filename, event_data)
    case_deadlines.recompute_case(case, calendar, new=True)
    audit.record(
        "case.imported",
        case,
        actor=actor,
        after=audit.snapshot(case, CASE_FIELDS),
        summary=f"Nhập vụ việc {case.case_no} từ sổ cũ (tệp {filename})",
    )
    return case


def _timeline(case: Case, actor, filename: str, event_data: dict) -> None:
    """The case's history as far as the register tells it, each step on its own date."""
    source = f"nhập từ sổ cũ, tệp {filename}"
    steps: list[tuple[str, date | None, CaseState | None, str, str]] = [
        (
            "open",
            case.received_on,
            CaseState.received,
            "",
            f"Mở vụ việc {case.case_no} ({source})",
        ),
        (
            "accept",
            case.accepted_on,
            CaseState.accepted,
            case.accept_doc_no,
            f"Thụ lý ({source})",
        ),
    ]
    state = case.state
    unknown = f"sổ cũ không ghi ngày, lấy ngày thụ lý; {source}"
    if state in VERIFIED:
        steps.append(
            ("start_verification", case.accepted_on, CaseState.verifying, "", f"({unknown})")
        )
    if state == CaseState.dialogue:
        steps.append(("hold_dialogue", case.accepted_on, CaseState.dialogue, "", f"({unknown})"))
    if state == CaseState.suspended:
        steps.append(("suspend", case.suspended_on, state, "", f"Tạm đình chỉ ({source})"))
    if state == CaseState.terminated:
        steps.append(("terminate", case.closed_on, state, "", f"Đình chỉ ({source})"))
    if state == CaseState.answered:
        steps.append(("answer", case.decided_on, state, case.decision_no, f"Trả lời ({source})"))
    if case.outcome is not None:
        result = f"Kết quả: {case.outcome.label} ({source})"
        steps.append(("decide", case.decided_on, CaseState.decided, case.decision_no, result))
    if case.sent_on is not None:
        steps.append(("send", case.sent_on, CaseState.sent, "", f"Gửi ({source})"))
    if case.published_on is not None:
        steps.append(
            ("publish", case.published_on, CaseState.published, "", f"Công khai ({source})")
        )
    final = {
        CaseState.final: "make_final",
        CaseState.appealed: "appeal",
        CaseState.enforced: "enforce" if case.kind == PetitionKind.complaint else "follow_up",
    }
    if state in final:
        steps.append((final[state], case.closed_on, state, "", f"({source})"))
    previous = None
    for action, on, to_state, doc_no, note in steps:
        step = StepInput(on=on or case.accepted_on, doc_no=doc_no or "", note=note)
        record_event(case, actor, action, step, previous, to_state, **event_data)
        previous = to_state
