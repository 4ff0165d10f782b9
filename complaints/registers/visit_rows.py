"""Reading a row of the reception log (sổ tiếp công dân, Mẫu 03/TCD), checked by the rules a
visit is recorded under, and the fingerprint that tells a visit already in the log."""

from __future__ import annotations

import re
from datetime import date

from complaints.core.identity import normalise_identity
from complaints.core.vocab import PetitionKind
from complaints.reception import operations as reception_ops
from complaints.reception.models import RefusalGround, SessionKind, VisitOutcome
from complaints.registers import layout as L
from complaints.registers.rows import (
    ANSWERED_TEXT,
    RECEIVED_TEXT,
    REFUSAL_DETAIL_PREFIX,
    REFUSED_PREFIX,
    REPEAT_TEXT,
    REPRESENTATIVE,
    Cells,
    ParsedRow,
    identity_lines,
    iso,
    lines,
    read_coded,
    read_count,
    read_date,
    read_unit,
    read_yes_no,
    signature,
)

_WITH_DOC = re.compile(r"^(.*?)\s*\(số\s+(.+)\)$", re.DOTALL)
_DELEGATION_LINE = re.compile(r"^đoàn\s+\d[\d.]*\s+người", re.IGNORECASE)


def _split_person(line: str) -> tuple[str, str, bool]:
    name, _, address = line.partition(",")
    name = name.strip()
    representative = name.endswith(REPRESENTATIVE)
    if representative:
        name = name[: -len(REPRESENTATIVE)].strip()
    return name, address.strip(), representative


def _body_and_doc(value: str) -> tuple[str, str]:
    if m := _WITH_DOC.match(value):
        return m[1].strip(), m[2].strip()
    return value.strip(), ""


VISIT_FIELD_NAMES = {
    "content": "content",
    "people_count": "people_count",
    "is_delegation": "people_count",
    "persons": "persons",
    "refusal_ground": "note",
    "refusal_detail": "note",
    "outcome_body": "guided",
    "full_name": "persons",
    "identity_no": "identity",
    "phone": "persons",
}


