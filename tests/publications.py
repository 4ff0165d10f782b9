"""Registers rebuilt from published reports: a Publication gives the figures a province printed,
and build() writes the records (sessions and visits, petitions, cases) that a unit keeping its
registers in the app would hold, so that the app's reports can be compared with the publication.

Records are written in bulk (no operation, no deadline): what is under test is what the reports
count, not how the records came to be. Figures the publication does not give are chosen so that
every identity of the catalogue holds; the tests assert only what was published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from complaints.cases.models import Case, CaseState, Outcome, TerminationReason
from complaints.core.vocab import Field, PetitionKind
from complaints.petitions.models import Petition, PetitionSource, PetitionStatus, ProcessingOutcome
from complaints.reception.models import (
    HostMode,
    Medium,
    ReceptionSession,
    SessionKind,
    SessionStatus,
    Visit,
    VisitOutcome,
)
from complaints.reports.periods import Period
from complaints.units.models import UnitLevel

from . import factories


@dataclass
class Competence:
    """The cases of one kind (complaints or denunciations) within the unit's competence."""

    carried: int = 0  # accepted before the period, still open at its start
    new: int = 0  # accepted in the period
    upheld: int = 0
    partly_upheld: int = 0
    rejected: int = 0
    withdrawn: int = 0
    terminated: int = 0  # đình chỉ for another reason
    # Petitions beyond one per case: first added to resolved cases (up to resolved_petitions),
    # then to the others.
    petitions: int | None = None  # None: one petition per case
    resolved_petitions: int | None = None

    @property
    def cases(self) -> int:
        return self.carried + self.new

    @property
    def resolved(self) -> int:
        return self.upheld + self.partly_upheld + self.rejected + self.withdrawn

    @property
    def still_open(self) -> int:
        return self.cases - self.resolved - self.terminated


@dataclass
class Reception:
    visits: int = 0
    people: int = 0
    delegations: int = 0  # visits of a delegation (đoàn đông người), 5 people each or more
    delegation_people: int = 0


@dataclass
class Publication:
    """What a province published for a period; see each test's docstring for the source."""

    name: str
    period: Period
    regular: Reception = field(default_factory=Reception)
    periodic: Reception = field(default_factory=Reception)
    adhoc: Reception = field(default_factory=Reception)
    carried_petitions: int = 0  # received before the period, unprocessed at its start
    received_petitions: int = 0
    # Eligible petitions by kind (complaints and denunciations include their cases' petitions).
    eligible: dict[str, int] = field(default_factory=dict)
    guide: int = 0
    transfer: int = 0
    urge: int = 0
    complaint: Competence = field(default_factory=Competence)
    denunciation: Competence = field(default_factory=Competence)


# The columns of a visit row written in bulk: guided, nothing else recorded.
VISIT_BLANKS = dict(
    previous_resolver="",
    outcome=VisitOutcome.guided,
    outcome_body="",
    outcome_doc_no="",
    refusal_detail="",
    documents_received="",
    follow_up="",
    note="",
    search_text="",
    version=1,
)

# The columns of a case row written in bulk that these registers leave empty.
CASE_BLANKS = dict(
    decision_summary="",
    withdrawn_contents=[],
    money_to_recover=0,
    money_to_return=0,
    land_to_recover_m2=0,
    land_to_return_m2=0,
    people_to_discipline=0,
    money_recovered=0,
    land_recovered_m2=0,
    search_text="",
    version=1,
)


def _spread(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (i < extra) for i in range(parts)]


class _Writer:
    def __init__(self, db, unit, period: Period):
        self.s = db.session
        self.unit = unit
        self.period = period
        self.days = (period.end - period.start).days + 1
        self.petitions: list[dict] = []
        self.seq = 0

    def day(self, i: int) -> date:
        return self.period.start + timedelta(days=i % self.days)

    def petition(self, received: date, kind: PetitionKind, **extra) -> dict:
        self.seq += 1
        row = dict(
            unit_id=self.unit.id,
            register_year=received.year,
            register_seq=self.seq,
            register_no=f"{self.unit.code}-{self.seq:06d}",
            received_date=received,
            source=PetitionSource.post,
            source_body="",
            source_doc_no="",
            kind=kind,
            field=Field.land,
            summary="Đơn",
            signatory_count=1,
            anonymous=False,
            status=PetitionStatus.registered,
            search_text="",
            version=1,
            eligible=None,
            ineligible_reasons=[],
            competent=None,
            outcome=None,
            outcome_body="",
            outcome_doc_no="",
            outcome_date=None,
            processing_note="",
            case_id=None,
        )
        row.update(extra)
        if row["outcome_date"] is not None:
            row["status"] = PetitionStatus.processed
        self.petitions.append(row)
        return row


