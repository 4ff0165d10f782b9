"""A record written back as the cells of its register, in the layout's order: a petition (with
its case) as a row of the petition register, a visit as a row of the reception log. The export
writes them; the import reads a visit already in the log the same way to know it again."""

from __future__ import annotations

from types import SimpleNamespace

from complaints.core import confidentiality
from complaints.petitions.models import IneligibleReason
from complaints.reception.models import VisitOutcome
from complaints.registers import layout as L
from complaints.registers.rows import (
    ANSWERED_TEXT,
    RECEIVED_TEXT,
    REFUSAL_DETAIL_PREFIX,
    REFUSED_PREFIX,
    REPEAT_TEXT,
    REPRESENTATIVE,
)

REDACTED = str(confidentiality.MASK)


def petition_cells(
    p,
    unit_codes: dict[int, tuple[str, str, str]],
    *,
    reader=None,
    case_received=None,
    transfer=None,
) -> list:
    """A petition (with its case) as the cells of the petition register, in layout order.

    case_received: the day the case's first petition was received, when known. It is the case's
    date of receipt, unless a petition received earlier joined the case later (a merge): then
    the earlier day, so that every petition of the case is received on or after it and the
    file reads back.

    transfer: the petition's hand-off to a unit of the tree (PetitionTransfer) when it is the
    sender's: the answer awaited and the result reported back are written on the sender's row;
    the receiver's copy names the sender's register number.

    reader: what the exporting user may read (core/confidentiality.py); none for an export
    that shows everything (the import's own checks)."""
    code, name, parent = unit_codes[p.unit_id]
    senders = list(p.senders)
    text = _text_for(reader, p)
    if reader is not None and not reader.sees(p):
        senders = [SimpleNamespace(full_name=REDACTED, address="", identity_no="", phone="")]

    def joined(attr):
        values = [getattr(s, attr) or "" for s in senders]
        return "\n".join(values) if any(values) else ""

    case = p.case
    reasons = "\n".join(IneligibleReason(r).label for r in (p.ineligible_reasons or []))
    values = {
        "unit_code": code,
        "unit_name": name,
        "register_no": p.register_no,
        "received_date": p.received_date,
        "source": p.source.label,
        "source_body": p.source_body,
        "source_doc_no": p.source_doc_no,
        "sender_name": joined("full_name"),
        "sender_address": joined("address"),
        "sender_identity": joined("identity_no"),
        "sender_phone": joined("phone"),
        "signatory_count": p.signatory_count,
        "anonymous": L.yes_no(p.anonymous),
        "kind": p.kind.label,
        "field": p.field.label,
        "summary": text(p.summary),
        "eligible": L.yes_no(p.eligible),
        "ineligible_reasons": reasons,
        "competent": L.yes_no(p.competent),
        "outcome": p.outcome.label if p.outcome else "",
        "outcome_body": p.outcome_body,
        "outcome_doc_no": p.outcome_doc_no,
        "outcome_date": p.outcome_date,
        "processing_note": text(p.processing_note),
        "parent_code": parent,
        "forwarded_from": p.forwarded_from.register_no if p.forwarded_from_id else "",
        "transfer_unit": p.transfer_unit.code if p.transfer_unit_id else "",
    }
    if transfer is not None and transfer.sender_petition_id == p.id:
        values.update(
            transfer_answer_due=transfer.answer_due,
            transfer_result_on=transfer.result_on,
            transfer_result_doc_no=transfer.result_doc_no,
            transfer_result=text(transfer.result_text),
        )
    if case is not None:
        values.update(
            case_key=case.case_no,
            case_round=case.round,
            case_authority=case.unit.code,
            case_received_on=min(case.received_on, case_received or case.received_on),
            accepted_on=case.accepted_on,
            case_state=case.state.label,
            decided_on=case.decided_on,
            decision_no=case.decision_no,
            case_outcome=case.outcome.label if case.outcome else "",
            sent_on=case.sent_on,
            suspended_on=case.suspended_on,
            closed_on=case.closed_on,
            termination_reason=case.termination_reason.label if case.termination_reason else "",
        )
    return [values.get(c.field, "") for c in L.PETITION_COLUMNS]


def _text_for(reader, record):
    """The record's free text as the exporting user may read it."""
    if reader is None:
        return lambda value: value
    return lambda value: reader.text(record, value)


def visit_cells(v, unit_codes: dict[int, tuple[str, str, str]], *, reader=None) -> list:
    """A visit as the cells of the reception log (Mẫu 03/TCD), with the supplementary columns."""
    code, name, parent = unit_codes[v.unit_id]
    persons = list(v.persons)
    text = _text_for(reader, v)
    if reader is not None and not reader.sees(v):
        persons_text, identities = REDACTED, ""
    else:
        persons_text = "\n".join(
            (p.full_name + (f" {REPRESENTATIVE}" if p.is_representative else ""))
            + (f", {p.address}" if p.address else "")
            for p in persons
        )
        values = [p.identity_no or "" for p in persons]
        identities = "\n".join(values) if any(values) else ""
    guided = transferred = ""
    outcome = v.outcome
    with_doc = v.outcome_body + (f" (số {v.outcome_doc_no})" if v.outcome_doc_no else "")
    if outcome == VisitOutcome.guided:
        guided = with_doc
    elif outcome == VisitOutcome.answered:
        guided = ANSWERED_TEXT
    elif outcome == VisitOutcome.transferred:
        transferred = with_doc
    elif outcome == VisitOutcome.petition_received:
        transferred = f"{RECEIVED_TEXT}: {v.unit.name}" if v.unit else RECEIVED_TEXT
    notes = []
    if outcome == VisitOutcome.refused and v.refusal_ground is not None:
        notes.append(f"{REFUSED_PREFIX} {v.refusal_ground.label}")
        if v.refusal_detail:
            detail = " ".join(text(v.refusal_detail).split())
            notes.append(f"{REFUSAL_DETAIL_PREFIX} {detail}")
    if v.is_repeat:
        notes.append(REPEAT_TEXT)
    if v.note:
        notes.append(text(v.note))
    values = {
        "visit_date": v.visit_date,
        "persons": persons_text,
        "identity": identities,
        "content": text(v.content),
        "kind": v.kind.label,
        "people_count": v.people_count,
        "previous_resolver": text(v.previous_resolver),
        "competent": L.yes_no(v.competent),
        "guided": guided,
        "transferred": transferred,
        "follow_up": text(v.follow_up),
        "note": "\n".join(notes),
        "unit_code": code,
        "session_kind": v.session.kind.label,
        "unit_name": name,
        "parent_code": parent,
    }
    return [values.get(c.field, "") for c in L.RECEPTION_COLUMNS]
