"""The import's petitions: a staged row of the petition register registered through the
petitions feature, processed as the register says, and its case joined or brought in through
the cases feature (cases/imported.py). Called by import_batches.BatchWriter, one row at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa

from complaints.cases import imported as imported_cases
from complaints.cases import operations as case_ops
from complaints.cases.models import Case, CaseEvent, CaseState, Outcome, TerminationReason
from complaints.core import db as core_db
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db
from complaints.petitions import operations as petition_ops
from complaints.petitions import processing
from complaints.petitions.models import (
    Petition,
    PetitionSource,
    ProcessingOutcome,
)
from complaints.registers.import_job import ImportProblem, chunks, staged_rows
from complaints.registers.models import ImportedCaseKey, ImportRow
from complaints.units.models import Unit

if TYPE_CHECKING:
    from complaints.registers.import_batches import BatchWriter

# A case number as the app writes it: kept when a file brings it back.
CASE_NO = re.compile(r"^VV-([A-Z0-9]+)-(\d{4})-(\d{1,6})$")


def existing_cases(keys: set[tuple[str, str]]) -> dict[tuple[str, str], int | None]:
    """existing_case for many (case key, unit code) at once: the id of each one's case, or None
    (a few queries per 500 keys)."""
    found: dict[tuple[str, str], int | None] = dict.fromkeys(keys)
    pairs = sorted(keys)
    for chunk in chunks(pairs):
        numbers = dict(
            db.session.execute(
                sa.select(Case.case_no, Case.id).where(Case.case_no.in_({k for k, _ in chunk}))
            ).all()
        )
        mapped = {
            (key, code): case_id
            for key, code, case_id in db.session.execute(
                sa.select(ImportedCaseKey.case_key, Unit.code, ImportedCaseKey.case_id)
                .join(Unit, Unit.id == ImportedCaseKey.unit_id)
                .where(
                    ImportedCaseKey.case_key.in_({k for k, _ in chunk}),
                    Unit.code.in_({u for _, u in chunk}),
                )
            )
        }
        for pair in chunk:
            found[pair] = numbers.get(pair[0]) or mapped.get(pair)
    return found


def earliest_days(job_id: int, keys: set[str]) -> dict[str, date | None]:
    """The earliest day of the file's rows of each case key (one query per 500 keys)."""
    days: dict[str, date | None] = dict.fromkeys(keys)
    for chunk in chunks(sorted(keys)):
        days.update(
            db.session.execute(
                sa.select(ImportRow.case_key, sa.func.min(ImportRow.day))
                .where(ImportRow.import_id == job_id, ImportRow.case_key.in_(chunk))
                .group_by(ImportRow.case_key)
            ).all()
        )
    return days


def registered_numbers(numbers: list[str]) -> set[str]:
    """Which of these register numbers the register already has (one query per 500)."""
    found: set[str] = set()
    for chunk in chunks(numbers):
        found.update(
            db.session.scalars(
                sa.select(Petition.register_no).where(Petition.register_no.in_(chunk))
            )
        )
    return found


def write_petition(batch: BatchWriter, row: ImportRow) -> bool:
    """Register a staged petition (processed, with its case, when the register says so);
    False when its number was registered meanwhile (batch.registered: looked up for the
    whole batch before its first row). The petition and its senders are rows held by the
    batch (batch.petition_rows, batch.sender_rows), inserted at its end."""
    d = row.data
    if d["register_no"] in batch.registered:
        return False  # registered meanwhile: nothing to add
    unit = batch.unit(d["unit_code"])
    data = petition_ops.PetitionData(
        received_date=date.fromisoformat(d["received"]),
        source=PetitionSource(d["source"]),
        kind=PetitionKind(d["kind"]),
        field=Field(d["field"]),
        summary=d["summary"],
        signatory_count=d["signatories"],
        anonymous=d["anonymous"],
        senders=[petition_ops.SenderData(*s) for s in d["senders"]],
        source_body=d["source_body"],
        source_doc_no=d["source_doc_no"],
        unit=unit,
        register_no=d["register_no"],
    )
    petition, senders = petition_ops.registration_row(
        batch.actor,
        data,
        today=batch.on,
        receipt_code=batch.receipt_codes.pop(),
        petition_id=batch.petition_ids.next(),
        # a petition joining a case: its texts with its case's, at the batch's end
        search_text=not (d.get("processed") and d.get("case")),
    )
    batch.petition_rows.append(petition)
    batch.sender_rows.extend(senders)
    batch.made_record("petitions", petition["id"])
    batch.numbers.append(petition["register_no"])
    key = (unit.id, petition["register_year"])
    batch.seqs[key] = max(batch.seqs.get(key, 0), petition["register_seq"])
    if d.get("processed"):
        facts = processing.RecordedProcessing(
            eligible=d["eligible"],
            reasons=d["reasons"],
            competent=d["competent"],
            outcome=ProcessingOutcome(d["outcome"]),
            body=d["outcome_body"],
            doc_no=d["outcome_doc_no"],
            on=date.fromisoformat(d["outcome_date"]),
            note=d["note"],
        )
        petition.update(processing.processed_values(batch.actor_id, facts))
        if d.get("transfer"):  # handed to a unit of the tree: its copy is that unit's own row
            petition["transfer_unit_id"] = batch.unit(d["transfer"]["unit"]).id
        if d.get("case"):
            # processing.join_case, on the row
            petition["case_id"] = _case_for(batch, row, petition, unit)
    return True


