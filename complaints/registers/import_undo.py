"""Undoing a failed import: what the batches already committed is deleted (every record made
is listed in register_import_record), the register and case counters are given back, and the
staged rows are ready again. One transaction of its own, committed here."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from complaints.cases.models import Case
from complaints.core import audit
from complaints.core.numbering import RunningNumber
from complaints.extensions import db
from complaints.petitions.models import Petition, PetitionTransfer, RegisterCounter
from complaints.reception.models import ReceptionSession, Visit
from complaints.registers.import_job import chunks
from complaints.registers.models import ImportedCaseKey, ImportedRecord, ImportRow, RegisterImport
from complaints.reports import month_figures
from complaints.units.models import Unit


def undo(job: RegisterImport) -> None:
    """Delete what the committed batches of a failed import made; give the numbers back."""
    made = ImportedRecord
    order = (
        ("transfers", PetitionTransfer),
        ("petitions", Petition),
        ("cases", Case),
        ("visits", Visit),
        ("sessions", ReceptionSession),
    )
    try:
        for entity, model in order:
            ids = db.session.scalars(
                sa.select(made.entity_id).where(
                    made.import_id == job.id, made.entity_type == entity
                )
            ).all()
            for chunk in chunks(list(ids)):
                if model is Case:
                    going = sa.select(*(Case.__table__.c[c] for c in month_figures.CASE_COLUMNS))
                    month_figures.rows_changed(
                        db.session, db.session.execute(going.where(Case.id.in_(chunk))).mappings()
                    )
                    db.session.execute(
                        sa.delete(ImportedCaseKey).where(ImportedCaseKey.case_id.in_(chunk))
                    )
                    db.session.execute(
                        sa.update(Case)
                        .where(Case.parent_case_id.in_(chunk))
                        .values(parent_case_id=None)
                    )
                if model is Petition:
                    # Links to the petitions going: a copy's sender, a transfer either way.
                    db.session.execute(
                        sa.delete(PetitionTransfer).where(
                            PetitionTransfer.sender_petition_id.in_(chunk)
                            | PetitionTransfer.receiver_petition_id.in_(chunk)
                        ),
                        execution_options={"synchronize_session": False},
                    )
                    db.session.execute(
                        sa.update(Petition)
                        .where(Petition.forwarded_from_id.in_(chunk))
                        .values(forwarded_from_id=None),
                        execution_options={"synchronize_session": False},
                    )
                if model is ReceptionSession:
                    # Only sessions left without visits: others' visits may have joined them.
                    empty = (
                        ~sa.select(Visit.id).where(Visit.session_id == ReceptionSession.id).exists()
                    )
                    db.session.execute(
                        sa.delete(model).where(model.id.in_(chunk), empty),
                        execution_options={"synchronize_session": False},
                    )
                    continue
                db.session.execute(
                    sa.delete(model).where(model.id.in_(chunk)),
                    execution_options={"synchronize_session": False},
                )
        _restore_counters(job)
        db.session.execute(sa.delete(made).where(made.import_id == job.id))
        db.session.execute(
            sa.update(ImportRow)
            .where(ImportRow.import_id == job.id, ImportRow.state == "done")
            .values(state="ok"),
            execution_options={"synchronize_session": False},
        )
        job.imported_rows, job.created_counts = 0, {}
        audit.record(
            "register_import.undone",
            job,
            actor=job.created_by,
            unit_id=job.default_unit_id or job.scope_unit_id,
            summary=f"Hoàn tác lượt nhập tệp {job.filename}: không giữ lại bản ghi nào",
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("register import %s: undo failed", job.id)
        job = db.session.get(RegisterImport, job.id)
        job.message = "Không hoàn tác được hết các bản ghi đã nhập: hãy báo quản trị."
        db.session.commit()


def _restore_counters(job: RegisterImport) -> None:
    for slot, before in (job.counters_before or {}).items():
        series, unit_id, year = slot.split(":")
        unit_id, year = int(unit_id), int(year)
        if series == "register":
            highest = db.session.scalar(
                sa.select(sa.func.max(Petition.register_seq)).where(
                    Petition.unit_id == unit_id, Petition.register_year == year
                )
            )
            row = db.session.get(RegisterCounter, (unit_id, year))
            if row is not None:
                row.last_seq = max(before or 0, highest or 0)
        else:
            prefix = db.session.scalar(sa.select(Unit.code).where(Unit.id == unit_id))
            numbers = db.session.scalars(
                sa.select(Case.case_no).where(Case.case_no.like(f"VV-{prefix}-{year}-%"))
            ).all()
            highest = max(
                (int(n.rsplit("-", 1)[1]) for n in numbers if n.rsplit("-", 1)[1].isdigit()),
                default=0,
            )
            row = db.session.get(RunningNumber, ("case", unit_id, year))
            if row is not None:
                row.last_value = max(before or 0, highest)
    job.counters_before = {}
