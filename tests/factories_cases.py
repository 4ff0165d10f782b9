"""Factories for petitions in processing and for cases (built the way the operations do)."""

from __future__ import annotations

from datetime import date
from itertools import count

import sqlalchemy as sa

from complaints.cases.models import Case, Deadline, open_duty
from complaints.core.vocab import Field, PetitionKind
from complaints.extensions import db
from complaints.petitions.models import Petition, PetitionSender, PetitionSource

_seq = count(1)


def petition(
    unit,
    *,
    kind=PetitionKind.complaint,
    received=date(2026, 3, 2),
    summary="Khiếu nại quyết định thu hồi đất số 12/QĐ-UBND của UBND phường",
    senders=(("Nguyễn Văn An", "Số 5 Lê Lợi, phường Lê Chân", "031085001234"),),
    anonymous=False,
    field=Field.land,
) -> Petition:
    """A registered petition, numbered outside the counter (tests of processing only)."""
    n = next(_seq)
    p = Petition(
        unit_id=unit.id,
        register_year=received.year,
        register_seq=10_000 + n,
        register_no=f"T-{unit.code}-{received.year}-{n:05d}",
        received_date=received,
        source=PetitionSource.post,
        kind=kind,
        field=field,
        summary=summary,
        signatory_count=max(1, len(senders)),
        anonymous=anonymous,
        denounced=kind == PetitionKind.denunciation,
        search_text=summary.lower(),
        ineligible_reasons=[],
    )
    p.senders = [
        PetitionSender(position=i, full_name=n_, address=a, identity_no=i_)
        for i, (n_, a, i_) in enumerate(senders)
    ]
    db.session.add(p)
    db.session.flush()
    return p


def next_due_mismatches() -> list[tuple]:
    """Cases whose stored next_due is not the nearest due date of the duties they owe, as
    SQL computes it from the deadlines: (case number, stored, computed) for each."""
    owed = (
        sa.select(sa.func.min(Deadline.due))
        .where(Deadline.case_id == Case.id, open_duty())
        .correlate(Case)
        .scalar_subquery()
    )
    rows = db.session.execute(sa.select(Case.case_no, Case.next_due, owed)).all()
    return [tuple(r) for r in rows if r[1] != r[2]]