def _sessions_and_visits(w: _Writer, pub: Publication) -> None:
    kinds = (
        (SessionKind.regular, pub.regular),
        (SessionKind.periodic, pub.periodic),
        (SessionKind.adhoc, pub.adhoc),
    )
    for kind, rec in kinds:
        if not rec.visits:
            continue
        sid = w.s.execute(
            sa.insert(ReceptionSession).returning(ReceptionSession.id),
            [
                dict(
                    unit_id=w.unit.id,
                    kind=kind,
                    session_date=w.period.start,
                    place="Trụ sở",
                    host_mode=None if kind is SessionKind.regular else HostMode.in_person,
                    host_name="Lãnh đạo",
                    host_title="",
                    medium=Medium.onsite,
                    status=SessionStatus.held,
                    status_reason="",
                    conclusion="",
                    version=1,
                )
            ],
        ).scalar_one()
        # Delegations first, their people spread over them; then the rest, one or more each.
        people = _spread(rec.delegation_people, rec.delegations) if rec.delegations else []
        others = rec.visits - rec.delegations
        people += _spread(rec.people - rec.delegation_people, others) if others else []
        assert all(p >= 1 for p in people), f"{pub.name}: too few people for the visits"
        visits = [
            dict(
                session_id=sid,
                unit_id=w.unit.id,
                visit_date=w.period.start,
                kind=PetitionKind.complaint,
                content="Khiếu nại",
                people_count=n,
                is_delegation=i < rec.delegations,
                is_repeat=False,
                **VISIT_BLANKS,
            )
            for i, n in enumerate(people)
        ]
        w.s.execute(sa.insert(Visit), visits)


def _case_rows(w: _Writer, kind: PetitionKind, c: Competence) -> list[tuple[dict, str]]:
    """The cases of a kind, each with what happened to it in the period."""
    fates = (
        ["upheld"] * c.upheld
        + ["partly_upheld"] * c.partly_upheld
        + ["rejected"] * c.rejected
        + ["withdrawn"] * c.withdrawn
        + ["terminated"] * c.terminated
    )
    fates += ["open"] * (c.cases - len(fates))
    assert c.still_open >= 0, "more cases ended than there are"
    rows = []
    for i in range(c.cases):
        carried = i < c.carried
        fate = fates[i]
        accepted = w.period.start - timedelta(days=30) if carried else w.day(i)
        ended = min(max(accepted, w.period.start) + timedelta(days=20), w.period.end)
        decided = fate in ("upheld", "partly_upheld", "rejected")
        closed = fate in ("withdrawn", "terminated")
        row = dict(
            unit_id=w.unit.id,
            received_unit_id=w.unit.id,
            case_no=f"VV-{w.unit.code}-{kind.value[:2]}-{i:05d}",
            kind=kind,
            round=1,
            field=Field.land,
            title="Vụ việc",
            summary="",
            state=(
                CaseState.decided
                if decided
                else CaseState.terminated
                if closed
                else CaseState.verifying
            ),
            received_on=accepted - timedelta(days=5),
            accepted_on=accepted,
            accept_doc_no="TB",
            complexity="normal",
            complexity_criteria=[],
            remote_area=False,
            extensions=0,
            suspended_days=0,
            outcome=Outcome(fate) if decided else None,
            decided_on=ended if decided else None,
            closed_on=ended if closed else None,
            termination_reason=(
                TerminationReason.withdrawn
                if fate == "withdrawn"
                else TerminationReason.other
                if fate == "terminated"
                else None
            ),
            decision_no="QĐ" if decided else "",
            **CASE_BLANKS,
        )
        rows.append((row, fate))
    return rows