def parse_visit(line: int, cells: Cells, *, default_unit: str | None, today: date) -> ParsedRow:
    """A row of the reception log, checked by the rules a visit is recorded under."""
    row = ParsedRow(line)
    if cells.is_blank(ignore=("stt",)):
        row.empty = True
        return row
    read_unit(row, cells, default_unit)
    day = read_date(row, cells, "visit_date", "Ngày tiếp", today)
    if day is None and not any(n == "visit_date" for n, _ in row.errors):
        row.error("visit_date", "Thiếu ngày tiếp.")
    kind = read_coded(row, cells, "kind", "kind", "loại đơn", required=True)
    session_kind = read_coded(row, cells, "session_kind", "session_kind", "hình thức tiếp")
    session_kind = session_kind or SessionKind.regular
    competent = read_yes_no(row, cells, "competent", "Thuộc thẩm quyền")
    people = [x for x in lines(cells.raw("persons")) if x and not _DELEGATION_LINE.match(x)]
    identities = identity_lines(cells.raw("identity"))
    persons = []
    for i, entry in enumerate(people):
        name, address, representative = _split_person(entry)
        persons.append(
            reception_ops.PersonData(
                full_name=name,
                address=address[:255],
                identity_no=identities[i] if i < len(identities) else "",
                is_representative=representative,
            )
        )
    if len(identities) > len(people) and any(identities[len(people) :]):
        row.error("identity", "Có nhiều số giấy tờ hơn số người ghi tên ở cột họ tên, địa chỉ.")
    count = read_count(row, cells, "people_count", "Số người cùng nội dung")
    count = count if count is not None else max(1, len(persons))
    delegation = count >= reception_ops.DELEGATION_MIN_PEOPLE
    if delegation and not any(p.is_representative for p in persons):
        for p in persons:  # a delegation's log names its representatives
            p.is_representative = True

    guided, transferred = cells.text("guided"), cells.text("transferred")
    note_lines = lines(cells.raw("note"))
    refusal, detail, repeat = None, "", False
    while note_lines:
        first = note_lines[0]
        if first.startswith(REFUSED_PREFIX):
            ground_text = first[len(REFUSED_PREFIX) :].strip()
            refusal = L.parse_coded("refusal_ground", ground_text)
            if refusal is None:
                refusal, detail = RefusalGround.other, detail or ground_text
        elif first.startswith(REFUSAL_DETAIL_PREFIX):
            detail = first[len(REFUSAL_DETAIL_PREFIX) :].strip()
        elif L.norm(first) == L.norm(REPEAT_TEXT):
            repeat = True
        else:
            break
        note_lines.pop(0)
    body, doc_no = "", ""
    if refusal is not None:
        outcome = VisitOutcome.refused
        if guided or transferred:
            row.error("note", "Lượt tiếp bị từ chối không có kết quả hướng dẫn hay chuyển đơn.")
    elif guided and transferred:
        row.error("transferred", "Chỉ ghi một kết quả tiếp: hướng dẫn (10) hoặc chuyển đơn (11).")
        outcome = VisitOutcome.guided
    elif transferred:
        if L.norm(transferred).startswith(L.norm(RECEIVED_TEXT)):
            outcome = VisitOutcome.petition_received
        else:
            outcome = VisitOutcome.transferred
            body, doc_no = _body_and_doc(transferred)
    elif guided and L.norm(guided) != L.norm(ANSWERED_TEXT):
        outcome = VisitOutcome.guided
        body, doc_no = _body_and_doc(guided)
    else:
        outcome = VisitOutcome.answered  # told and explained on the spot
    data = reception_ops.VisitData(
        kind=kind or PetitionKind.complaint,
        content=cells.text("content"),
        outcome=outcome,
        persons=persons,
        people_count=count,
        is_delegation=delegation,
        is_repeat=repeat,
        previous_resolver=cells.text("previous_resolver")[:255],
        competent=competent,
        outcome_body=body[:255],
        outcome_doc_no=doc_no[:64],
        refusal_ground=refusal,
        refusal_detail=detail,
        follow_up=cells.text("follow_up"),
        note="\n".join(note_lines),
    )
    reported = {n for n, _ in row.errors}
    for name, message in reception_ops.visit_problems(data):
        base = (name or "").rsplit(".", 1)[-1]
        column = VISIT_FIELD_NAMES.get(base, "persons")
        if column == "guided" and outcome == VisitOutcome.transferred:
            column = "transferred"
        if column not in reported and message:
            if name and name.startswith("persons.") and len(persons) > 1:
                message = f"Người thứ {int(name.split('.')[1]) + 1}: {message}"
            row.error(column, message)
    if row.errors:
        return row
    row.data.update(
        visit_date=iso(day),
        session_kind=session_kind.value,
        kind=data.kind.value,
        content=data.content,
        people_count=count,
        is_delegation=delegation,
        is_repeat=repeat,
        previous_resolver=data.previous_resolver,
        competent=competent,
        outcome=outcome.value,
        outcome_body=data.outcome_body,
        outcome_doc_no=data.outcome_doc_no,
        refusal_ground=refusal.value if refusal else None,
        refusal_detail=" ".join(detail.split()),
        follow_up=data.follow_up,
        note=data.note,
        persons=[
            [
                p.full_name,
                p.address,
                normalise_identity(p.identity_no),
                p.is_representative,
            ]
            for p in persons
        ],
    )
    row.key = visit_fingerprint(row.data)
    return row


def visit_fingerprint(data: dict) -> str:
    """What makes two log rows the same visit (the import skips a visit already recorded)."""
    facts = {k: v for k, v in data.items() if k not in ("unit_name", "parent_code")}
    return signature(facts)