def _case_for(batch: BatchWriter, row: ImportRow, petition: dict, unit: Unit) -> int:
    """The id of the case an accepted petition joins (already in the system, or brought in by
    the batch) or opens."""
    c = row.data["case"]
    key = c.get("key")
    if key:
        case_id = batch.cases.get((key, unit.code))
        if case_id is not None and case_id in batch.case_rows:  # brought in by this batch
            kind, found = batch.case_rows[case_id]["kind"], None
        elif case_id is not None:  # held by the batch when it wrote it, else read once a batch
            found = batch.touched_cases.get(case_id) or db.session.get(Case, case_id)
            kind = found.kind if found is not None else None
            if found is not None:
                batch.touched_cases[case_id] = found
        if case_id is not None and kind is not None:
            if kind != petition["kind"]:
                raise ImportProblem(f"Dòng {row.line}: vụ việc {key} khác loại với đơn.")
            event = case_ops.event_values(
                batch.actor,
                "petition_joined",
                None,
                None,
                None,
                on=petition["outcome_date"],
                note=f"Nhập đơn {petition['register_no']} vào vụ việc (từ sổ cũ)",
            )
            core_db.add_row(CaseEvent, {"case_id": case_id, **event})
            return case_id
    return _new_case(batch, row, petition, unit, c, key)


def _new_case(batch: BatchWriter, row: ImportRow, petition: dict, unit: Unit, c: dict, key) -> int:
    """The case an accepted petition brings in: the register's number (or the unit's next one),
    received with the earliest petition of the case the file or the register knows."""
    received = petition["received_date"]
    if key:
        earliest = batch.earliest.get(key)
        received = min(received, earliest or received)
    if c.get("received_on"):  # its first petition may be in an earlier register
        received = min(received, date.fromisoformat(c["received_on"]))
    case_no = None
    if key and (m := CASE_NO.match(key)):
        case_no = key  # the register's number is kept; the counter goes past it
        owner = batch.unit_id(m[1])
        if owner is not None:
            slot = (owner, int(m[2]))
            batch.case_seqs[slot] = max(batch.case_seqs.get(slot, 0), int(m[3]))
    day = lambda name: date.fromisoformat(c[name]) if c.get(name) else None  # noqa: E731
    facts = imported_cases.RegisteredCase(
        case_no=case_no,
        kind=petition["kind"],
        round=c["round"],
        field=petition["field"],
        title=petition["summary"].split("\n")[0],
        summary=petition["summary"],
        state=CaseState(c["state"]),
        received_on=received,
        accepted_on=day("accepted_on"),
        accept_doc_no=petition["outcome_doc_no"],
        outcome=Outcome(c["result"]) if c.get("result") else None,
        decided_on=day("decided_on"),
        decision_no=c.get("decision_no") or "",
        sent_on=day("sent_on"),
        suspended_on=day("suspended_on"),
        closed_on=day("closed_on"),
        termination_reason=TerminationReason(c["termination"]) if c.get("termination") else None,
    )
    authority = batch.unit(c["authority"]) if c.get("authority") else None
    # known and of the same tree: import_check
    case = imported_cases.import_case_row(
        batch.actor,
        unit,
        facts,
        authority=authority,
        filename=batch.job.filename,
        event_data={"import_id": batch.job.id, "register_no": petition["register_no"]},
        calendar=batch.calendar,
        case_id=batch.case_ids.next(),  # inserted with the batch's cases
    )
    case_id = case["id"]
    batch.case_rows[case_id] = case
    if key and not case_no:  # inserted after the batch's cases
        core_db.add(ImportedCaseKey(unit_id=unit.id, case_key=key, case_id=case_id))
    if key:  # the file's next petitions of the case join it (a case number: from any unit)
        batch.cases[(key, unit.code)] = case_id
        if case_no:
            batch.cases.update({pair: case_id for pair in batch.cases if pair[0] == key})
    batch.made_record("cases", case_id)
    return case_id


# --- the hand-offs inside the tree ----------------------------------------------------------


def link_transfers(job, actor, made: Callable[[str, int], None]) -> int:
    """After every row is written: each copy a unit of the tree received (its row names the
    sender's register number) linked to the sender's petition, in the file or already in the
    register, with the deadline and result the sender's row gives (transfers.link_imported).
    The dry run found every sender; nothing is sent. Returns how many were linked."""
    from complaints.petitions import transfers

    columns = (ImportRow.line, ImportRow.key, ImportRow.data)
    links = [
        (key, data["forwarded_from"])
        for _, key, data in staged_rows(job, columns, ImportRow.state == "done")
        if data.get("forwarded_from")
    ]
    for copy_no, sender_no in links:
        copy = db.session.scalar(sa.select(Petition).where(Petition.register_no == copy_no))
        sender = db.session.scalar(sa.select(Petition).where(Petition.register_no == sender_no))
        if copy is None or sender is None or sender.outcome_date is None:
            raise ImportProblem(
                f"Không nối được đơn {copy_no} với đơn {sender_no} của đơn vị chuyển."
            )
        if copy.forwarded_from_id == sender.id:
            continue  # linked by an earlier run of this import
        stated = db.session.scalars(
            sa.select(ImportRow.data)
            .where(ImportRow.import_id == job.id, ImportRow.key == sender_no)
            .order_by(ImportRow.line)
        ).first()
        t = (stated or {}).get("transfer") or {}
        transfer = transfers.link_imported(
            actor,
            sender,
            copy,
            answer_due=_day(t, "answer_due"),
            result_text=t.get("result") or "",
            result_doc_no=t.get("result_doc_no") or "",
            result_on=_day(t, "result_on"),
            note=f" (từ sổ cũ, tệp {job.filename})",
        )
        made("transfers", transfer.id)
    return len(links)


def _day(values: dict, name: str) -> date | None:
    return date.fromisoformat(values[name]) if values.get(name) else None
