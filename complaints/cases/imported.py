"""Cases brought in from an office's old register (complaints/registers): each is created in the
state the register records, with the decision, the timeline that state implies (each step on the
date the register gives, or the acceptance date) and its deadlines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from complaints.cases import deadlines as case_deadlines
from complaints.cases.models import Case, CaseEvent, CaseState, Deadline, Outcome, TerminationReason
from complaints.cases.operations import (
    CASE_FIELDS,
    StepInput,
    case_number,
    event_values,
)
from complaints.core import audit
from complaints.core import db as core_db
from complaints.core.calendar import WorkCalendar
from complaints.core.text import shorten
from complaints.core.vocab import Field, PetitionKind

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


def import_case_row(
    actor,
    unit,
    facts: RegisteredCase,
    *,
    filename: str,
    event_data: dict,
    calendar: WorkCalendar,
    authority=None,
    case_id: int,
) -> dict:
    """A case from an old register in its recorded state, with timeline and deadlines, for a
    writer of many cases that inserts them itself, one statement per table for many (the
    register import's batch), within a core/db.deferred_inserts() block: `case_id` of its
    core/db.IdBlock. `unit` received it; `authority` is competent (None: the authority `unit`
    advises, else `unit` itself, the rule of README "Who receives, who is competent, who
    verifies"). Returned is the case's row (every column, defaults included; its search text
    is the writer's to fill), its timeline and deadlines held for the block's end."""
    values = case_values(unit, facts, authority)
    row = core_db.with_defaults(Case.__table__, {"id": case_id, **values})
    for action, step, previous, to_state in timeline(row, filename):
        event = event_values(actor, action, step, previous, to_state, **event_data)
        core_db.add_row(CaseEvent, {"case_id": case_id, **event})
    for deadline in case_deadlines.new_case_deadlines(row, calendar):
        core_db.add_row(Deadline, deadline)
    _audit(actor, case_id, row, {name: row[name] for name in CASE_FIELDS}, filename)
    return row


def case_values(unit, facts: RegisteredCase, authority=None) -> dict:
    """What a case brought in from an old register stores (its number the register's, or the
    competent authority's next one), the columns it sets."""
    state = facts.state
    authority = authority or unit.authority
    return {
        "unit_id": authority.id,
        "received_unit_id": unit.id,
        "case_no": facts.case_no or case_number(authority, facts.received_on.year),
        "kind": facts.kind,
        "round": facts.round,
        "field": facts.field,
        "title": shorten(facts.title, 255),
        "summary": facts.summary,
        "state": state,
        "received_on": facts.received_on,
        "accepted_on": facts.accepted_on,
        "accept_doc_no": facts.accept_doc_no,
        "outcome": facts.outcome,
        "decided_on": facts.decided_on,
        "decision_no": facts.decision_no or "",
        "sent_on": facts.sent_on,
        "published_on": facts.sent_on if state in PUBLISHED else None,
        "closed_on": facts.closed_on,
        "suspended_on": facts.suspended_on,
        "state_before_suspension": CaseState.verifying if state == CaseState.suspended else None,
        "termination_reason": facts.termination_reason,
        "complexity_criteria": [],
        "withdrawn_contents": [],
    }


def _audit(actor, case_id: int, case: Mapping, after: dict, filename: str) -> None:
    """The audit event of a case brought in (`after`: its audited fields)."""
    audit.record(
        "case.imported",
        actor=actor,
        unit_id=case["unit_id"],
        entity_type=Case.__tablename__,
        entity_id=case_id,
        after=after,
        summary=f"Nhập vụ việc {case['case_no']} từ sổ cũ (tệp {filename})",
    )


def timeline(case: dict, filename: str) -> list[tuple[str, StepInput, CaseState | None, CaseState]]:
    """The case's history as far as the register tells it (its values), each step on its own
    date: (action, step, previous state, new state)."""
    source = f"nhập từ sổ cũ, tệp {filename}"
    accepted_on, decision_no = case["accepted_on"], case["decision_no"]
    steps: list[tuple[str, date | None, CaseState | None, str, str]] = [
        (
            "open",
            case["received_on"],
            CaseState.received,
            "",
            f"Mở vụ việc {case['case_no']} ({source})",
        ),
        (
            "accept",
            accepted_on,
            CaseState.accepted,
            case["accept_doc_no"],
            f"Thụ lý ({source})",
        ),
    ]
    state = case["state"]
    unknown = f"sổ cũ không ghi ngày, lấy ngày thụ lý; {source}"
    if state in VERIFIED:
        steps.append(("start_verification", accepted_on, CaseState.verifying, "", f"({unknown})"))
    if state == CaseState.dialogue:
        steps.append(("hold_dialogue", accepted_on, CaseState.dialogue, "", f"({unknown})"))
    if state == CaseState.suspended:
        steps.append(("suspend", case["suspended_on"], state, "", f"Tạm đình chỉ ({source})"))
    if state == CaseState.terminated:
        steps.append(("terminate", case["closed_on"], state, "", f"Đình chỉ ({source})"))
    if state == CaseState.answered:
        steps.append(("answer", case["decided_on"], state, decision_no, f"Trả lời ({source})"))
    if case["outcome"] is not None:
        result = f"Kết quả: {case['outcome'].label} ({source})"
        steps.append(("decide", case["decided_on"], CaseState.decided, decision_no, result))
    if case["sent_on"] is not None:
        steps.append(("send", case["sent_on"], CaseState.sent, "", f"Gửi ({source})"))
    if case["published_on"] is not None:
        steps.append(
            ("publish", case["published_on"], CaseState.published, "", f"Công khai ({source})")
        )
    final = {
        CaseState.final: "make_final",
        CaseState.appealed: "appeal",
        CaseState.enforced: "enforce" if case["kind"] == PetitionKind.complaint else "follow_up",
    }
    if state in final:
        steps.append((final[state], case["closed_on"], state, "", f"({source})"))
    out = []
    previous = None
    for action, on, to_state, doc_no, note in steps:
        step = StepInput(on=on or accepted_on, doc_no=doc_no or "", note=note)
        out.append((action, step, previous, to_state))
        previous = to_state
    return out