def _competence(w: _Writer, kind: PetitionKind, c: Competence) -> int:
    """Write a kind's cases and their petitions; return how many of those petitions the
    period's petition figures count (those of the new cases)."""
    if not c.cases:
        return 0
    rows = _case_rows(w, kind, c)
    w.s.execute(sa.insert(Case), [r for r, _ in rows])
    ids = w.s.scalars(
        sa.select(Case.id)
        .where(Case.unit_id == w.unit.id, Case.kind == kind)
        .order_by(Case.case_no)
    ).all()
    # Extra petitions: to the resolved cases first, as many as resolved_petitions asks.
    petitions = c.cases if c.petitions is None else c.petitions
    resolved_petitions = c.resolved if c.resolved_petitions is None else c.resolved_petitions
    copies = [1] * c.cases
    resolved_idx = [i for i, (_, f) in enumerate(rows) if f not in ("open", "terminated")]
    other_idx = [i for i, (_, f) in enumerate(rows) if f in ("open", "terminated")]
    for n, i in enumerate(resolved_idx):
        copies[i] += _spread(resolved_petitions - c.resolved, len(resolved_idx))[n]
    rest = petitions - sum(copies)
    assert rest >= 0, "fewer petitions than cases"
    for n, i in enumerate(other_idx or resolved_idx):
        copies[i] += _spread(rest, len(other_idx or resolved_idx))[n]
    counted = 0
    for i, ((row, _), case_id) in enumerate(zip(rows, ids, strict=True)):
        carried = i < c.carried
        for _ in range(copies[i]):
            w.petition(
                row["received_on"] if carried else max(row["received_on"], w.period.start),
                kind,
                eligible=True,
                competent=True,
                outcome=ProcessingOutcome.accept,
                outcome_date=row["accepted_on"],
                case_id=case_id,
            )
            counted += not carried
    return counted


def build(db, pub: Publication, *, code: str = "PUB", name: str | None = None):
    """The province's unit and its registers for the publication's period."""
    unit = factories.UnitFactory(
        code=code, name=name or f"UBND {pub.name}", level=UnitLevel.province
    )
    w = _Writer(db, unit, pub.period)
    _sessions_and_visits(w, pub)
    in_cases = {
        PetitionKind.complaint: _competence(w, PetitionKind.complaint, pub.complaint),
        PetitionKind.denunciation: _competence(w, PetitionKind.denunciation, pub.denunciation),
    }
    # The other eligible petitions: first not within competence (guided, transferred, urged),
    # kind by kind; what is left of a kind is within competence without a case of complaint or
    # denunciation (recommendations answered, feedback).
    not_competent = (
        [ProcessingOutcome.guide] * pub.guide
        + [ProcessingOutcome.transfer] * pub.transfer
        + [ProcessingOutcome.urge] * pub.urge
    )
    left = {k: pub.eligible.get(k.value, 0) - in_cases.get(k, 0) for k in PetitionKind}
    assert all(n >= 0 for n in left.values()), f"{pub.name}: eligible below the cases' petitions"
    assert len(not_competent) <= sum(left.values()), f"{pub.name}: not enough eligible petitions"
    i = 0
    for kind in PetitionKind:
        for _ in range(left[kind]):
            day = w.day(len(w.petitions))
            if i < len(not_competent):
                w.petition(day, kind, eligible=True, competent=False, outcome=not_competent[i])
                w.petitions[-1]["outcome_date"] = day
                w.petitions[-1]["status"] = PetitionStatus.processed
            else:
                w.petition(
                    day,
                    kind,
                    eligible=True,
                    competent=True,
                    outcome=ProcessingOutcome.accept,
                    outcome_date=day,
                )
            i += 1
    # The carried-over petitions of the period, then the rest of those received: filed as not
    # eligible (trùng lặp, nặc danh...).
    carried_left = pub.carried_petitions
    for row in w.petitions:
        if carried_left and row["case_id"] is None:
            row["received_date"] = pub.period.start - timedelta(days=3)
            row["register_year"] = row["received_date"].year
            carried_left -= 1
    for _ in range(carried_left):
        w.petition(pub.period.start - timedelta(days=3), PetitionKind.feedback)
    counted = len(w.petitions) - sum(
        1 for r in w.petitions if r["received_date"] < pub.period.start
    )
    filed = pub.received_petitions - counted
    assert filed >= 0, f"{pub.name}: more petitions written than received ({counted})"
    for n in range(filed):
        day = w.day(n)
        w.petition(
            day,
            PetitionKind.feedback,
            eligible=False,
            ineligible_reasons=["anonymous"],
            outcome=ProcessingOutcome.file,
            outcome_date=day,
        )
    w.s.execute(sa.insert(Petition), w.petitions)
    w.s.flush()
    return unit
