"""A case brought in from an old register (cases/imported.py) stores the same whether through
the ORM (import_case) or as rows inserted by its writer (import_case_row, the register import's
batch): the same columns, timeline, deadlines and audit event, from the same rules."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from complaints.cases import deadlines as case_deadlines
from complaints.cases.imported import RegisteredCase, import_case, import_case_row
from complaints.cases.models import Case, CaseEvent, CaseState, Deadline, Outcome, TerminationReason
from complaints.core import audit, confidentiality
from complaints.core import db as core_db
from complaints.core.access import Role
from complaints.core.audit import AuditEvent
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db as _db

from . import factories

# What differs between two cases by construction: their ids, numbers and times of writing.
APART = {"id", "case_id", "entity_id", "case_no", "created_at", "updated_at", "recorded_at",
         "computed_at", "occurred_at", "seq", "hash", "prev_hash", "version"}  # fmt: skip


def _facts(state: CaseState, **kw) -> RegisteredCase:
    values = dict(
        kind=PetitionKind.complaint,
        field=Field.land,
        title="Khiếu nại quyết định thu hồi đất\nsố 12",
        summary="Khiếu nại quyết định thu hồi đất số 12/QĐ-UBND",
        state=state,
        received_on=date(2026, 1, 5),
        accepted_on=date(2026, 1, 10),
        accept_doc_no="1/TB",
    )
    values.update(kw)
    return RegisteredCase(**values)


CASES = [
    _facts(CaseState.accepted),
    _facts(CaseState.verifying, kind=PetitionKind.denunciation),
    _facts(CaseState.sent, outcome=Outcome.partly_upheld, decided_on=date(2026, 2, 20),
           decision_no="5/QĐ", sent_on=date(2026, 2, 25)),
    _facts(CaseState.enforced, kind=PetitionKind.denunciation, outcome=Outcome.upheld,
           decided_on=date(2026, 3, 2), decision_no="7/KL", sent_on=date(2026, 3, 5),
           closed_on=date(2026, 4, 1)),
    _facts(CaseState.suspended, suspended_on=date(2026, 2, 1)),
    _facts(CaseState.terminated, closed_on=date(2026, 2, 15),
           termination_reason=TerminationReason.withdrawn),
]  # fmt: skip


def _stored(case_id: int) -> dict:
    """The case's rows, its number written as "#"."""
    conn = _db.session.connection()
    case_no = conn.scalar(sa.select(Case.case_no).where(Case.id == case_id))

    def plain(value):
        return value.replace(case_no, "#") if isinstance(value, str) else value

    def rows(table, *where, order):
        return [
            {k: plain(v) for k, v in r.items() if k not in APART}
            for r in conn.execute(sa.select(table).where(*where).order_by(order)).mappings()
        ]

    cases, events, deadlines = Case.__table__, CaseEvent.__table__, Deadline.__table__
    audits = AuditEvent.__table__
    return {
        "case": rows(cases, cases.c.id == case_id, order=cases.c.id),
        "events": rows(events, events.c.case_id == case_id, order=events.c.id),
        "deadlines": rows(deadlines, deadlines.c.case_id == case_id, order=deadlines.c.id),
        "audit": rows(
            audits,
            audits.c.entity_type == "case_file",
            audits.c.entity_id == case_id,
            order=audits.c.id,
        ),
    }


@pytest.mark.parametrize("facts", CASES, ids=lambda f: f"{f.kind.value}-{f.state.value}")
def test_a_case_as_rows_stores_what_the_orm_stores(db, province, facts):
    actor = factories.UserFactory(unit=province["province"], roles=[Role.case_handler])
    unit, calendar = province["commune"], case_deadlines.work_calendar()
    data = {"import_id": None, "register_no": "1/2026"}
    through_orm = import_case(
        actor, unit, facts, filename="so.xlsx", event_data=data, calendar=calendar
    )
    with audit.batched(), core_db.deferred_inserts():
        row = import_case_row(
            actor, unit, facts, filename="so.xlsx", event_data=dict(data), calendar=calendar,
            case_id=core_db.IdBlock(Case.__table__, 1).next(),
        )  # fmt: skip
        _db.session.execute(sa.insert(Case.__table__), [row])
        # its protection recomputed as the writer has it (with its petitions, which name it)
        confidentiality.note_inserted(_db.session, cases=[row["id"]])
    _db.session.flush()
    orm, rows = _stored(through_orm.id), _stored(row["id"])
    assert orm["events"] and orm["case"]
    for name, kept in orm.items():
        assert len(rows[name]) == len(kept), name
        for now, then in zip(rows[name], kept, strict=True):
            assert {k: v for k, v in now.items() if v != then[k]} == {
                k: v for k, v in then.items() if v != now[k]
            }, name
    assert row["next_due"] == through_orm.next_due
    assert audit.verify().ok
