"""The import's visits: a staged row of the reception log recorded through the reception
feature's rules, in a session of its unit and day (found, or made for the import). Called by
import_batches.BatchWriter, one row at a time.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from complaints.core.vocab import PetitionKind
from complaints.extensions import db
from complaints.reception import operations as reception_ops
from complaints.reception.models import (
    ReceptionSession,
    RefusalGround,
    SessionKind,
    Visit,
    VisitOutcome,
)
from complaints.registers import layout as L
from complaints.registers import record_cells, visit_rows
from complaints.registers.import_job import ImportProblem
from complaints.registers.models import ImportRow
from complaints.registers.rows import Cells
from complaints.units.models import Unit

if TYPE_CHECKING:
    from complaints.registers.import_batches import BatchWriter


def logged_visits(unit_code: str, day: date) -> Counter:
    """Fingerprints of the visits a unit's log already has on a day (as the import reads rows)."""
    visits = db.session.scalars(
        sa.select(Visit)
        .join(Unit, Visit.unit_id == Unit.id)
        .where(Unit.code == unit_code, Visit.visit_date == day)
        .options(selectinload(Visit.persons), joinedload(Visit.session), joinedload(Visit.unit))
    ).all()
    counts: Counter = Counter()
    mapping = {c.field: i for i, c in enumerate(L.RECEPTION_COLUMNS)}
    for visit in visits:
        codes = {visit.unit_id: (unit_code, visit.unit.name, "")}
        cells = record_cells.visit_cells(visit, codes)
        parsed = visit_rows.parse_visit(
            0, Cells(cells, mapping), default_unit=unit_code, today=date.max
        )
        if not parsed.errors and not parsed.empty:
            counts[parsed.key] += 1
    return counts


def write_visit(batch: BatchWriter, row: ImportRow) -> bool:
    """Record a staged visit in a session of its unit and day; False when the log has it."""
    d = row.data
    unit = batch.unit(d["unit_code"])
    day = date.fromisoformat(d["visit_date"])
    group = (d["unit_code"], day)
    if group not in batch.visit_keys:
        batch.visit_keys[group] = logged_visits(d["unit_code"], day)
    if batch.visit_keys[group][row.key] >= row.occurrence:
        return False
    session = _session_for(batch, unit, day, SessionKind(d["session_kind"]))
    data = reception_ops.VisitData(
        kind=PetitionKind(d["kind"]),
        content=d["content"],
        outcome=VisitOutcome(d["outcome"]),
        persons=[
            reception_ops.PersonData(
                full_name=name, address=address, identity_no=identity, is_representative=rep
            )
            for name, address, identity, rep in d["persons"]
        ],
        people_count=d["people_count"],
        is_delegation=d["is_delegation"],
        is_repeat=d["is_repeat"],
        previous_resolver=d["previous_resolver"],
        competent=d["competent"],
        outcome_body=d["outcome_body"],
        outcome_doc_no=d["outcome_doc_no"],
        refusal_ground=RefusalGround(d["refusal_ground"]) if d["refusal_ground"] else None,
        refusal_detail=d["refusal_detail"],
        follow_up=d["follow_up"],
        note=d["note"],
    )
    problems = reception_ops.visit_problems(data)
    if problems:
        raise ImportProblem(f"Dòng {row.line}: {problems[0][1]} Không có dòng nào được nhập.")
    visit = reception_ops.record_logged_visit(batch.actor_id, session, data)
    batch.made_record("visits", visit.id)
    batch.visit_keys[group][row.key] += 1
    return True


def _session_for(batch: BatchWriter, unit: Unit, day: date, kind: SessionKind) -> ReceptionSession:
    """The held (or planned) session of the unit, day and kind, or one made for the import."""
    key = (unit.id, day, kind)
    if key not in batch.sessions:
        session, new = reception_ops.session_for_log(batch.actor_id, unit, day, kind)
        if new:
            batch.made_record("sessions", session.id)
        batch.sessions[key] = session
    return batch.sessions[key]
